"""``caunoi cache export|import``: move embedding vectors between databases.

The sample ecosystem ships ``profiles/ecosystem.vectors.npz`` (made with ``cache export``) so
that ``caunoi demo`` starts without embedding its 428 profiles first. A cache file holds vectors of
one model, keyed like the cache itself (text hash, role); importing one with another model's
name is refused.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from web.cli.context import CliError, Context, pass_ctx
from web.db.pool import Database
from web.matching.embedding import make_embedder
from web.store.vectors import select_model_vectors, upsert_vectors


def read_cache_file(path: Path) -> tuple[str, list[str], list[str], np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            model = str(data["model"])
            return model, [str(h) for h in data["text_hash"]], [str(r) for r in data["role"]], data["vectors"]
    except (OSError, KeyError, ValueError) as exc:
        raise CliError(f"{path}: not a Cầu Nối cache file: {exc}") from None


def seed_cache(db: Database, path: Path, model: str) -> int:
    """Load a cache file's vectors into the database if they are ``model``'s; return how many."""
    file_model, hashes, roles, vectors = read_cache_file(path)
    if file_model != model:
        return 0
    with db.connection() as conn, conn.transaction():
        upsert_vectors(conn, (((h, r, model), v) for h, r, v in zip(hashes, roles, vectors, strict=True)))
    return len(hashes)


@click.group("cache")
def cache_group() -> None:
    """Embedding cache files (export from one database, import into another)."""


@cache_group.command("export")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
@pass_ctx
def cache_export(ctx: Context, output: Path) -> None:
    """Write every cached vector of the configured model to an .npz file."""
    model = make_embedder(ctx.settings).name
    with ctx.connection() as conn:
        rows = select_model_vectors(conn, model)
    if not rows:
        raise CliError(f"no cached vectors for model {model}")
    np.savez_compressed(output, model=np.array(model), text_hash=np.array([h for h, _, _ in rows]),
                        role=np.array([r for _, r, _ in rows]), vectors=np.stack([v for _, _, v in rows]))
    click.echo(f"exported {len(rows)} vectors of {model} to {output}")


@cache_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@pass_ctx
def cache_import(ctx: Context, file: Path) -> None:
    """Load vectors from an .npz file made by `cache export` (same model only)."""
    model = make_embedder(ctx.settings).name
    n = seed_cache(ctx.db, file, model)
    if n == 0:
        raise CliError(f"{file} holds vectors of model {read_cache_file(file)[0]}, not of {model}")
    click.echo(f"imported {n} vectors of {model}")


COMMANDS = [cache_group]

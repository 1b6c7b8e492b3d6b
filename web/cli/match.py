"""``caunoi match``, ``caunoi search`` and ``caunoi eval``: the engine over the stored profiles.

The engine is fitted on every published profile. Texts not yet embedded are embedded first
(with a progress bar) into the PostgreSQL cache, so a second run embeds nothing.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from matcher.engine import Engine
from matcher.evaluation import engine_ranker, evaluate
from matcher.render import render_explanation
from matcher.results import Match
from web.cli.context import CliError, Context, emit_json, pass_ctx
from web.matching.embedding import embed_records, make_embedder
from web.matching.engine_config import build_engine
from web.store import profiles as store

EMBED_CHUNK = 16


def fitted_engine(ctx: Context, quiet: bool = False) -> Engine:
    """Embed what is missing (progress on stderr), then fit on every published profile."""
    embedder = make_embedder(ctx.settings)
    with ctx.connection() as conn:
        records = store.list_published_records(conn)
    if not records:
        raise CliError("no profiles are stored; run `caunoi import FILE` first")
    from tqdm import tqdm

    with tqdm(total=len(records), unit="profile", desc="embedding", file=sys.stderr,
              disable=quiet or None, leave=False) as bar:
        for start in range(0, len(records), EMBED_CHUNK):
            chunk = records[start : start + EMBED_CHUNK]
            with ctx.connection() as conn, conn.transaction():
                embed_records(conn, embedder, chunk)
            bar.update(len(chunk))
    return build_engine(ctx.settings, ctx.db).fit(records)


def _names(ctx: Context) -> dict[str, str]:
    with ctx.connection() as conn:
        return {r.id: r.name for r in store.list_profiles(conn)}


def _print_matches(ctx: Context, engine: Engine, query: str, matches: list[Match], lang: str) -> None:
    names = _names(ctx)
    click.echo(f"{query} — {names.get(query, '')}")
    for rank, m in enumerate(matches, start=1):
        click.echo(f"\n{rank:>3}. {m.id}  {names.get(m.id, '')}  fit {m.fit:.0f}  score {m.score:.3f}")
        explanation = m.explanation if m.explanation is not None else engine.explain(query, m.id)
        for line in render_explanation(explanation, lang).splitlines()[1:]:
            click.echo(f"     {line}")


@click.command("match")
@click.argument("profile_id", required=False)
@click.option("--top", type=click.IntRange(1, 10_000), default=10, show_default=True)
@click.option("--candidates", default=None, help="Comma-separated ids: rank exactly these and return every one.")
@click.option("--all", "all_profiles", is_flag=True, help="Every profile: one JSON line each (with --json).")
@click.option("--lang", type=click.Choice(["en", "vi"]), default="en", show_default=True,
              help="Language of the human-readable explanations.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def match_cmd(ctx: Context, profile_id: str | None, top: int, candidates: str | None, all_profiles: bool,
              lang: str, as_json: bool) -> None:
    """Ranked, explained partner proposals for PROFILE_ID (or --all profiles)."""
    if all_profiles == bool(profile_id):
        raise CliError("give either a PROFILE_ID or --all")
    engine = fitted_engine(ctx, quiet=False)
    if all_profiles:
        for pid in sorted(engine.ids_):
            matches = [m.to_dict() for m in engine.rank(pid, k=top)]
            line = {"id": pid, "matches": matches}
            if as_json:
                click.echo(json.dumps(line, ensure_ascii=False))
            else:
                click.echo(f"{pid}: " + ", ".join(f"{m['id']} ({m['fit']:.0f})" for m in matches))
        return
    assert profile_id is not None
    if profile_id not in engine.index_.row_of:
        raise CliError(f"no profile with id {profile_id!r}")
    try:
        if candidates is not None:
            ids = [c.strip() for c in candidates.split(",") if c.strip()]
            results = engine.rank_candidates(profile_id, ids)
        else:
            results = engine.rank(profile_id, k=top)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    if as_json:
        emit_json({"id": profile_id, "matches": [m.to_dict() for m in results]})
    else:
        _print_matches(ctx, engine, profile_id, results, lang)


@click.command("search")
@click.argument("text")
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def search_cmd(ctx: Context, text: str, top: int, as_json: bool) -> None:
    """Free-text semantic + lexical search (Vietnamese or English) over the profiles."""
    if not text.strip():
        raise CliError("the search text is empty")
    engine = fitted_engine(ctx)
    results = engine.search(text, k=top)
    if as_json:
        emit_json({"q": text, "results": [m.to_dict() for m in results]})
        return
    names = _names(ctx)
    for rank, m in enumerate(results, start=1):
        click.echo(f"{rank:>3}. {m.id:<40} {names.get(m.id, '')}  ({m.score:.3f})")


def load_gold(path: Path) -> dict[str, dict[str, int]]:
    try:
        gold = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"{path}: cannot read the gold file: {exc}") from None
    if not isinstance(gold, dict) or not all(
        isinstance(v, dict) and all(isinstance(g, int | float) for g in v.values()) for v in gold.values()
    ):
        raise CliError(f"{path}: expected {{query_id: {{candidate_id: grade}}}}")
    return {q: {c: int(g) for c, g in v.items()} for q, v in gold.items()}


@click.command("eval")
@click.argument("gold_file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True, help="k of NDCG@k and Recall@k.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def eval_cmd(ctx: Context, gold_file: Path, top: int, as_json: bool) -> None:
    """NDCG@k, Recall@k and MRR of the engine on a labelled set {query: {candidate: grade}}."""
    gold = load_gold(gold_file)
    engine = fitted_engine(ctx)
    fitted = set(engine.ids_)
    missing = sorted(q for q in gold if q not in fitted)
    if missing:
        raise CliError(f"{len(missing)} gold queries are not stored profiles, e.g. {', '.join(missing[:5])}")
    started = time.monotonic()
    result = evaluate(gold, engine_ranker(engine), k=top)
    seconds = time.monotonic() - started
    if as_json:
        emit_json({"k": top, "queries": len(result.rows), "profiles": len(fitted), **result.as_dict(),
                   "seconds": round(seconds, 3), "per_query": result.rows})
        return
    click.echo(f"{len(result.rows)} queries over {len(fitted)} profiles ({seconds:.1f} s)")
    for name, value in result.as_dict().items():
        click.echo(f"  {name:<10} {value:.4f}")
    click.echo("\nper query (worst first):")
    for row in sorted(result.rows, key=lambda r: r[f"ndcg@{top}"]):
        click.echo(f"  {row['query']:<44} ndcg {row[f'ndcg@{top}']:.3f}  recall {row[f'recall@{top}']:.2f}  "
                   f"mrr {row['mrr']:.2f}")


COMMANDS = [match_cmd, search_cmd, eval_cmd]

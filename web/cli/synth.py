"""``caunoi synth``: synthetic profiles for benchmarks."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np

from matcher.synth import random_vectors, synthesize
from web.cli.context import CliError
from web.interchange.importer import ImportFailed, load_files
from web.interchange.samples import REPO_PROFILES, sample_files


@click.command("synth")
@click.option("--n", "n", type=int, required=True, help="How many profiles.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="JSON Lines file to write.")
@click.option("--profiles", "folder", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Sample ecosystem to draw the vocabulary from [default: the repository's profiles/].")
@click.option("--random-vectors", "random_vecs", is_flag=True,
              help="BENCHMARKS ONLY: also write OUTPUT.vectors.npy with random low-rank unit vectors (no model).")
@click.option("--seed", type=int, default=0, show_default=True)
def synth_cmd(n: int, output: Path, folder: Path | None, random_vecs: bool, seed: int) -> None:
    """Write N realistic synthetic profiles (import format) recombined from the sample ecosystem."""
    if n <= 0:
        raise CliError("--n must be positive")
    folder = folder or REPO_PROFILES
    files = sample_files(folder)
    if not files:
        raise CliError(f"no ecosystem*.jsonl sample files in {folder}")
    try:
        samples = load_files(files)
    except ImportFailed as exc:
        raise CliError("the sample data is invalid: " + str(exc.problems[0])) from None
    records = synthesize(samples, n, random_state=seed)
    with output.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    click.echo(f"wrote {n} synthetic profiles to {output}", err=True)
    if random_vecs:
        path = output.with_name(output.name + ".vectors.npy")
        np.save(path, random_vectors(n, random_state=seed))
        click.echo(f"wrote random vectors (benchmarks only) to {path}", err=True)


COMMANDS = [synth_cmd]

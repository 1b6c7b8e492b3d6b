"""Diacritics restoration and unaccented-Vietnamese detection (matcher.accents) against pyvi alone.

    python bench/bench_accents.py [--crf-weight W] [--lm-weight W] [--prior-weight W]

Restoration: each Vietnamese line with its marks stripped (case kept) is restored by pyvi's
``add_accents`` and by ``matcher.accents``; syllable accuracy counts word tokens equal to the
original (case-insensitive), word accuracy counts the words of pyvi's segmentation of the original
whose syllables are all right. Sets: tatoeba dev.vie, IWSLT tst2012.vi (read from ../shared/evaldata,
never trained on) and a held-out fifth of the project's Vietnamese profile sentences (that row only
uses a model counted from the other four fifths; counting it fetches underthesea's wheel, see
scripts/build-accents-model). Detection: share of stripped Vietnamese lines
found (recall), of English and of accented Vietnamese lines wrongly flagged; share of English lines
a restoration changes when they sit in a text taken for unaccented Vietnamese. Time per 100 words on
the stripped IWSLT lines, one process.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyvi import ViTokenizer, ViUtils  # noqa: E402

from bench.common import ROOT, load_builder, machine  # noqa: E402
from matcher import accents  # noqa: E402
from matcher.messy import strip_half  # noqa: E402

EVAL = ROOT.parent / "shared" / "evaldata"
_WORD = re.compile(r"\w+")


def read_lines(path: Path) -> list[str]:
    return [html.unescape(line.strip()) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def accuracy(restore: Callable[[str], str], gold: list[str]) -> tuple[float, float, float]:
    """(syllable accuracy, word accuracy, ms per 100 words) of ``restore`` on stripped ``gold``."""
    stripped = [accents.strip_marks(g) for g in gold]
    start = time.perf_counter()
    restored = [restore(s) for s in stripped]
    elapsed = time.perf_counter() - start
    n_words = sum(len(s.split()) for s in stripped)
    syl_ok = syl_all = word_ok = word_all = 0
    for g, r in zip(gold, restored, strict=True):
        g_tokens, r_tokens = _WORD.findall(g.lower()), _WORD.findall(r.lower())
        if len(g_tokens) != len(r_tokens):  # pyvi sometimes changes tokens: count the line as wrong
            r_tokens = [""] * len(g_tokens)
        right = [a == b for a, b in zip(g_tokens, r_tokens, strict=True)]
        syl_ok, syl_all = syl_ok + sum(right), syl_all + len(right)
        k = 0
        for word in ViTokenizer.tokenize(g).split():
            n = len(_WORD.findall(word))
            if n:
                word_ok, word_all = word_ok + all(right[k : k + n]), word_all + 1
            k += n
    return syl_ok / syl_all, word_ok / word_all, 1000 * elapsed / n_words * 100


def half_stripped(restorer: accents.Restorer, gold: list[str]) -> tuple[float, float, float]:
    """(share of ``strip_half`` lines detected, share of their stripped words right after
    restoring the detected lines, the same within the detected lines)."""
    ok = total = ok_found = total_found = found = 0
    for g in gold:
        half = strip_half(g)
        detected = restorer.is_unaccented(half)
        found += detected
        out = restorer.restore(half) if detected else half
        g_tokens, o_tokens, h_tokens = (_WORD.findall(t.lower()) for t in (g, out, half))
        if len(o_tokens) != len(g_tokens):
            o_tokens = [""] * len(g_tokens)
        for a, b, c in zip(g_tokens, o_tokens, h_tokens, strict=True):
            if a != c:  # a word that had marks and lost them
                total, ok = total + 1, ok + (a == b)
                total_found, ok_found = total_found + detected, ok_found + (detected and a == b)
    return found / len(gold), ok / max(total, 1), ok_found / max(total_found, 1)


def held_out_profiles(builder) -> tuple[list[dict], list[str]]:
    """(training profiles, Vietnamese sentences of the held-out fifth): every fifth profile by id."""
    profiles = sorted(builder.load_profiles(), key=lambda p: p["id"])
    held = [p for i, p in enumerate(profiles) if i % 5 == 0]
    train = [p for i, p in enumerate(profiles) if i % 5 != 0]
    sentences = []
    for p in held:
        texts = [p.get("description", ""), p.get("offers", ""), p.get("needs", "")]
        texts += [d.get("text", "") for d in p.get("documents", [])]
        sentences += [s for t in texts for s in builder.split_sentences(t) if builder.is_vietnamese(s)]
    return train, sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crf-weight", type=float, default=accents.CRF_WEIGHT)
    parser.add_argument("--lm-weight", type=float, default=accents.LM_WEIGHT)
    parser.add_argument("--prior-weight", type=float, default=accents.PRIOR_WEIGHT)
    args = parser.parse_args()
    builder = load_builder()
    crf = accents.CrfWeights.from_pyvi()
    shipped = accents.load_counts(ROOT / "matcher" / "data" / "accents-lm.json.gz")
    ours = accents.Restorer(shipped, crf, args.crf_weight, args.lm_weight, args.prior_weight)
    train, held = held_out_profiles(builder)
    ours_80 = accents.Restorer(builder.build_counts(train), crf, args.crf_weight, args.lm_weight, args.prior_weight)
    sets = {
        "tatoeba dev": (read_lines(EVAL / "tatoeba-vie-eng-dev" / "dev.vie"), read_lines(EVAL / "tatoeba-vie-eng-dev" / "dev.eng"), ours),
        "IWSLT tst2012": (read_lines(EVAL / "iwslt15-en-vi-tst2012" / "tst2012.vi"), read_lines(EVAL / "iwslt15-en-vi-tst2012" / "tst2012.en"), ours),
        "profiles 20%": (held, [], ours_80),
    }
    ViUtils.add_accents("khoi dong")
    print(f"{date.today()}, {machine()}; weights crf {args.crf_weight}, lm {args.lm_weight}, prior {args.prior_weight}\n")
    print("| set | lines | pyvi syll | pyvi word | ours syll | ours word | detect VN (recall) | flag EN | flag accented VN |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (vi, en, restorer) in sets.items():
        p_syl, p_word, _ = accuracy(ViUtils.add_accents, vi)
        o_syl, o_word, _ = accuracy(restorer.restore, vi)
        recall = sum(restorer.is_unaccented(accents.strip_marks(s)) for s in vi) / len(vi)
        flag_en = f"{sum(restorer.is_unaccented(s) for s in en) / len(en):.3f}" if en else "-"
        flag_vi = sum(restorer.is_unaccented(s) for s in vi) / len(vi)
        print(f"| {name} | {len(vi)} | {p_syl:.3f} | {p_word:.3f} | {o_syl:.3f} | {o_word:.3f} | {recall:.3f} | {flag_en} | {flag_vi:.3f} |")
    print("\nHalf the words stripped (matcher.messy.strip_half): partly marked lines detected, and the share")
    print("of the stripped words (those that had marks) right after restoring the detected lines:\n")
    print("| set | lines | detected | stripped words right | in the detected lines |")
    print("|---|---|---|---|---|")
    for name, (vi, _, restorer) in sets.items():
        print(f"| {name} | {len(vi)} | " + " | ".join(f"{x:.3f}" for x in half_stripped(restorer, vi)) + " |")
    print("\nEnglish lines inside a text restored as unaccented Vietnamese (each line restored as one of its")
    print("sentences would be): share changed, which should be none (``Restorer._english``):\n")
    print("| set | English lines | changed |")
    print("|---|---|---|")
    for name, (_, en, restorer) in sets.items():
        if en:
            print(f"| {name} | {len(en)} | {sum(restorer.restore(s) != s for s in en) / len(en):.3f} |")
    iwslt = sets["IWSLT tst2012"][0]
    print("\nms per 100 words (IWSLT, stripped, warm, one process):")
    for label, fn in [("pyvi add_accents", ViUtils.add_accents), ("ours restore_diacritics", ours.restore),
                      ("ours is_unaccented_vietnamese", ours.is_unaccented)]:
        print(f"  {label}: {min(_timed(fn, iwslt) for _ in range(3)):.2f}")


def _timed(fn: Callable[[str], object], gold: list[str]) -> float:
    stripped = [accents.strip_marks(g) for g in gold]
    start = time.perf_counter()
    for s in stripped:
        fn(s)
    return 1000 * (time.perf_counter() - start) / sum(len(s.split()) for s in stripped) * 100


if __name__ == "__main__":
    main()

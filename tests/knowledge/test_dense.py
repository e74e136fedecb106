"""Dense retrieval: the vector index, reciprocal rank fusion, and encoding through the gateway."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from govai.accounts.principal import cli_principal
from govai.classification import Level
from govai.errors import ClassificationRefused, ConfigError, ProviderNotApproved
from govai.gateway import ModelGateway
from govai.gateway import service as providers
from govai.gateway.models import ModelCall
from govai.knowledge.dense import (
    DenseEncoder,
    GatewayEncoder,
    VectorIndex,
    reciprocal_rank_fusion,
)
from govai.platform import Platform
from govai.testing.fake_openai import EMBEDDING_DIM, FakeOpenAI

OPERATOR = cli_principal("pytest")

PASSAGES = [
    "职工离休、退休的，可以提取职工住房公积金账户内的存储余额。",
    "申领机动车驾驶证，应当符合国务院公安部门规定的驾驶许可条件。",
    "购买、建造、翻建、大修自住住房的，可以提取住房公积金。",
    "城乡居民基本养老保险费按年缴纳，缴费档次由参保人自主选择。",
    "新生儿出生后一个月内，由监护人到户口登记机关申报出生登记。",
]


# ---------------------------------------------------------------------- the index

# rows: 0 along x, 1 at 60° from x, 2 along y, 3 opposite to x, 4 zero (no direction)
ROWS = [[2.0, 0.0], [1.0, 3**0.5], [0.0, 5.0], [-1.0, 0.0], [0.0, 0.0]]


def test_rows_are_normalised_and_scored_by_similarity() -> None:
    index = VectorIndex.build(ROWS)
    assert (len(index), index.dimensions, index.vectors.dtype) == (5, 2, np.float32)
    assert np.allclose(np.linalg.norm(index.vectors[:4], axis=1), 1.0)
    hits = index.search([3.0, 0.0], k=10)
    assert [row for row, _ in hits] == [0, 1, 2, 3]  # the zero row matches nothing
    assert [score for _, score in hits] == pytest.approx([1.0, 0.75, 0.5, 0.0], abs=1e-6)
    assert index.search([1.0, 0.0], k=2) == hits[:2]


def test_ties_are_broken_by_row_and_k_is_respected() -> None:
    index = VectorIndex.build([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0], [1.0, 0.0], [0.0, 3.0]])
    assert [row for row, _ in index.search([0.0, 1.0], k=2)] == [0, 2]
    assert [row for row, _ in index.search([0.0, 1.0], k=4)] == [0, 2, 4, 1]
    assert index.search([0.0, 1.0], k=0) == []


def test_weights_exclude_and_demote_like_the_lexical_index() -> None:
    index = VectorIndex.build(ROWS)
    query = [1.0, 0.0]
    excluded = index.search(query, k=10, weights=np.array([0.0, 1, 1, 1, 1]))
    assert [row for row, _ in excluded] == [1, 2, 3]  # row 0, the best, never comes back
    demoted = index.search(query, k=10, weights=np.array([0.5, 1, 1, 1, 1]))
    assert [row for row, _ in demoted] == [1, 0, 2, 3]
    assert dict(demoted)[0] == pytest.approx(0.5)
    # a demoted row that points away from the query goes down, never up
    opposite = index.search([-1.0, 0.2], k=10, weights=np.array([0.5, 1, 1, 1, 1]))
    plain = index.search([-1.0, 0.2], k=10)
    assert dict(opposite)[0] < dict(plain)[0]
    with pytest.raises(ValueError, match="one value per row"):
        index.search(query, k=3, weights=np.ones(3))


def test_bad_shapes_and_values_are_refused() -> None:
    index = VectorIndex.build(ROWS)
    with pytest.raises(ValueError, match="another embedding model"):
        index.search([1.0, 0.0, 0.0], k=3)
    assert index.search([0.0, 0.0], k=3) == []  # a query with no direction
    with pytest.raises(ValueError, match="NaN"):
        VectorIndex.build([[1.0, float("nan")]])
    with pytest.raises(ValueError, match="2-D"):
        VectorIndex.build(np.array([1.0, 2.0]))


def test_an_empty_index_answers_nothing() -> None:
    index = VectorIndex.build(np.zeros((0, 8), dtype=np.float32))
    assert (len(index), index.dimensions) == (0, 8)
    assert index.search(np.ones(8), k=5) == []
    assert len(VectorIndex.build([])) == 0


# ---------------------------------------------------------------------- save / load


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    index = VectorIndex.build(rng.normal(size=(50, 16)), meta={"provider": "bge", "model": "m3"})
    query = rng.normal(size=16)
    weights = rng.uniform(0, 1, size=50)
    weights[[3, 9]] = 0
    index.save(tmp_path / "dense")
    loaded = VectorIndex.load(tmp_path / "dense")
    assert loaded.meta == {"provider": "bge", "model": "m3"}
    assert np.array_equal(loaded.vectors, index.vectors)
    assert loaded.search(query, 10, weights) == index.search(query, 10, weights)
    assert not {3, 9} & {row for row, _ in loaded.search(query, 50, weights)}


def test_saving_again_replaces_the_index_and_leaves_nothing_behind(tmp_path: Path) -> None:
    VectorIndex.build([[1.0, 0.0]]).save(tmp_path / "dense")
    VectorIndex.build([[0.0, 1.0], [1.0, 1.0]]).save(tmp_path / "dense")
    assert len(VectorIndex.load(tmp_path / "dense")) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["dense"]


def test_a_failed_save_keeps_the_old_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    VectorIndex.build([[1.0, 0.0]]).save(tmp_path / "dense")

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", disk_full)
    with pytest.raises(OSError):
        VectorIndex.build([[0.0, 1.0], [1.0, 1.0]]).save(tmp_path / "dense")
    monkeypatch.undo()
    assert len(VectorIndex.load(tmp_path / "dense")) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["dense"]


def test_a_missing_or_foreign_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="删除该目录后重建索引"):
        VectorIndex.load(tmp_path / "nowhere")
    VectorIndex.build([[1.0, 0.0]]).save(tmp_path / "dense")
    manifest = tmp_path / "dense" / "govai-index.json"
    manifest.write_text(json.dumps({"format": "govai-bm25s", "version": 1}), encoding="utf-8")
    with pytest.raises(ConfigError, match="govai-bm25s"):
        VectorIndex.load(tmp_path / "dense")
    manifest.write_text(
        json.dumps({"format": "govai-dense", "version": 1, "rows": 3, "dimensions": 2}),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="与其说明不符"):
        VectorIndex.load(tmp_path / "dense")


# ---------------------------------------------------------------------- fusion


def test_rrf_adds_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1]])
    assert [item for item, _ in fused] == [1, 3, 2]
    assert dict(fused) == pytest.approx({1: 1 / 61 + 1 / 62, 3: 1 / 63 + 1 / 61, 2: 1 / 62})
    assert dict(reciprocal_rank_fusion([[5, 6]], k=0)) == pytest.approx({5: 1.0, 6: 0.5})
    assert reciprocal_rank_fusion([]) == [] and reciprocal_rank_fusion([[], []]) == []
    with pytest.raises(ValueError, match="negative"):
        reciprocal_rank_fusion([[1]], k=-1)


def test_rrf_ties_go_to_the_ranking_given_first() -> None:
    assert [i for i, _ in reciprocal_rank_fusion([[1, 2], [3, 4]])] == [1, 3, 2, 4]
    assert [i for i, _ in reciprocal_rank_fusion([[3, 4], [1, 2]])] == [3, 1, 4, 2]


def test_rrf_counts_a_repeated_id_once_at_its_best_place() -> None:
    assert dict(reciprocal_rank_fusion([[7, 8, 7]])) == pytest.approx({7: 1 / 61, 8: 1 / 62})


rankings = st.lists(st.lists(st.integers(0, 30), max_size=12, unique=True), min_size=1, max_size=4)


@given(rankings, st.integers(0, 100))
def test_rrf_properties(lists: list[list[int]], k: int) -> None:
    fused = reciprocal_rank_fusion(lists, k)
    items = [item for item, _ in fused]
    assert sorted(items) == sorted({i for ranking in lists for i in ranking})  # each once
    scores = [score for _, score in fused]
    assert scores == sorted(scores, reverse=True)
    for item, score in fused:
        expected = sum(1 / (k + r.index(item) + 1) for r in lists if item in r)
        assert score == pytest.approx(expected)
    # an id ranked first everywhere it could be is first overall
    if lists[0] and all(r[:1] in ([], lists[0][:1]) for r in lists):
        assert items[0] == lists[0][0]
    # the order of the rankings changes tie-breaks only, never the scores
    assert dict(reciprocal_rank_fusion(lists[::-1], k)) == pytest.approx(dict(fused))


# ---------------------------------------------------------------------- through the gateway


def add_embedder(
    platform: Platform, fake: FakeOpenAI, level: Level = Level.INTERNAL, approve: bool = True
) -> str:
    """An internet embedding service that sends a key, approved by the security admin."""
    with platform.db.session() as session:
        providers.add_provider(
            session,
            OPERATOR,
            providers.NewProvider(
                "bge", "openai", fake.base_url, "fake-embed", "BGE_API_KEY", False, 5.0
            ),
        )
        providers.set_provider_level(session, OPERATOR, "bge", level)
        if approve:
            providers.approve_provider(session, OPERATOR, "bge")
    return "bge"


@pytest.fixture
def gateway(demo_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> ModelGateway:
    monkeypatch.setenv("BGE_API_KEY", "sk-bge")
    return ModelGateway(demo_platform.db, demo_platform.settings)


def encoder(gateway: ModelGateway, level: Level = Level.INTERNAL) -> GatewayEncoder:
    return GatewayEncoder(gateway, OPERATOR, "bge", "", level)


def test_dense_search_end_to_end_through_the_gateway(
    demo_platform: Platform, gateway: ModelGateway, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    add_embedder(demo_platform, fake_llm)
    progress: list[tuple[int, int]] = []
    enc = GatewayEncoder(
        gateway,
        OPERATOR,
        "bge",
        "",
        Level.INTERNAL,
        batch_size=2,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert isinstance(enc, DenseEncoder)
    vectors = enc.encode(PASSAGES)
    assert vectors.dtype == np.float32 and vectors.shape == (5, EMBEDDING_DIM)
    assert progress == [(2, 5), (4, 5), (5, 5)]
    VectorIndex.build(vectors, meta={"provider": "bge"}).save(tmp_path / "dense")
    index = VectorIndex.load(tmp_path / "dense")

    [query] = enc.encode(["退休以后住房公积金怎么提取"])
    hits = index.search(query, k=3)
    assert {row for row, _ in hits[:2]} == {0, 2}  # the two passages about 提取公积金
    lexical = [2, 4]  # e.g. BM25's ranking of the same rows
    fused = reciprocal_rank_fusion([lexical, [row for row, _ in hits]])
    assert fused[0][0] == 2  # in both rankings, so first

    sent = fake_llm.embedding_requests()
    assert [r.json["input"] for r in sent][-1] == ["退休以后住房公积金怎么提取"]
    assert {r.headers["authorization"] for r in sent} == {"Bearer sk-bge"}
    with demo_platform.db.session() as session:
        rows = list(session.execute(select(ModelCall).order_by(ModelCall.id)).scalars())
    assert [(r.scenario, r.provider, r.status) for r in rows] == [
        ("knowledge.embed", "bge", "ok")
    ] * 2


def test_encoding_obeys_the_gateway_rules(
    demo_platform: Platform, gateway: ModelGateway, fake_llm: FakeOpenAI
) -> None:
    add_embedder(demo_platform, fake_llm, approve=False)
    with pytest.raises(ProviderNotApproved):
        encoder(gateway).encode(PASSAGES)
    with demo_platform.db.session() as session:
        providers.approve_provider(session, OPERATOR, "bge")
    with pytest.raises(ClassificationRefused, match="涉密不上网"):
        encoder(gateway, Level.SECRET).encode(PASSAGES)
    assert fake_llm.requests == []
    assert encoder(gateway).encode([]).shape == (0, 0)

"""Dense retrieval and reranking, both off by default, against the fake model server."""

from __future__ import annotations

from pathlib import Path

import pytest

from govai.accounts.principal import ANONYMOUS
from govai.classification import Level
from govai.errors import ClassificationRefused
from govai.gateway import service as providers
from govai.knowledge.importer import import_files
from govai.knowledge.retrieval import Retriever
from govai.platform import Platform
from govai.testing.fake_openai import FakeOpenAI, rerank_score

from .conftest import INTERNAL, OPERATOR, write


def _provider(platform: Platform, fake: FakeOpenAI, level: Level = Level.INTERNAL) -> None:
    with platform.db.session() as session:
        providers.add_provider(
            session,
            OPERATOR,
            providers.NewProvider("vec", "openai", fake.base_url, "bge-m3", "", False, 5.0),
        )
        if level is not Level.PUBLIC:
            providers.set_provider_level(session, OPERATOR, "vec", level)


def test_off_by_default(kb_platform: Platform, fake_llm: FakeOpenAI) -> None:
    Retriever(kb_platform.db, kb_platform.settings).search("kt", "退休提取公积金", ANONYMOUS)
    assert fake_llm.requests == []


def test_dense_vectors_are_fused_with_the_lexical_ranking(
    kb_platform: Platform, fake_llm: FakeOpenAI
) -> None:
    _provider(kb_platform, fake_llm)
    settings = kb_platform.settings.replace(kb_embedding_provider="vec")
    retriever = Retriever(kb_platform.db, settings)
    hits = retriever.search("kt", "退休了公积金能取出来吗", ANONYMOUS).hits
    assert "第二十四条" in [h.clause for h in hits[:2]]
    embedded = fake_llm.embedding_requests()
    assert len(embedded) == 2  # the passages once (one level), then the question
    assert embedded[-1].json["input"] == ["退休了公积金能取出来吗"]
    # the vectors are kept with the index: a new process embeds only the question
    again = Retriever(kb_platform.db, settings)
    again.search("kt", "退休提取", ANONYMOUS)
    assert len(fake_llm.embedding_requests()) == 3


def test_passages_above_the_providers_level_are_never_sent(
    kb_platform: Platform, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    _provider(kb_platform, fake_llm, Level.PUBLIC)
    import_files(kb_platform.db, OPERATOR, "kt", [write(tmp_path, "i.md", INTERNAL)])
    settings = kb_platform.settings.replace(kb_embedding_provider="vec")
    with pytest.raises(ClassificationRefused):
        Retriever(kb_platform.db, settings).search("kt", "退休提取", OPERATOR)
    sent = " ".join(r.body_text for r in fake_llm.embedding_requests())
    assert "热线工单" not in sent


def test_rerank_reorders_the_candidates(kb_platform: Platform, fake_llm: FakeOpenAI) -> None:
    _provider(kb_platform, fake_llm)
    settings = kb_platform.settings.replace(kb_rerank_provider="vec")
    plain = Retriever(kb_platform.db, kb_platform.settings).search(
        "kt", "提取证明", ANONYMOUS, top_k=3
    )
    reranked = Retriever(kb_platform.db, settings).search("kt", "提取证明", ANONYMOUS, top_k=3)
    [request] = fake_llm.rerank_requests()
    assert request.json["query"] == "提取证明"
    candidates = Retriever(kb_platform.db, kb_platform.settings).search(
        "kt", "提取证明", ANONYMOUS, top_k=20
    )
    by_score = sorted(candidates.hits, key=lambda h: -rerank_score("提取证明", h.text))
    assert [h.passage_id for h in reranked.hits] == [h.passage_id for h in by_score[:3]]
    assert [h.passage_id for h in reranked.hits] != [h.passage_id for h in plain.hits]

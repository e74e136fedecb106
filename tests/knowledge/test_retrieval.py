from __future__ import annotations

from pathlib import Path

import pytest

from govai.accounts.principal import ANONYMOUS
from govai.errors import UnknownKnowledgeBase
from govai.knowledge.importer import import_files
from govai.knowledge.retrieval import Retriever
from govai.platform import Platform

from .conftest import INTERNAL, OPERATOR, make_kb, user, write


def test_question_in_citizen_words_finds_the_clause(retriever: Retriever) -> None:
    result = retriever.search("kt", "退休了公积金能取出来吗", ANONYMOUS, top_k=3)
    top = result.hits[0]
    assert (top.title, top.clause) == ("住房公积金管理条例", "第二十四条")
    assert top.chapter.startswith("第四章")
    assert top.status == "现行有效"
    assert top.citation == "《住房公积金管理条例》第二十四条"


def test_repealed_text_never_comes_back(retriever: Retriever) -> None:
    result = retriever.search("kt", "辞职离职满二年提取", OPERATOR, top_k=10)
    assert result.hits
    assert all(h.status != "已废止" for h in result.hits)


def test_superseded_version_ranks_below_the_current_one(retriever: Retriever) -> None:
    hits = retriever.search("kt", "离休退休提取住房公积金", OPERATOR, top_k=10).hits
    statuses = [h.status for h in hits if h.clause == "第二十四条"]
    assert statuses[:2] == ["现行有效", "已修改"]


def test_anonymous_sees_public_kbs_and_public_documents_only(
    kb_platform: Platform, tmp_path: Path
) -> None:
    make_kb(kb_platform, "inner", org="city-12345", public=False)
    import_files(kb_platform.db, OPERATOR, "inner", [write(tmp_path, "i.md", INTERNAL)])
    retriever = Retriever(kb_platform.db, kb_platform.settings)
    with pytest.raises(UnknownKnowledgeBase):
        retriever.search("inner", "热线工单派发", ANONYMOUS)
    # a member of the owning department sees it; staff of a sibling department do not
    hotline = retriever.search("inner", "热线工单派发", OPERATOR)
    assert hotline.hits and hotline.hits[0].title == "热线工单规程"
    with pytest.raises(UnknownKnowledgeBase):
        retriever.search("inner", "热线工单派发", user(kb_platform, "east-staff"))


def test_internal_document_in_public_kb_is_hidden_from_citizens(
    kb_platform: Platform, tmp_path: Path
) -> None:
    import_files(kb_platform.db, OPERATOR, "kt", [write(tmp_path, "i.md", INTERNAL)])
    retriever = Retriever(kb_platform.db, kb_platform.settings)
    assert not retriever.search("kt", "热线工单派发", ANONYMOUS).hits
    staff = retriever.search("kt", "热线工单派发", user(kb_platform, "staff")).hits
    assert staff and staff[0].title == "热线工单规程"


def test_index_follows_imports_made_elsewhere(kb_platform: Platform, tmp_path: Path) -> None:
    retriever = Retriever(kb_platform.db, kb_platform.settings)
    assert not retriever.search("kt", "热线工单派发", OPERATOR).hits
    # another process (here: the importer without this retriever) changes the knowledge base
    import_files(kb_platform.db, OPERATOR, "kt", [write(tmp_path, "i.md", INTERNAL)])
    assert retriever.search("kt", "热线工单派发", OPERATOR).hits


def test_index_is_persisted_and_reused(kb_platform: Platform) -> None:
    first = Retriever(kb_platform.db, kb_platform.settings)
    first.search("kt", "退休提取", OPERATOR)
    saved = list((kb_platform.settings.home_path / "indexes").glob("kb-*/v*"))
    assert len(saved) == 1
    second = Retriever(kb_platform.db, kb_platform.settings)
    assert [h.passage_id for h in second.search("kt", "退休提取", OPERATOR).hits] == [
        h.passage_id for h in first.search("kt", "退休提取", OPERATOR).hits
    ]


def test_coverage_is_low_for_terms_the_kb_lacks(retriever: Retriever) -> None:
    covered = retriever.search("kt", "退休了公积金能取出来吗", ANONYMOUS).best_coverage
    uncovered = retriever.search("kt", "推荐一家好吃的火锅餐馆", ANONYMOUS).best_coverage
    assert covered > 0.6
    assert uncovered < 0.3


def test_admin_synonym_takes_effect_without_reimport(kb_platform: Platform) -> None:
    from govai.knowledge import service

    retriever = Retriever(kb_platform.db, kb_platform.settings)
    assert not retriever.search("kt", "移居海外", OPERATOR).hits
    with kb_platform.db.session() as session:
        service.add_lexicon_group(session, OPERATOR, ["出境定居", "移居海外"])
    hits = retriever.search("kt", "移居海外", OPERATOR).hits
    assert hits and hits[0].clause == "第二十四条"


def test_console_path_names_cannot_be_taken(demo_platform: Platform) -> None:
    from govai.errors import ValidationError

    with pytest.raises(ValidationError, match="保留"):
        make_kb(demo_platform, "lexicon")


def test_a_damaged_index_is_rebuilt_from_the_database(kb_platform: Platform) -> None:
    first = Retriever(kb_platform.db, kb_platform.settings)
    expected = [h.passage_id for h in first.search("kt", "退休提取", OPERATOR).hits]
    [saved] = (kb_platform.settings.home_path / "indexes").glob("kb-*/v*")
    for f in (saved / "index").iterdir():
        f.write_bytes(b"garbage")
    again = Retriever(kb_platform.db, kb_platform.settings)
    assert [h.passage_id for h in again.search("kt", "退休提取", OPERATOR).hits] == expected


def test_an_article_cited_by_name_comes_first(retriever: Retriever) -> None:
    for query in ("《住房公积金管理条例》第二十五条是怎么规定的", "我想问住房公积金管理条例第25条"):
        result = retriever.search("kt", query, ANONYMOUS, top_k=3)
        assert (result.hits[0].title, result.hits[0].clause) == ("住房公积金管理条例", "第二十五条")
        assert result.hits[0].status == "现行有效"  # the current version, not the amended one
        assert result.missing == []


def test_an_article_the_document_lacks_is_reported_missing(retriever: Retriever) -> None:
    result = retriever.search("kt", "《住房公积金管理条例》第九十条讲的是什么", ANONYMOUS)
    assert result.missing == ["《住房公积金管理条例》第九十条"]
    # a law the knowledge base does not hold is not for it to judge
    assert retriever.search("kt", "《民法典》第九十条讲的是什么", ANONYMOUS).missing == []


def test_coverage_ignores_filler_words(retriever: Retriever) -> None:
    plain = retriever.search("kt", "退休了公积金能取出来吗", ANONYMOUS).best_coverage
    chatty = retriever.search("kt", "我今年一直在想，退休了公积金到底能取出来吗", ANONYMOUS)
    assert "一直" not in chatty.terms and "今年" not in chatty.terms
    assert chatty.best_coverage == pytest.approx(plain)


def test_saved_indexes_of_an_older_format_are_rebuilt(kb_platform: Platform) -> None:
    import json

    first = Retriever(kb_platform.db, kb_platform.settings)
    expected = [h.passage_id for h in first.search("kt", "退休提取", OPERATOR).hits]
    [saved] = (kb_platform.settings.home_path / "indexes").glob("kb-*/v*")
    rows = json.loads((saved / "rows.json").read_text(encoding="utf-8"))
    del rows["format"], rows["document_ids"]  # as govai before the document index wrote it
    (saved / "rows.json").write_text(json.dumps(rows), encoding="utf-8")
    again = Retriever(kb_platform.db, kb_platform.settings)
    assert [h.passage_id for h in again.search("kt", "退休提取", OPERATOR).hits] == expected
    assert "document_ids" in json.loads((saved / "rows.json").read_text(encoding="utf-8"))

"""The hand-written Q&A dev set (bench/data/qa_dev.jsonl) stays well-formed and grounded, and the
scoring in bench/qa_quality.py that reads it counts what it claims to count.

The shape and scoring checks always run. The checks against the law corpus read
/work/shared/data/cn_laws_regulations (or ``GOVAI_SHARED_DATA``) and skip when it is absent:
the corpus is evaluation data and is never copied into the repository.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DEV_SET = Path(__file__).resolve().parents[2] / "bench" / "data" / "qa_dev.jsonl"
DATA_ROOT = Path(os.environ.get("GOVAI_SHARED_DATA", "/work/shared/data"))
LAWS = DATA_ROOT / "cn_laws_regulations"

ARTICLE_ID = re.compile(r"^[^/#]+/[^#]+\(\d{4}-\d{2}-\d{2}\)#第[零〇一二三四五六七八九十百千]+条$")
REFUSAL_KINDS = {"chit-chat", "local", "invented", "out-of-corpus"}
# A question sharing this many consecutive characters with its gold clause was copied, not
# written the way a citizen writes.
COPIED_RUN = 10


def _rows() -> list[dict[str, Any]]:
    lines = DEV_SET.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _kind(row: dict[str, Any]) -> str:
    return str(row["id"])[0]


def _articles() -> dict[str, str]:
    path = LAWS / "articles_latest.jsonl"
    if not path.exists():
        pytest.skip(f"law corpus not found at {LAWS} (set GOVAI_SHARED_DATA to its parent folder)")
    articles: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            articles[item["article_id"]] = item["text"]
    return articles


def test_every_line_has_the_fields_of_its_kind() -> None:
    rows = _rows()
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for row in rows:
        kind = _kind(row)
        assert re.fullmatch(r"[duf]\d{3}", row["id"]), row["id"]
        assert isinstance(row["question"], str) and row["question"].strip(), row["id"]
        if kind == "u":
            assert row["refuse"] is True, row["id"]
            assert row["why"] in REFUSAL_KINDS, row["id"]
            assert "gold" not in row, row["id"]
        else:
            assert row["gold"] and all(ARTICLE_ID.match(g) for g in row["gold"]), row["id"]
            assert len(row["gold"]) == len(set(row["gold"])), row["id"]
            assert isinstance(row["topic"], str) and row["topic"], row["id"]
            assert "refuse" not in row, row["id"]
        if kind == "f":
            history = row["history"]
            assert isinstance(history, list) and history, row["id"]
            assert all(isinstance(turn, str) and turn.strip() for turn in history), row["id"]
        else:
            assert "history" not in row, row["id"]


def test_the_set_is_large_and_varied_enough_to_tune_on() -> None:
    rows = _rows()
    kinds = Counter(_kind(row) for row in rows)
    assert kinds["d"] >= 150 and kinds["u"] >= 40 and kinds["f"] >= 10, kinds
    assert set(Counter(row["why"] for row in rows if _kind(row) == "u")) == REFUSAL_KINDS
    questions = [row["question"] for row in rows if _kind(row) != "f"]
    assert len(questions) == len(set(questions)), "a question is repeated"
    laws = {g.split("#")[0] for row in rows for g in row.get("gold", [])}
    assert len(laws) >= 40, f"gold clauses come from only {len(laws)} documents"


def test_every_gold_clause_is_an_article_of_the_latest_corpus() -> None:
    articles = _articles()
    missing = [
        (row["id"], gold) for row in _rows() for gold in row.get("gold", []) if gold not in articles
    ]
    assert not missing, missing


def test_gold_clauses_come_from_documents_in_force() -> None:
    _articles()  # skips without the corpus
    status: dict[str, tuple[bool, int]] = {}
    with (LAWS / "documents.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            status[doc["doc_id"]] = (bool(doc.get("is_latest_version")), int(doc["expired"] or 0))
    stale = [
        (row["id"], gold)
        for row in _rows()
        for gold in row.get("gold", [])
        if status.get(gold.split("#")[0]) != (True, 0)
    ]
    assert not stale, stale


def test_questions_are_written_in_citizens_words_not_copied_from_the_clause() -> None:
    articles = _articles()
    copied = []
    for row in _rows():
        if "gold" not in row:
            continue
        question = row["question"]
        clause_text = "".join(articles[g] for g in row["gold"])
        for start in range(len(question) - COPIED_RUN + 1):
            if question[start : start + COPIED_RUN] in clause_text:
                copied.append((row["id"], question[start : start + COPIED_RUN]))
                break
    assert not copied, copied


# --- the scoring in bench/qa_quality.py, which these labels feed ------------------------------


@pytest.fixture(scope="module")
def bench() -> Iterator[Any]:
    """bench/qa_quality.py loaded as a module, with sys.path and sys.modules restored after."""
    path = DEV_SET.parents[1] / "qa_quality.py"
    name = "qa_quality_under_test"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.modules[name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path[:] = saved_path
        for added in set(sys.modules) - saved_modules:
            if added in (name, "common"):
                del sys.modules[added]


def test_clause_labels_match_their_article_whatever_the_numerals_or_paragraph(bench: Any) -> None:
    numerals = {"十": 10, "二十四": 24, "一百零八": 108, "一百二十": 120, "24": 24}
    assert {text: bench.chinese_number(text) for text in numerals} == numerals
    doc = "行政法规/住房公积金管理条例(2019-03-24)"
    gold = bench.gold_key(f"{doc}#第二十四条")
    assert bench.article_key(doc, "第二十四条第二款") == gold
    assert bench.article_key(doc, "第24条") == gold
    assert bench.article_key(doc, "第二十五条") != gold
    assert bench.article_key("行政法规/别的条例(2019-03-24)", "第二十四条") != gold
    assert bench.article_key(doc, "三、申请条件") is None


def test_retrieval_scores_count_the_rank_of_the_first_gold_hit(bench: Any) -> None:
    item = bench.DevItem(
        "d001", "问", (), frozenset({("A", 3), ("B", 1)}), ("A#第三条", "B#第一条"), False, ""
    )
    ranked = [
        [("B", 1)],  # first
        [("X", 1), None, ("A", 3)],  # third
        [("X", 1)] * 5 + [("A", 3)],  # sixth: within MRR@10, outside recall@5
        [("A", 4)],  # never
    ]
    got = bench.retrieval_metrics([item] * 4, ranked)
    assert got["recall_at_1"] == 0.25
    assert got["recall_at_5"] == 0.5
    assert abs(got["mrr_at_10"] - (1 + 1 / 3 + 1 / 6) / 4) < 1e-9


def test_answer_scores_keep_refusals_and_citations_apart(bench: Any) -> None:
    gold = bench.DevItem("d001", "问", (), frozenset({("A", 3)}), ("A#第三条",), False, "")
    refuse = bench.DevItem("u001", "你好", (), frozenset(), (), True, "chit-chat")
    right = {"refused": False, "citations": [{"doc_id": "A", "clause": "第三条第一款"}]}
    wrong = {"refused": False, "citations": [{"doc_id": "A", "clause": "第四条"}]}
    refused = {"refused": True, "citations": []}
    got = bench.ask_metrics([gold, gold, gold, refuse], [right, wrong, refused, refused])
    assert got["refusal_accuracy"] == 1.0
    assert abs(got["false_refusals"] - 1 / 3) < 1e-9
    assert got["cited_of_answered"] == 0.5
    assert abs(got["cited_of_answerable"] - 1 / 3) < 1e-9


def test_the_held_out_metric_looks_at_the_first_five_distinct_laws(bench: Any) -> None:
    hits = ["A", "A", "B", "C", "B", "D", "E", "F"]
    assert bench.first_distinct(hits, 5) == ["A", "B", "C", "D", "E"]
    messages = [
        bench.Message("1", "…", frozenset({"E"})),
        bench.Message("2", "…", frozenset({"F"})),
    ]
    assert bench.doc_level_success(messages, [bench.first_distinct(hits, 5)] * 2) == 0.5

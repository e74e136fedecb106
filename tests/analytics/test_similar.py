"""Similar past replies over a few past messages written for these tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govai.analytics.similar import PastReply, SimilarReplies
from govai.errors import ConfigError
from govai.knowledge.text import Lexicon, Tokenizer

PAST = [
    PastReply(
        "101",
        "青松苑小区旁工地夜间施工噪音扰民",
        "每天晚上十一点以后工地还在打桩，噪音很大，居民无法休息。",
        "经核实，区城市管理局已责令施工单位停止夜间施工。",
        "2024-05-14",
    ),
    PastReply(
        "102",
        "翠湖路菜市场占道经营",
        "菜市场门口的摊贩把菜摊摆到马路上，早上堵车严重。",
        "街道已组织城管队员清理占道摊点，并设置临时疏导人员。",
    ),
    PastReply(
        "103",
        "咨询灵活就业人员缴纳住房公积金",
        "我是个体户，想问灵活就业人员能不能缴纳住房公积金，需要什么材料？",
        "灵活就业人员可凭身份证到住房公积金管理中心申请缴存。",
    ),
    PastReply(
        "104",
        "幼儿园收费过高",
        "民办幼儿园每月保教费涨到三千元，家长负担重。",
        "区教育局已约谈该园，保教费按备案标准执行。",
    ),
    PastReply(
        "105",
        "东门外道路施工晚上噪音大",
        "道路施工每晚破碎锤作业到凌晨，噪音扰民。",
        "区住建局已要求施工单位夜间22时后停止高噪音作业。",
    ),
]


@pytest.fixture(scope="module")
def index() -> SimilarReplies:
    return SimilarReplies.build(PAST)


def test_the_most_similar_past_messages_come_first(index: SimilarReplies) -> None:
    hits = index.search("小区附近工地晚上施工太吵", "晚上十二点了还在施工，噪音吵得睡不着。", k=2)
    assert {h.record.id for h in hits} == {"101", "105"}
    assert hits[0].score >= hits[1].score
    assert all(0 < h.score < 1 for h in hits)
    assert hits[0].as_dict()["reply"] == hits[0].record.reply
    assert index.search("灵活就业 公积金")[0].record.id == "103"


def test_excluded_ids_are_skipped_and_k_is_still_filled(index: SimilarReplies) -> None:
    title, text = PAST[0].title, PAST[0].text
    assert index.search(title, text, k=1)[0].record.id == "101"
    # 101 takes the first place, so the search must look further to fill k
    [hit] = index.search(title, text, k=1, exclude={"101"})
    assert hit.record.id == "105"
    # only two past messages share a term with this one
    assert [h.record.id for h in index.search(title, text, k=3, exclude={"101"})] == ["105"]


def test_nothing_in_common_finds_nothing(index: SimilarReplies) -> None:
    assert index.search("量子计算机", "") == []
    assert index.search("幼儿园收费", "", k=0) == []
    assert len(index) == len(PAST)


def test_save_and_load_give_the_same_answers(index: SimilarReplies, tmp_path: Path) -> None:
    index.save(tmp_path / "similar")
    loaded = SimilarReplies.load(tmp_path / "similar")
    query = ("菜市场摊贩占道", "摊位摆到马路上")
    assert [(h.record, h.score) for h in loaded.search(*query, k=3)] == [
        (h.record, h.score) for h in index.search(*query, k=3)
    ]
    index.save(tmp_path / "similar")  # saving again replaces the folder
    assert len(SimilarReplies.load(tmp_path / "similar")) == len(PAST)


def test_a_changed_tokenizer_retokenises_on_load(index: SimilarReplies, tmp_path: Path) -> None:
    index.save(tmp_path / "similar")
    assert "青松苑" not in SimilarReplies.load(tmp_path / "similar").query_tokens("青松苑")
    # an administrator's new lexicon group makes 青松苑 one word
    tokenizer = Tokenizer(Lexicon.builtin().with_groups([["青松苑", "青松苑小区"]]))
    loaded = SimilarReplies.load(tmp_path / "similar", tokenizer=tokenizer)
    assert "青松苑" in loaded.query_tokens("青松苑")
    assert loaded.search("青松苑", "", k=1)[0].record.id == "101"
    loaded.save(tmp_path / "again")
    lines = (tmp_path / "again" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert "青松苑" in json.loads(lines[0])["tokens"].split()


def test_a_damaged_folder_is_reported(index: SimilarReplies, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="不完整或已损坏"):
        SimilarReplies.load(tmp_path / "missing")
    index.save(tmp_path / "similar")
    manifest = tmp_path / "similar" / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps(data | {"records": 99}))
    with pytest.raises(ConfigError, match="记录数"):
        SimilarReplies.load(tmp_path / "similar")
    manifest.write_text(json.dumps(data | {"version": 0}))
    with pytest.raises(ConfigError, match="格式"):
        SimilarReplies.load(tmp_path / "similar")

"""Sentiment of citizen messages: negation, intensifiers, thanks and politeness, rhetorical
questions, complaint markers, words that merely contain a cue, and the word-list format."""

from __future__ import annotations

import pytest

from govai.analytics.sentiment import (
    Sentiment,
    SentimentAnalyser,
    SentimentLexicon,
    analyse,
    analyse_many,
)
from govai.errors import ValidationError


def test_empty_text_is_neutral_with_no_cues() -> None:
    for result in (analyse(""), analyse("", title=""), analyse("   \n")):
        assert result == Sentiment("neutral", 0.0, [])


def test_a_consultation_is_neutral_and_names_its_request() -> None:
    result = analyse("请问在示范市租房可以提取住房公积金吗？需要什么材料？")
    assert result.label == "neutral"
    assert result.cues == ["请问"]


def test_negation_turns_satisfaction_into_a_complaint() -> None:
    assert analyse("对这次的处理结果很满意。").label == "positive"
    result = analyse("对这次的处理结果很不满意。")
    assert result.label == "negative"
    assert result.cues[0] == "很不满意"
    # A negator a few characters before the cue still governs it; a comma ends its reach.
    assert analyse("问题反映了半年，没有得到及时解决。").label == "negative"
    assert analyse("没有想到，工作人员这么及时就上门维修了，很满意").label == "positive"


def test_a_negated_duty_is_a_complaint_and_the_duty_alone_is_not() -> None:
    assert analyse("希望有关部门尽快解决。").label == "neutral"
    unmet = analyse("小区门口的积水问题，物业至今没有解决，也没有任何回复。")
    assert unmet.label == "negative"
    assert "没有解决" in unmet.cues
    # Negation after the duty: 一点回音都没有.
    assert analyse("上次反映的问题一点回音都没有。").score < analyse("上次反映的问题。").score


def test_intensifiers_strengthen_the_cue_they_precede() -> None:
    plain = analyse("楼下饭店油烟扰民。")
    strong = analyse("楼下饭店油烟严重扰民。")
    assert strong.score < plain.score < 0
    assert analyse("我对处理结果非常不满意").score < analyse("我对处理结果不满意").score
    assert analyse("工作人员非常耐心").score > analyse("工作人员耐心").score > 0


def test_thanks_for_something_done_is_positive_but_polite_thanks_is_not() -> None:
    thanks = analyse("感谢东城派出所的民警，当天就帮我找回了丢失的钱包！")
    assert thanks.label == "positive"
    assert "感谢" in thanks.cues
    assert analyse("给你们点赞！", title="表扬").label == "positive"
    polite = analyse("小区路灯坏了，请尽快安排维修，谢谢！")
    assert polite.label == "neutral"
    assert polite.score < thanks.score


def test_rhetorical_questions_and_complaint_markers_are_negative() -> None:
    assert analyse("物业费一年涨了一倍，凭什么？").label == "negative"
    assert analyse("难道要等出了人命才管吗？").label == "negative"
    marked = analyse("强烈要求严查这家药店销售过期药品。")
    assert marked.label == "negative"
    assert marked.cues[:2] == ["强烈要求", "严查"]
    # The same words asked about calmly are a consultation.
    assert analyse("请问投诉电话是多少？").label == "neutral"


def test_words_that_only_contain_a_cue_carry_no_sentiment() -> None:
    for text in ("请问今年的满意度调查什么时候开始？", "小区人口不断增加，建议增设公交站。"):
        result = analyse(text)
        assert result.label == "neutral", text
        assert not any(c in ("满意", "不") for c in result.cues)


def test_an_exclamation_strengthens_its_sentence() -> None:
    assert analyse("噪音扰民，严重影响休息！").score < analyse("噪音扰民，严重影响休息。").score


def test_a_wished_for_outcome_is_not_praise() -> None:
    assert analyse("建议在小区东门增设公交站，方便居民出行。").label == "neutral"
    assert analyse("新开的公交线路方便了居民出行，非常感谢！").label == "positive"


def test_the_title_counts() -> None:
    assert analyse("请有关部门查处。", title="黑心幼儿园虐待儿童").label == "negative"
    assert analyse("请有关部门查处。").label == "neutral"


def test_analyse_many_pairs_texts_with_titles() -> None:
    texts = ["太谢谢了！", "请问周六上班吗？", "忍无可忍了！"]
    results = analyse_many(texts, ["", "咨询", "投诉"])
    assert [r.label for r in results] == ["positive", "neutral", "negative"]
    assert analyse_many(texts) == [analyse(t) for t in texts]
    assert all(-1 < r.score < 1 for r in results)
    with pytest.raises(ValidationError, match="标题数"):
        analyse_many(texts, ["只有一个标题"])


def test_jieba_boundaries_drop_matches_inside_words() -> None:
    analyser = SentimentAnalyser(boundaries="jieba")
    assert analyser.analyse("非常满意！").label == "positive"
    assert analyser.analyse("对这次的处理结果很不满意。").label == "negative"
    with pytest.raises(ValidationError, match="lexicon、jieba"):
        SentimentAnalyser(boundaries="hmm")  # type: ignore[arg-type]


def test_a_custom_lexicon() -> None:
    lexicon = SentimentLexicon(
        negative="扯淡 2\n",
        positive="[praise]\n给力 2\n[thanks]\n谢了 1\n",
        modifiers="[negators]\n不\n[intensifiers]\n贼 2\n",
    )
    analyser = SentimentAnalyser(lexicon)
    assert analyser.analyse("这服务贼给力").score > analyser.analyse("这服务给力").score > 0
    assert analyser.analyse("一点不给力").label == "negative"
    assert analyser.analyse("纯属扯淡").label == "negative"
    assert len(lexicon) == 5
    with pytest.raises(ValidationError, match="未知分节"):
        SentimentLexicon("", "", "[amplifiers]\n贼 2\n")
    with pytest.raises(ValidationError, match="缺少权重"):
        SentimentLexicon("扯淡\n", "", "")
    with pytest.raises(ValidationError, match="不是数字"):
        SentimentLexicon("扯淡 很\n", "", "")


def test_the_builtin_lexicon_loads() -> None:
    lexicon = SentimentLexicon.builtin()
    assert len(lexicon) > 400
    entries = lexicon.entries
    assert entries["不"].negator and entries["非常"].factor > 1
    assert entries["严重"].factor > 1 and entries["严重"].weight < 0
    assert entries["感谢"].thanks and entries["满意"].wished and not entries["点赞"].wished

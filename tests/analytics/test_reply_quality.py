"""Reply quality on replies written for these tests: a good reply against boilerplate, a reply to
another message, a reply that gives its basis against one that does not, and working days."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from govai.analytics.reply_quality import (
    BOILERPLATE_CAP,
    DIMENSIONS,
    IdfTable,
    TimelinessLimits,
    assess_reply,
    idf_from,
    working_days,
)

TITLE = "青松苑小区门口夜间施工噪音扰民"
MESSAGE = (
    "青松苑小区东门外的道路施工每天晚上十一点以后还在用破碎锤作业，噪音很大，"
    "小区里的老人和孩子都睡不好觉，请有关部门管一管夜间施工。"
)
GOOD_REPLY = (
    "网友“U123”：您好！您反映的“青松苑小区门口夜间施工噪音扰民”问题已收悉。现将有关情况答复如下："
    "经调查核实，青松苑小区东门外为雨污分流改造工程，施工单位为示范市市政建设有限公司。"
    "根据《中华人民共和国噪声污染防治法》第四十三条，夜间施工须取得证明并公告附近居民。"
    "经查，该单位未办理夜间施工证明，5月12日区城市管理局已责令其停止22时至次日6时的施工，"
    "并处罚款2万元；区生态环境局将在6月底前每周夜间巡查2次。"
    "如仍有夜间施工噪音，请拨打12345热线反映。感谢您对我们工作的理解与支持！"
    "示范市青山区城市管理局 2024年5月14日"
)
BOILERPLATE = "网友：您好！留言已收悉。感谢您对我们工作的关心与支持！"
OTHER_REPLY = (
    "网友：您好！您咨询的住房公积金提取问题已收悉。根据《住房公积金管理条例》第二十四条，"
    "职工离休、退休的，可以提取职工住房公积金账户内的存储余额。感谢您的支持！2024年5月14日"
)


def test_a_good_reply_scores_high_on_every_dimension() -> None:
    q = assess_reply(
        TITLE, MESSAGE, GOOD_REPLY, datetime(2024, 5, 10, 21, 30), datetime(2024, 5, 14, 9, 0)
    )
    assert q.relevance > 0.8
    assert q.completeness > 0.9
    assert q.interpretability > 0.8
    assert q.timeliness == 1.0 and q.working_days == 2  # Fri evening → Tue: Mon, Tue
    assert q.overall == pytest.approx(
        (q.relevance + q.completeness + q.interpretability + q.timeliness) / 4
    )
    assert set(q.reasons) == set(DIMENSIONS)
    assert any("第四十三条" in r for r in q.reasons["interpretability"])


def test_boilerplate_only_is_capped_and_said_so() -> None:
    q = assess_reply(TITLE, MESSAGE, BOILERPLATE)
    assert q.completeness <= BOILERPLATE_CAP
    assert any("套话" in r for r in q.reasons["completeness"])
    assert q.interpretability < 0.2
    assert q.relevance < 0.2
    assert q.timeliness is None and q.working_days is None
    assert q.overall == pytest.approx((q.relevance + q.completeness + q.interpretability) / 3)


def test_missing_parts_are_named() -> None:
    bare = "示范市市政建设有限公司已于5月12日停止夜间施工，今后22时后不再使用破碎锤作业。"
    q = assess_reply(TITLE, MESSAGE, bare)
    lacking = next(r for r in q.reasons["completeness"] if r.startswith("缺少"))
    for part in ("称呼问候", "联系方式或致谢", "落款或日期"):
        assert part in lacking
    assert q.completeness < assess_reply(TITLE, MESSAGE, GOOD_REPLY).completeness


def test_a_promise_to_consider_is_not_an_answer() -> None:
    answered = (
        "网友：您好！您的留言已收悉。现答复如下：经核实，施工单位已于5月12日停止夜间作业，"
        "区城市管理局将每周夜间巡查。感谢您的监督！2024年5月14日"
    )
    deferred = (
        "网友：您好！您的留言已收悉。现答复如下：您的意见和建议已收集，我局将认真考虑，"
        "充分论证研究。感谢您的监督！2024年5月14日"
    )
    good = assess_reply(TITLE, MESSAGE, answered)
    weak = assess_reply(TITLE, MESSAGE, deferred)
    assert weak.completeness < good.completeness
    assert any("将研究、考虑或转办" in r for r in weak.reasons["completeness"])


def test_the_reply_to_another_message_is_not_relevant() -> None:
    own = assess_reply(TITLE, MESSAGE, GOOD_REPLY)
    other = assess_reply(TITLE, MESSAGE, OTHER_REPLY)
    assert own.relevance > 0.8 > 0.2 > other.relevance
    assert any("未提及" in r and "噪音" in r for r in other.reasons["relevance"])


def test_a_place_name_jieba_does_not_know_is_matched_despite_a_typo() -> None:
    # 翠蓉苑 is four single characters to jieba; the reply writes it with one wrong character
    title = "翠蓉华苑停车收费太高"
    reply_right = "经核实，翠蓉华苑停车收费已按业主大会决议执行。"
    reply_typo = "经核实，翠蓉花苑停车收费已按业主大会决议执行。"
    reply_none = "经核实，停车收费已按业主大会决议执行。"
    scores = [assess_reply(title, "", r).relevance for r in (reply_right, reply_typo, reply_none)]
    assert scores[0] == scores[1] > scores[2]


def test_interpretability_ranks_the_kinds_of_basis() -> None:
    article = "根据《示范市物业管理条例》第三十条，停车收费由业主大会决定，因此本案收费有效。"
    number = "根据示范市物业管理办法（示政发〔2023〕12号），停车收费由业主大会决定，因此有效。"
    named = "根据《示范市物业管理办法》，停车收费由业主大会决定，因此有效。"
    vague = "根据有关规定，停车收费由业主大会决定，因此有效。"
    none = "停车收费由业主大会决定。"
    scores = [assess_reply("停车收费", "", r).interpretability for r in (article, number, named)]
    scores += [assess_reply("停车收费", "", r).interpretability for r in (vague, none)]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 5
    assert (
        "没有引用法律法规或政策依据"
        in assess_reply("停车收费", "", none).reasons["interpretability"]
    )


def test_concrete_facts_count_once_and_the_signing_date_not_at_all() -> None:
    with_facts = "已于2024年5月12日22时30分到现场，罚款2万元。2024年5月14日"
    q = assess_reply("施工", "", with_facts)
    [facts] = [r for r in q.reasons["interpretability"] if "具体事实" in r]
    assert facts.startswith("有 3 项具体事实")  # the date, the time, 2万元; not 2024年 nor 12日


def test_empty_reply_scores_zero_but_keeps_timeliness() -> None:
    q = assess_reply(TITLE, MESSAGE, "  \u3000 ", datetime(2024, 5, 6), datetime(2024, 5, 7))
    assert (q.relevance, q.completeness, q.interpretability, q.overall) == (0, 0, 0, 0)
    assert q.timeliness == 1.0 and q.working_days == 1


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2024, 5, 10), date(2024, 5, 10), 0),  # same day
        (date(2024, 5, 10), date(2024, 5, 13), 1),  # Friday → Monday
        (date(2024, 5, 11), date(2024, 5, 12), 0),  # Saturday → Sunday
        (date(2024, 5, 6), date(2024, 5, 20), 10),  # two whole weeks
        (date(2024, 5, 6), date(2024, 5, 23), 13),
        (date(2024, 5, 8), date(2024, 5, 6), -2),  # reply before the message
    ],
)
def test_working_days(start: date, end: date, expected: int) -> None:
    assert working_days(start, end) == expected


def test_holidays_are_left_out() -> None:
    # 2024-10-01..07 National Day; the weekdays among them are not working days
    holidays = {date(2024, 10, d) for d in range(1, 8)}
    assert working_days(date(2024, 9, 30), date(2024, 10, 8)) == 6
    assert working_days(date(2024, 9, 30), date(2024, 10, 8), holidays) == 1


def test_timeliness_is_linear_between_the_limits() -> None:
    limits = TimelinessLimits(full_within=5, zero_from=15)
    assert [limits.score(d) for d in (0, 5, 10, 15, 30)] == [1.0, 1.0, 0.5, 0.0, 0.0]
    asked, replied = datetime(2024, 5, 6, 9), datetime(2024, 5, 20, 9)  # 10 working days
    q = assess_reply(TITLE, MESSAGE, GOOD_REPLY, asked, replied, limits=limits)
    assert q.working_days == 10 and q.timeliness == 0.5
    strict = assess_reply(TITLE, MESSAGE, GOOD_REPLY, asked, replied, limits=TimelinessLimits(2, 8))
    assert strict.timeliness == 0.0
    with pytest.raises(ValueError):
        TimelinessLimits(full_within=10, zero_from=5)


def test_a_reply_dated_before_the_message_is_reported_not_scored() -> None:
    q = assess_reply(TITLE, MESSAGE, GOOD_REPLY, datetime(2024, 5, 14), datetime(2024, 5, 10))
    assert q.timeliness is None
    assert "早于" in q.reasons["timeliness"][0]


def test_idf_from_a_corpus_weighs_rare_terms_higher() -> None:
    texts = ["小区噪音扰民", "小区停车收费", "小区垃圾清运", "学校食堂卫生"]
    idf = idf_from(texts)
    assert isinstance(idf, IdfTable)
    assert idf["噪音"] > idf["小区"]
    assert min(idf.values()) <= idf.missing <= max(idf.values())
    # a corpus where 噪音 is everywhere makes it count for little in relevance
    noisy = idf_from([f"噪音{i}" for i in range(50)] + ["施工"])
    reply = "关于噪音问题已收悉。"
    assert (
        assess_reply("夜间施工噪音", "", reply, idf=noisy).relevance
        < assess_reply("夜间施工噪音", "", reply, idf=idf).relevance
    )

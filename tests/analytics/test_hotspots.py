"""Hot problems on hand-written messages: the right groups, same place with another issue and
same issue at another place kept apart, the time window, the heat index, labels and the
official tables; and the place extraction they rest on."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from govai.analytics import places as pl
from govai.analytics.hotspots import (
    DETAIL_COLUMNS,
    DETAIL_SHEET,
    PROBLEM_COLUMNS,
    PROBLEM_SHEET,
    HeatParameters,
    MessageRecord,
    Problem,
    describe,
    find_problems,
    group_messages,
    heat_index,
    write_problem_tables,
)

JUNE = datetime(2020, 6, 1, 9, 0)


def _m(
    id: str, user: str, day: int, title: str, text: str, likes: int = 0, dislikes: int = 0
) -> MessageRecord:
    return MessageRecord(
        id,
        title,
        f"\n\t\t{text}\n\t",
        JUNE + timedelta(days=day, hours=day % 7),
        user,
        likes,
        dislikes,
    )


# KTV noise at 翠湖花园 (A3区): six messages by five people, one naming the place only in its body
KTV_CUIHU = [
    _m(
        "a1",
        "U01",
        0,
        "A3区翠湖花园楼下KTV深夜噪音扰民",
        "我是翠湖花园的业主，小区临街的KTV每天营业到凌晨三点，音响声和喊叫声吵得人无法入睡，请相关部门管一管。",
    ),
    _m(
        "a2",
        "U02",
        2,
        "翠湖花园小区旁KTV噪音太大",
        "翠湖花园小区门口新开的KTV每晚唱到后半夜，噪音严重影响居民休息，老人孩子都睡不好。",
        likes=12,
    ),
    _m(
        "a3",
        "U03",
        3,
        "投诉A市翠湖花园KTV夜间扰民",
        "A3区翠湖花园临街一楼的KTV天天深夜营业，唱歌声音特别大，多次打电话报警也没有改善。",
    ),
    _m(
        "a4",
        "U04",
        5,
        "深夜KTV吵得睡不着",
        "翠湖花园的居民已经连续一个月被楼下KTV的噪音吵得睡不着觉，希望执法部门尽快处理。",
    ),
    _m(
        "a5",
        "U05",
        8,
        "请管管翠湖花园楼下的KTV",
        "翠湖花园小区底商KTV夜夜唱歌到凌晨，噪音扰民，投诉多次无果。",
        likes=3,
    ),
    _m(
        "a6",
        "U01",
        12,
        "翠湖花园KTV噪音问题再次反映",
        "上次反映的翠湖花园楼下KTV噪音问题至今没有解决，每晚依旧吵到凌晨。",
    ),
]
# the same place, another issue: its lifts
LIFTS_CUIHU = [
    _m(
        "b1",
        "U06",
        1,
        "A3区翠湖花园电梯经常坏",
        "翠湖花园3栋的电梯一个月坏了四次，物业只是简单维修，老人上下楼非常困难。",
    ),
    _m(
        "b2",
        "U07",
        4,
        "翠湖花园小区电梯故障频繁",
        "翠湖花园小区电梯老化，经常困人，物业拖着不更换，存在安全隐患。",
    ),
    _m(
        "b3",
        "U08",
        9,
        "翠湖花园电梯困人物业不管",
        "昨天翠湖花园5栋电梯又困人了，物业半小时才来，电梯维保形同虚设。",
    ),
]
# the same issue at another place
KTV_JINGUI = [
    _m(
        "c1",
        "U09",
        2,
        "A5区金桂苑门口KTV噪音扰民",
        "金桂苑小区门口的KTV每晚营业到凌晨，音乐声震耳，居民无法休息。",
    ),
    _m(
        "c2",
        "U10",
        6,
        "金桂苑小区KTV深夜太吵",
        "A5区金桂苑小区临街KTV半夜还在唱歌，噪音扰民，请求整治。",
    ),
    _m(
        "c3",
        "U11",
        7,
        "投诉金桂苑楼下KTV",
        "金桂苑楼下KTV夜间噪音太大，孩子第二天要上学，整晚睡不好。",
    ),
]
# a school and its pupils' parents
TUTORING = [
    _m(
        "d1",
        "U12",
        3,
        "A市育才中学强制学生周末补课",
        "育才中学要求初三学生周末必须到校补课，每人收费八百元，家长敢怒不敢言。",
    ),
    _m(
        "d2",
        "U13",
        5,
        "育才中学周末补课乱收费",
        "我是育才中学学生家长，学校以自愿为名组织周末补课收费，不去的学生要被老师点名。",
    ),
    _m(
        "d3",
        "U14",
        10,
        "育才中学变相强制补课",
        "育才中学初三年级周末补课收费，学生和家长都不愿意，希望教育局查处。",
    ),
    _m(
        "d4",
        "U15",
        11,
        "反映育才中学有偿补课问题",
        "A市育才中学组织初三有偿补课，每个学生收费八百，违反了教育部门的规定。",
    ),
]
# the KTV at 翠湖花园 again, half a year later
KTV_CUIHU_AGAIN = [
    _m(
        "a7",
        "U16",
        190,
        "翠湖花园KTV又开始深夜扰民",
        "翠湖花园楼下的KTV整改了几个月，最近又开始营业到凌晨，噪音扰民。",
    ),
    _m(
        "a8",
        "U17",
        193,
        "翠湖花园小区KTV噪音卷土重来",
        "翠湖花园小区临街KTV噪音又来了，居民再次无法休息。",
    ),
]
# one person's repeated posts
ONE_PERSON = [
    _m("e1", "U18", 2, "A市人民路井盖缺失", "人民路和解放路交叉口的井盖丢了，晚上很危险。"),
    _m("e2", "U18", 4, "人民路井盖还没补上", "人民路交叉口缺失的井盖至今没有补上，请尽快处理。"),
    _m("e3", "U18", 6, "再次反映人民路井盖缺失", "人民路井盖缺失已经一周了，还是没有人管。"),
]
NOISE = [
    _m(
        "n01",
        "U20",
        1,
        "住房公积金提取需要什么材料",
        "我想提取住房公积金用于租房，需要准备哪些材料？",
    ),
    _m("n02", "U21", 2, "社保关系转移怎么办理", "我从外省调到A市工作，养老保险关系怎么转过来？"),
    _m(
        "n03",
        "U22",
        3,
        "希望增开到高铁站的公交",
        "A2区星河湾小区附近没有直达高铁站的公交线路，出行很不方便。",
    ),
    _m("n04", "U23", 4, "医保异地报销流程咨询", "父母在外地住院，医保异地报销需要先备案吗？"),
    _m(
        "n05",
        "U24",
        5,
        "A6区阳光幼儿园学位不够",
        "阳光幼儿园今年只招两个班，周边适龄儿童很多都上不了。",
    ),
    _m(
        "n06",
        "U25",
        6,
        "A1区东风路停车收费太贵",
        "东风路的路边停车每小时十元，比商场还贵，收费标准是谁定的？",
    ),
    _m(
        "n07",
        "U26",
        7,
        "出租车拒载现象严重",
        "晚上在火车站打出租车，司机挑客拒载，希望交通部门整治。",
    ),
    _m("n08", "U27", 8, "A4区滨江公园路灯不亮", "滨江公园里一半的路灯都不亮，晚上散步很不安全。"),
    _m("n09", "U28", 9, "网购商品退货难", "在网上买的电器有质量问题，商家拒绝退货，怎么维权？"),
    _m("n10", "U29", 10, "A7县清水村自来水浑浊", "清水村的自来水最近发黄浑浊，村民不敢喝。"),
]
MESSAGES = KTV_CUIHU + LIFTS_CUIHU + KTV_JINGUI + TUTORING + KTV_CUIHU_AGAIN + ONE_PERSON + NOISE


def _ids(records: list[MessageRecord]) -> set[str]:
    return {r.id for r in records}


@pytest.fixture(scope="module")
def problems() -> list[Problem]:
    return find_problems(MESSAGES)


def test_the_right_groups(problems: list[Problem]) -> None:
    found = sorted((set(p.message_ids) for p in problems), key=sorted)
    expected = sorted(
        [
            _ids(KTV_CUIHU),
            _ids(LIFTS_CUIHU),
            _ids(KTV_JINGUI),
            _ids(TUTORING),
            _ids(KTV_CUIHU_AGAIN),
        ],
        key=sorted,
    )
    assert found == expected


def test_same_place_other_issue_and_same_issue_other_place_stay_apart() -> None:
    groups = [{MESSAGES[i].id for i in g} for g in group_messages(MESSAGES)]
    for g in groups:
        assert not (g & _ids(KTV_CUIHU) and g & _ids(LIFTS_CUIHU))
        assert not (g & _ids(KTV_CUIHU) and g & _ids(KTV_JINGUI))
        assert not (g & _ids(NOISE) and len(g) > 1)


def test_one_persons_posts_are_no_hot_problem(problems: list[Problem]) -> None:
    assert all(not set(p.message_ids) & _ids(ONE_PERSON) for p in problems)
    with_one_user = find_problems(MESSAGES, min_users=1)
    assert _ids(ONE_PERSON) in [set(p.message_ids) for p in with_one_user]


def test_the_time_window_splits_a_problem_that_returns(problems: list[Problem]) -> None:
    assert _ids(KTV_CUIHU) in [set(p.message_ids) for p in problems]
    yearly = find_problems(MESSAGES, window_days=365)
    assert _ids(KTV_CUIHU) | _ids(KTV_CUIHU_AGAIN) in [set(p.message_ids) for p in yearly]


def test_ranked_by_heat(problems: list[Problem]) -> None:
    assert [p.rank for p in problems] == list(range(1, len(problems) + 1))
    assert [p.heat for p in problems] == sorted((p.heat for p in problems), reverse=True)
    # most people, likes, and recent: the KTV at 翠湖花园 first
    assert set(problems[0].message_ids) == _ids(KTV_CUIHU)
    # the same KTV half a year later is the most recent, but two messages only
    assert set(problems[-1].message_ids) != _ids(KTV_CUIHU_AGAIN) or len(problems) == 1
    top = find_problems(MESSAGES, top=2)
    assert [p.message_ids for p in top] == [p.message_ids for p in problems[:2]]


def test_labels_and_descriptions(problems: list[Problem]) -> None:
    by_ids = {frozenset(p.message_ids): p for p in problems}
    ktv = by_ids[frozenset(_ids(KTV_CUIHU))]
    assert ktv.place.startswith("A") and "翠湖花园" in ktv.place
    assert "KTV" in ktv.description and "翠湖花园" not in ktv.description
    assert ktv.time_range() == "2020/06/01 至 2020/06/13"
    assert ktv.message_ids == [m.id for m in KTV_CUIHU]  # in time order
    tutoring = by_ids[frozenset(_ids(TUTORING))]
    assert "育才中学" in tutoring.place and "补课" in tutoring.description
    assert "金桂苑" in by_ids[frozenset(_ids(KTV_JINGUI))].place
    assert ktv.to_dict() == {
        "rank": ktv.rank,
        "heat": round(ktv.heat, 2),
        "time_range": "2020/06/01 至 2020/06/13",
        "place": ktv.place,
        "description": ktv.description,
        "message_ids": ktv.message_ids,
    }


def test_no_messages_no_problems() -> None:
    assert find_problems([]) == []
    assert group_messages([]) == []


def test_undated_messages_are_grouped_too() -> None:
    undated = [MessageRecord(m.id, m.title, m.text, None, m.user) for m in KTV_CUIHU + NOISE]
    found = find_problems(undated)
    assert [set(p.message_ids) for p in found] == [_ids(KTV_CUIHU)]
    assert found[0].time_range() == ""


# ── heat ──────────────────────────────────────────────────────────────────────


def _posts(users: list[str], likes: int = 0, days: float = 0.0) -> list[MessageRecord]:
    return [
        MessageRecord(
            f"x{i}", "t", "t", JUNE + timedelta(days=days * i / max(len(users) - 1, 1)), u, likes
        )
        for i, u in enumerate(users)
    ]


def test_heat_counts_people_more_than_repeated_posts() -> None:
    three_people = heat_index(_posts(["a", "b", "c"]))
    one_person = heat_index(_posts(["a", "a", "a"]))
    assert three_people == pytest.approx(3.0)
    assert one_person == pytest.approx(2.0)  # 1 + 0.5 + 0.5


def test_likes_raise_heat_log_damped() -> None:
    plain = heat_index(_posts(["a", "b"]))
    liked = heat_index(_posts(["a", "b"], likes=5))
    viral = heat_index(_posts(["a", "b"], likes=5000))
    assert plain < liked < viral
    assert viral < heat_index(_posts([str(i) for i in range(12)]))  # 5,000 likes < 10 more people
    assert viral - plain == pytest.approx(0.5 * 2 * 8.517, abs=0.01)  # 0.5 × Σ ln(1 + 5000)


def test_heat_grows_with_span_and_halves_with_age() -> None:
    burst = _posts(["a", "b", "c"], days=0)
    lasting = _posts(["a", "b", "c"], days=60)
    assert heat_index(lasting) == pytest.approx(heat_index(burst) * (1 + 0.1 * 4.1109), rel=1e-3)
    last = max(m.time for m in burst if m.time)
    assert heat_index(burst, now=last + timedelta(days=180)) == pytest.approx(heat_index(burst) / 2)
    slow = HeatParameters(half_life_days=360)
    assert heat_index(burst, now=last + timedelta(days=180), parameters=slow) == pytest.approx(
        heat_index(burst) / 2**0.5
    )


# ── the tables ────────────────────────────────────────────────────────────────


def test_tables_in_the_official_layout(problems: list[Problem], tmp_path: Path) -> None:
    path = tmp_path / "热点问题.xlsx"
    write_problem_tables(problems, MESSAGES, path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == [PROBLEM_SHEET, DETAIL_SHEET]
    summary = list(workbook[PROBLEM_SHEET].iter_rows(values_only=True))
    assert (
        summary[0]
        == PROBLEM_COLUMNS
        == ("热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述")
    )
    assert [row[0] for row in summary[1:]] == [p.rank for p in problems]
    assert summary[1][3:] == (problems[0].time_range(), problems[0].place, problems[0].description)
    detail = list(workbook[DETAIL_SHEET].iter_rows(values_only=True))
    assert detail[0] == DETAIL_COLUMNS
    assert len(detail) - 1 == sum(len(p.message_ids) for p in problems)
    first = detail[1]
    message = next(m for m in MESSAGES if m.id == problems[0].message_ids[0])
    assert first[:4] == (1, message.id, message.user, message.title)
    assert first[4] == f"{message.time:%Y/%m/%d %H:%M:%S}"
    assert first[5] == message.text.strip()  # the \n\t frame of exported bodies is gone
    assert first[6:] == (message.likes, message.dislikes)


# ── places ────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("投诉A2区丽发新城附近建搅拌站噪音扰民", [("丽发新城", "丽发新城", "estate")]),
        (
            "A5区劳动东路魅力之城小区临街门面油烟扰民",
            [("劳动东路", "劳动东路", "road"), ("魅力之城小区", "魅力之城", "estate")],
        ),
        ("关于伊景园·滨河苑捆绑销售车位的投诉", [("伊景园滨河苑", "伊景园滨河苑", "estate")]),
        ("西地省展星投资有限公司涉嫌诈骗", [("展星投资有限公司", "展星投资", "institution")]),
        (
            "A7县春华镇石塘村的自来水何时能通",
            [("春华镇", "春华镇", "area"), ("石塘村", "石塘村", "area")],
        ),
        ("A市805路公交车太挤", [("805路", "805路", "road")]),
        ("我们小区门口的道路坑坑洼洼，城市管理部门和政府不管", []),
        ("该小区物业公司乱收费", []),
    ],
)
def test_places_are_found_by_their_form(text: str, expected: list[tuple[str, str, str]]) -> None:
    found = [(m.text, m.core, m.kind) for m in pl.extract_places(pl.clean_text(text))]
    assert found == expected


def test_regions_people_and_clean_text() -> None:
    assert pl.extract_regions("西地省A市A2区丽发新城与A2区暮云街道") == ["A市", "A2区"]
    assert pl.extract_regions("J10 县金紫仙镇") == []  # split by a space …
    assert pl.extract_regions(pl.clean_text("J10 县金紫仙镇")) == ["J10县"]  # … joined again
    assert pl.region_letter("A7县") == pl.region_letter("A市") == "A"
    assert pl.extract_people("学校强制学生家长和学生购买校服") == ["学生家长", "学生"]
    assert pl.clean_text("\n\t\t　A市巿民\u200b反映\n\t") == "A市市民反映"


def test_place_names_compared() -> None:
    assert pl.core_similarity("万科魅力之城", "魅力之城") == 1.0
    assert pl.core_similarity("李丽发新城", "丽发新城") >= 0.8
    assert pl.core_similarity("幸福里", "幸福路") == 0.5
    assert pl.core_similarity("丽发新城", "伊景园滨河苑") == 0.0


def test_description_leaves_the_place_out() -> None:
    assert describe("投诉A2区丽发新城附近建搅拌站噪音扰民") == "小区附近建搅拌站噪音扰民"
    assert describe("关于A7县东六路下穿长永高速何时通车的问题") == "下穿长永高速何时通车"
    assert describe("A市58车贷恶性退出案件进展", names=["58车贷"]) == "恶性退出案件进展"

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govai.knowledge.chunking import Passage, split_passages

LAWS = Path("/work/shared/data/cn_laws_regulations")

REGULATION = """\
# 某市住房公积金管理办法

（2020年3月1日市人民政府令第12号公布）

## 第一章　总　则

　　第一条　为了加强住房公积金管理，根据《住房公积金管理条例》，制定本办法。

第二条 本办法适用于本市行政区域内住房公积金的缴存、提取和使用。

## 第二章 缴存

### 第一节 一般规定

第三条 单位应当按时足额缴存住房公积金。

第三条之一 新设立的单位应当自设立之日起30日内办理缴存登记。

### 第二节 缴存比例

第四条 缴存比例不低于5%。
第十条规定的单位除外。

## 第三章 提取和使用

第五条 职工有下列情形之一的，可以提取住房公积金：
（一）购买自住住房的；
（二）离休、退休的。
依照前款规定提取的，应当注销账户。

## 第四章 附则
"""


def _by_clause(passages: list[Passage]) -> dict[str, Passage]:
    return {p.clause: p for p in passages}


def test_articles_are_passages_with_their_chapter_and_section() -> None:
    passages = split_passages(REGULATION)
    assert [p.seq for p in passages] == list(range(len(passages)))
    clauses = [p.clause for p in passages]
    assert clauses == ["", "第一条", "第二条", "第三条", "第三条之一", "第四条", "第五条", ""]
    by = _by_clause(passages)
    preamble = passages[0]
    assert preamble.chapter == ""
    assert preamble.text == "某市住房公积金管理办法\n（2020年3月1日市人民政府令第12号公布）"
    assert by["第一条"].chapter == "第一章 总则"
    assert (
        by["第一条"].text
        == "第一条　为了加强住房公积金管理，根据《住房公积金管理条例》，制定本办法。"
    )
    assert by["第三条"].chapter == "第二章 缴存 第一节 一般规定"
    assert by["第四条"].chapter == "第二章 缴存 第二节 缴存比例"
    # a line that starts with a reference to another article stays in its article
    assert by["第四条"].text == "第四条 缴存比例不低于5%。\n第十条规定的单位除外。"
    assert by["第五条"].chapter == "第三章 提取和使用"
    assert by["第五条"].text.splitlines()[1:] == [
        "（一）购买自住住房的；",
        "（二）离休、退休的。",
        "依照前款规定提取的，应当注销账户。",
    ]
    # a chapter with nothing under it is kept as a passage of its own
    assert passages[-1].chapter == "第四章 附则"
    assert passages[-1].text == "第四章 附则"


def test_arabic_article_numbers_and_articles_without_a_space() -> None:
    text = "第1条 总则内容。\n第2条\t第二条内容。\n第3条 第三条内容。"
    assert [p.clause for p in split_passages(text)] == ["第1条", "第2条", "第3条"]
    # without a space after 条 only the next article in sequence counts as an article
    text = "第一条为了规范管理，制定本办法。\n第二条本办法适用于全市。\n第九条规定的情形除外。"
    passages = split_passages(text)
    assert [p.clause for p in passages] == ["第一条", "第二条"]
    assert passages[1].text == "第二条本办法适用于全市。\n第九条规定的情形除外。"
    text = "第一条 内容。\n第十条至第十五条的规定不适用于个体工商户。"
    assert [p.clause for p in split_passages(text)] == ["第一条"]


def test_volumes_and_parts_nest_above_chapters() -> None:
    text = (
        "第一编 总则\n第一章 基本规定\n第一条 甲。\n第二章 自然人\n第二条 乙。\n"
        "第二编 物权\n第一分编 通则\n第一章 一般规定\n第三条 丙。"
    )
    chapters = [p.chapter for p in split_passages(text)]
    assert chapters == [
        "第一编 总则 第一章 基本规定",
        "第一编 总则 第二章 自然人",
        "第二编 物权 第一分编 通则 第一章 一般规定",
    ]


def test_long_article_splits_at_paragraphs_keeping_items_with_their_paragraph() -> None:
    items = "\n".join(f"（{n}）第{n}项的内容，写得比较长，用来凑足篇幅的文字。" for n in "一二三四")
    text = (
        "## 第四章 提取和使用\n"
        f"第二十四条 职工有下列情形之一的，可以提取住房公积金：\n{items}\n"
        "依照前款第（二）项规定提取的，应当同时注销职工住房公积金账户。\n"
        "职工死亡或者被宣告死亡的，职工的继承人可以提取职工住房公积金账户内的存储余额。\n"
        "第二十五条 短条。"
    )
    passages = split_passages(text, max_chars=150)
    assert [p.clause for p in passages] == [
        "第二十四条第一款",
        "第二十四条第二款至第三款",
        "第二十五条",
    ]
    first = passages[0].text.splitlines()
    assert first[0].startswith("第二十四条 职工有下列情形之一的")
    assert first[1:] == items.splitlines()
    assert all(p.chapter == "第四章 提取和使用" for p in passages)
    assert all(len(p.text) <= 150 for p in passages)
    # one paragraph per passage when even two do not fit
    passages = split_passages(text, max_chars=60)
    assert [p.clause for p in passages][-3:] == [
        "第二十四条第二款",
        "第二十四条第三款",
        "第二十五条",
    ]


def test_a_single_huge_paragraph_splits_at_sentence_ends() -> None:
    sentences = [f"这是第{n}句话，内容用于测试按句切分。" for n in range(40)]
    text = "第七条 " + "".join(sentences)
    passages = split_passages(text, max_chars=100)
    assert len(passages) > 1
    assert {p.clause for p in passages} == {"第七条第一款"}
    assert all(len(p.text) <= 100 for p in passages)
    assert all(p.text.endswith("。") for p in passages)
    assert "".join(p.text for p in passages) == text


NOTICE = """\
各区人民政府，市政府各部门：
为进一步做好高校毕业生就业创业工作，现将有关事项通知如下：
一、总体要求
坚持把高校毕业生就业作为重中之重，强化政策支持。
二、支持措施
（一）扩大企业吸纳规模。对招用毕业年度高校毕业生的小微企业，给予一次性吸纳就业补贴。
1. 补贴标准。每招用1人补贴1500元。
2. 申请材料。
（1）营业执照复印件；
（2）劳动合同。
（二）拓宽基层就业空间。实施“三支一扶”计划。
三、申请条件
（一）申请人应当具有本市户籍。
（二）申请人年满18周岁。
四、工作要求
各区要加强组织领导，确保政策落实。
市人力资源和社会保障局
2023年5月6日
"""


def test_policy_notice_sections_are_passages() -> None:
    passages = split_passages(NOTICE)
    assert [(p.clause, p.chapter) for p in passages] == [
        ("", ""),
        ("一、", "一、总体要求"),
        ("二、", "二、支持措施"),
        ("三、", "三、申请条件"),
        ("四、", "四、工作要求"),
    ]
    assert passages[0].text.startswith("各区人民政府，市政府各部门：\n为进一步")
    assert passages[2].text.startswith("二、支持措施\n（一）扩大企业吸纳规模。")
    assert passages[2].text.endswith("实施“三支一扶”计划。")


def test_policy_section_too_long_is_cut_at_its_subheadings() -> None:
    passages = split_passages(NOTICE, max_chars=60)
    clauses = [p.clause for p in passages]
    assert "二、支持措施（一）" in clauses
    assert "二、支持措施（一）扩大企业吸纳规模1.至2." in clauses
    assert "二、支持措施（二）" in clauses
    second = _by_clause(passages)["二、支持措施（一）"]
    # the bare heading 二、 travels with its first subsection instead of standing alone
    assert second.text.startswith("二、支持措施\n（一）扩大企业吸纳规模。")
    assert second.chapter == "二、支持措施"
    items = _by_clause(passages)["二、支持措施（一）扩大企业吸纳规模1.至2."]
    assert items.text.splitlines() == [
        "1. 补贴标准。每招用1人补贴1500元。",
        "2. 申请材料。",
        "（1）营业执照复印件；",
        "（2）劳动合同。",
    ]
    assert all(len(p.text) <= 60 for p in passages)

    passages = split_passages(NOTICE, max_chars=30)
    assert "三、申请条件（二）" in [p.clause for p in passages]


def test_markdown_headings_give_structure_to_guides_without_numbers() -> None:
    text = (
        "# 公积金提取指南\n## 办理条件\n购买自住住房。\n"
        "## 所需材料\n身份证。\n### 网上办理\n登录网站。"
    )
    passages = split_passages(text, max_chars=15)
    assert [(p.clause, p.chapter) for p in passages] == [
        ("", ""),
        ("办理条件", "办理条件"),
        ("所需材料", "所需材料"),
        ("所需材料 网上办理", "所需材料"),
    ]
    assert passages[0].text == "公积金提取指南"
    assert passages[3].text == "网上办理\n登录网站。"


def test_plain_text_is_packed_paragraphs() -> None:
    paragraphs = [
        f"这是第{n:02d}段，没有任何编号结构的普通文字，写来测试段落打包。" for n in range(30)
    ]
    assert {len(p) for p in paragraphs} == {30}
    passages = split_passages("\n\n".join(paragraphs), max_chars=100)
    assert all(p.clause == "" and p.chapter == "" for p in passages)
    assert [line for p in passages for line in p.text.splitlines()] == paragraphs
    assert len(passages) == 10  # three 30-character paragraphs (92 characters) per passage


def test_faq_pairs_are_one_passage_each() -> None:
    long_question = (
        "我在外地缴存了住房公积金，现在回到本市工作，请问能不能把外地的公积金转移过来一起使用？"
    )
    faq = [
        ("如何提取公积金？", "持身份证到管理中心办理。"),
        (long_question, "可以办理异地转移接续。"),
    ]
    passages = split_passages("ignored", faq=faq)
    assert [p.clause for p in passages] == ["问：如何提取公积金？", f"问：{long_question[:39]}…"]
    assert passages[0].text == "问：如何提取公积金？\n答：持身份证到管理中心办理。"
    assert passages[1].text == f"问：{long_question}\n答：可以办理异地转移接续。"


def test_empty_text_has_no_passages() -> None:
    assert split_passages("") == []
    assert split_passages("\n　\n  \n") == []


# --- never lose text --------------------------------------------------------------------------

_MARKS = re.compile(r"#{1,6}(?=\s|第|$)")


def _norm(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


def _assert_covers(text: str, passages: list[Passage], max_chars: int) -> None:
    """Every non-blank line is in the passages, in order; only headings carried in a passage's
    chapter may be left out of the passage texts."""
    assert all(0 < len(p.text) <= max_chars for p in passages)
    joined = _norm("".join(p.text for p in passages))
    chapters = [_norm(p.chapter) for p in passages]
    position = 0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") and (marks := _MARKS.match(line)):
            line = line[marks.end() :]
        line = _norm(line)
        if not line:
            continue
        if joined.startswith(line, position):
            position += len(line)
        else:
            assert any(line in chapter for chapter in chapters), f"lost: {raw!r}"
    assert position == len(joined)


_piece = st.sampled_from(
    ["第", "条", "章", "节", "编", "一", "二", "十", "1", "2", "、", "．", ".", "（", "）", "(",
     "#", "## ", "　", " ", "\n", "\n", "。", "，", "；", "规定", "公积金", "之一", "问"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.text(max_size=400), st.lists(_piece, max_size=200).map("".join)),
    st.integers(min_value=20, max_value=120),
)
def test_no_text_is_lost(text: str, max_chars: int) -> None:
    _assert_covers(text, split_passages(text, max_chars=max_chars), max_chars)


_CN_NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
_words = st.text(alphabet="的规定管理单位职工住房申请材料办理。，；", min_size=1, max_size=60)


@st.composite
def _legal_documents(draw: st.DrawFn) -> str:
    lines: list[str] = []
    article = 0
    for chapter in range(draw(st.integers(0, 3))):
        mark = draw(st.sampled_from(["", "## ", "#　"]))
        lines.append(f"{mark}第{_CN_NUMERALS[chapter]}章　{draw(_words)}")
        for _ in range(draw(st.integers(0, 4))):
            article = min(article + 1, len(_CN_NUMERALS))
            lines.append(f"第{_CN_NUMERALS[article - 1]}条 {draw(_words)}")
            for n in range(draw(st.integers(0, 3))):
                lines.append(draw(st.sampled_from([f"（{_CN_NUMERALS[n]}）", ""])) + draw(_words))
            lines.extend([""] * draw(st.integers(0, 1)))
    return "\n".join(lines)


@settings(max_examples=200, deadline=None)
@given(_legal_documents(), st.integers(min_value=20, max_value=300))
def test_no_text_is_lost_in_legal_documents(text: str, max_chars: int) -> None:
    passages = split_passages(text, max_chars=max_chars)
    _assert_covers(text, passages, max_chars)
    if "条" not in text:
        return  # chapters without articles read as a document with headings
    for passage in passages:
        if passage.clause:
            assert re.fullmatch(
                r"第[一二三四五六七八九十]+条(第[一二三四五六七八九十]+款.*)?", passage.clause
            )


# --- real laws and regulations ----------------------------------------------------------------


@pytest.fixture(scope="module")
def laws() -> dict[str, dict[str, Any]]:
    documents = LAWS / "documents.jsonl"
    if not documents.exists():
        pytest.skip(f"the laws corpus is not present at {LAWS}")
    latest = {}
    with documents.open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            if doc["is_latest_version"]:
                latest[doc["doc_id"]] = doc
    return latest


def _find(laws: dict[str, dict[str, Any]], title: str) -> dict[str, Any]:
    return next(doc for doc in laws.values() if doc["title"] == title)


def test_housing_fund_regulation(laws: dict[str, dict[str, Any]]) -> None:
    doc = _find(laws, "住房公积金管理条例")
    passages = split_passages(doc["text"])
    by = _by_clause(passages)
    assert by["第二十四条"].chapter == "第四章 提取和使用"
    assert by["第二十四条"].text.startswith("第二十四条 职工有下列情形之一的，可以提取")
    assert "(六)房租超出家庭工资收入的规定比例的。" in by["第二十四条"].text
    assert by["第一条"].chapter == "第一章 总则"
    assert by["第十三条"].chapter == "第三章 缴存"
    assert passages[-1].clause == "第四十七条"


def test_social_insurance_law(laws: dict[str, dict[str, Any]]) -> None:
    doc = _find(laws, "中华人民共和国社会保险法")
    passages = split_passages(doc["text"])
    by = _by_clause(passages)
    assert by["第十六条"].chapter == "第二章 基本养老保险"
    assert "累计缴费满十五年的，按月领取基本养老金" in by["第十六条"].text
    assert by["第一条"].chapter == "第一章 总则"


def test_article_numbers_match_the_corpus_split(laws: dict[str, dict[str, Any]]) -> None:
    """articles_latest.jsonl splits the same documents at every line starting 第…条; the
    articles found here (before any long-article split) must be exactly those, with the same
    chapter (the corpus keeps only the innermost heading)."""
    expected: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with (LAWS / "articles_latest.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            expected[article["doc_id"]].append((article["article_no"], article["chapter"]))
    checked = 0
    for doc_id, doc in laws.items():
        found: list[tuple[str, str]] = []
        for passage in split_passages(doc["text"]):
            article = re.sub(r"第[^条]+款.*$", "", passage.clause)
            if article.endswith("条") and (not found or found[-1][0] != article):
                found.append((article, passage.chapter))
        want = expected.get(doc_id, [])
        assert [a for a, _ in found] == [a for a, _ in want], doc_id
        for (_, chapter), (_, their_chapter) in zip(found, want, strict=True):
            assert _norm(chapter).endswith(_norm(their_chapter)), doc_id
        checked += len(found)
    assert checked == sum(len(v) for v in expected.values())

"""The SVG page preview of a 公文: one self-contained SVG per planned page, each paragraph on the
plan's page and line with its font, size and colour, the red 标志 and rule, the 版记 at the
foot of the 版心, page numbers where the .docx has them, the AI label on every page, and no
character lost or unescaped on the way."""

from __future__ import annotations

import itertools
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from govai.documents import gongwen_measure as m
from govai.documents.gongwen import layout_gongwen, page_plan
from govai.documents.gongwen_elements import CHAR4
from govai.documents.gongwen_preview import FONT_FAMILIES, preview_pages
from govai.documents.gongwen_spec import spec_from_dict
from govai.errors import ValidationError

from . import specs
from .specs import LABEL, LETTER, MINUTES, NOTICE, ORDER

SVG = "{http://www.w3.org/2000/svg}"
BODY_ROLES = ("body", "heading1", "heading2", "heading3", "heading4")

# A signed 请示 with a 版记 (the shared one has none).
REQUEST = {
    **specs.REQUEST,
    "copy_to": "市财政局",
    "printer": "示范市民政局办公室",
    "print_date": "2026-11-22",
}
SPECS = {"notice": NOTICE, "letter": LETTER, "order": ORDER, "minutes": MINUTES, "request": REQUEST}


class Page:
    """One SVG page parsed back."""

    def __init__(self, svg: str) -> None:
        self.svg = svg
        self.root = ET.fromstring(svg)

    def groups(self, role: str) -> list[ET.Element]:
        return [g for g in self.root.iter(f"{SVG}g") if g.get("class") == role]

    def texts(self, role: str) -> list[ET.Element]:
        return [t for g in self.groups(role) for t in g.iter(f"{SVG}text")]

    def text(self, role: str) -> str:
        return "".join(t.text or "" for t in self.texts(role))

    def rules(self, role: str) -> list[ET.Element]:
        return [line for g in self.groups(role) for line in g.iter(f"{SVG}line")]


def pages_of(spec: dict[str, Any], **kw: Any) -> list[Page]:
    return [Page(svg) for svg in preview_pages(spec_from_dict(spec), **kw)]


def xs(t: ET.Element) -> list[float]:
    return [float(v) for v in (t.get("x") or "").split()]


@pytest.mark.parametrize("name", SPECS)
def test_one_standalone_a4_svg_per_planned_page(name: str) -> None:
    spec = SPECS[name]
    svgs = preview_pages(spec_from_dict(spec), ai_label=LABEL)
    assert len(svgs) == layout_gongwen(spec_from_dict(spec)).pages
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.tag == f"{SVG}svg"
        assert (root.get("width"), root.get("height")) == ("210mm", "297mm")
        assert root.get("viewBox") == f"0 0 {m.PAGE_WIDTH} {m.PAGE_HEIGHT}"
        # served as an image under a strict CSP: nothing to run, nothing to fetch
        for el in root.iter():
            tag = el.tag.removeprefix(SVG)
            assert tag in {"svg", "title", "rect", "g", "text", "line"}, tag
            assert not any("href" in key or key.startswith("on") for key in el.attrib)
            assert not any("url(" in value for value in el.attrib.values())


@pytest.mark.parametrize("name", SPECS)
def test_first_page_shows_the_red_mark_and_the_title_in_2_hao(name: str) -> None:
    spec = spec_from_dict(SPECS[name])
    first = pages_of(SPECS[name])[0]
    marks = first.texts("mark")
    assert marks and {t.get("fill") for t in marks} == {"#FF0000"}
    assert first.text("mark") == spec.issuer.mark
    if spec.title:
        titles = first.texts("title")
        assert "".join(t.text or "" for t in titles) == spec.title
        assert {t.get("font-size") for t in titles} == {str(round(m.SIZE_2 * 20))}  # 22 pt
        assert all("小标宋" in (t.get("font-family") or "") for t in titles)
    body = first.texts("body") + first.texts("heading1")
    assert body, "the first page shows the text (§7.3.3)"


def test_page_numbers_odd_right_even_left_and_none_on_the_letters_first_page() -> None:
    pages = pages_of(NOTICE)
    middle = m.PAGE_WIDTH / 2
    for n, page in enumerate(pages, start=1):
        assert page.text("page_number") == f"— {n} —"
        (number,) = page.texts("page_number")
        left = xs(number)[0]
        assert (left > middle) == (n % 2 == 1)  # odd 居右, even 居左
        if n % 2 == 0:
            assert abs(left - (m.MARGIN_LEFT + CHAR4)) < 1  # 左空一字
        # 7 mm under the 版心 (§7.5)
        assert m.MARGIN_TOP + m.BODY_HEIGHT < float(number.get("y") or 0) < m.PAGE_HEIGHT
    letter = pages_of(LETTER)
    assert letter[0].text("page_number") == ""  # §10.1 首页不显示页码
    assert [p.text("page_number") for p in letter[1:]] == [
        f"— {n} —" for n in range(2, len(letter) + 1)
    ]


def _with_lines(n: int) -> dict[str, Any]:
    return {**NOTICE, "attachments": [], "note": "", "body": "\n".join(["一" * 26] * n)}


def test_blank_page_and_record_page_after_it_are_not_numbered() -> None:
    n = next(n for n in range(1, 80) if layout_gongwen(spec_from_dict(_with_lines(n))).blank_page)
    layout = layout_gongwen(spec_from_dict(_with_lines(n)))
    pages = pages_of(_with_lines(n))
    assert len(pages) == layout.pages == layout.record_page
    numbers = [p.text("page_number") for p in pages]
    assert numbers[-2:] == ["", ""]
    assert numbers[:-2] == [f"— {i} —" for i in range(1, len(pages) - 1)]
    blank = pages[-2]
    assert not [g for g in blank.root.iter(f"{SVG}g")]  # nothing at all on the blank page
    assert pages[-1].text("copy_to").startswith("抄送：")


@pytest.mark.parametrize("name", ["notice", "request"])
def test_record_sits_at_the_foot_of_the_type_area_on_its_page(name: str) -> None:
    spec = SPECS[name]
    layout = layout_gongwen(spec_from_dict(spec))
    assert layout.record_page is not None
    pages = pages_of(spec)
    for n, page in enumerate(pages, start=1):
        assert bool(page.groups("copy_to")) == (n == layout.record_page)
    page = pages[layout.record_page - 1]
    bottom = m.MARGIN_TOP + m.BODY_HEIGHT
    rules = page.rules("copy_to") + page.rules("print_line")
    assert len(rules) == 3
    last = rules[-1]
    width = float(last.get("stroke-width") or 0)
    assert abs(width - m.RULE_THICK * 20 / 8) < 0.01  # 0.35 mm
    assert abs(float(last.get("y1") or 0) + width / 2 - bottom) < 1  # on the 版心's lower edge
    assert abs(float(rules[1].get("stroke-width") or 0) - m.RULE_THIN * 20 / 8) < 0.01
    for rule in rules:  # 与版心等宽
        assert float(rule.get("x1") or 0) == m.MARGIN_LEFT
        assert float(rule.get("x2") or 0) == m.MARGIN_LEFT + m.BODY_WIDTH
    ys = [float(t.get("y") or 0) for t in page.texts("copy_to") + page.texts("print_line")]
    assert all(bottom - 4 * m.LINE < y < bottom for y in ys)
    # 印发日期 右空一字: the last character ends on the right tab stop
    (date,) = [t for t in page.texts("print_line") if (t.text or "").endswith("印发")]
    end = xs(date)[-1] + m.advance("发", m.SIZE_4, grid=False) * 20
    assert abs(end - (m.MARGIN_LEFT + m.BODY_WIDTH - CHAR4)) < 1
    assert page.text("print_line").startswith(spec_from_dict(spec).printer)


def test_red_rule_under_the_doc_number_and_signatory_names_on_the_right() -> None:
    first = pages_of(REQUEST)[0]
    (rule,) = first.rules("doc_number")
    assert rule.get("stroke") == "#FF0000"
    number = [t for t in first.texts("doc_number") if (t.text or "").startswith("示民")]
    assert number and xs(number[0])[0] == pytest.approx(m.MARGIN_LEFT + m.CHAR, abs=1)  # 居左空一字
    assert float(rule.get("y1") or 0) > float(number[0].get("y") or 0)
    label = first.text("signatory")
    assert label.startswith("签发人：") and "张三" in label and "李四" in label
    names = [
        t
        for t in first.texts("signatory") + first.texts("doc_number")
        if t.text in {"张三", "李四", "王五"}
    ]
    assert len(names) == 3 and all("KaiTi" in (t.get("font-family") or "") for t in names)
    # 居右空一字: the last name of the first row ends one character from the right edge
    (li,) = [t for t in names if t.text == "李四"]
    end = xs(li)[-1] + m.advance("四", m.SIZE_3, grid=True) * 20
    assert m.MARGIN_LEFT + m.BODY_WIDTH - 2 * m.CHAR < end <= m.MARGIN_LEFT + m.BODY_WIDTH


def test_letter_first_page_has_the_mark_and_both_red_double_rules() -> None:
    first = pages_of(LETTER)[0]
    (mark,) = first.texts("mark")
    # the mark's upper edge 30 mm below the page's (§10.1): its baseline about one 初号 lower
    size = m.MARK_SIZE * 20
    assert abs(float(mark.get("y") or 0) - (m.LETTER_MARK_TOP + 0.88 * size)) < 0.1 * size
    rules = first.rules("mark") + first.rules("letter_rule")
    assert len(rules) == 4 and {r.get("stroke") for r in rules} == {"#FF0000"}
    for rule in rules:
        length = float(rule.get("x2") or 0) - float(rule.get("x1") or 0)
        assert abs(length - m.LETTER_RULE_LENGTH) < 1  # 170 mm
    lowest = max(float(r.get("y1") or 0) + float(r.get("stroke-width") or 0) / 2 for r in rules)
    assert abs(m.twips_to_mm(m.PAGE_HEIGHT - lowest) - 20) < 0.5  # 20 mm above the lower edge
    assert pages_of(LETTER)[1].rules("letter_rule") == []


def test_ai_label_on_every_page_above_the_type_area() -> None:
    pages = pages_of(NOTICE, ai_label=LABEL)
    for page in pages:
        (label,) = page.texts("ai_label")
        assert label.text == LABEL and float(label.get("y") or 0) < m.MARGIN_TOP
    assert all(p.texts("ai_label") == [] for p in pages_of(NOTICE))


def test_every_character_of_the_body_is_drawn_in_order() -> None:
    paragraphs = [
        "为切实做好今冬明春安全生产工作，现就有关事项通知如下：" * 3,
        "一、总体要求。坚持人民至上、生命至上，统筹发展和安全（2026—2027年）。",
        "（一）压实责任。" + "各区要落实属地管理责任，各部门要落实行业监管责任；" * 9,
        "依据GB/T 9704-2012第7.3.3条，“左空二字”。" * 4,
    ] * 3
    spec = {**NOTICE, "attachments": ["联系人名单"], "body": "\n".join(paragraphs)}
    pages = pages_of(spec)
    assert len(pages) == layout_gongwen(spec_from_dict(spec)).pages > 2
    drawn = "".join(
        t.text or ""
        for page in pages
        for g in page.root.iter(f"{SVG}g")
        if g.get("class") in BODY_ROLES
        for t in g.iter(f"{SVG}text")
    )
    assert drawn == "".join(paragraphs)


def test_a_long_paragraph_wraps_into_as_many_lines_as_the_counter_says() -> None:
    text = "各区要落实属地管理责任，“各部门”要落实行业监管责任（2026年）。" * 12
    spec = {**NOTICE, "attachments": [], "body": text}
    plan = page_plan(spec_from_dict(spec))
    (index,) = [i for i, p in enumerate(plan.main) if p.role == "body"]
    expected = m.count_lines([m.Span(text, m.SIZE_3)], m.BODY_WIDTH, first=2 * m.CHAR)
    assert expected > 10 and plan.lines[index] == expected
    lines: dict[tuple[int, str], list[ET.Element]] = {}
    for n, page in enumerate(pages_of(spec), start=1):
        for g in page.groups("body"):
            assert g.get("data-para") == str(index)
            for t in g.iter(f"{SVG}text"):
                lines.setdefault((n, t.get("y") or ""), []).append(t)
    assert len(lines) == expected
    first, *rest = lines.values()
    assert xs(first[0])[0] == pytest.approx(m.MARGIN_LEFT + 2 * m.CHAR, abs=0.1)  # 左空二字
    assert all(xs(line[0])[0] == pytest.approx(m.MARGIN_LEFT, abs=0.1) for line in rest)  # 回行顶格
    # CJK characters advance by the grid pitch the counter assumes
    steps = {round(b - a, 1) for a, b in zip(xs(first[0]), xs(first[0])[1:], strict=False)}
    assert round(m.advance("各", m.SIZE_3, grid=True) * 20, 1) in steps
    # lines are one grid line apart
    tops = sorted(float(y) for page, y in lines if page == 1)
    assert {round(b - a, 1) for a, b in itertools.pairwise(tops)} == {m.LINE}


def test_text_is_escaped() -> None:
    tricky = '关于<script>alert("x")</script>&amp;A&B"引号"的通知'
    spec = {**NOTICE, "title": tricky, "body": "比较a<b & c>d，见“附件”。", "copy_to": ["甲&乙"]}
    svgs = preview_pages(spec_from_dict(spec), ai_label='<标识>&"AI"')
    assert "<script" not in "".join(svgs)
    pages = [Page(svg) for svg in svgs]
    assert pages[0].text("title") == tricky
    assert pages[0].text("body") == "比较a<b & c>d，见“附件”。"
    assert pages[0].text("ai_label") == '<标识>&"AI"'
    assert pages[-1].text("copy_to") == "抄送：甲&乙。"


def test_a_long_mark_is_condensed_into_the_type_area() -> None:
    spec = {
        **NOTICE,
        "issuer": {"name": "示范市", "mark": "示范市人民政府办公室安全生产委员会文件"},
    }
    (mark,) = pages_of(spec)[0].texts("mark")
    transform = mark.get("transform") or ""
    assert transform.startswith("matrix(")
    scale, _, _, _, x0, _ = (float(v) for v in transform[7:-1].split())
    assert scale < 1
    positions = [x0 + scale * x for x in xs(mark)]
    end = positions[-1] + scale * m.MARK_SIZE * 20
    assert positions[0] >= m.MARGIN_LEFT - 1 and end <= m.MARGIN_LEFT + m.BODY_WIDTH + 1


def test_fonts_are_lists_a_browser_can_resolve() -> None:
    for family in FONT_FAMILIES.values():
        assert family.rstrip().endswith(("serif", "sans-serif"))
    first = pages_of(NOTICE)[0]
    (heading,) = first.texts("heading1")
    assert "SimHei" in (heading.get("font-family") or "")  # 一级标题 黑体
    assert "FangSong" in (first.texts("body")[0].get("font-family") or "")


def test_break_lines_gives_the_counted_lines() -> None:
    spans = [m.Span("一" * 28, m.SIZE_3), m.Span("》二", m.SIZE_3)]
    lines = m.break_lines(spans, m.BODY_WIDTH)
    # 》 may not start a line: the character before it goes along
    assert [[(p.span, p.text) for p in line] for line in lines] == [
        [(0, "一" * 27)],
        [(0, "一"), (1, "》二")],
    ]
    assert m.count_lines(spans, m.BODY_WIDTH) == 2
    manual = m.break_lines([m.Span("GB/T\n9704", m.SIZE_3)], m.BODY_WIDTH)
    assert [[p.text for p in line] for line in manual] == [["GB/T"], ["9704"]]


def test_wrong_arguments_are_refused_in_chinese() -> None:
    with pytest.raises(ValidationError, match="spec_from_dict"):
        preview_pages(NOTICE)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="标识应为文字"):
        preview_pages(spec_from_dict(NOTICE), ai_label=1)  # type: ignore[arg-type]

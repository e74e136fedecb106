"""The GB/T 9704-2012 layout engine: each produced file is opened with python-docx and as raw
WordprocessingML, and every rule that can be measured in the file is checked against the
standard's millimetres and type sizes (page, margins, grid, fonts and sizes per element, red
标志 and rule, exact line spacing, order and spacing of elements, 签发人, 附件说明, 署名 and
成文日期 with and without a seal, attachments on new pages, 版记 rules and its even page,
odd/even page numbers, the 信函/命令/纪要 formats, AI labels) and the spec's validation."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import docx
import pytest

from govai.documents import gongwen_measure as m
from govai.documents.gongwen import ROLE_STYLES, layout_gongwen, write_gongwen
from govai.documents.gongwen_spec import spec_from_dict
from govai.errors import ValidationError

from .specs import LABEL, LETTER, MINUTES, NOTICE, ORDER, REQUEST

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ROLE_OF = {style_id: role for role, (_, style_id) in ROLE_STYLES.items()}


class Produced:
    """A written file read back both ways."""

    def __init__(self, data: bytes, layout: Any) -> None:
        self.data = data
        self.layout = layout
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.document = docx.Document(io.BytesIO(data))

    def xml(self, name: str) -> ET.Element:
        return ET.fromstring(self.zip.read(name))

    @property
    def body(self) -> ET.Element:
        body = self.xml("word/document.xml").find(f"{W}body")
        assert body is not None
        return body

    def paragraphs(self) -> list[ET.Element]:
        return list(self.body.iter(f"{W}p"))

    def roles(self) -> list[str]:
        return [role(p) for p in self.paragraphs()]

    def by_role(self, name: str) -> list[ET.Element]:
        return [p for p in self.paragraphs() if role(p) == name]

    def one(self, name: str) -> ET.Element:
        found = self.by_role(name)
        assert len(found) == 1, (name, len(found))
        return found[0]

    def part_for(self, sect: ET.Element, kind: str, which: str) -> ET.Element | None:
        rels = ET.fromstring(self.zip.read("word/_rels/document.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        for ref in sect.findall(f"{W}{kind}Reference"):
            if ref.get(f"{W}type") == which:
                rid = ref.get(
                    "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
                )
                return self.xml("word/" + str(targets[rid]))
        return None


def produce(spec: dict[str, Any], **kw: Any) -> Produced:
    out = io.BytesIO()
    layout = write_gongwen(spec_from_dict(spec), out, **kw)
    return Produced(out.getvalue(), layout)


def role(p: ET.Element) -> str:
    style = p.find(f"{W}pPr/{W}pStyle")
    return ROLE_OF.get(style.get(f"{W}val") if style is not None else "", "")


def text(p: ET.Element) -> str:
    out = []
    for el in p.iter():
        if el.tag == f"{W}t":
            out.append(el.text or "")
        elif el.tag == f"{W}tab" and el.get(f"{W}pos") is None:
            out.append("\t")
    return "".join(out)


def runs(p: ET.Element) -> list[dict[str, Any]]:
    """Each run's text, East Asian font, size in half-points, colour, scale and bold."""
    out = []
    for r in p.findall(f"{W}r"):
        rpr = r.find(f"{W}rPr")
        assert rpr is not None
        fonts = rpr.find(f"{W}rFonts")
        assert fonts is not None
        color = rpr.find(f"{W}color")
        scale = rpr.find(f"{W}w")
        out.append(
            {
                "text": "".join(t.text or "" for t in r.findall(f"{W}t")),
                "font": fonts.get(f"{W}eastAsia"),
                "ascii": fonts.get(f"{W}ascii"),
                "hint": fonts.get(f"{W}hint"),
                "sz": int(rpr.find(f"{W}sz").get(f"{W}val")),
                "color": color.get(f"{W}val") if color is not None else None,
                "scale": int(scale.get(f"{W}val")) if scale is not None else 100,
                "bold": rpr.find(f"{W}b") is not None,
            }
        )
    return [r for r in out if r["text"]]


def ppr(p: ET.Element, tag: str, attr: str) -> int | str | None:
    el = p.find(f"{W}pPr/{W}{tag}")
    if el is None:
        return None
    value = el.get(f"{W}{attr}")
    if value is None:
        return None
    return int(value) if value.lstrip("-").isdigit() else value


def blanks_between(roles: list[str], first: str, then: str) -> int:
    """Blank paragraphs between the first ``then`` and the last ``first`` before it."""
    j = roles.index(then)
    i = j - 1 - roles[:j][::-1].index(first)
    between = roles[i + 1 : j]
    assert set(between) <= {"blank"}, between
    return len(between)


def right_edge_start(p: ET.Element) -> float:
    """Where a right-aligned paragraph's text starts, in 字 from the 版心's left edge."""
    right = (ppr(p, "ind", "right") or 0) / m.CHAR
    return m.CHARS_PER_LINE - right - m.chars(text(p))


@pytest.fixture(scope="module")
def notice() -> Produced:
    return produce(NOTICE, ai_label=LABEL, aigc={"AIGC": {"Label": "1", "ProduceID": "p1"}})


# -- page, grid and fonts ---------------------------------------------------------------------


def test_page_is_a4_with_the_standard_margins_and_type_area(notice: Produced) -> None:
    sect = notice.body.find(f"{W}sectPr")
    assert sect is not None
    size, margins = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
    assert size is not None and margins is not None
    width, height = int(size.get(f"{W}w")), int(size.get(f"{W}h"))
    assert round(m.twips_to_mm(width)) == 210 and round(m.twips_to_mm(height)) == 297
    top, bottom, left, right = (
        int(margins.get(f"{W}{k}")) for k in ("top", "bottom", "left", "right")
    )
    assert abs(m.twips_to_mm(top) - 37) <= 1  # 天头 37 ± 1 mm
    assert abs(m.twips_to_mm(left) - 28) <= 1  # 订口 28 ± 1 mm
    assert abs(m.twips_to_mm(width - left - right) - 156) < 0.05  # 版心 width
    assert abs(m.twips_to_mm(height - top - bottom) - 225) < 0.05  # 版心 height
    section = notice.document.sections[0]
    assert abs(section.top_margin.mm - 37) < 0.05 and abs(section.left_margin.mm - 28) < 0.05


def test_grid_holds_22_lines_of_28_characters(notice: Produced) -> None:
    grid = notice.body.find(f"{W}sectPr/{W}docGrid")
    assert grid is not None and grid.get(f"{W}type") == "lines"
    pitch = int(grid.get(f"{W}linePitch"))
    # 22 lines fit the 版心 height and 23 do not; the pitch is the largest that fits 22.
    assert 22 * pitch <= m.BODY_HEIGHT < 22 * (pitch + 1)
    # Every run of the text is set tighter so that 28 3号 characters fit the 版心 width and 29
    # do not (Word and LibreOffice both advance a character by its size plus the spacing).
    normal = notice.xml("word/styles.xml").find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz")
    assert normal is not None and int(normal.get(f"{W}val")) == 32
    for p in notice.paragraphs():
        if role(p) not in ("body", "heading1", "heading2"):
            continue
        for rpr in p.iter(f"{W}rPr"):
            spacing = rpr.find(f"{W}spacing")
            assert spacing is not None
            per_char = 16 + int(spacing.get(f"{W}val")) / 20
            assert 28 * per_char * 20 <= m.BODY_WIDTH < 29 * per_char * 20


def test_every_line_of_text_has_exact_grid_spacing(notice: Produced) -> None:
    flowing = {
        "title",
        "recipients",
        "body",
        "heading1",
        "heading2",
        "heading3",
        "heading4",
        "attachment_note",
        "signature",
        "date",
        "note",
        "blank",
        "attachment_title",
        "copy_to",
        "print_line",
    }
    checked = 0
    for p in notice.paragraphs():
        if role(p) in flowing:
            assert ppr(p, "spacing", "lineRule") == "exact"
            assert ppr(p, "spacing", "line") == m.LINE, role(p)
            assert ppr(p, "spacing", "after") == 0
            checked += 1
    assert checked > 20


EXPECTED_TYPE = {
    # role: (East Asian font, size in half-points) — GB/T 9704-2012 sections in comments
    "mark": ("方正小标宋简体", 84),  # 7.2.4 小标宋 (size the issuer's choice: 初号)
    "doc_number": ("仿宋_GB2312", 32),  # 5.2.2 3号仿宋
    "title": ("方正小标宋简体", 44),  # 7.3.1 2号小标宋
    "recipients": ("仿宋_GB2312", 32),
    "body": ("仿宋_GB2312", 32),  # 7.3.3 3号仿宋
    "heading1": ("黑体", 32),  # 7.3.3 第一层黑体
    "heading2": ("楷体_GB2312", 32),  # 第二层楷体
    "heading3": ("仿宋_GB2312", 32),  # 第三层仿宋
    "heading4": ("仿宋_GB2312", 32),  # 第四层仿宋
    "attachment_note": ("仿宋_GB2312", 32),
    "signature": ("仿宋_GB2312", 32),
    "date": ("仿宋_GB2312", 32),
    "note": ("仿宋_GB2312", 32),
    "attachment_label": ("黑体", 32),  # 7.3.7 3号黑体
    "attachment_title": ("方正小标宋简体", 44),
    "copy_to": ("仿宋_GB2312", 28),  # 7.4.2 4号仿宋
    "print_line": ("仿宋_GB2312", 28),  # 7.4.3 4号仿宋
}


@pytest.mark.parametrize("name", sorted(EXPECTED_TYPE))
def test_each_element_has_its_font_and_size(notice: Produced, name: str) -> None:
    font, size = EXPECTED_TYPE[name]
    paragraphs = notice.by_role(name)
    assert paragraphs, name
    for p in paragraphs:
        first = runs(p)[0]
        assert (first["font"], first["sz"]) == (font, size), (name, first)
        assert first["ascii"] == font and first["hint"] == "eastAsia"
        assert not any(r["bold"] for r in runs(p))  # the standard names no bold type


def test_heading_sentence_in_heading_font_rest_in_body_font(notice: Produced) -> None:
    (p,) = [p for p in notice.by_role("heading2") if text(p).startswith("（一）")]
    first, rest = runs(p)
    assert (first["text"], first["font"]) == ("（一）压实责任。", "楷体_GB2312")
    assert rest["font"] == "仿宋_GB2312" and rest["text"].startswith("各区要")
    levels = {
        name: ppr(notice.by_role(name)[0], "outlineLvl", "val")
        for name in ("heading1", "heading2", "heading3", "heading4")
    }
    assert levels == {"heading1": 0, "heading2": 1, "heading3": 2, "heading4": 3}
    assert all(ppr(p, "outlineLvl", "val") is None for p in notice.by_role("body"))


def test_paragraphs_indent_two_characters(notice: Produced) -> None:
    for name in ("body", "heading1", "heading2", "heading3", "heading4", "note"):
        for p in notice.by_role(name):
            assert abs(int(ppr(p, "ind", "firstLine")) - 2 * m.CHAR) <= 1
    recipients = notice.one("recipients")
    assert ppr(recipients, "ind", "firstLine") is None and ppr(recipients, "ind", "left") is None
    assert text(recipients) == "各区人民政府，市政府各部门："


def test_font_table_names_a_fallback_for_each_chinese_font(notice: Produced) -> None:
    table = {f.get(f"{W}name"): f for f in notice.xml("word/fontTable.xml").findall(f"{W}font")}
    used = {r["font"] for p in notice.paragraphs() for r in runs(p)}
    for name in used:
        entry = table[name]
        alt = entry.find(f"{W}altName")
        assert alt is not None and alt.get(f"{W}val"), name
        assert entry.find(f"{W}charset").get(f"{W}val") == "86"
    assert table["仿宋_GB2312"].find(f"{W}altName").get(f"{W}val") == "仿宋"
    defaults = notice.xml("word/styles.xml").find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert defaults is not None and defaults.get(f"{W}eastAsia") == "仿宋_GB2312"
    assert not any("Theme" in key for key in defaults.attrib)  # a theme font would override


# -- 版头 -------------------------------------------------------------------------------------


def test_mark_is_red_and_35_mm_below_the_type_area_top(notice: Produced) -> None:
    mark = notice.one("mark")
    (run,) = runs(mark)
    assert run["text"] == "示范市人民政府文件" and run["color"] == "FF0000"
    assert ppr(mark, "jc", "val") == "center"
    assert abs(m.twips_to_mm(ppr(mark, "spacing", "before")) - 35) < 0.05
    # the line box is the characters' height, so its top is the characters' upper edge
    assert ppr(mark, "spacing", "line") == run["sz"] * 10


def test_doc_number_two_lines_below_mark_with_red_rule_4_mm_below(notice: Produced) -> None:
    roles = notice.roles()
    assert blanks_between(roles, "mark", "doc_number") == 2
    number = notice.one("doc_number")
    assert text(number) == "示政发〔2026〕12号" and ppr(number, "jc", "val") == "center"
    rule = number.find(f"{W}pPr/{W}pBdr/{W}bottom")
    assert rule is not None and rule.get(f"{W}color") == "FF0000"
    assert abs(int(rule.get(f"{W}space")) * 25.4 / 72 - 4) < 0.5
    # the line box is the characters' height and ends on the grid line
    assert ppr(number, "spacing", "line") == 320
    assert ppr(number, "spacing", "before") + 320 == m.LINE
    assert blanks_between(roles, "doc_number", "title") == 2  # 7.3.1 分隔线下空二行
    assert blanks_between(roles, "title", "recipients") == 1  # 7.3.2 标题下空一行
    assert roles.index("body") == roles.index("recipients") + 1  # 7.3.3 主送机关下一行


def test_signatory_only_for_a_document_that_names_one(notice: Produced) -> None:
    assert "签发人" not in "".join(text(p) for p in notice.paragraphs())
    upward = produce(REQUEST)
    lines = upward.by_role("signatory") + upward.by_role("doc_number")
    assert len(lines) == 2  # two names per line, the number on the last
    first, last = lines
    label = runs(first)[0]
    assert label["text"] == "\t签发人：" or label["text"] == "签发人："
    assert label["font"] == "仿宋_GB2312"
    names = [r for p in lines for r in runs(p) if r["text"] in ("张三", "李四", "王五")]
    assert [r["text"] for r in names] == ["张三", "李四", "王五"]
    assert all(r["font"] == "楷体_GB2312" and r["sz"] == 32 for r in names)
    # 7.2.5: 发文字号 居左空一字, on the line of the last 签发人, with the red rule under it
    assert runs(last)[0]["text"] == "示民〔2026〕3号"
    assert abs(int(ppr(last, "ind", "left")) - m.CHAR) <= 1
    assert last.find(f"{W}pPr/{W}pBdr/{W}bottom").get(f"{W}color") == "FF0000"
    # 7.2.6: names 居右空一字 — the second name's tab stop leaves room for it and one 字
    stops = sorted(int(t.get(f"{W}pos")) for t in first.findall(f"{W}pPr/{W}tabs/{W}tab"))
    assert abs(stops[-1] + 2 * m.CHAR - (m.BODY_WIDTH - m.CHAR)) <= 1
    assert upward.layout.warnings == ()
    unsigned = layout_gongwen(spec_from_dict({**_request(), "signatory": []}))
    assert any("签发人" in w for w in unsigned.warnings)


def _request() -> dict[str, Any]:
    return {
        "type": "请示",
        "issuer": "示范市民政局",
        "doc_number": "示民〔2026〕3号",
        "title": "示范市民政局关于拨付养老服务补贴资金的请示",
        "recipients": "市人民政府",
        "body": "妥否，请批示。",
    }


def test_corner_elements_top_left_in_order() -> None:
    produced = produce({**NOTICE, "copy_number": "12", "secrecy": "机密★1年", "urgency": "特急"})
    roles = [r for r in produced.roles() if r != "blank"]
    assert roles[:4] == ["copy_number", "secrecy", "urgency", "mark"]
    assert text(produced.one("copy_number")) == "000012"  # 7.2.1 6 位
    assert runs(produced.one("secrecy"))[0]["font"] == "黑体"  # 7.2.2 3号黑体
    # the three lines take 3 grid lines; the mark still starts 35 mm below the 版心 top
    before = ppr(produced.one("mark"), "spacing", "before")
    assert abs(m.twips_to_mm(before + 3 * m.LINE) - 35) < 0.05


def test_a_long_mark_is_condensed_to_the_type_area() -> None:
    produced = produce(
        {**NOTICE, "issuer": {"name": "示范市", "mark": "示范市人民政府安全生产委员会办公室文件"}}
    )
    (run,) = runs(produced.one("mark"))
    assert run["scale"] < 100
    width = m.text_width(run["text"], run["sz"] / 2, grid=False) * run["scale"] / 100
    assert width * 20 <= m.BODY_WIDTH


# -- 主体 -------------------------------------------------------------------------------------


def test_order_of_elements(notice: Produced) -> None:
    order = []
    for r in notice.roles():
        if r not in ("blank", "frame_anchor") and (not order or order[-1] != r):
            order.append(r)
    assert order == [
        "mark",
        "doc_number",
        "title",
        "recipients",
        "body",
        "heading1",
        "body",
        "heading2",
        "heading3",
        "heading4",
        "heading1",
        "body",
        "attachment_note",
        "signature",
        "date",
        "note",
        "attachment_label",
        "attachment_title",
        "heading1",
        "body",
        "copy_to",
        "print_line",
    ]


def test_attachment_note_numbered_with_names_aligned(notice: Produced) -> None:
    roles = notice.roles()
    assert blanks_between(roles, "body", "attachment_note") == 1  # 正文下空一行
    first, second = notice.by_role("attachment_note")
    assert text(first) == "附件：1.\t安全生产检查表" and text(second) == "2.\t联系人名单"
    left1, left2 = (int(ppr(p, "ind", "left")) for p in (first, second))
    assert left1 == left2  # wrapped and later names start under the first name's first 字
    start = left1 - int(ppr(first, "ind", "hanging"))
    assert abs(start - 2 * m.CHAR) <= 1  # 左空二字
    # the name starts after "附件：" (3 字), "1." and half a space
    assert abs(left1 - (2 + 3 + 1 + 0.5) * m.CHAR) <= 1
    single = produce({**NOTICE, "attachments": ["安全生产检查表"]}).one("attachment_note")
    assert text(single) == "附件：安全生产检查表"


def test_seal_layout_date_four_from_right_signature_centred_over_it(notice: Produced) -> None:
    signature, date = notice.one("signature"), notice.one("date")
    assert text(date) == "2026年11月21日" and ppr(date, "jc", "val") == "right"
    assert abs(int(ppr(date, "ind", "right")) - 4 * m.CHAR) <= 1
    centre = lambda p: right_edge_start(p) + m.chars(text(p)) / 2  # noqa: E731
    assert abs(centre(signature) - centre(date)) < 0.01
    # two blank lines leave the seal's top within a line of the text (see gongwen._closing)
    assert blanks_between(notice.roles(), "attachment_note", "signature") == 2


@pytest.mark.parametrize("signature", ["示范市人民政府", "示范市人民政府安全生产委员会办公室"])
def test_no_seal_layout(signature: str) -> None:
    produced = produce({**NOTICE, "seal": False, "signature": signature, "attachments": []})
    sign, date = produced.one("signature"), produced.one("date")
    assert blanks_between(produced.roles(), "body", "signature") == 1  # 下空一行
    right = lambda p: int(ppr(p, "ind", "right")) / m.CHAR  # noqa: E731
    # 7.3.5.2: the date's first 字 two to the right of the signature's first 字 …
    assert abs(right_edge_start(date) - (right_edge_start(sign) + 2)) < 0.01
    if m.chars(text(date)) > m.chars(signature) - 2:
        assert abs(right(date) - 2) < 0.01  # … a long date stands 右空二字
    else:
        assert abs(right(sign) - 2) < 0.01  # … else the signature stands 右空二字


def test_date_in_arabic_numerals_without_leading_zeros() -> None:
    produced = produce({**NOTICE, "date": "2026年1月5日", "print_date": "2026-01-06"})
    assert text(produced.one("date")) == "2026年1月5日"
    assert text(produced.one("print_line")).endswith("2026年1月6日印发")


def test_note_in_parentheses_below_the_date(notice: Produced) -> None:
    roles = notice.roles()
    note = notice.one("note")
    assert text(note) == "（此件公开发布）"
    assert roles.index("note") == roles.index("date") + 1


def test_attachments_start_new_pages_with_label_and_title(notice: Produced) -> None:
    (label,) = notice.by_role("attachment_label")
    assert label.find(f"{W}pPr/{W}pageBreakBefore") is not None
    assert runs(label)[0] == {**runs(label)[0], "text": "附件1", "font": "黑体", "sz": 32}
    assert ppr(label, "jc", "val") == "left" and ppr(label, "ind", "left") is None  # 顶格
    roles = notice.roles()
    assert blanks_between(roles, "attachment_label", "attachment_title") == 1  # third line
    (title,) = notice.by_role("attachment_title")
    assert text(title) == "安全生产检查表" and ppr(title, "jc", "val") == "center"
    # an attachment listed without text gets no page
    assert [text(p) for p in notice.by_role("attachment_label")] == ["附件1"]


# -- 版记 and page numbers --------------------------------------------------------------------


def test_record_rules_and_lines(notice: Produced) -> None:
    copy_to, printed = notice.one("copy_to"), notice.one("print_line")
    # a frame each, one under the other, the last one's bottom on the 版心's: two lines of 4号
    # with exact spacing plus the three rules
    rule = lambda sz: sz * 20 // 8  # noqa: E731
    first = m.LINE + rule(m.RULE_THICK)
    second = m.LINE + rule(m.RULE_THIN) + rule(m.RULE_THICK)
    for p, top in ((copy_to, m.BODY_HEIGHT - first - second), (printed, m.BODY_HEIGHT - second)):
        frame = p.find(f"{W}pPr/{W}framePr")
        assert frame is not None and frame.get(f"{W}yAlign") is None
        assert int(frame.get(f"{W}y")) == top
        assert frame.get(f"{W}vAnchor") == "margin" and int(frame.get(f"{W}w")) == m.BODY_WIDTH
    width = lambda p, side: int(p.find(f"{W}pPr/{W}pBdr/{W}{side}").get(f"{W}sz")) / 8 * 25.4 / 72  # noqa: E731
    assert abs(width(copy_to, "top") - 0.35) < 0.01  # first rule thick
    assert abs(width(printed, "top") - 0.25) < 0.02  # middle rule thin
    assert abs(width(printed, "bottom") - 0.35) < 0.01  # last rule thick, at the 版心 bottom
    assert text(copy_to) == "抄送：市委各部门，市人大常委会办公室。"
    roles = notice.roles()
    assert roles[roles.index("copy_to") + 1] == "frame_anchor"  # LibreOffice needs it
    four = round(m.SIZE_4 * 20)  # one 4号 字
    assert int(ppr(copy_to, "ind", "left")) - int(ppr(copy_to, "ind", "hanging")) == four
    assert ppr(copy_to, "ind", "right") == four  # 左右各空一字
    assert text(printed) == "示范市人民政府办公室\t2026年11月22日印发"
    assert ppr(printed, "ind", "left") == four
    (stop,) = printed.findall(f"{W}pPr/{W}tabs/{W}tab")
    assert stop.get(f"{W}val") == "right" and int(stop.get(f"{W}pos")) == m.BODY_WIDTH - four


def _with_lines(n: int) -> dict[str, Any]:
    """The notice without attachments and with ``n`` one-line body paragraphs."""
    line = "一" * 26
    return {**NOTICE, "attachments": [], "note": "", "body": "\n".join([line] * n)}


def test_record_goes_to_an_even_page() -> None:
    seen = {}
    for n in range(1, 60):
        layout = layout_gongwen(spec_from_dict(_with_lines(n)))
        assert layout.record_page is not None and layout.record_page % 2 == 0
        assert layout.pages == layout.record_page  # the 版记 is on the last page
        kind = (
            "blank"
            if layout.blank_page
            else ("same" if layout.record_page == _end_page(n) else "next")
        )
        seen.setdefault(kind, n)
    assert set(seen) == {"same", "next", "blank"}, seen

    short = produce(_with_lines(seen["next"]))  # text ends on page 1: 版记 on page 2
    roles = short.roles()
    breaker = short.paragraphs()[roles.index("copy_to") - 1]
    assert role(breaker) == "blank" and breaker.find(f"{W}pPr/{W}pageBreakBefore") is not None

    same = produce(_with_lines(seen["same"]))
    assert all(p.find(f"{W}pPr/{W}pageBreakBefore") is None for p in same.paragraphs())

    full = produce(_with_lines(seen["blank"]))
    assert full.layout.blank_page
    sections = [*full.body.findall(f"{W}p/{W}pPr/{W}sectPr"), full.body.find(f"{W}sectPr")]
    assert len(sections) == 2
    numbered, unnumbered = sections
    for which in ("default", "even"):
        footer = full.part_for(unnumbered, "footer", which)
        assert footer is not None and "PAGE" not in ET.tostring(footer, encoding="unicode")
        footer = full.part_for(numbered, "footer", which)
        assert footer is not None and "PAGE" in ET.tostring(footer, encoding="unicode")


def _end_page(n: int) -> int:
    from govai.documents import gongwen as g

    plan = g._plan(spec_from_dict({**_with_lines(n), "copy_to": [], "printer": ""}))
    return plan.layout.pages


def test_page_numbers_odd_right_even_left_7_mm_below(notice: Produced) -> None:
    settings = notice.xml("word/settings.xml")
    assert settings.find(f"{W}evenAndOddHeaders") is not None
    sect = notice.body.find(f"{W}sectPr")
    assert sect is not None
    odd, even = notice.part_for(sect, "footer", "default"), notice.part_for(sect, "footer", "even")
    assert odd is not None and even is not None
    four = round(m.SIZE_4 * 20)
    for part, align, side in ((odd, "right", "right"), (even, "left", "left")):
        (p,) = part.findall(f"{W}p")
        assert text(p) == "— 1 —"
        assert "PAGE" in "".join(t.text or "" for t in p.iter(f"{W}instrText"))
        assert ppr(p, "jc", "val") == align and ppr(p, "ind", side) == four  # 空一字
        assert {(r["font"], r["sz"]) for r in runs(p)} == {("宋体", 28)}  # 4号宋体
        assert {r["ascii"] for r in runs(p)} == {"宋体"}  # 半角 digits in 宋体
    distance = int(sect.find(f"{W}pgMar").get(f"{W}footer"))
    # the middle of the one 4号 line (where the 一字线 is) lies 7 mm under the 版心
    middle = m.MARGIN_BOTTOM - distance - four / 2
    assert abs(m.twips_to_mm(middle) - 7) < 0.1


# -- the other formats ------------------------------------------------------------------------


def test_letter_format() -> None:
    produced = produce(LETTER)
    sect = produced.body.find(f"{W}sectPr")
    assert sect is not None and sect.find(f"{W}titlePg") is not None
    header = produced.part_for(sect, "header", "first")
    assert header is not None
    (mark,) = [p for p in header.findall(f"{W}p") if role(p) == "mark"]
    assert runs(mark)[0]["text"] == "示范市人民政府办公室" and runs(mark)[0]["color"] == "FF0000"
    frame = mark.find(f"{W}pPr/{W}framePr")
    assert frame is not None and frame.get(f"{W}vAnchor") == "page"
    assert abs(m.twips_to_mm(int(frame.get(f"{W}y"))) - 30) < 0.05
    assert abs(m.twips_to_mm(int(frame.get(f"{W}w"))) - 170) < 0.05
    rule = mark.find(f"{W}pPr/{W}pBdr/{W}bottom")
    assert rule is not None and rule.get(f"{W}val") == "thickThinSmallGap"  # 上粗下细
    assert rule.get(f"{W}color") == "FF0000"
    first_footer = produced.part_for(sect, "footer", "first")
    assert first_footer is not None
    assert "PAGE" not in ET.tostring(first_footer, encoding="unicode")  # 首页不显示页码
    (bottom,) = [p for p in first_footer.findall(f"{W}p") if role(p) == "letter_rule"]
    frame = bottom.find(f"{W}pPr/{W}framePr")
    assert frame is not None
    below = m.PAGE_HEIGHT - int(frame.get(f"{W}y"))
    assert abs(m.twips_to_mm(below) - 20) < 1.5  # the double rule 20 mm above the page edge
    number = produced.one("doc_number")
    assert text(number).endswith("\t示政办函〔2026〕45号")
    stop = number.find(f"{W}pPr/{W}tabs/{W}tab")
    assert stop is not None and int(stop.get(f"{W}pos")) == m.BODY_WIDTH  # 顶格居版心右边缘
    assert produced.by_role("print_line") == []  # no 印发机关/日期 in a letter
    assert produced.one("copy_to").find(f"{W}pPr/{W}pBdr") is None  # and no rules
    assert blanks_between(produced.roles(), "doc_number", "title") == 2


def test_order_format() -> None:
    produced = produce(ORDER)
    mark = produced.one("mark")
    assert text(mark) == "示范市人民政府令" and runs(mark)[0]["color"] == "FF0000"
    assert abs(m.twips_to_mm(ppr(mark, "spacing", "before")) - 20) < 0.05
    roles = produced.roles()
    assert blanks_between(roles, "mark", "doc_number") == 2
    assert blanks_between(roles, "doc_number", "body") == 2
    number = produced.one("doc_number")
    assert text(number) == "第5号" and number.find(f"{W}pPr/{W}pBdr") is None
    signer = produced.one("signer")
    assert [(r["text"], r["font"]) for r in runs(signer)] == [
        ("市长\u3000\u3000", "仿宋_GB2312"),
        ("李明", "楷体_GB2312"),
    ]
    assert blanks_between(roles, "body", "signer") == 2  # 下空二行
    assert blanks_between(roles, "signer", "date") == 1  # 下空一行
    for p in (signer, produced.one("date")):
        assert abs(int(ppr(p, "ind", "right")) - 4 * m.CHAR) <= 1  # 右空四字


def test_minutes_format() -> None:
    produced = produce(MINUTES)
    mark = produced.one("mark")
    assert runs(mark)[0]["color"] == "FF0000" and text(mark).endswith("纪要")
    lines = produced.by_role("attendance")
    assert [runs(p)[0]["text"] for p in lines] == ["出席：", "请假：", "列席："]
    for p in lines:
        label, names = runs(p)
        assert (label["font"], names["font"]) == ("黑体", "仿宋_GB2312")
        left, hanging = int(ppr(p, "ind", "left")), int(ppr(p, "ind", "hanging"))
        assert abs(left - hanging - 2 * m.CHAR) <= 1 and abs(hanging - 3 * m.CHAR) <= 1
    assert blanks_between(produced.roles(), "heading1", "attendance") == 1


# -- labels -----------------------------------------------------------------------------------


def _aigc_properties(data: bytes) -> list[tuple[str, str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if "docProps/custom.xml" not in z.namelist():
            return []
        root = ET.fromstring(z.read("docProps/custom.xml"))
    return [
        (p.get("name") or "", "".join(p.itertext()))
        for p in root
        if "aigc" in (p.get("name") or "").lower()
    ]


def test_ai_labels_explicit_in_headers_and_implicit_in_custom_properties(
    notice: Produced, tmp_path: Path
) -> None:
    sect = notice.body.find(f"{W}sectPr")
    assert sect is not None
    for which in ("default", "even"):
        header = notice.part_for(sect, "header", which)
        assert header is not None and LABEL in "".join(text(p) for p in header.findall(f"{W}p"))
    (prop,) = _aigc_properties(notice.data)
    assert json.loads(prop[1]) == {"AIGC": {"Label": "1", "ProduceID": "p1"}}

    path = tmp_path / "notice.docx"
    spec = spec_from_dict(NOTICE)
    write_gongwen(spec, path, ai_label=LABEL, aigc={"AIGC": {"Label": "1", "ProduceID": "a"}})
    write_gongwen(spec, path, ai_label=LABEL, aigc={"AIGC": {"Label": "1", "ProduceID": "b"}})
    (prop,) = _aigc_properties(path.read_bytes())  # one label, the latest
    assert json.loads(prop[1])["AIGC"]["ProduceID"] == "b"
    assert not list(tmp_path.glob("*.part"))

    plain = produce(NOTICE)
    assert _aigc_properties(plain.data) == []
    assert not any(n.startswith("word/header") for n in plain.zip.namelist())
    with pytest.raises(ValueError):
        write_gongwen(spec, io.BytesIO(), ai_label=LABEL)


# -- spec validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"type": "公函"}, "法定文种"),
        ({"doc_number": "示政发[2026]12号"}, "〔〕"),
        ({"doc_number": "示政发〔2026〕012号"}, "不编虚位"),
        ({"doc_number": "示政发〔2026〕第12号"}, "第"),
        ({"doc_number": "示政发〔26〕12号"}, "年份标全称"),
        ({"date": "2026-13-01"}, "成文日期"),
        ({"print_date": 20261122}, "印发日期"),
        ({"title": ""}, "标题"),
        ({"body": "  "}, "正文"),
        ({"body": ["一、", "二、"]}, "应为文字"),
        ({"title": "  "}, "标题"),  # blank after stripping is empty, not a document untitled
        ({"issuer": {"name": " "}}, "发文机关"),
        ({"attachments": [{"name": " "}]}, "附件1名称"),
        ({"issuer": ""}, "发文机关"),
        ({"format": "fancy"}, "格式"),
        ({"format": "fancy"}, "letter（信函格式）"),
        ({"format": "order"}, "命令格式"),
        ({"attachments": ["检查表。"]}, "不加标点"),
        ({"secrecy": "内部"}, "密级"),
        ({"urgency": "急"}, "紧急程度"),
        ({"copy_number": "12a"}, "份号"),
        ({"copy_number": "²"}, "份号"),
        ({"signatory_title": "局长"}, "签名章"),
        ({"reciepients": "市政府"}, "未知字段"),
    ],
)
def test_spec_validation_errors_are_chinese_and_name_the_element(
    change: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValidationError) as err:
        spec_from_dict({**NOTICE, **change})
    assert says in err.value.message


def test_spec_defaults_and_normalisation() -> None:
    spec = spec_from_dict(
        {**NOTICE, "recipients": "各区人民政府：", "note": "（此件公开发布）", "copy_to": "市委。"}
    )
    assert spec.recipients == "各区人民政府" and spec.note == "此件公开发布"
    assert spec.copy_to == "市委" and spec.format == "standard" and spec.seal
    typed_wide = spec_from_dict(
        {**NOTICE, "copy_number": "１２", "doc_number": "示政发〔２０２６〕１２号"}
    )
    assert (typed_wide.copy_number, typed_wide.doc_number) == ("000012", "示政发〔2026〕12号")
    assert spec_from_dict({**LETTER}).format == "letter"
    order = {"type": "令", "issuer": "示范市人民政府", "body": "现予公布。", "signatory": "李明"}
    with pytest.raises(ValidationError, match="职务"):
        spec_from_dict(order)
    assert spec_from_dict({**order, "signatory_title": "市长"}).issuer.mark == "示范市人民政府令"
    minutes = spec_from_dict({"type": "纪要", "issuer": "示范市人民政府", "body": "议定。"})
    assert minutes.format == "minutes" and not minutes.seal


@pytest.mark.parametrize(
    "written", ["2026-11-21", "2026年11月21日", "二〇二六年十一月二十一日", "20261121"]
)
def test_spec_reads_the_date_spellings_of_chinese_documents(written: str) -> None:
    spec = spec_from_dict({**NOTICE, "date": written, "print_date": written})
    assert spec.date == spec.print_date == dt.date(2026, 11, 21)


def test_text_pasted_with_control_characters_or_a_very_long_name_still_writes() -> None:
    produced = produce(
        {
            **NOTICE,
            "issuer": "示范市" + "某" * 300 + "委员会",
            "title": "关于\x0b做好\x00冬季安全生产工作的通知",
            "body": "为切实做好\x01今冬明春安全生产工作。\x0c二、工作措施",
        }
    )
    assert text(produced.one("title")) == "关于做好冬季安全生产工作的通知"
    assert text(produced.by_role("body")[0]) == "为切实做好今冬明春安全生产工作。"
    props = produced.document.core_properties
    assert props.title == "关于做好冬季安全生产工作的通知" and len(props.author) == 255


def test_first_page_must_show_text() -> None:
    crowded = {
        **NOTICE,
        "title": "示范市人民政府关于" + "做好安全生产工作" * 12 + "的通知",
        "recipients": ["示范市所属各区人民政府"] * 20,
    }
    layout = layout_gongwen(spec_from_dict(crowded))
    assert layout.body_page == 2 and any("首页" in w for w in layout.warnings)
    assert layout_gongwen(spec_from_dict(NOTICE)).warnings == ()


# -- the page counter -------------------------------------------------------------------------


def test_line_counter_follows_the_grid() -> None:
    one = lambda s, **kw: m.count_lines([m.Span(s, m.SIZE_3)], m.BODY_WIDTH, **kw)  # noqa: E731
    assert one("一" * 28) == 1 and one("一" * 29) == 2
    assert one("一" * 28 + "。") == 1  # closing punctuation hangs in the margin
    assert one("一" * 27 + "》") == 1 and one("一" * 28 + "》") == 2
    assert one("一" * 26, first=2 * m.CHAR) == 1 and one("一" * 27, first=2 * m.CHAR) == 2
    assert one("一" * 27 + "2026") == 2  # a number is not split
    assert one("a" * 56) == 1 and one("a" * 40 + " " + "b" * 20) == 2


def test_pages_hold_22_lines() -> None:
    positions = m.paginate([m.Flow(1)] * 45)
    assert [p.page for p in positions].count(1) == 22
    assert positions[22].page == 2 and positions[22].top == 0 and positions[44].page == 3


# -- rendering (LibreOffice and poppler; .ci/run installs both) -------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _render_tools() -> None:
    missing = [tool for tool in ("soffice", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        packages = "libreoffice-writer-nogui poppler-utils"
        reason = f"{', '.join(missing)} not installed (apt-get install {packages})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " (CI=true: the render test may not be skipped)")
        pytest.skip(reason)


def test_libreoffice_renders_the_planned_pages(tmp_path: Path) -> None:
    """Render the notice with LibreOffice (.docx → PDF) and poppler (PDF → PNG): the page count
    is the writer's plan, and page 1 shows the red 标志 and rule in the upper part of the
    版心 and black text below. ``GOVAI_SCREENSHOT=1`` copies page 1 to docs/ for the README."""
    _render_tools()
    from PIL import Image

    path = tmp_path / "notice.docx"
    layout = write_gongwen(spec_from_dict(NOTICE), path)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "notice.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == layout.pages
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(tmp_path / "notice.pdf"), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == layout.pages
    with Image.open(pages[0]) as image:
        rgb = image.convert("RGB")
        width, height = rgb.size
        assert abs(width / height - 210 / 297) < 0.01  # A4 portrait

        def red_rows() -> list[int]:
            return [
                y
                for y in range(height)
                if sum(1 for x in range(0, width, 2) if _is_red(rgb.getpixel((x, y)))) > 10
            ]

        rows = red_rows()
        assert rows, "no red 标志 or rule on page 1"
        # the 标志's upper edge 35 mm below the 版心's, which is 37 mm below the page's (72 mm);
        # the red rule, the lowest red, under the 发文字号 in the upper half (≈ 122 mm)
        assert abs(min(rows) / height - 72 / 297) < 0.02
        assert 100 / 297 < max(rows) / height < 140 / 297
        dark = [
            y
            for y in range(height)
            if any(sum(rgb.getpixel((x, y))) < 200 for x in range(0, width, 3))
        ]
        assert dark and max(dark) > height / 2  # the body fills the page below the rule
    if os.environ.get("GOVAI_SCREENSHOT"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(tmp_path / "notice.pdf"),
                str(DOCS / "gongwen-notice-page1"),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def _is_red(pixel: Any) -> bool:
    r, g, b = pixel[:3]
    return r > 180 and g < 110 and b < 110

"""公文校对: a file govai wrote has no findings in any format; a 请示 typed in Word the way a
person types it (default margins, 宋体小四, "1、" headings, a 第05号 发文字号, a date in Chinese
numerals, 的的, 按装 …) has each planted error found, in its category and paragraph, and nothing
else; sizes and fonts are read through the style chain, theme and grid as Word shows them; bad
files are refused in Chinese; and each text rule on its own, on both sides of the line."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Sequence
from typing import Any

import docx
import openpyxl
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from govai.documents.gongwen import write_gongwen
from govai.documents.gongwen_spec import spec_from_dict
from govai.documents.proofread import (
    CATEGORIES,
    MAX_CHARS,
    MAX_UNCOMPRESSED,
    Finding,
    proofread_docx,
    proofread_text,
)
from govai.documents.proofread_rules import ALLOWED_REPEATS, parse_wrong_words, wrong_words
from govai.errors import ValidationError
from govai.gateway.screening import REVIEW, Screener

from .specs import LABEL, LETTER, MINUTES, NOTICE, ORDER, REQUEST


def written(spec: dict[str, Any], **kw: Any) -> bytes:
    out = io.BytesIO()
    write_gongwen(spec_from_dict(spec), out, **kw)
    return out.getvalue()


def screener(*words: str) -> Any:
    """The platform's screener over ``words``, as the scenario passes it."""
    screen = Screener((w, REVIEW) for w in words)
    return lambda text: screen.scan(text).review


def keys(findings: Sequence[Finding]) -> list[tuple[str, int | None, str]]:
    return [(f.category, f.paragraph, f.severity) for f in findings]


# -- (a) a file govai wrote ------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        NOTICE,
        LETTER,
        ORDER,
        MINUTES,
        REQUEST,
        {**NOTICE, "seal": False, "attachments": []},
        # text long enough that the 版记 follows a blank page in an unnumbered section
        {**NOTICE, "attachments": [], "body": "\n".join(["一" * 26 + "。"] * 40)},
    ],
    ids=["notice", "letter", "order", "minutes", "request", "no-seal", "blank-page"],
)
def test_a_document_govai_wrote_has_no_findings(spec: dict[str, Any]) -> None:
    asked: list[Sequence[str]] = []

    def policies(titles: Sequence[str]) -> dict[str, str]:
        asked.append(titles)
        return {}

    data = written(spec, ai_label=LABEL, aigc={"AIGC": {"Label": "1"}})
    report = proofread_docx(data, sensitive=screener("非法集资"), policies=policies)
    assert report.findings == []
    assert report.paragraphs > 0
    cited = re.findall(r"《(.+?)》", spec["body"])
    assert asked == ([cited] if cited else [])  # the cited titles, asked once


def test_every_category_is_counted_and_a_finding_serialises() -> None:
    report = proofread_docx(written(NOTICE))
    assert report.as_dict() == {
        "paragraphs": report.paragraphs,
        "findings": [],
        "counts": dict.fromkeys(CATEGORIES, 0),
    }
    # 23 paragraphs with text: 标志, 发文字号, 标题, 主送机关, 8 正文, 2 附件说明, 署名, 日期,
    # 附注, 附件1, its title and 2 paragraphs, 抄送, 印发 (blank lines are not counted)
    assert report.paragraphs == 23
    (finding,) = proofread_text(["工作,下一步"])
    assert finding.as_dict() == {
        "category": "punctuation",
        "category_name": "标点",
        "severity": "error",
        "paragraph": 1,
        "where": "第 1 段（正文）",
        "what": "工作,下一步",
        "why": finding.why,
        "fix": "改为全角：“,”→“，”",
    }


def test_a_document_with_a_cited_repealed_and_an_amended_document() -> None:
    spec = {
        **NOTICE,
        "body": NOTICE["body"]
        + "\n按照《示范市安全生产条例》和《示范市消防管理办法》的规定执行。"
        + "\n《示范市消防管理办法》另有规定的，从其规定。",
    }
    statuses = {"示范市安全生产条例": "已修改", "示范市消防管理办法": "废止"}
    report = proofread_docx(written(spec), policies=lambda titles: statuses)
    amended, repealed = report.findings
    assert (amended.what, amended.severity) == ("《示范市安全生产条例》", "warning")
    assert (repealed.what, repealed.severity) == ("《示范市消防管理办法》", "error")
    assert repealed.where == f"第 {repealed.paragraph}、{repealed.paragraph + 1} 段"
    assert "已废止" in repealed.why and "已修改" in amended.why


# -- (b) a 请示 typed in Word ----------------------------------------------------------------


def _fonts(rpr: Any, name: str) -> None:
    """Name a font in every slot, as choosing it in Word's font box does."""
    fonts = rpr.get_or_add_rFonts()
    for key in list(fonts.attrib):
        del fonts.attrib[key]
    for slot in ("ascii", "hAnsi", "eastAsia"):
        fonts.set(qn(f"w:{slot}"), name)


def _page_field(paragraph: Any, result: str = "1") -> Any:
    """A PAGE field in the paragraph, showing ``result``; returns the field's run."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), " PAGE ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = result
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    return run


DRAFT = [
    # (text, centred, size) — planted errors noted
    ("示范市民政局文件", True, 26),  # the 标志: red, not the title
    ("示民〔2026〕第05号", True, None),  # 2: 第 and a leading zero
    ("示范市民政局关于拨付养老服务补贴资金的请示", True, 18),  # 3: 18 pt 宋体
    ("市人民政府：", False, None),
    ("为做好全市养老服务工作,现将有关情况请示如下。", False, None),  # 5: half-width comma
    ("一、基本情况", False, None),
    (
        "截至2026年10月底，全市共有养老机构36家、床位1,200张，资金使用率达到98.5%，每天8:30开始受理。",
        False,
        None,
    ),
    ("（一）、资金使用情况", False, None),  # 8: （一）、
    ("1、加强资金监管，确保专款专用。", False, None),  # 9: 1、
    ("2.新建的的养老设施按装了紧急呼叫设备。", False, None),  # 10: 的的, 按装
    ("二、存在的问题", False, None),
    ('部分项目原定2026.10.31前完工，进度滞后；坚持"一网通办"方便群众。', False, None),  # 12
    ("四、下一步工作", False, None),  # 13: 三、 skipped
    ("按照《示范市养老服务补贴管理暂行办法》规定，我局拟于2026年12月拨付补贴资金。", False, None),
    (
        "详见 http://mz.example.gov.cn/list?id=1,2 或来信 zhangsan@example.com，"
        "为了了解情况，我们对此进行了了解。",
        False,
        None,
    ),
    ("严厉打击非法集资等违法行为，切实维护老年人合法权益。", False, None),  # 16: sensitive
    ("妥否，请批示。", False, None),
    ("示范市民政局", False, None),
    ("二〇二六年十一月二十一日", False, None),  # 19: 成文日期 in Chinese numerals
]


def word_draft() -> bytes:
    """A 请示 as a person types it in Word: A4 with Word's default margins, Normal 宋体 小四,
    the title centred and larger, a table of amounts, a centred "- 1 -" page number."""
    d = docx.Document()
    section = d.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25.4)
    section.left_margin = section.right_margin = Mm(31.8)
    normal = d.styles["Normal"]
    normal.font.size = Pt(12)
    _fonts(normal.element.get_or_add_rPr(), "宋体")
    for text, centred, size in DRAFT:
        p = d.add_paragraph()
        run = p.add_run(text)
        if centred:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if size:
            run.font.size = Pt(size)
        if text.endswith("文件"):
            run.font.color.rgb = RGBColor(0xFF, 0, 0)
    table = d.add_table(rows=2, cols=2)
    for cell, text in zip(
        (c for row in table.rows for c in row.cells),
        ["项目", "金额（万元）", "呼叫设备按装费", "1,200"],
        strict=True,
    ):
        cell.paragraphs[0].add_run(text)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("- ").font.size = Pt(10.5)
    field_run = _page_field(footer)
    rpr = OxmlElement("w:rPr")
    field_run.insert(0, rpr)
    fonts = OxmlElement("w:rFonts")
    fonts.set(qn("w:ascii"), "Calibri")
    rpr.append(fonts)
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "21")
    rpr.append(size)
    footer.add_run(" -").font.size = Pt(10.5)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def draft_report() -> Any:
    def policies(titles: Sequence[str]) -> dict[str, str]:
        return {t: "已废止" for t in titles if t == "示范市养老服务补贴管理暂行办法"}

    return proofread_docx(word_draft(), sensitive=screener("非法集资"), policies=policies)


def test_each_planted_error_is_found_and_nothing_else(draft_report: Any) -> None:
    assert keys(draft_report.findings) == [
        ("layout", None, "error"),  # margins
        ("layout", None, "error"),  # lines per page
        ("layout", None, "error"),  # page number form
        ("layout", None, "error"),  # page number size
        ("layout", None, "warning"),  # page number digits in Calibri
        ("layout", None, "warning"),  # page number centred
        ("layout", 2, "error"),  # 3号 elements in 12 pt
        ("doc_number", 2, "error"),
        ("layout", 3, "error"),  # title 18 pt
        ("layout", 3, "warning"),  # title in 宋体
        ("layout", 4, "error"),  # text in 宋体
        ("punctuation", 5, "error"),
        ("layout", 6, "error"),  # 一级标题 not 黑体
        ("layout", 8, "error"),  # 二级标题 not 楷体
        ("heading", 8, "error"),
        ("heading", 9, "error"),
        ("repeat", 10, "error"),
        ("wrong_word", 10, "error"),
        ("date", 12, "warning"),
        ("punctuation", 12, "error"),
        ("heading", 13, "error"),
        ("policy", 14, "error"),
        ("sensitive", 16, "warning"),
        ("date", 19, "error"),
        ("wrong_word", 22, "error"),  # in the table
    ]
    assert draft_report.paragraphs == len(DRAFT) + 4


def test_the_draft_findings_say_where_what_and_how_to_fix(draft_report: Any) -> None:
    found = {(f.category, f.paragraph, f.severity): f for f in draft_report.findings}
    number = found[("doc_number", 2, "error")]
    assert number.where == "第 2 段（发文字号）" and number.what == "示民〔2026〕第05号"
    assert number.fix == "改为“示民〔2026〕5号”"
    assert "7.2.5" in number.why and "第" in number.why and "虚位" in number.why
    assert found[("heading", 8, "error")].fix == "将“（一）、”改为“（一）”"
    assert found[("heading", 9, "error")].fix == "将“1、”改为“1.”"
    skipped = found[("heading", 13, "error")]
    assert "缺少“三、”" in skipped.why and skipped.fix.startswith("改为“三、”")
    assert found[("repeat", 10, "error")].fix == "删去重复的“的”"
    assert found[("wrong_word", 10, "error")].fix == "将“按装”改为“安装”"
    assert found[("wrong_word", 22, "error")].where == "第 22 段（表格）"
    assert found[("date", 19, "error")].fix == "改为“2026年11月21日”"
    assert found[("date", 19, "error")].where == "第 19 段（成文日期）"
    assert found[("date", 12, "warning")].fix == "改为“2026年10月31日”"
    assert found[("punctuation", 5, "error")].fix == "改为全角：“,”→“，”"
    assert "“…”" in found[("punctuation", 12, "error")].fix
    assert found[("policy", 14, "error")].what == "《示范市养老服务补贴管理暂行办法》"
    assert "非法集资" in found[("sensitive", 16, "warning")].why
    # one finding for the 17 paragraphs in 小四, naming the first ones
    size = found[("layout", 2, "error")]
    assert size.where.startswith("第 2、4、5、6、7 段等 17 段")
    assert "12 磅（小四）" in size.what and size.fix == "改为 3号（16 磅）"
    title = [f for f in draft_report.findings if f.paragraph == 3]
    assert [f.what for f in title] == ["标题字号为 18 磅（小二）", "标题字体为“宋体”"]
    assert "仿宋" in found[("layout", 4, "error")].fix
    assert found[("layout", 6, "error")].where == "第 6、11、13 段（一级标题）"
    page = [f for f in draft_report.findings if f.paragraph is None]
    assert page[0].where == "页面设置" and "上 37 mm" in page[0].fix
    assert "左 31.8" in page[0].what
    assert "约 " in page[1].what and "28.95" in page[1].fix
    assert [f.where for f in page[2:]] == ["页脚"] * 4
    assert page[2].what == "页码为“- 1 -”" and "— 1 —" in page[2].fix
    assert "居中" in page[5].what and "奇偶页不同" in page[5].fix
    for f in draft_report.findings:
        assert f.why and f.fix and f.category in CATEGORIES
        assert f.paragraph is None or len(f.what) <= 40


def test_the_draft_as_plain_text_has_the_same_text_findings(draft_report: Any) -> None:
    """proofread_text guesses the same elements from the words alone (no layout)."""

    def policies(titles: Sequence[str]) -> dict[str, str]:
        return {t: "已废止" for t in titles if "暂行办法" in t}

    texts = [text for text, _, _ in DRAFT]
    found = proofread_text(texts, sensitive=screener("非法集资"), policies=policies)
    expected = [
        k for k in keys(draft_report.findings) if k[0] != "layout" and k[1] and k[1] <= len(DRAFT)
    ]
    assert keys(found) == expected


# -- layout as Word shows it -----------------------------------------------------------------


def gongwen_template(body_size: float = 16, grid: tuple[str, int] | None = None) -> Any:
    """A document set up the way a 公文 template in Word is: A4, 37/35/28/26 mm, a body style
    based on Normal that carries 仿宋_GB2312 3号 and fixed 28.95 pt spacing (the runs state
    nothing), a title style, odd and even page numbers "— 1 —" in 4号宋体."""
    d = docx.Document()
    section = d.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    if grid is not None:
        element = section._sectPr.find(qn("w:docGrid"))
        element.set(qn("w:type"), grid[0])
        element.set(qn("w:linePitch"), str(grid[1]))
    styles = d.styles
    body = styles.add_style("公文正文", 1)
    body.base_style = styles["Normal"]
    body.font.size = Pt(body_size)
    _fonts(body.element.get_or_add_rPr(), "仿宋_GB2312")
    ppr = body.element.get_or_add_pPr()
    spacing = OxmlElement("w:spacing")
    if grid is None:
        spacing.set(qn("w:line"), "579")
        spacing.set(qn("w:lineRule"), "exact")
    else:
        spacing.set(qn("w:line"), "240")
        spacing.set(qn("w:lineRule"), "auto")
    spacing.set(qn("w:after"), "0")
    ppr.append(spacing)
    heading1 = styles.add_style("一级标题", 1)
    heading1.base_style = body
    _fonts(heading1.element.get_or_add_rPr(), "黑体")
    title = styles.add_style("文件标题", 1)
    title.base_style = body
    title.font.size = Pt(22)
    _fonts(title.element.get_or_add_rPr(), "方正小标宋简体")
    d.settings.odd_and_even_pages_header_footer = True
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        p.alignment = align
        dash = p.add_run("— ")
        run = _page_field(p)
        after = p.add_run(" —")
        for r in (dash, after):
            r.font.size = Pt(14)
            _fonts(r._r.get_or_add_rPr(), "宋体")
        rpr = OxmlElement("w:rPr")
        run.insert(0, rpr)
        _fonts(rpr, "宋体")
        size = OxmlElement("w:sz")
        size.set(qn("w:val"), "28")
        rpr.append(size)
    d.add_paragraph(
        "示范市民政局关于做好养老服务工作的通知", style=title
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    d.add_paragraph("各区民政局：", style=body)
    d.add_paragraph("现就做好养老服务工作通知如下。", style=body)
    d.add_paragraph("一、总体要求", style=heading1)
    d.add_paragraph("坚持以人民为中心的发展思想。", style=body)
    return d


def saved(d: Any) -> bytes:
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_a_word_template_with_inherited_fonts_and_sizes_is_clean() -> None:
    assert proofread_docx(saved(gongwen_template())).findings == []
    # 22 lines from the document grid and single spacing, instead of fixed spacing
    assert proofread_docx(saved(gongwen_template(grid=("lines", 579)))).findings == []


def test_sizes_come_through_the_style_chain() -> None:
    (finding,) = proofread_docx(saved(gongwen_template(body_size=14))).findings
    # the title style sets its own 22 pt; 主送机关, 正文 and the 一级标题 inherit 14 pt
    assert finding.where == "第 2、3、4、5 段（主送机关、正文、一级标题）"
    assert finding.what == "主送机关、正文、一级标题 4 段字号为 14 磅（四号）"


def test_a_grid_of_another_pitch_gives_another_line_count() -> None:
    """Word's default Chinese grid (15.6 pt): a 3号 line does not fit one grid line and
    takes two, so the page holds 20 lines."""
    (finding,) = proofread_docx(saved(gongwen_template(grid=("lines", 312)))).findings
    assert finding.where == "页面设置" and finding.what == "正文行距 31.20 磅，每面 20 行"
    assert "5.2.3" in finding.why


def test_a_theme_font_is_looked_up_in_the_theme() -> None:
    """python-docx's default document names no Chinese font: docDefaults point at the theme's
    minor East Asian font, which its theme sets to 宋体 for Simplified Chinese."""
    d = docx.Document()
    for text in ("各区人民政府：", "现将有关事项通知如下。"):
        d.add_paragraph(text)
    fonts = [f.what for f in proofread_docx(saved(d)).findings if "字体" in f.what]
    assert fonts == ["主送机关、正文 2 段字体为“宋体”"]
    assert "宋体" not in d.styles.element.xml  # not named anywhere but the theme


def test_page_numbers_in_the_wrong_place_and_a_run_override() -> None:
    d = gongwen_template()
    d.settings.odd_and_even_pages_header_footer = False  # one footer for every page
    run = d.paragraphs[2].runs[0]
    run.font.size = Pt(15)  # one paragraph typed in 小三
    findings = proofread_docx(saved(d)).findings
    assert [(f.where, f.what) for f in findings] == [
        ("页脚", "页码居右"),
        ("第 3 段（正文）", "正文字号为 15 磅（小三）"),
    ]
    assert "奇偶页不同" in findings[0].fix and findings[0].severity == "warning"


# -- (c) bad files ---------------------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return out.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _patch_central_directory(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Change one field of every central directory entry (what zipfile reads first)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        struct.pack_into(fmt, out, at + offset, value)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def _xlsx() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


NO_BODY = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
)


def _bad_files() -> dict[str, tuple[bytes, str]]:
    good = written(LETTER)
    parts = _members(good)
    broken = {**parts, "word/document.xml": parts["word/document.xml"][:500]}
    empty = docx.Document()
    return {
        "empty bytes": (b"", "文件为空"),
        "not a zip": (b"%PDF-1.7 this is a pdf", "不是有效的 Word"),
        "a .doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "旧版 Word"),
        "a zip of text": (_zip({"notes.txt": "会议记录".encode()}), "不是 Word 文档"),
        "a workbook": (_xlsx(), "不是 Word 文档"),
        "broken XML": (_zip(broken), "不是有效的 Word"),
        # the central directory claims ~4 GB unpacked for each member: refused unread
        "zip bomb": (_patch_central_directory(good, 24, "<I", 0xFFFFFFF0), "超过 100 MB"),
        "encrypted": (_patch_central_directory(good, 8, "<H", 0x1), "已加密"),
        "zip version 11.2": (_patch_central_directory(good, 6, "<H", 112), "不是有效的 Word"),
        "no text": (saved(empty), "没有文字"),
        "no body": (_zip({**parts, "word/document.xml": NO_BODY}), "没有文字"),
    }


@pytest.mark.parametrize("name", list(_bad_files()))
def test_a_file_that_cannot_be_proofread_is_refused_in_chinese(name: str) -> None:
    data, says = _bad_files()[name]
    with pytest.raises(ValidationError) as err:
        proofread_docx(data)
    assert says in err.value.message
    assert re.search("[\u4e00-\u9fff]", err.value.message)


def test_the_size_limit_is_on_the_unpacked_size() -> None:
    assert MAX_UNCOMPRESSED == 100 * 1024 * 1024
    with pytest.raises(ValidationError, match="100 MB"):
        proofread_docx(_zip({"[Content_Types].xml": b"0" * (MAX_UNCOMPRESSED + 1)}))


def test_more_text_than_a_document_holds_is_refused_before_it_is_checked() -> None:
    assert MAX_CHARS == 500_000
    d = docx.Document()
    for _ in range(3):
        d.add_paragraph("各单位要高度重视的的，认真组织实施。" * 10_000)  # 180,000 characters
    with pytest.raises(ValidationError, match="50 万字"):
        proofread_docx(saved(d))
    with pytest.raises(ValidationError, match="50 万字"):
        proofread_text(["甲" * 250_000, "乙" * 250_001])
    assert proofread_text(["甲" * 250_000, "乙" * 250_000]) == []


def test_text_in_place_of_bytes_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"\.docx"):
        proofread_docx("示范市人民政府文件")  # type: ignore[arg-type]


def test_an_unreadable_number_in_a_file_counts_as_absent() -> None:
    # "NaN" parses as a float; line spacing and grid pitch without a number are estimated
    parts = _members(written(NOTICE))
    nan = {
        name: re.sub(rb'w:(line|linePitch)="\d+"', rb'w:\1="NaN"', xml)
        for name, xml in parts.items()
    }
    (finding,) = proofread_docx(_zip(nan)).findings
    assert finding.where == "页面设置" and "约 30 行" in finding.what


@pytest.mark.parametrize("paragraphs", [None, "一、总体要求", [1, 2], ["一段", None], [b"bytes"]])
def test_proofread_text_wants_a_list_of_strings(paragraphs: Any) -> None:
    with pytest.raises(ValidationError, match="段落列表"):
        proofread_text(paragraphs)


# -- (d) the text rules ----------------------------------------------------------------------


def found(paragraphs: Sequence[str], **kw: Any) -> list[tuple[str, int | None]]:
    return [(f.category, f.paragraph) for f in proofread_text(paragraphs, **kw)]


def test_paragraph_numbers_index_the_given_sequence() -> None:
    findings = proofread_text(["", "现将有关事项通知如下。", "  ", "工作,下一步。"])
    assert [(f.paragraph, f.where) for f in findings] == [(4, "第 4 段（正文）")]


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (["一、总体要求", "二、工作措施", "三、保障措施"], []),
        (["一、甲", "（一）乙", "1.丙", "（1）丁", "（2）戊", "2.己", "（二）庚", "二、辛"], []),
        (["一、甲", "二、乙", "四、丙"], [(3, "缺少“三、”")]),
        (["一、甲", "二、乙", "二、丙"], [(3, "重复")]),
        (["一、甲", "三、乙", "二、丙"], [(2, "缺少“二、”"), (3, "倒退")]),
        (["一、甲", "（一）乙", "（二）丙", "二、丁", "（三）戊"], [(5, "重新编号")]),
        (["一、甲", "1.乙", "2.丙"], [(2, "跳过了一层")]),
        # a list starts again after a paragraph of text; a regulation's articles restart too
        (["一、甲", "（一）乙", "（二）丙", "有下列情形之一的：", "（一）丁"], []),
        (["第一条 有下列情形之一的：", "（一）甲", "第二条 乙：", "（一）丙"], []),
        # numbers that are not headings
        (["三、四月份气温偏低。", "1.5亿元资金已拨付。", "3、4月份开展整治。"], []),
    ],
)
def test_heading_order(paragraphs: list[str], expected: list[tuple[int, str]]) -> None:
    findings = [f for f in proofread_text(paragraphs) if f.category == "heading"]
    assert [f.paragraph for f in findings] == [n for n, _ in expected]
    for f, (_, says) in zip(findings, expected, strict=True):
        assert says in f.why
    if findings and "跳过" in findings[0].why:
        assert findings[0].severity == "warning"


@pytest.mark.parametrize(
    ("typed", "fix"),
    [
        ("（一）、", "（一）"),
        ("(一)", "（一）"),
        ("(1)", "（1）"),
        ("（1）、", "（1）"),
        ("1、", "1."),
        ("1，", "1."),
        ("一.", "一、"),
        ("一，", "一、"),
        ("一．", "一、"),
    ],
)
def test_heading_punctuation(typed: str, fix: str) -> None:
    (finding,) = proofread_text([typed + "加强组织领导"])
    assert finding.category == "heading" and finding.fix == f"将“{typed}”改为“{fix}”"


@pytest.mark.parametrize(
    ("text", "fix", "severity"),
    [
        ("示政发[2026]12号", "改为“示政发〔2026〕12号”", "error"),
        ("示政发〔2026〕第12号", "改为“示政发〔2026〕12号”", "error"),
        ("示政发〔2026〕05号", "改为“示政发〔2026〕5号”", "error"),
        ("示政发（26）5号", "改为“示政发〔2026〕5号”", "error"),
        ("示政发【2026】5号", "改为“示政发〔2026〕5号”", "error"),
    ],
)
def test_the_documents_own_number(text: str, fix: str, severity: str) -> None:
    (finding,) = proofread_text([text, "示范市人民政府关于做好冬季安全生产工作的通知"])
    assert (finding.category, finding.fix, finding.severity) == ("doc_number", fix, severity)
    assert finding.where == "第 1 段（发文字号）" and "7.2.5" in finding.why


def test_a_cited_number_copied_wrong_is_a_warning_and_a_right_one_is_not_reported() -> None:
    findings = proofread_text(
        ["按照《关于加强安全生产的通知》（国办发[2023]12号）要求，结合示政发〔2026〕5号文件执行。"]
    )
    assert [(f.category, f.severity, f.fix) for f in findings] == [
        ("doc_number", "warning", "将“[2023]12号”改为“〔2023〕12号”"),
    ]


@pytest.mark.parametrize(
    ("last", "fix"),
    [
        ("二〇二六年十一月二十一日", "改为“2026年11月21日”"),
        ("2026年01月05日", "改为“2026年1月5日”"),
        ("26年11月21日", "改为“2026年11月21日”"),
        ("2026-11-21", "改为“2026年11月21日”"),
        ("2026年2月30日", "核对年、月、日"),
    ],
)
def test_the_date_of_writing(last: str, fix: str) -> None:
    (finding,) = proofread_text(["现将有关事项通知如下。", "示范市民政局", last])
    assert (finding.category, finding.paragraph, finding.fix) == ("date", 3, fix)
    assert finding.severity == "error" and finding.where == "第 3 段（成文日期）"


def test_dates_in_the_text() -> None:
    findings = proofread_text(
        [
            "2026年11月21日起施行，2026年12月底前完成，二〇二六年是关键之年。",  # right
            "于2026年13月完成，或2026年2月29日前。",  # no such month, not a leap year
            "原定2026/11/21召开，2026年01月05日报送，版本1.2.3.4，电话0571-88888888。",
        ]
    )
    assert [(f.paragraph, f.severity, f.fix) for f in findings] == [
        (2, "error", "核对年、月、日"),
        (2, "error", "核对月份"),
        (3, "warning", "改为“2026年1月5日”"),
        (3, "warning", "改为“2026年11月21日”"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "资金1.5亿元，床位1,200张，上午10:30开会，比例为1:1000。",
        "详见 https://www.example.gov.cn/a?id=1,2&t=3 或 www.example.cn/x(1)，"
        "邮箱 li.ming@example.com。",
        "执行 GB/T 9704-2012《党政机关公文格式》，英文名称 Hello, world (demo)!",
        "“放管服”改革和‘一网通办’。",
        "（一）压实责任（含属地责任）。",
        "现将有关事项通知如下……",
    ],
)
def test_punctuation_left_alone(text: str) -> None:
    assert found([text]) == []


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("工作,下一步", "改为全角：“,”→“，”"),
        ("请示如下:", "改为全角：“:”→“：”"),
        ("是否可行?", "改为全角：“?”→“？”"),
        ("各区(县)要落实;各部门要配合.", "（本段共 4 处）"),
        ('坚持"一网通办"', "改为中文引号“…”（内层用‘…’）"),
        ("压实责任（含属地责任)。", "改为全角括号“（）”"),
        ("压实责任，，落实到人。", "只保留一个“，”"),
        ("落实到人。。。", "省略号用“……”"),
    ],
)
def test_punctuation_found(text: str, fix: str) -> None:
    (finding,) = proofread_text([text])
    assert finding.category == "punctuation" and fix in finding.fix


def test_unpaired_brackets_are_a_warning() -> None:
    (finding,) = proofread_text(["压实责任（含属地责任。"])
    assert (finding.category, finding.severity) == ("punctuation", "warning")


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("我们的的工作", "的"),
        ("在在全市范围内开展检查。", "在"),
        ("已经完成了了。", "了"),
        ("这是是一项重要工作。", "是"),
        ("研究和和推进。", "和"),
        ("进一步进一步加强管理。", "进一步"),
        ("切实做好工作工作。", "工作"),
    ],
)
def test_repeats_found(text: str, unit: str) -> None:
    (finding,) = proofread_text([text])
    assert finding.category == "repeat" and finding.fix == f"删去重复的“{unit}”"
    assert finding.severity == ("warning" if len(unit) == 2 else "error")


@pytest.mark.parametrize(
    "text",
    [
        "为了了解情况，我们对此进行了了解。",
        "以营利为目的的活动，合同标的的交付。",
        "现在在做的工作，其总和和平均值。",
        "但是是否可行，还要研究研究、讨论讨论。",
        "的的确确、实实在在、不了了之、是是非非。",
        "常常、人人、天天、看看、一一、往往、刚刚、仅仅、渐渐、纷纷、明明白白。",
        "一步一步、一个一个地落实。",
        "按照本规定规定的程序，由集体经济组织组织开展，国家有关规定规定的其他事项。",
        "证券公司与客户对对账单送交时间另有约定的，从其约定。",
    ],
)
def test_repeats_that_are_right(text: str) -> None:
    assert found([text]) == []


def test_the_allowed_repeats_are_repeats() -> None:
    """Each allowed word holds a repeat the check would otherwise look at."""
    for word in ALLOWED_REPEATS:
        assert re.search(r"(.+)\1", word), word


def test_the_wrong_word_list_parses() -> None:
    from importlib import resources

    text = resources.files("govai.documents").joinpath("data", "wrong_words.txt")
    raw = text.read_text(encoding="utf-8")
    pairs = parse_wrong_words(raw)
    lines = [line for line in raw.splitlines() if line.partition("#")[0].strip()]
    assert len(pairs) == len(lines) >= 80  # every line that is not a comment is one pair
    wrongs = [p.wrong for p in pairs]
    assert len(set(wrongs)) == len(wrongs)
    for p in pairs:
        assert p.wrong != p.right and "→" not in p.wrong + p.right
        assert all(p.wrong in e for e in p.exceptions)
        assert not any(w in p.right for w in wrongs), p  # a fix never makes a new finding
    for bad in ("按装安装", "按装→按装", "→安装", "按装→安装\n按装→安置", "按装→安装 除外：安装"):
        with pytest.raises(ValueError):
            parse_wrong_words(bad)


def test_every_wrong_word_is_found_and_its_right_form_is_not() -> None:
    entries, _ = wrong_words()
    sentences = [f"要求{w.wrong}。" for w in entries.values()]
    findings = proofread_text(sentences)
    assert [(f.paragraph, f.fix) for f in findings] == [
        (i, f"将“{w.wrong}”改为“{w.right}”") for i, w in enumerate(entries.values(), start=1)
    ]
    assert proofread_text([f"要求{w.right}。" for w in entries.values()]) == []


def test_a_wrong_form_inside_a_longer_right_word_is_not_reported() -> None:
    assert found(["按装修面积计算，按装置类型分类，发布署名文章，支付作用明显。"]) == []
    assert found(["设备按装到位。"]) == [("wrong_word", 1)]


def test_sensitive_words_one_finding_per_word_per_paragraph() -> None:
    findings = proofread_text(
        ["严禁非法集资，非法集资必究。", "防范网络赌博和非法集资。", "依法行政。"],
        sensitive=screener("非法集资", "网络赌博"),
    )
    assert [(f.paragraph, f.why) for f in findings] == [
        (1, "含有本平台敏感词库中的“非法集资”"),
        (2, "含有本平台敏感词库中的“网络赌博”"),
        (2, "含有本平台敏感词库中的“非法集资”"),
    ]
    assert all(f.category == "sensitive" and f.severity == "warning" for f in findings)
    assert findings[0].what == "严禁非法集资，非法集资必究。"


def test_cited_documents_are_asked_once_and_only_repealed_or_amended_are_reported() -> None:
    asked: list[list[str]] = []

    def policies(titles: Sequence[str]) -> dict[str, str]:
        asked.append(list(titles))
        return {"甲办法": "已废止", "乙条例": "已修改", "丙规定": "现行有效", "未引用": "已废止"}

    findings = proofread_text(
        [
            "依据《甲办法》和《乙条例》。",
            "《丙规定》《甲办法》。",
            "根据《关于印发〈丁〉的通知》。",
        ],
        policies=policies,
    )
    assert asked == [["甲办法", "乙条例", "丙规定", "关于印发〈丁〉的通知"]]
    assert [(f.what, f.severity, f.where) for f in findings] == [
        ("《甲办法》", "error", "第 1、2 段"),
        ("《乙条例》", "warning", "第 1 段（正文）"),
    ]
    assert proofread_text(["依据《甲办法》。"]) == []  # no callable, no check


def test_elements_are_guessed_from_text_and_place() -> None:
    findings = proofread_text(
        [
            "示范市人民政府文件",
            "示政发〔2026〕第5号",
            "示范市人民政府关于做好冬季安全生产工作的通知",
            "各区人民政府：",
            "一、总体要求",
            "示范市人民政府",
            "2026年01月05日",
            "抄送：市委办公室。",
            "示范市人民政府办公室 2026年01月06日印发",
        ]
    )
    assert [f.where for f in findings] == [
        "第 2 段（发文字号）",
        "第 7 段（成文日期）",
        "第 9 段（印发机关和印发日期）",
    ]
    assert "7.4.3" in findings[2].why


def test_excerpts_are_at_most_40_characters_around_the_problem() -> None:
    text = "甲" * 60 + "按装" + "乙" * 60
    (finding,) = proofread_text([text])
    assert len(finding.what) == 40 and "按装" in finding.what
    assert finding.what.startswith("…") and finding.what.endswith("…")

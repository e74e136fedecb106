"""公文 in GB/T 9704-2012 layout as .docx: :func:`write_gongwen` lays out a
:class:`~govai.documents.gongwen_spec.DocumentSpec` in the 文件格式, 信函格式, 命令（令）格式 or
纪要格式.

The layout is built in two steps. First the document becomes a list of :class:`Para` — each a
GB/T 9704 element with its font, size, indents and exact line height — and the page counter of
:mod:`gongwen_measure` lays them on 22-line pages; that is how the writer knows where the body
ends and so where the 版记 goes (the foot of an even page, §7.4 with §5.2 双面印刷, and with
unnumbered pages when a blank page must precede it, §7.5). Then the paragraphs are written as
WordprocessingML into a python-docx document whose page, grid, fonts and footers are set to the
standard.

Where the standard fixes a distance the element is placed on it (版心, 标志 35 mm, red rule 4 mm,
page numbers 7 mm, …); where it leaves a choice (the 标志's size, the rule widths it does not
give, the blank lines above a 印章) the choice is named in a comment with the reason. The
numbers and where they come from are listed in ``docs/architecture.md``.

AI labels: ``ai_label`` (e.g. 「本文由人工智能辅助生成，须经人工审核」) is printed in the page
header of every page — outside the 版心, so the laid-out document is exactly the one that will
be issued once a person approves it and removes the label — and ``aigc`` (the implicit label of
:func:`govai.gateway.labels.implicit_label`) is written into ``docProps/custom.xml`` by
:func:`govai.documents.aigc.set_docx_label`, one per file, replaced on every export.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Twips

from govai.documents import gongwen_measure as m
from govai.documents.aigc import set_docx_label
from govai.documents.gongwen_elements import (
    body_paragraphs,
    heading_level,
    label_paragraph,
    letter_bottom_rule,
    letter_mark,
    main_paragraphs,
    page_number,
    record_paragraphs,
)
from govai.documents.gongwen_measure import LINE, SIZE_3, Flow
from govai.documents.gongwen_ooxml import FANGSONG, Para, font_table, paragraph, xml_text
from govai.documents.gongwen_spec import UPWARD_TYPES, DocumentSpec, spec_from_dict

__all__ = [
    "ROLE_STYLES",
    "DocumentSpec",
    "GongwenLayout",
    "PagePlan",
    "body_paragraphs",
    "heading_level",
    "layout_gongwen",
    "page_plan",
    "spec_from_dict",
    "write_gongwen",
]

# The paragraph style each element gets (name shown in Word/WPS, style id).
ROLE_STYLES: dict[str, tuple[str, str]] = {
    "copy_number": ("公文-份号", "GwCopyNumber"),
    "secrecy": ("公文-密级和保密期限", "GwSecrecy"),
    "urgency": ("公文-紧急程度", "GwUrgency"),
    "mark": ("公文-发文机关标志", "GwMark"),
    "signatory": ("公文-签发人", "GwSignatory"),
    "doc_number": ("公文-发文字号", "GwDocNumber"),
    "title": ("公文-标题", "GwTitle"),
    "recipients": ("公文-主送机关", "GwRecipients"),
    "body": ("公文-正文", "GwBody"),
    "heading1": ("公文-一级标题", "GwHeading1"),
    "heading2": ("公文-二级标题", "GwHeading2"),
    "heading3": ("公文-三级标题", "GwHeading3"),
    "heading4": ("公文-四级标题", "GwHeading4"),
    "attachment_note": ("公文-附件说明", "GwAttachmentNote"),
    "attendance": ("公文-出席请假列席", "GwAttendance"),
    "signature": ("公文-发文机关署名", "GwSignature"),
    "signer": ("公文-签发人职务和签名章", "GwSigner"),
    "date": ("公文-成文日期", "GwDate"),
    "note": ("公文-附注", "GwNote"),
    "attachment_label": ("公文-附件标识", "GwAttachmentLabel"),
    "attachment_title": ("公文-附件标题", "GwAttachmentTitle"),
    "copy_to": ("公文-抄送机关", "GwCopyTo"),
    "print_line": ("公文-印发机关和印发日期", "GwPrintLine"),
    "blank": ("公文-空行", "GwBlank"),
    "frame_anchor": ("公文-版记定位", "GwFrameAnchor"),
    "page_number": ("公文-页码", "GwPageNumber"),
    "ai_label": ("公文-人工智能生成标识", "GwAiLabel"),
    "letter_rule": ("公文-信函红色双线", "GwLetterRule"),
}


@dataclass(frozen=True)
class GongwenLayout:
    """Where the page counter put things: a renderer's pages can differ slightly (fonts,
    line breaking); the numbers say what the writer decided from."""

    pages: int
    body_page: int
    record_page: int | None
    blank_page: bool
    warnings: tuple[str, ...]


def _flow(p: Para) -> Flow:
    lines = p.lines
    if lines is None:
        width = m.BODY_WIDTH - p.left - p.right
        spans = [m.Span(s.text.replace("\t", " "), s.size) for s in p.spans()]
        lines = m.count_lines(spans, width, first=p.first, grid=p.grid) if spans else 1
    return Flow(lines, p.line, p.before, p.border_height, p.page_break_before)


def _record_height(record: list[Para]) -> int:
    return sum(_flow(p).lines * p.line + p.border_height for p in record)


@dataclass
class _Plan:
    main: list[Para]
    record: list[Para]
    layout: GongwenLayout
    # the last paragraph of the numbered pages, when the blank page and the 版记 page after it
    # form an unnumbered section
    section_end: int | None
    flows: list[Flow]  # of ``main``, without the blank paragraphs added for the 版记


def _plan(spec: DocumentSpec) -> _Plan:
    """Lay the paragraphs on pages and decide where the 版记 goes.

    The 版记 stands at the foot of the last page, which with 双面印刷 is an even page (the back
    of a sheet): on the page where the text ends if that is even and has room; else on the next
    page if that is even; else after a blank page, and then neither the blank page nor the
    版记 page is numbered (§7.5). One line is kept in reserve against the counter's error."""
    main = main_paragraphs(spec)
    record = record_paragraphs(spec)
    flows = [_flow(p) for p in main]
    positions = m.paginate(flows)
    body_index = next(
        (
            i
            for i, p in enumerate(main)
            if p.role in ("body", "heading1", "heading2", "heading3", "heading4")
        ),
        len(main) - 1,
    )
    body_page = positions[body_index].page
    end = positions[-1]
    pages = end.end_page
    warnings = []
    if body_page > 1:
        warnings.append(
            "首页未能显示正文（GB/T 9704-2012 7.3.3 要求公文首页必须显示正文）：请缩短标题，"
            "或把主送机关移至版记"
        )
    if spec.type in UPWARD_TYPES and not spec.signatory and spec.format == "standard":
        warnings.append("上行文应当标注签发人姓名（《党政机关公文处理工作条例》第九条）")
    record_page: int | None = None
    section_end: int | None = None
    if record:
        height = _record_height(record)
        # Each 版记 paragraph in a frame of its own, one under the other, the last rule on the
        # 版心's lower edge. Word could bottom-align one frame holding all of them (yAlign),
        # but LibreOffice sets a frame at the top of the page if its paragraphs' borders
        # differ, and the 版记's rules do.
        top = m.BODY_HEIGHT - height
        for p in record:
            if p.frame is not None:
                p.frame = replace(p.frame, y=top, y_align=None)
            top += _record_height([p])
        if end.end_page % 2 == 0 and end.bottom + height + LINE <= m.BODY_HEIGHT:
            record_page = end.end_page
        elif end.end_page % 2 == 1:
            record_page = end.end_page + 1
            main.append(Para("blank", page_break_before=True))
        else:
            record_page = end.end_page + 2
            section_end = len(main) - 1
            main += [Para("blank"), Para("blank", page_break_before=True)]
        pages = record_page
    blank_page = section_end is not None
    layout = GongwenLayout(pages, body_page, record_page, blank_page, tuple(warnings))
    return _Plan(main, record, layout, section_end, flows)


def layout_gongwen(spec: DocumentSpec) -> GongwenLayout:
    """The page plan of ``spec`` without writing a file."""
    return _plan(spec).layout


@dataclass(frozen=True)
class PagePlan:
    """The paragraphs the writer puts in the document and where its page counter put them,
    for a renderer of its own (the console's preview): ``main`` in flow order with their
    ``positions`` (twips from the 版心's top) and line counts, the ``record`` (版记) framed at
    the foot of the 版心 on ``layout.record_page`` from ``record_top`` down, and the pages
    that carry a page number (1 to ``numbered_pages``; the blank page and the 版记 page after
    it are not numbered, §7.5)."""

    main: tuple[Para, ...]
    positions: tuple[m.Position, ...]
    lines: tuple[int, ...]
    record: tuple[Para, ...]
    record_lines: tuple[int, ...]
    record_top: int
    numbered_pages: int
    layout: GongwenLayout


def page_plan(spec: DocumentSpec) -> PagePlan:
    """Where each paragraph of ``spec`` goes, as the .docx writer decides it."""
    plan = _plan(spec)
    flows = plan.flows + [_flow(p) for p in plan.main[len(plan.flows) :]]
    numbered = plan.layout.pages
    if plan.section_end is not None:
        # the section break after ``section_end`` starts the unnumbered section on a new page
        after = plan.section_end + 1
        flows[after] = replace(flows[after], page_break_before=True)
    positions = m.paginate(flows)
    if plan.section_end is not None:
        numbered = positions[plan.section_end].end_page
    return PagePlan(
        main=tuple(plan.main),
        positions=tuple(positions),
        lines=tuple(f.lines for f in flows),
        record=tuple(plan.record),
        record_lines=tuple(_flow(p).lines for p in plan.record),
        record_top=m.BODY_HEIGHT - _record_height(plan.record),
        numbered_pages=numbered,
        layout=plan.layout,
    )


# -- the .docx -------------------------------------------------------------------------------


def _w(tag: str) -> str:
    return str(qn(tag))


def _setup_styles(document: Any) -> None:
    """Normal is 3号仿宋 (the docGrid's character pitch is relative to it), Chinese language,
    no theme fonts (a theme font attribute overrides the named font), no extra spacing between
    Chinese and Latin text (it would break the 28-character grid), no widow control (pages
    fill to 22 lines, "撑满版心"), and one named style per GB/T 9704 element."""
    styles = document.styles
    defaults = styles.element.find(_w("w:docDefaults"))
    rpr = defaults.find(_w("w:rPrDefault")).find(_w("w:rPr"))
    fonts = rpr.find(_w("w:rFonts"))
    for key in list(fonts.attrib):
        del fonts.attrib[key]
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(_w(f"w:{slot}"), FANGSONG.name)
    fonts.set(_w("w:hint"), "eastAsia")
    for tag in ("w:sz", "w:szCs"):
        rpr.find(_w(tag)).set(_w("w:val"), str(round(SIZE_3 * 2)))
    lang = rpr.find(_w("w:lang"))
    lang.set(_w("w:eastAsia"), "zh-CN")
    ppr = defaults.find(_w("w:pPrDefault")).find(_w("w:pPr"))
    for child in list(ppr):
        ppr.remove(child)
    for tag in ("w:widowControl", "w:autoSpaceDE", "w:autoSpaceDN", "w:adjustRightInd"):
        el = OxmlElement(tag)
        el.set(_w("w:val"), "0")
        ppr.append(el)
    spacing = OxmlElement("w:spacing")
    for key, value in (("after", "0"), ("line", str(LINE)), ("lineRule", "exact")):
        spacing.set(_w(f"w:{key}"), value)
    ppr.append(spacing)
    # The size again on Normal itself, for programs that read the style rather than the
    # document defaults (LibreOffice assumes 12 pt for a Normal without a size).
    normal = styles["Normal"].element.get_or_add_rPr()
    for tag in ("w:sz", "w:szCs"):
        el = OxmlElement(tag)
        el.set(_w("w:val"), str(round(SIZE_3 * 2)))
        normal.append(el)
    for name, style_id in ROLE_STYLES.values():
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.set(_w("w:styleId"), style_id)
        style.base_style = styles["Normal"]


def _setup_section(section: Any, letter: bool) -> None:
    section.page_width, section.page_height = Twips(m.PAGE_WIDTH), Twips(m.PAGE_HEIGHT)
    section.top_margin, section.bottom_margin = Twips(m.MARGIN_TOP), Twips(m.MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Twips(m.MARGIN_LEFT), Twips(m.MARGIN_RIGHT)
    section.header_distance = Twips(m.HEADER_DISTANCE)
    section.footer_distance = Twips(m.FOOTER_DISTANCE)
    section.gutter = Twips(0)
    section.different_first_page_header_footer = letter
    sect = section._sectPr
    old = sect.find(_w("w:docGrid"))
    grid = OxmlElement("w:docGrid")
    grid.set(_w("w:type"), "lines")
    grid.set(_w("w:linePitch"), str(LINE))
    if old is not None:
        old.addprevious(grid)
        sect.remove(old)
    else:
        sect.append(grid)


def _fill(part: Any, paras: list[Para]) -> None:
    """Replace a header's or footer's paragraphs."""
    element = part._element
    for child in list(element):
        element.remove(child)
    for p in paras:
        element.append(paragraph(p, ROLE_STYLES[p.role][1]))


def _headers_footers(document: Any, spec: DocumentSpec, ai_label: str | None) -> None:
    section = document.sections[0]
    label = [label_paragraph(ai_label)] if ai_label else []
    if label:
        _fill(section.header, label)
        _fill(section.even_page_header, label)
    _fill(section.footer, [page_number(odd=True)])
    _fill(section.even_page_footer, [page_number(odd=False)])
    if spec.format == "letter":
        # §10.1: 首页不显示页码; the 标志 and both double rules are on the first page only.
        _fill(section.first_page_header, [*label, letter_mark(spec)])
        _fill(section.first_page_footer, [letter_bottom_rule()])


def _split_record_section(document: Any, last: Any) -> None:
    """End the first section at ``last`` and give the rest (blank page, 版记 page) footers of
    its own with no page number; headers (the AI label) carry on from the first section."""
    body_sect = document.element.body.sectPr
    first = copy.deepcopy(body_sect)
    ppr = last.find(qn("w:pPr"))
    ppr.append(first)
    for ref in body_sect.findall(qn("w:headerReference")) + body_sect.findall(
        qn("w:footerReference")
    ):
        body_sect.remove(ref)
    title_pg = body_sect.find(qn("w:titlePg"))
    if title_pg is not None:
        body_sect.remove(title_pg)
    rest = document.sections[-1]
    rest.footer.is_linked_to_previous = False
    rest.even_page_footer.is_linked_to_previous = False
    _fill(rest.footer, [Para("page_number", grid=False)])
    _fill(rest.even_page_footer, [Para("page_number", grid=False)])


def _document(
    plan: _Plan, spec: DocumentSpec, ai_label: str | None, aigc: Mapping[str, Any] | None
) -> bytes:
    document = docx.Document()
    _setup_styles(document)
    document.settings.odd_and_even_pages_header_footer = True
    lang = document.settings.element.find(_w("w:themeFontLang"))
    if lang is not None:
        lang.set(_w("w:eastAsia"), "zh-CN")
    _setup_section(document.sections[0], spec.format == "letter")
    _headers_footers(document, spec, ai_label)

    sect = document.element.body.sectPr
    elements = [paragraph(p, ROLE_STYLES[p.role][1]) for p in plan.main]
    for i, p in enumerate(plan.record):
        if i:
            # A frame is anchored to the paragraph after it; LibreOffice leaves a frame in the
            # text flow when that paragraph is itself framed, so a 1 pt line stands between.
            anchor = Para("frame_anchor", line=20, grid=False, lines=1)
            elements.append(paragraph(anchor, ROLE_STYLES["frame_anchor"][1]))
        elements.append(paragraph(p, ROLE_STYLES[p.role][1]))
    for element in elements:
        sect.addprevious(element)
    if plan.section_end is not None:
        _split_record_section(document, elements[plan.section_end])

    props = document.core_properties
    props.title = _property(spec.title or spec.issuer.mark)
    props.subject = _property(spec.type)
    props.author = props.last_modified_by = _property(spec.issuer.name)
    props.comments = ""
    props.created = props.modified = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    if aigc is not None:
        set_docx_label(document, dict(aigc))
    out = io.BytesIO()
    document.save(out)
    return _with_font_table(out.getvalue())


def _property(text: str) -> str:
    """A core property value: python-docx refuses more than 255 characters."""
    return xml_text(text)[:255]


def _with_font_table(data: bytes) -> bytes:
    """Rewrite ``word/fontTable.xml`` with the Chinese fonts and their fallbacks."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/fontTable.xml":
                content = font_table(content)
            target.writestr(item, content)
    return out.getvalue()


def write_gongwen(
    spec: DocumentSpec,
    target: str | Path | IO[bytes],
    *,
    ai_label: str | None = None,
    aigc: Mapping[str, Any] | None = None,
) -> GongwenLayout:
    """Write ``spec`` as a GB/T 9704-2012 .docx to ``target`` (a path, written atomically, or a
    binary stream) and return the page plan.

    A machine-drafted document carries both AI labels (《人工智能生成合成内容标识办法》, GB
    45438-2025): ``ai_label`` is the explicit text printed in every page's header, ``aigc`` the
    implicit label put in ``docProps/custom.xml``. They come together or not at all.
    """
    if (ai_label is None) != (aigc is None):
        raise ValueError("ai_label and aigc go together: a labelled file carries both labels")
    plan = _plan(spec)
    data = _document(plan, spec, ai_label, aigc)
    if isinstance(target, str | Path):
        path = Path(target)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    else:
        target.write(data)
    return plan.layout

"""A page preview of a 公文 as SVG, drawn from the layout plan the .docx writer uses, so the web
console can show a document without Word, WPS or LibreOffice.

This is a preview, not the document. It draws every paragraph where the writer's page counter
(:func:`govai.documents.gongwen.page_plan`) put it — page, line, indents, fonts and sizes, the
red 标志 and rule, the 版记 at the foot of the 版心, page numbers, the 信函 header — and breaks
lines with the same rules the counter counts them with
(:func:`~govai.documents.gongwen_measure.break_lines`), so the preview and the plan never
disagree. A word processor lays out the .docx with its own fonts and line breaking, so its
lines can differ slightly from the preview's; the .docx is the document that is issued.

Geometry (GB/T 9704-2012): A4 210 × 297 mm with the 版心 156 × 225 mm 37 mm from the top and
28 mm from the left (§5.2.1); the viewBox is in twips, the unit of every distance in the plan.
Characters of a grid paragraph advance by the grid pitch (28 per line, §5.2.3), each one
placed at its own x, as the counter assumes; a run's horizontal scale (``w:w``, the condensed
标志 of a long issuer name) is a horizontal transform. Page numbers "— N —" are 7 mm below the
版心, odd pages right and even pages left (§7.5), and are left off the 信函's first page
(§10.1) and the unnumbered blank and 版记 pages (§7.5). The explicit AI label, when given, is
drawn at the top of every page outside the 版心, where the writer puts it in the page header.

The SVG is self-contained: no script, no external reference (no ``href``, no web fonts), all
text escaped, so it can be served as an image under a strict Content-Security-Policy. Fonts are
named as font-family lists a browser can resolve (the standard's font first, then the names
Windows, macOS and Linux give the same kind of face).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape

from govai.documents import gongwen_measure as m
from govai.documents.gongwen import page_plan
from govai.documents.gongwen_elements import (
    label_paragraph,
    letter_bottom_rule,
    letter_mark,
    page_number,
)
from govai.documents.gongwen_ooxml import (
    FANGSONG,
    HEITI,
    KAITI,
    SONGTI,
    XIAOBIAOSONG,
    Border,
    Para,
    Run,
    xml_text,
)
from govai.documents.gongwen_spec import DocumentSpec
from govai.errors import ValidationError

__all__ = ["FONT_FAMILIES", "preview_pages"]

# CSS font-family lists per font of the writer: the standard's font under its Windows names,
# then macOS (ST…) and Linux (Noto CJK) faces of the same kind, then the generic family.
FONT_FAMILIES: dict[str, str] = {
    FANGSONG.name: "FangSong_GB2312, 仿宋_GB2312, FangSong, 仿宋, STFangsong, "
    "'Noto Serif CJK SC', serif",
    KAITI.name: "KaiTi_GB2312, 楷体_GB2312, KaiTi, 楷体, STKaiti, 'Noto Serif CJK SC', serif",
    HEITI.name: "SimHei, 黑体, STHeiti, 'Noto Sans CJK SC', sans-serif",
    XIAOBIAOSONG.name: "'FZXiaoBiaoSong-B05S', 方正小标宋简体, 'Noto Serif CJK SC', SimSun, "
    "STSong, serif",
    SONGTI.name: "SimSun, 宋体, STSong, 'Noto Serif CJK SC', serif",
}

DEFAULT_TAB = 720  # twips: w:defaultTabStop of the writer's template (0.5 inch)
# Where the baseline sits in a line box: the em box centred in the line, the baseline 0.88 em
# below the em box's top (0.38 em below its middle), as CJK fonts are designed.
_BASELINE_BELOW_MIDDLE = 0.38


def preview_pages(spec: DocumentSpec, *, ai_label: str | None = None) -> list[str]:
    """One standalone SVG document per page of ``spec`` (A4, ``width``/``height`` in mm, the
    viewBox in twips), drawn from the writer's layout plan.

    A preview, not the document: a word processor's line breaks may differ slightly from it.
    ``ai_label`` is the explicit AI label the .docx carries in its page headers
    (《人工智能生成合成内容标识办法》); it is drawn above the 版心 on every page."""
    if not isinstance(spec, DocumentSpec):
        got = type(spec).__name__
        raise ValidationError(f"预览需要由 spec_from_dict 读取的公文要素，收到 {got}")
    if ai_label is not None and not isinstance(ai_label, str):
        raise ValidationError(f"人工智能生成标识应为文字，收到 {type(ai_label).__name__}")
    plan = page_plan(spec)
    pages = [_Page(n) for n in range(1, plan.layout.pages + 1)]
    for index, (p, position, count) in enumerate(
        zip(plan.main, plan.positions, plan.lines, strict=True)
    ):
        tops = _line_tops(position, p.line, count)
        _draw(pages, p, tops, m.MARGIN_LEFT, m.BODY_WIDTH, index)
    if plan.record and plan.layout.record_page is not None:
        record_page = plan.layout.record_page
        y = float(m.MARGIN_TOP + plan.record_top)
        for p, count in zip(plan.record, plan.record_lines, strict=True):
            if p.frame is not None and p.frame.y is not None and p.frame.v_anchor == "margin":
                y = float(m.MARGIN_TOP + p.frame.y)  # the writer's frame, where it set one
            y += _border_band(p.top)
            tops = [(record_page, y + i * p.line) for i in range(count)]
            width = p.frame.width if p.frame is not None else m.BODY_WIDTH
            x = m.MARGIN_LEFT + (m.BODY_WIDTH - width) / 2
            _draw(pages, p, tops, x, width)
            y += count * p.line + _border_band(p.bottom)
    letter = spec.format == "letter"
    for page in pages:
        if ai_label:
            label = label_paragraph(ai_label)
            count = len(_lines(label, m.BODY_WIDTH))
            tops = [(page.number, float(m.HEADER_DISTANCE + i * label.line)) for i in range(count)]
            _draw(pages, label, tops, m.MARGIN_LEFT, m.BODY_WIDTH)
        if letter and page.number == 1:
            # §10.1: the 标志 and both red double rules on the first page, and no page number
            for framed in (letter_mark(spec), letter_bottom_rule()):
                frame = framed.frame
                assert frame is not None and frame.x is not None and frame.y is not None
                top = frame.y + _border_band(framed.top)
                _draw(pages, framed, [(1, float(top))], frame.x, frame.width)
        elif page.number <= plan.numbered_pages:
            _draw_page_number(pages, page.number)
    return [page.svg(len(pages)) for page in pages]


# -- pages ------------------------------------------------------------------------------------


@dataclass
class _Page:
    number: int

    def __post_init__(self) -> None:
        self.items: list[str] = []

    def svg(self, total: int) -> str:
        w, h = m.PAGE_WIDTH, m.PAGE_HEIGHT
        title = f"第{self.number}页，共{total}页（版式预览）"
        head = (
            '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" xml:space="preserve" '
            f'width="{_n(m.twips_to_mm(w))}mm" height="{_n(m.twips_to_mm(h))}mm" '
            f'viewBox="0 0 {w} {h}" role="img" aria-label="{_attr(title)}">'
        )
        page = (
            f'<title>{escape(title)}</title><rect class="page" x="0" y="0" width="{w}" '
            f'height="{h}" fill="#ffffff" stroke="#b0b0b0" stroke-width="12"/>'
            f'<rect class="type-area" x="{m.MARGIN_LEFT}" y="{m.MARGIN_TOP}" '
            f'width="{m.BODY_WIDTH}" height="{m.BODY_HEIGHT}" fill="none" stroke="#dcdcdc" '
            'stroke-width="6" stroke-dasharray="60 60"/>'
        )
        return "".join([head, page, *self.items, "</svg>"])


def _line_tops(position: m.Position, line: int, count: int) -> list[tuple[int, float]]:
    """Page and top (twips from the page's top) of each line, as :func:`paginate` fills the
    pages: a line that does not fit goes to the top of the next page."""
    page, y = position.page, position.top
    out = []
    for _ in range(count):
        if y + line > m.BODY_HEIGHT:
            page, y = page + 1, 0
        out.append((page, float(m.MARGIN_TOP + y)))
        y += line
    return out


def _draw_page_number(pages: Sequence[_Page], number: int) -> None:
    """§7.5: "— N —" in the footer, its line's middle 7 mm below the 版心 (the writer's
    footer distance); odd pages 居右空一字, even pages 居左空一字."""
    p = page_number(odd=number % 2 == 1)
    p = replace(
        p, runs=[replace(r, text=str(number), field=None) if r.field else r for r in p.runs]
    )
    top = float(m.PAGE_HEIGHT - m.FOOTER_DISTANCE - p.line)
    _draw(pages, p, [(number, top)], m.MARGIN_LEFT, m.BODY_WIDTH)


# -- paragraphs -------------------------------------------------------------------------------


def _runs(p: Para) -> list[Run]:
    """The runs whose text is drawn, in the order of :meth:`Para.spans`."""
    return [r for r in p.runs if r.field is None]


def _lines(p: Para, width: float) -> list[list[m.Piece]]:
    """The paragraph's lines as the counter breaks them; an element the writer knows to be one
    line (``Para.lines``: tabbed lines, the 标志) is not broken."""
    if p.lines is not None:
        width = math.inf
    return m.break_lines(p.spans(), width - p.left - p.right, first=p.first, grid=p.grid)


def _draw(
    pages: Sequence[_Page],
    p: Para,
    tops: list[tuple[int, float]],
    x0: float,
    width: float,
    index: int | None = None,
) -> None:
    """Draw ``p``'s lines at ``tops`` (page, twips from the page's top) in the box from ``x0``
    ``width`` twips wide, and its borders, grouped per page as ``<g class="role">``."""
    lines = _lines(p, width)
    if len(lines) > len(tops) and tops:  # more lines than planned: keep every character
        page, top = tops[-1]
        tops = tops + [(page, top + i * p.line) for i in range(1, len(lines) - len(tops) + 1)]
    items: dict[int, list[str]] = {}
    runs = _runs(p)
    for i, (pieces, (page, top)) in enumerate(zip(lines, tops, strict=False)):
        items.setdefault(page, []).extend(_line(p, runs, pieces, i == 0, top, x0, width))
    # a paragraph's rules run between its indents; a framed one's (the 版记, the 信函 rules)
    # across the frame: the 版记 rules are as wide as the 版心 (§7.4.1), as LibreOffice draws them
    left = x0 if p.frame else x0 + p.left + min(0.0, p.first)
    right = x0 + width if p.frame else x0 + width - p.right
    if p.top is not None and tops:
        page, top = tops[0]
        edge = top - p.top.space * 20 - _border_band(p.top)
        items.setdefault(page, []).extend(_rule(p.top, edge, left, right, inner_last=True))
    if p.bottom is not None and tops:
        page, top = tops[min(len(lines), len(tops)) - 1]
        edge = top + p.line + p.bottom.space * 20
        items.setdefault(page, []).extend(_rule(p.bottom, edge, left, right, inner_last=False))
    data = f' data-para="{index}"' if index is not None else ""
    for page, elements in items.items():
        if elements:
            pages[page - 1].items.append(
                f'<g class="{_attr(p.role)}"{data}>{"".join(elements)}</g>'
            )


@dataclass(frozen=True)
class _Glyph:
    ch: str
    run: Run
    x: float


def _line(
    p: Para,
    runs: list[Run],
    pieces: list[m.Piece],
    first_line: bool,
    top: float,
    x0: float,
    width: float,
) -> list[str]:
    """The ``<text>`` elements of one line whose box starts ``top`` twips from the page's top."""
    start = x0 + p.left + (p.first if first_line else 0.0)
    end = x0 + width - p.right
    # segments between tabs, each a list of (character, run)
    segments: list[list[tuple[str, Run]]] = [[]]
    for piece in pieces:
        run = runs[piece.span]
        for ch in piece.text:
            if ch == "\t":
                segments.append([])
            else:
                segments[-1].append((ch, run))
    glyphs: list[_Glyph] = []
    x = start
    for n, segment in enumerate(segments):
        seg_width = sum(_advance(ch, run, p.grid) for ch, run in segment)
        if n > 0:
            x = _tab(p, first_line, x0, x, seg_width)
        for ch, run in segment:
            glyphs.append(_Glyph(ch, run, x))
            x += _advance(ch, run, p.grid)
    if len(segments) == 1 and p.align in ("center", "right"):
        used = x - start
        shift = (end - start - used) / 2 if p.align == "center" else end - start - used
        glyphs = [replace(g, x=g.x + shift) for g in glyphs]
    if not glyphs:
        return []
    size = max(g.run.size for g in glyphs) * 20
    baseline = top + p.line / 2 + _BASELINE_BELOW_MIDDLE * size
    out = []
    group: list[_Glyph] = []
    for g in [*glyphs, None]:
        if group and (
            g is None or _style(g.run) != _style(group[-1].run) or _gap(group[-1], g, p.grid)
        ):
            out.append(_text(group, baseline))
            group = []
        if g is not None:
            group.append(g)
    return [t for t in out if t]


def _style(run: Run) -> tuple[str, float, str | None, int]:
    return run.font.name, run.size, run.color, run.scale or 100


def _gap(last: _Glyph, g: _Glyph, grid: bool) -> bool:
    """Whether ``g`` does not follow ``last`` directly (a tab lies between them)."""
    return abs(last.x + _advance(last.ch, last.run, grid) - g.x) > 0.01


def _advance(ch: str, run: Run, grid: bool) -> float:
    """Twips ``ch`` advances the line: the counter's advance, condensed by the run's scale."""
    return m.advance(ch, run.size, grid) * 20 * (run.scale or 100) / 100


def _tab(p: Para, first_line: bool, x0: float, x: float, following: float) -> float:
    """Where the text after a tab at ``x`` starts: at the next tab stop of the paragraph (a
    hanging indent is one on the first line), measured from the box's left edge; a right stop
    ends the following text (``following`` twips wide) on it; past the last stop, at the next
    default stop."""
    stops = sorted([*p.tabs, *((("left", round(p.left)),) if first_line and p.first < 0 else ())])
    for kind, pos in stops:
        at = x0 + pos
        if kind == "right" and at - following >= x - 0.5:
            return at - following
        if kind == "center" and at - following / 2 >= x - 0.5:
            return at - following / 2
        if kind not in ("right", "center") and at > x + 0.5:
            return at
    return x0 + (math.floor((x - x0) / DEFAULT_TAB) + 1) * DEFAULT_TAB


def _text(group: list[_Glyph], baseline: float) -> str:
    """One ``<text>`` with an x for every character; blank if the group is only spaces."""
    group = [g for g in group if xml_text(g.ch)]  # what XML cannot hold is left out
    text = "".join(g.ch for g in group)
    if not text.strip():
        return ""
    run = group[0].run
    scale = (run.scale or 100) / 100
    x_start = group[0].x
    if scale != 1:
        xs = " ".join(_n((g.x - x_start) / scale) for g in group)
        where = f'transform="matrix({_n(scale, 4)} 0 0 1 {_n(x_start)} 0)" x="{xs}"'
    else:
        where = f'x="{" ".join(_n(g.x) for g in group)}"'
    family = FONT_FAMILIES.get(run.font.name, f"'{run.font.name}', serif")
    fill = f"#{run.color}" if run.color else "#000000"
    return (
        f'<text {where} y="{_n(baseline)}" font-family="{_attr(family)}" '
        f'font-size="{_n(run.size * 20)}" fill="{_attr(fill)}">{escape(text)}</text>'
    )


# -- rules ------------------------------------------------------------------------------------


def _border_band(border: Border | None) -> int:
    """Twips a border's lines take: its width for a single line (as the writer's height counts
    it), twice that for a double line (the 信函 rules, as the writer places them)."""
    if border is None:
        return 0
    width = border.sz * 20 // 8
    return 2 * width if border.val != "single" else width


def _rule(border: Border, edge: float, left: float, right: float, *, inner_last: bool) -> list[str]:
    """The lines of ``border`` in the band from ``edge`` down. A double rule
    (``thickThinSmallGap``) has its thick line towards the text: for a bottom border the thick
    line comes first (上粗下细), for a top border last (``inner_last``, 上细下粗)."""
    width = border.sz * 20 / 8
    color = f"#{border.color}" if border.color != "auto" else "#000000"
    if border.val == "single":
        bands = [(edge, width)]
    else:
        thin = width / 3
        band = _border_band(border)
        thick_top, thin_top = (
            (edge + band - width, edge) if inner_last else (edge, edge + band - thin)
        )
        bands = [(thick_top, width), (thin_top, thin)]
    return [
        f'<line x1="{_n(left)}" y1="{_n(y + w / 2)}" x2="{_n(right)}" y2="{_n(y + w / 2)}" '
        f'stroke="{_attr(color)}" stroke-width="{_n(w)}"/>'
        for y, w in bands
    ]


# -- text -------------------------------------------------------------------------------------


def _n(value: float, digits: int = 1) -> str:
    """A number for an attribute: rounded, without a trailing ``.0``."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attr(value: str) -> str:
    return escape(xml_text(value), {'"': "&quot;"})

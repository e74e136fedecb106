"""The WordprocessingML the 公文 writer needs and python-docx does not offer: paragraphs built
from a small neutral model (:class:`Para`, :class:`Run`) with exact spacing, grid snapping,
borders, frames, tab stops and fields, and a font table that names a fallback for each
Chinese font.

Child elements are emitted in the schema's order (ECMA-376 CT_PPrBase, CT_RPr); Word refuses
files whose properties are out of order.

Fonts: the standard's fonts (仿宋_GB2312, 楷体_GB2312, 方正小标宋简体) are not installed on every
machine. A run names the intended font in all four ``w:rFonts`` slots with ``w:hint="eastAsia"``
(so ambiguous punctuation such as “” — is set full width in that font); the font table entry
for it carries ``w:altName``, the font Word tries next (ECMA-376 §17.8.3.1). Word reads only one
alternate name per font (MS-OE376 2.1.146), so each font gets the one a Chinese Windows always
has: 仿宋, 楷体, 宋体.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn

from govai.documents.gongwen_measure import GRID_TIGHTEN, LINE, Span


@dataclass(frozen=True)
class Font:
    name: str
    alt: str
    family: str = "modern"
    pitch: str = "fixed"


FANGSONG = Font("仿宋_GB2312", "仿宋")
KAITI = Font("楷体_GB2312", "楷体")
HEITI = Font("黑体", "SimHei")
XIAOBIAOSONG = Font("方正小标宋简体", "宋体", family="roman", pitch="variable")
SONGTI = Font("宋体", "SimSun")
FONTS = (FANGSONG, KAITI, HEITI, XIAOBIAOSONG, SONGTI)

# Characters XML 1.0 cannot hold (C0 controls other than tab, line feed and carriage return;
# lone surrogates; U+FFFE/U+FFFF). Text pasted from other programs carries them invisibly.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

RED = "FF0000"  # §7.2.4/§7.2.7 红色; §5.2 asks the printing ink for Y80% M80%


@dataclass(frozen=True)
class Run:
    """Text in one font and size; ``\\t`` becomes a tab, ``\\n`` a line break. ``field`` makes
    the run a field (``PAGE``) showing ``text`` until updated."""

    text: str
    font: Font
    size: float
    color: str | None = None
    scale: int | None = None  # w:w, horizontal scale in percent
    field: str | None = None


@dataclass(frozen=True)
class Border:
    sz: int  # eighths of a point
    space: int = 0  # points between text and rule
    color: str = "000000"
    val: str = "single"


@dataclass(frozen=True)
class Frame:
    """A paragraph frame (``w:framePr``) at a fixed place: the 版记 at the foot of the 版心,
    the 信函 标志 and rules at their distances from the page edges."""

    width: int
    h_anchor: str = "margin"
    v_anchor: str = "margin"
    x: int | None = None
    x_align: str | None = "center"
    y: int | None = None
    y_align: str | None = None


@dataclass
class Para:
    """One paragraph: ``role`` names the GB/T 9704 element (it becomes the paragraph style, so
    a reader of the file — or the proofreader — can tell the elements apart)."""

    role: str
    runs: list[Run] = field(default_factory=list)
    align: str = "both"
    line: int = LINE
    before: int = 0
    left: float = 0
    right: float = 0
    first: float = 0  # negative: hanging indent
    grid: bool = True
    top: Border | None = None
    bottom: Border | None = None
    frame: Frame | None = None
    page_break_before: bool = False
    tabs: tuple[tuple[str, int], ...] = ()
    outline: int | None = None
    lines: int | None = None  # known line count (tabbed one-line elements)

    def spans(self) -> list[Span]:
        return [Span(r.text, r.size) for r in self.runs if r.field is None]

    @property
    def border_height(self) -> int:
        """Twips the borders add to the paragraph's height."""
        return sum(
            (b.space * 20 + b.sz * 20 // 8) for b in (self.top, self.bottom) if b is not None
        )


def xml_text(text: str) -> str:
    """``text`` without the characters XML cannot hold, which lxml would refuse to write."""
    return _NOT_XML.sub("", text)


def _el(tag: str, **attrs: Any) -> Any:
    element = OxmlElement(tag)
    for key, value in attrs.items():
        if value is not None:
            element.set(qn(f"w:{key}"), str(value))
    return element


def _sub(parent: Any, tag: str, **attrs: Any) -> Any:
    child = _el(tag, **attrs)
    parent.append(child)
    return child


def _twips(value: float) -> int:
    return round(value)


def rpr(run: Run, grid: bool = False) -> Any:
    r = _el("w:rPr")
    name = run.font.name
    _sub(r, "w:rFonts", ascii=name, hAnsi=name, eastAsia=name, cs=name, hint="eastAsia")
    if run.color:
        _sub(r, "w:color", val=run.color)
    if grid:
        _sub(r, "w:spacing", val=GRID_TIGHTEN)  # 28 characters a line (gongwen_measure)
    if run.scale and run.scale != 100:
        _sub(r, "w:w", val=run.scale)
    half_points = round(run.size * 2)
    _sub(r, "w:sz", val=half_points)
    _sub(r, "w:szCs", val=half_points)
    return r


def _text_runs(run: Run, grid: bool) -> list[Any]:
    """``w:r`` elements for a run's text, tabs and line breaks."""
    out = []
    r = _el("w:r")
    r.append(rpr(run, grid))
    buffer = ""

    def flush() -> None:
        nonlocal buffer
        if buffer:
            t = _sub(r, "w:t")
            t.text = buffer
            if buffer != buffer.strip():
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            buffer = ""

    for ch in xml_text(run.text):
        if ch == "\t":
            flush()
            _sub(r, "w:tab")
        elif ch == "\n":
            flush()
            _sub(r, "w:br")
        else:
            buffer += ch
    flush()
    out.append(r)
    return out


def _field_runs(run: Run) -> list[Any]:
    """A complex field: begin, instruction, separate, cached result, end."""
    assert run.field is not None
    runs = []
    for kind in ("begin", "instr", "separate", "result", "end"):
        r = _el("w:r")
        r.append(rpr(run))
        if kind == "instr":
            t = _sub(r, "w:instrText")
            t.text = f" {run.field} "
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        elif kind == "result":
            _sub(r, "w:t").text = run.text
        else:
            _sub(r, "w:fldChar", fldCharType=kind)
        runs.append(r)
    return runs


def _border(parent: Any, side: str, b: Border) -> None:
    _sub(parent, f"w:{side}", val=b.val, sz=b.sz, space=b.space, color=b.color)


def ppr(p: Para, style_id: str | None) -> Any:
    """The paragraph's properties, in schema order."""
    pp = _el("w:pPr")
    if style_id:
        _sub(pp, "w:pStyle", val=style_id)
    if p.page_break_before:
        _sub(pp, "w:pageBreakBefore")
    if p.frame is not None:
        f = p.frame
        _sub(
            pp,
            "w:framePr",
            w=f.width,
            wrap="notBeside",
            hAnchor=f.h_anchor,
            vAnchor=f.v_anchor,
            x=f.x,
            xAlign=f.x_align if f.x is None else None,
            y=f.y,
            yAlign=f.y_align if f.y is None else None,
        )
    if p.top or p.bottom:
        bdr = _sub(pp, "w:pBdr")
        if p.top:
            _border(bdr, "top", p.top)
        if p.bottom:
            _border(bdr, "bottom", p.bottom)
    if p.tabs:
        tabs = _sub(pp, "w:tabs")
        for kind, pos in p.tabs:
            _sub(tabs, "w:tab", val=kind, pos=pos)
    if not p.grid:
        _sub(pp, "w:snapToGrid", val="0")
    _sub(pp, "w:spacing", before=_twips(p.before), after=0, line=p.line, lineRule="exact")
    ind: dict[str, Any] = {}
    if p.left:
        ind["left"] = _twips(p.left)
    if p.right:
        ind["right"] = _twips(p.right)
    if p.first > 0:
        ind["firstLine"] = _twips(p.first)
    elif p.first < 0:
        ind["hanging"] = _twips(-p.first)
    if ind:
        _sub(pp, "w:ind", **ind)
    _sub(pp, "w:jc", val=p.align)
    if p.outline is not None:
        _sub(pp, "w:outlineLvl", val=p.outline)
    return pp


def paragraph(p: Para, style_id: str | None = None) -> Any:
    """The ``w:p`` element of ``p``."""
    element = _el("w:p")
    element.append(ppr(p, style_id))
    for run in p.runs:
        for r in _field_runs(run) if run.field else _text_runs(run, p.grid):
            element.append(r)
    return element


def font_table(xml: bytes, fonts: Sequence[Font] = FONTS) -> bytes:
    """``word/fontTable.xml`` with an entry (charset GB2312, one fallback name) per font."""
    root = parse_xml(xml)
    for font in fonts:
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == font.name:
                root.remove(old)
        entry = _sub(root, "w:font", name=font.name)
        _sub(entry, "w:altName", val=font.alt)
        _sub(entry, "w:charset", val="86")  # GB2312_CHARSET (134)
        _sub(entry, "w:family", val=font.family)
        _sub(entry, "w:pitch", val=font.pitch)
    return bytes(serialize_part_xml(root))

"""Reading a .docx for 公文校对 (:mod:`govai.documents.proofread`) and checking its layout against
GB/T 9704-2012.

A file typed in Word or WPS states little on its runs: most sizes and fonts are inherited. Each
character's *effective* size and East Asian font are resolved as Word does — the run's
properties, its character style chain, the paragraph style chain (the default paragraph style
when none is named), then ``w:docDefaults`` — with theme fonts (``minorEastAsia`` …) looked up
in the theme's font scheme. A paragraph's size and font are those most of its characters have.

Layout checks, each citing its clause:

- §5.1/§5.2.1: A4 (±1 mm), 天头 37 mm and 订口 28 mm (±1 mm), 版心 156 × 225 mm (±1 mm), once per
  distinct page set-up.
- §5.2.3: 22 lines a page, from the 正文's line height: exact spacing as set, single or multiple
  spacing snapped to the document grid as whole grid lines, and without a grid an estimate from
  the font size (≈1.3 em, so only a clear miss is reported, with "约").
- §5.2.2, §7.3.1, §7.3.3, §7.4.2–§7.4.3: 3号仿宋 for the text, 2号小标宋 for the title (宋体 is
  accepted with a warning: it is what a machine without 方正小标宋 shows), 黑体 and 楷体 for the
  first two heading levels, 4号 for the 版记. Paragraphs sharing a problem make one finding.
- §7.5: page numbers (footers with a PAGE field) "— 1 —", 4号 宋体, odd pages right and even
  pages left.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import parse_xml

from govai.documents import gongwen_measure as m
from govai.documents.proofread_rules import (
    ROLE_NAMES,
    ROLE_OF_STYLE,
    TEXT_ROLES,
    Finding,
    Para,
    check_length,
    is_han,
    paragraph_numbers,
)
from govai.errors import ValidationError

MAX_UNCOMPRESSED = 100 * 1024 * 1024  # a .docx larger than this unpacked is refused (zip bomb)
MAX_MEMBERS = 5000

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_INLINE = ("hyperlink", "ins", "smartTag", "customXml", "sdt", "sdtContent", "fldSimple", "moveTo")
_RUN_CONTAINERS = frozenset(_W + t for t in (*_INLINE, "dir", "bdo"))
_BLOCK_CONTAINERS = frozenset(_W + t for t in ("sdt", "sdtContent", "customXml"))
_TABLE_PARTS = frozenset(_W + t for t in ("tbl", "tr", "tc"))
_PAGE_FIELD = re.compile(r"\bPAGE\b")
_NO_TEXT = "文档中没有文字，无法校对：请确认上传的是公文的 .docx 文件"
_UNREADABLE = (
    "不是有效的 Word（.docx）文件（可能已损坏，或是改了扩展名的其他文件），"
    "请在 Word 或 WPS 中另存为 .docx 后重新上传"
)


def _val(el: Any, tag: str, attr: str = "val") -> str | None:
    if el is None:
        return None
    child = el.find(_W + tag)
    return None if child is None else child.get(_W + attr)


def _number(value: str | None) -> float | None:
    """A finite number from an attribute; ``None`` for one missing or unreadable (NaN too)."""
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


class Styles:
    """Effective run and paragraph properties through the style chains and docDefaults."""

    def __init__(self, root: Any, theme: dict[str, str]) -> None:
        self.theme = theme
        self.styles: dict[str, Any] = {}
        self.default: dict[str, str] = {}
        for style in root.findall(_W + "style"):
            sid = style.get(_W + "styleId") or ""
            self.styles[sid] = style
            kind = style.get(_W + "type") or "paragraph"
            if style.get(_W + "default") in ("1", "true", "on") and kind not in self.default:
                self.default[kind] = sid
        defaults = root.find(_W + "docDefaults")
        self.doc_rpr = defaults.find(f"{_W}rPrDefault/{_W}rPr") if defaults is not None else None
        self.doc_ppr = defaults.find(f"{_W}pPrDefault/{_W}pPr") if defaults is not None else None
        self._rprs: dict[tuple[str | None, str | None], list[Any]] = {}

    def chain(self, sid: str | None) -> list[Any]:
        """The style and the styles it is based on (a loop is cut)."""
        out: list[Any] = []
        while sid and sid in self.styles and all(s is not self.styles[sid] for s in out):
            out.append(self.styles[sid])
            sid = _val(self.styles[sid], "basedOn")
        return out

    def name(self, sid: str | None) -> str:
        style = self.styles.get(sid or "")
        return (_val(style, "name") or "") if style is not None else ""

    def rprs(self, rstyle: str | None, pstyle: str | None) -> list[Any]:
        key = (rstyle, pstyle)
        if key not in self._rprs:
            chain = self.chain(rstyle or self.default.get("character")) + self.chain(pstyle)
            found = [s.find(_W + "rPr") for s in chain] + [self.doc_rpr]
            self._rprs[key] = [r for r in found if r is not None]
        return self._rprs[key]

    def pprs(self, ppr: Any, pstyle: str | None) -> list[Any]:
        found = [ppr] + [s.find(_W + "pPr") for s in self.chain(pstyle)] + [self.doc_ppr]
        return [p for p in found if p is not None]

    def font(self, rprs: Sequence[Any], slot: str) -> str | None:
        """The font of a ``w:rFonts`` slot (eastAsia, ascii); a theme font wins over a name
        at the same level, as in Word."""
        for rpr in rprs:
            fonts = rpr.find(_W + "rFonts")
            if fonts is None:
                continue
            themed = fonts.get(f"{_W}{slot}Theme")
            if themed:
                return self.theme.get(themed)
            if fonts.get(_W + slot):
                return str(fonts.get(_W + slot))
        return None

    @staticmethod
    def first(elements: Sequence[Any], tag: str, attr: str = "val") -> str | None:
        for el in elements:
            value = _val(el, tag, attr)
            if value is not None:
                return value
        return None


def _theme_fonts(document: Any) -> dict[str, str]:
    """minorEastAsia → 等线 and so on, from the theme's font scheme: the ``a:ea`` font, or the
    'Hans' script font when that is empty, as Word does for a Chinese document."""
    try:
        root = parse_xml(document.part.part_related_by(RT.THEME).blob)
    except (KeyError, ValueError, SyntaxError):
        return {}
    out: dict[str, str] = {}
    for kind in ("major", "minor"):
        scheme = root.find(f".//{_A}{kind}Font")
        if scheme is None:
            continue
        latin, ea = scheme.find(_A + "latin"), scheme.find(_A + "ea")
        hans = scheme.find(f"{_A}font[@script='Hans']")
        east = (ea.get("typeface") if ea is not None else "") or (
            hans.get("typeface") if hans is not None else ""
        )
        if east:
            out[f"{kind}EastAsia"] = east
        if latin is not None and latin.get("typeface"):
            out[f"{kind}HAnsi"] = out[f"{kind}Ascii"] = latin.get("typeface")
    return out


def _runs(parent: Any) -> Iterator[Any]:
    """The paragraph's runs, through hyperlinks, insertions and content controls; deleted
    text and text boxes are not the paragraph's text."""
    for child in parent:
        if child.tag == _W + "r":
            yield child
        elif child.tag in _RUN_CONTAINERS:
            yield from _runs(child)


def _run_text(run: Any) -> str:
    out = []
    for child in run:
        tag = child.tag
        if tag == _W + "t":
            out.append(child.text or "")
        elif tag in (_W + "tab", _W + "ptab"):
            out.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            out.append("\n")
        elif tag == _W + "noBreakHyphen":
            out.append("-")
    return "".join(out)


def _blocks(parent: Any, table: bool = False) -> Iterator[tuple[Any, bool]]:
    """Paragraphs in reading order, with whether they are in a table."""
    for child in parent:
        if child.tag == _W + "p":
            yield child, table
        elif child.tag in _TABLE_PARTS:
            yield from _blocks(child, True)
        elif child.tag in _BLOCK_CONTAINERS:
            yield from _blocks(child, table)


@dataclass
class Measured:
    """A paragraph's text and how many of its characters have each size and font."""

    text: str
    ppr: Any
    pstyle: str | None
    sizes: Counter[float] = field(default_factory=Counter)
    fonts: Counter[str] = field(default_factory=Counter)
    head_fonts: Counter[str] = field(default_factory=Counter)  # up to the first 。
    digit_fonts: Counter[str] = field(default_factory=Counter)
    red: int = 0
    page_field: bool = False


def _is_red(color: str | None) -> bool:
    if not color or len(color) != 6:
        return False
    try:
        r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return False
    return r >= 0xC0 and g <= 0x60 and b <= 0x60


def _measure(p: Any, styles: Styles) -> Measured:
    ppr = p.find(_W + "pPr")
    pstyle = _val(ppr, "pStyle") or styles.default.get("paragraph")
    instructions = [f.get(_W + "instr") or "" for f in p.iter(_W + "fldSimple")]
    instructions += [t.text or "" for t in p.iter(_W + "instrText")]
    pieces = [(text, run) for run in _runs(p) if (text := _run_text(run))]
    raw = "".join(text for text, _ in pieces)
    check_length(len(raw))  # before counting a huge paragraph character by character
    lead = len(raw) - len(raw.lstrip())
    stop = raw.find("。", lead)
    measured = Measured(raw.strip(), ppr, pstyle)
    measured.page_field = any(_PAGE_FIELD.search(i) for i in instructions)
    head_end = stop if stop >= 0 else len(raw)
    position = 0
    for text, run in pieces:
        rpr = run.find(_W + "rPr")
        rprs = ([rpr] if rpr is not None else []) + styles.rprs(_val(rpr, "rStyle"), pstyle)
        half_points = _number(styles.first(rprs, "sz"))
        size = half_points / 2 if half_points else 10.0
        east, latin = styles.font(rprs, "eastAsia"), styles.font(rprs, "ascii")
        red = _is_red(styles.first(rprs, "color"))
        for ch in text:
            if not ch.isspace():
                measured.sizes[size] += 1
                measured.red += red
                if is_han(ch) and east:
                    measured.fonts[east] += 1
                    if position <= head_end:
                        measured.head_fonts[east] += 1
                elif ch.isdigit() and latin:
                    measured.digit_fonts[latin] += 1
            position += 1
    return measured


def _majority(counter: Counter[Any]) -> Any:
    return counter.most_common(1)[0][0] if counter else None


@dataclass
class Docx:
    """A read .docx: its paragraphs with text, how they were measured, and the package."""

    paras: list[Para]
    measured: dict[int, Measured]  # by paragraph number
    styles: Styles
    sections: list[Any]
    document: Any


def open_docx(data: bytes) -> Any:
    """The python-docx document, after the checks that keep a hostile or wrong file from being
    unpacked: not a zip, a .doc or encrypted file, over :data:`MAX_UNCOMPRESSED` unpacked."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValidationError("校对需要 .docx 文件的内容")
    data = bytes(data)
    if not data:
        raise ValidationError("文件为空，请上传 Word（.docx）文件")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE: a .doc, or an encrypted .docx
        raise ValidationError(
            "这是旧版 Word（.doc）文件或设置了打开密码的文件，无法校对："
            "请在 Word 或 WPS 中取消密码并“另存为” .docx 后重新上传"
        )
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,  # a zip format version newer than zipfile reads
    ):
        raise ValidationError(_UNREADABLE) from None
    if len(members) > MAX_MEMBERS or sum(i.file_size for i in members) > MAX_UNCOMPRESSED:
        raise ValidationError(
            f"文件解压后超过 {MAX_UNCOMPRESSED // (1024 * 1024)} MB，不像是一份公文，已拒绝处理"
        )
    if any(i.flag_bits & 0x1 for i in members):
        raise ValidationError("文件已加密，无法校对：请取消密码后另存为 .docx 再上传")
    names = {i.filename for i in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        raise ValidationError("压缩包里不是 Word 文档：" + _UNREADABLE)
    try:
        return docx.Document(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        PackageNotFoundError,
        KeyError,
        ValueError,
        SyntaxError,  # lxml's XMLSyntaxError
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
        zlib.error,
    ) as exc:
        raise ValidationError(_UNREADABLE, reason=str(exc)[:200]) from None


def read_docx(data: bytes) -> Docx:
    document = open_docx(data)
    styles = Styles(document.styles.element, _theme_fonts(document))
    body = document.element.body
    if body is None:
        raise ValidationError(_NO_TEXT)
    paras: list[Para] = []
    measured: dict[int, Measured] = {}
    chars = 0
    for element, table in _blocks(body):
        info = _measure(element, styles)
        if not info.text:
            continue
        chars += len(info.text)
        check_length(chars)
        number = len(paras) + 1
        role = ROLE_OF_STYLE.get(info.pstyle or "") or ROLE_OF_STYLE.get(styles.name(info.pstyle))
        jc = styles.first(styles.pprs(info.ppr, info.pstyle), "jc")
        total = sum(info.sizes.values())
        paras.append(
            Para(
                number,
                info.text,
                role=role or "body",
                styled=role is not None,
                table=table,
                centered=jc == "center",
                red=total > 0 and info.red * 2 > total,
                size=_majority(info.sizes),
                font=_majority(info.fonts),
                head_font=_majority(info.head_fonts),
            )
        )
        measured[number] = info
    if not paras:
        raise ValidationError(_NO_TEXT)
    sections = [s for s in body.iter(_W + "sectPr") if s.getparent().tag != _W + "sectPrChange"]
    return Docx(paras, measured, styles, sections, document)


# -- type: sizes and fonts -------------------------------------------------------------------

_SIZE_NAMES = {v: k for k, v in m.SIZES.items()}
_SIZE3_ROLES = (
    *TEXT_ROLES,
    *("recipients", "signature", "date", "note", "doc_number", "attachment_note"),
)
_FANGSONG_ROLES = ("body", "heading3", "heading4", "recipients", "signature", "date", "note")
_WHY_3 = "GB/T 9704-2012 5.2.2：如无特殊说明，公文格式各要素一般用3号仿宋体字"
_WHY_TITLE = "GB/T 9704-2012 7.3.1：标题一般用2号小标宋体字"


def _size_text(size: float) -> str:
    name = _SIZE_NAMES.get(size)
    return f"{size:g} 磅" + (f"（{name}）" if name else "")


def font_kind(name: str) -> str:
    """仿宋, 楷体, 黑体, 小标宋 or 宋体 for the many names of each (仿宋_GB2312, FangSong,
    方正仿宋_GBK, SimHei, STKaiti …); any other font is its own name."""
    low = name.lower().replace(" ", "")
    if "仿宋" in name or "fangsong" in low:
        return "仿宋"
    if "楷" in name or "kaiti" in low:
        return "楷体"
    if "黑体" in name or "simhei" in low or "heiti" in low:
        return "黑体"
    if "小标宋" in name or "xiaobiaosong" in low:
        return "小标宋"
    if "宋" in name or "simsun" in low or "song" in low:
        return "宋体"
    return name


def _roles_text(paras: Sequence[Para]) -> str:
    names = list(dict.fromkeys(ROLE_NAMES.get(p.role, "正文") for p in paras))
    return "、".join(names[:3]) + ("等" if len(names) > 3 else "")


def _by_value(pairs: Iterable[tuple[Any, Para]]) -> dict[Any, list[Para]]:
    groups: dict[Any, list[Para]] = {}
    for value, p in pairs:
        groups.setdefault(value, []).append(p)
    return groups


def _group_finding(group: list[Para], what: str, why: str, fix: str, severity: str) -> Finding:
    kinds = _roles_text(group)
    where = f"{paragraph_numbers(group)}（{kinds}）"
    count = f"{kinds} {len(group)} 段" if len(group) > 1 else kinds
    return Finding("layout", where, f"{count}{what}", why, fix, group[0].number, severity)


_SIZES: tuple[tuple[tuple[str, ...], float, str, str, str], ...] = (
    (_SIZE3_ROLES, m.SIZE_3, _WHY_3, "改为 3号（16 磅）", "error"),
    (("title",), m.SIZE_2, _WHY_TITLE, "改为 2号（22 磅）", "error"),
    (
        ("copy_to", "print_line"),
        m.SIZE_4,
        "GB/T 9704-2012 7.4.2、7.4.3：抄送机关、印发机关和印发日期一般用4号仿宋体字",
        "改为 4号（14 磅）",
        "warning",
    ),
)
# roles, measured over the first sentence (a heading's) or the whole paragraph, font, rule, fix
_FONTS: tuple[tuple[tuple[str, ...], bool, str, str, str], ...] = (
    (_FANGSONG_ROLES, False, "仿宋", _WHY_3 + "（正文见 7.3.3）", "改为仿宋（仿宋_GB2312）"),
    (("heading1",), True, "黑体", "GB/T 9704-2012 7.3.3：第一层标题一般用黑体字", "改为黑体"),
    (("heading2",), True, "楷体", "GB/T 9704-2012 7.3.3：第二层标题一般用楷体字", "改为楷体"),
    (("title",), True, "小标宋", _WHY_TITLE, "改为方正小标宋简体"),
)


def check_type(paras: Sequence[Para]) -> list[Finding]:
    """Sizes and fonts of the elements outside tables: one finding per kind and value. A title
    in 宋体 is a warning (it is what shows where 方正小标宋 is not installed)."""
    flow = [p for p in paras if not p.table]
    out: list[Finding] = []
    for roles, size, why, fix, severity in _SIZES:
        sized = ((p.size, p) for p in flow if p.role in roles and p.size not in (None, size))
        for value, group in _by_value(sized).items():
            out.append(_group_finding(group, f"字号为 {_size_text(value)}", why, fix, severity))
    for roles, head, kind, why, fix in _FONTS:
        measured = ((p.head_font if head else p.font, p) for p in flow if p.role in roles)
        misfit = ((f, p) for f, p in measured if f is not None and font_kind(f) != kind)
        for font, group in _by_value(misfit).items():
            song = kind == "小标宋" and font_kind(font) == "宋体"
            reason = why + ("；宋体只宜作为未安装小标宋时的替代" if song else "")
            severity = "warning" if song else "error"
            out.append(_group_finding(group, f"字体为“{font}”", reason, fix, severity))
    return out


# -- the page --------------------------------------------------------------------------------


def _twips(el: Any, attr: str) -> float | None:
    value = _number(el.get(_W + attr)) if el is not None else None
    return abs(value) if value is not None else None


def _mm(twips: float) -> float:
    return round(twips / m.TWIPS_PER_MM, 1)


def check_page(doc: Docx) -> list[Finding]:
    """Page size, margins and 版心 (§5.1, §5.2.1) once per distinct page set-up, and the lines
    per page (§5.2.3) of the first."""
    out: list[Finding] = []
    seen: set[tuple[float, ...]] = set()
    for number, sect in enumerate(doc.sections, start=1):
        size, margins = sect.find(_W + "pgSz"), sect.find(_W + "pgMar")
        width, height = _twips(size, "w"), _twips(size, "h")
        if width is None or height is None or margins is None or width > height:
            continue  # a landscape section (a wide table) is not laid out as the text is
        top, bottom = _twips(margins, "top") or 0, _twips(margins, "bottom") or 0
        left = (_twips(margins, "left") or 0) + (_twips(margins, "gutter") or 0)
        right = _twips(margins, "right") or 0
        key = (width, height, top, bottom, left, right)
        if key in seen:
            continue
        where = "页面设置" if not seen else f"第 {number} 节页面设置"
        if abs(_mm(width) - 210) > 1 or abs(_mm(height) - 297) > 1:
            why = "GB/T 9704-2012 5.1：公文用纸采用 A4 型纸（210 mm×297 mm）"
            what = f"纸张 {_mm(width):g}×{_mm(height):g} mm"
            out.append(Finding("layout", where, what, why, "纸张大小改为 A4"))
        body_w, body_h = width - left - right, height - top - bottom
        if (
            abs(_mm(top) - 37) > 1
            or abs(_mm(left) - 28) > 1
            or abs(_mm(body_w) - 156) > 1
            or abs(_mm(body_h) - 225) > 1
        ):
            what = (
                f"页边距 上 {_mm(top):g}、下 {_mm(bottom):g}、左 {_mm(left):g}、"
                f"右 {_mm(right):g} mm，版心 {_mm(body_w):g}×{_mm(body_h):g} mm"
            )
            why = (
                "GB/T 9704-2012 5.2.1：天头（上白边）37 mm±1 mm，订口（左白边）28 mm±1 mm，"
                "版心尺寸 156 mm×225 mm"
            )
            fix = "页边距改为 上 37 mm、下 35 mm、左 28 mm、右 26 mm"
            out.append(Finding("layout", where, what, why, fix))
        if not seen:
            out += _check_lines(doc, sect, body_h)
        seen.add(key)
    return out


def _line_height(doc: Docx, p: Para, pitch: float | None) -> tuple[float, bool]:
    """Twips one line of ``p`` takes, and whether that is exact rather than estimated."""
    info = doc.measured[p.number]
    pprs = doc.styles.pprs(info.ppr, info.pstyle)
    line = _number(doc.styles.first(pprs, "spacing", "line"))
    rule = doc.styles.first(pprs, "spacing", "lineRule") or "auto"
    if line and rule == "exact":
        return line, True
    multiple = (line or 240) / 240 if rule == "auto" else 1.0
    least = line if rule == "atLeast" and line else 0.0
    natural = (p.size or 10.0) * 20 * 1.3
    if pitch and doc.styles.first(pprs, "snapToGrid") not in ("0", "false", "off"):
        return max(-(-natural // pitch) * pitch * multiple, least), True
    return max(natural * multiple, least), False


def _check_lines(doc: Docx, sect: Any, body_height: float) -> list[Finding]:
    """§5.2.3: 22 lines a page, reported once for the document."""
    grid = sect.find(_W + "docGrid")
    snapped = grid is not None and grid.get(_W + "type") in ("lines", "linesAndChars")
    pitch = _twips(grid, "linePitch") if snapped else None
    heights = Counter(
        _line_height(doc, p, pitch)
        for p in doc.paras
        if not p.table and p.role in ("body", "heading3", "heading4")
    )
    if not heights:
        return []
    (height, exact), _ = heights.most_common(1)[0]
    lines = int(body_height // height) if height else 0
    if lines == m.LINES_PER_PAGE or (not exact and abs(lines - m.LINES_PER_PAGE) <= 1):
        return []
    what = f"正文行距 {height / 20:.2f} 磅，每面{'' if exact else '约'} {lines} 行"
    why = "GB/T 9704-2012 5.2.3：一般每面排 22 行，每行排 28 个字，并撑满版心"
    fix = "正文行距设为固定值 28.95 磅，或在文档网格中设每页 22 行"
    return [Finding("layout", "页面设置", what, why, fix)]


def check_page_numbers(doc: Docx) -> list[Finding]:
    """§7.5 for each footer paragraph holding a PAGE field."""
    odd_even = doc.document.settings.element.find(_W + "evenAndOddHeaders") is not None
    names = {"default": "奇数页页脚" if odd_even else "页脚", "even": "偶数页页脚"}
    names["first"] = "首页页脚"
    out: list[Finding] = []
    seen: set[str] = set()
    for sect in doc.sections:
        for ref in sect.findall(_W + "footerReference"):
            rid, kind = ref.get(_R_ID), ref.get(_W + "type") or "default"
            if not rid or rid in seen or (kind == "even" and not odd_even):
                continue
            seen.add(rid)
            try:
                part = doc.document.part.related_parts[rid]
                root = getattr(part, "element", None)
                root = root if root is not None else parse_xml(part.blob)
            except (KeyError, ValueError, SyntaxError):
                continue
            for element, _ in _blocks(root):
                info = _measure(element, doc.styles)
                if info.page_field:
                    out += _page_number(info, doc.styles, names.get(kind, "页脚"), kind, odd_even)
    return out


def _page_number(
    info: Measured, styles: Styles, where: str, kind: str, odd_even: bool
) -> list[Finding]:
    out = []
    why = "GB/T 9704-2012 7.5：页码一般用4号半角宋体阿拉伯数字，数字左右各放一条一字线"
    if not re.fullmatch(r"—\s*\d+\s*—", info.text):
        fix = "改为“— 1 —”的形式（数字左右各一条一字线“—”）"
        out.append(Finding("layout", where, f"页码为“{info.text}”", why, fix))
    size = _majority(info.sizes)
    if size is not None and size != m.SIZE_4:
        what = f"页码字号为 {_size_text(size)}"
        out.append(Finding("layout", where, what, why, "改为 4号（14 磅）"))
    font = _majority(info.digit_fonts)
    if font is not None and font_kind(font) != "宋体":
        what = f"页码数字字体为“{font}”"
        out.append(Finding("layout", where, what, why, "改为宋体", severity="warning"))
    jc = styles.first(styles.pprs(info.ppr, info.pstyle), "jc") or "left"
    side = {"start": "left", "end": "right"}.get(jc, jc)
    expected = "left" if kind == "even" else "right"
    if kind != "first" and (not odd_even or side != expected):
        shown = {"center": "居中", "left": "居左", "right": "居右"}.get(side, f"对齐方式为 {side}")
        if not odd_even:
            fix = "在页面设置中选“奇偶页不同”，奇数页页码居右、偶数页页码居左，各空一字"
        else:
            fix = "改为居左空一字" if expected == "left" else "改为居右空一字"
        why7 = "GB/T 9704-2012 7.5：单页码居右空一字，双页码居左空一字"
        out.append(Finding("layout", where, f"页码{shown}", why7, fix, severity="warning"))
    return out


def check_layout(doc: Docx) -> list[Finding]:
    return check_page(doc) + check_type(doc.paras) + check_page_numbers(doc)

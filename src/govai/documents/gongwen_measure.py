"""The numbers of GB/T 9704-2012 in Word units, and a line-and-page counter for the layout.

Units: a *twip* is 1/20 pt (1/1440 inch), the unit of page size, margins, indents and line
spacing in WordprocessingML; font sizes are half-points; border widths eighths of a point.

Every dimension below is derived from the standard's millimetres, not copied from a template:

- §5.1/§5.2.1: A4 210 × 297 mm; 天头 (top) 37 mm, 订口 (left) 28 mm, 版心 156 × 225 mm. The
  right and bottom margins are what is left (26 mm, 35 mm) and are computed from the rounded
  twips so that the 版心 is exactly 8844 × 12756 twips.
- §5.2.3: 22 lines × 28 characters "并撑满版心". The line pitch is the largest whole number of
  twips that fits 22 lines into the 版心 height: floor(12756 / 22) = 579 twips (28.95 pt); 580
  would need 12760 twips and Word would then put only 21 lines on a page. 28 characters of
  16 pt (448 pt) are wider than the 版心 (442.2 pt), so each character of the text is set
  0.3 pt tighter (:data:`GRID_TIGHTEN`, run letter spacing): 28 × 15.7 = 439.6 pt fit and 29
  do not. The document grid is a line grid (``w:docGrid/@w:type="lines"``): a character grid
  (``linesAndChars`` with ``charSpace``) gives 28 a line in Word, but LibreOffice puts a
  character wider than the grid pitch into two cells and sets 17 a line.
- §3.1: a 字 (character) is the width of one Chinese character; indents "左空二字" are counted
  in grid characters.

The counter (:func:`paginate`) follows the page as Word lays it out for this document: every
paragraph has exact line spacing, widow control is off, CJK characters advance by the grid
pitch, half-width characters by half the font size plus the grid adjustment, closing
punctuation hangs past the right edge (``w:overflowPunct``) and does not start a line. It is
used to put the 版记 on an even page and to check that the first page shows the 正文; it is an
estimate of a renderer's layout, and says so where it is used.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

TWIPS_PER_MM = 1440 / 25.4


def mm(value: float) -> int:
    """Millimetres to whole twips."""
    return round(value * TWIPS_PER_MM)


def twips_to_mm(value: float) -> float:
    return value / TWIPS_PER_MM


# Chinese type sizes (字号) in points, as Word and WPS define them.
SIZES = {
    "初号": 42.0,
    "小初": 36.0,
    "一号": 26.0,
    "小一": 24.0,
    "二号": 22.0,
    "小二": 18.0,
    "三号": 16.0,
    "小三": 15.0,
    "四号": 14.0,
    "小四": 12.0,
    "五号": 10.5,
}
SIZE_2 = SIZES["二号"]  # 标题 (§7.3.1)
SIZE_3 = SIZES["三号"]  # 正文 and most elements (§5.2.2)
SIZE_4 = SIZES["四号"]  # 版记 (§7.4.2, §7.4.3) and 页码 (§7.5)
MARK_SIZE = SIZES["初号"]  # 发文机关标志: size left to the issuer (§7.2.4); 初号 ≈ 14.8 mm

PAGE_WIDTH = mm(210)  # 11906
PAGE_HEIGHT = mm(297)  # 16838
MARGIN_TOP = mm(37)  # 2098
MARGIN_LEFT = mm(28)  # 1587
BODY_WIDTH = mm(156)  # 8844
BODY_HEIGHT = mm(225)  # 12756
MARGIN_RIGHT = PAGE_WIDTH - MARGIN_LEFT - BODY_WIDTH  # 1475 (26.0 mm)
MARGIN_BOTTOM = PAGE_HEIGHT - MARGIN_TOP - BODY_HEIGHT  # 1984 (35.0 mm)

LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
LINE = BODY_HEIGHT // LINES_PER_PAGE  # 579 twips: one 行 of the page grid
CHAR = BODY_WIDTH / CHARS_PER_LINE  # 315.857… twips: one 字 of the page grid
GRID_TIGHTEN = -6  # twips of letter spacing on every character of the text (−0.3 pt)
GRID_DELTA_PT = GRID_TIGHTEN / 20  # points added to every character of a grid paragraph

# Distances the standard gives in millimetres.
MARK_TOP = mm(35)  # §7.2.4 and §10.3: 标志 upper edge to 版心 upper edge
ORDER_MARK_TOP = mm(20)  # §10.2
LETTER_MARK_TOP = mm(30)  # §10.1: upper edge to the page's upper edge
LETTER_RULE_LENGTH = mm(170)  # §10.1: both double lines
LETTER_BOTTOM_RULE = mm(20)  # §10.1: lower double line above the page's lower edge
RULE_GAP_PT = 11  # §7.2.7: red rule 4 mm (11.3 pt) below the 发文字号; border space is whole points
PAGE_NUMBER_GAP = mm(7)  # §7.5: the 一字线 7 mm below the 版心
# Border widths in eighths of a point (§7.4.1: 0.35 mm and 0.25 mm recommended).
RULE_THICK = 8  # 1 pt = 0.353 mm
RULE_THIN = 6  # 0.75 pt = 0.265 mm (nearest eighth-point to 0.25 mm)
RED_RULE = 8  # §7.2.7 gives no width; the thick 版记 width is used
LETTER_RULE = 12  # §10.1 gives no width; 1.5 pt for the thick line of the double rule

# Word header/footer distances. The page number line is one 4号 line whose middle (where the
# 一字线 sits) is 7 mm below the 版心: 35 − 7 mm from the page's lower edge, minus half a line.
FOOTER_DISTANCE = MARGIN_BOTTOM - PAGE_NUMBER_GAP - round(SIZE_4 * 20 / 2)  # 1447 (25.5 mm)
HEADER_DISTANCE = mm(15)

# Punctuation that Word lets hang past the right edge, and characters that may not start or
# end a line (the kinsoku rules of a Chinese document).
HANGING = frozenset("，。、．,.")
NO_LINE_START = frozenset("，。、．,.；;：:？?！!）)】」』》〉〕”’…%·")
NO_LINE_END = frozenset("（(【「『《〈〔“‘")


def is_wide(ch: str) -> bool:
    """A character set in a full-width cell: CJK, full-width forms and the punctuation whose
    width is ambiguous (“”—…·), which a Chinese document sets full width."""
    return unicodedata.east_asian_width(ch) in ("W", "F", "A")


def advance(ch: str, size: float, grid: bool) -> float:
    """Points a character advances the line."""
    natural = size if is_wide(ch) else size / 2
    return natural + (GRID_DELTA_PT if grid else 0.0)


def text_width(text: str, size: float = SIZE_3, grid: bool = True) -> float:
    """Width of ``text`` in points."""
    return sum(advance(ch, size, grid) for ch in text)


def chars(text: str) -> float:
    """Width of ``text`` in 字 (a half-width character counts ½)."""
    return sum(1.0 if is_wide(ch) else 0.5 for ch in text)


@dataclass(frozen=True)
class Span:
    """A piece of a paragraph's text in one size (a run)."""

    text: str
    size: float


def _tokens(spans: Sequence[Span]) -> Iterable[tuple[str, int]]:
    """Break opportunities and the span each comes from: each wide character alone, spaces,
    tabs and manual line breaks alone, half-width words (2026, GB/T) whole."""
    for index, span in enumerate(spans):
        word = ""
        for ch in span.text:
            if is_wide(ch) or ch in " \t\n":
                if word:
                    yield word, index
                    word = ""
                yield ch, index
            else:
                word += ch
        if word:
            yield word, index


@dataclass(frozen=True)
class Piece:
    """Part of one line: ``text`` taken from ``spans[span]`` of the paragraph."""

    span: int
    text: str


def break_lines(
    spans: Sequence[Span],
    width: float,
    *,
    first: float = 0.0,
    grid: bool = True,
) -> list[list[Piece]]:
    """The lines of a paragraph of ``spans`` in ``width`` twips with first-line indent ``first``
    twips (negative: hanging), as the counter breaks them: a token that does not fit starts a
    new line, except closing punctuation (:data:`HANGING`), which hangs past the edge; a token
    that may not start a line takes the one before it along, as does one after a character that
    may not end a line. Manual line breaks are ``\\n`` in a span; a tab advances like a space.
    Each line lists its text by span, the line break characters left out."""
    lines: list[list[tuple[str, int]]] = [[]]
    x = first / 20
    limit = width / 20 + 1e-6
    prev: tuple[str, int] | None = None

    def points(token: tuple[str, int]) -> float:
        size = spans[token[1]].size
        return sum(advance(ch, size, grid) for ch in token[0])

    for token in _tokens(spans):
        if token[0] == "\n":
            lines.append([])
            x, prev = 0.0, None
            continue
        w = points(token)
        if x + w <= limit or token[0] in HANGING:
            x += w  # fits, or hangs in the margin
            lines[-1].append(token)
        else:
            line = [token]
            x = w
            if prev is not None and (token[0] in NO_LINE_START or prev[0] in NO_LINE_END):
                lines[-1].pop()  # ``prev`` is the last token of the current line
                line.insert(0, prev)
                x += points(prev)
            lines.append(line)
        prev = token
    out: list[list[Piece]] = []
    for line in lines:
        pieces: list[Piece] = []
        for text, index in line:
            if pieces and pieces[-1].span == index:
                pieces[-1] = Piece(index, pieces[-1].text + text)
            else:
                pieces.append(Piece(index, text))
        out.append(pieces)
    return out


def count_lines(
    spans: Sequence[Span],
    width: float,
    *,
    first: float = 0.0,
    grid: bool = True,
) -> int:
    """Lines a paragraph of ``spans`` takes in ``width`` twips with first-line indent ``first``
    twips (negative: hanging): the number of :func:`break_lines`. Manual line breaks are ``\\n``
    in a span."""
    return len(break_lines(spans, width, first=first, grid=grid))


@dataclass(frozen=True)
class Flow:
    """One paragraph as the page counter sees it (twips)."""

    lines: int
    line: int = LINE
    before: int = 0
    after: int = 0
    page_break_before: bool = False


@dataclass(frozen=True)
class Position:
    page: int  # 1-based
    top: int  # twips from the 版心 top where the paragraph's first line starts
    bottom: int  # twips from the 版心 top where the paragraph ends on page ``end_page``
    end_page: int


def paginate(flows: Sequence[Flow], height: int = BODY_HEIGHT) -> list[Position]:
    """Where each paragraph starts and ends, filling pages of ``height`` twips line by line."""
    page, y = 1, 0
    out: list[Position] = []
    for f in flows:
        if f.page_break_before and out:
            page, y = page + 1, 0
        if y + f.before + f.line > height:
            page, y = page + 1, 0
        else:
            y += f.before
        start_page, start_y = page, y
        for i in range(f.lines):
            if y + f.line > height:
                page, y = page + 1, 0
                if i == 0:
                    start_page, start_y = page, 0
            y += f.line
        y = min(y + f.after, height)
        out.append(Position(start_page, start_y, y, page))
    return out

"""The elements of a 公文 as :class:`~govai.documents.gongwen_ooxml.Para` lists, in flow
order: 版头, 主体, attachments, the 版记 (framed at the foot of the 版心), and the header and
footer paragraphs (page numbers, the 信函 标志 and rules, the explicit AI label).

Each builder cites the clause of GB/T 9704-2012 it implements. Distances the standard gives in
lines are blank paragraphs of one grid line (579 twips); distances it gives in millimetres are
spacing or frame positions computed from the millimetres; "空N字" is N grid characters (3号) or,
in the 版记 and page numbers, N 4号 characters.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any

from govai.documents import gongwen_measure as m
from govai.documents.gongwen_measure import CHAR, LINE, SIZE_2, SIZE_3, SIZE_4
from govai.documents.gongwen_ooxml import (
    FANGSONG,
    HEITI,
    KAITI,
    RED,
    SONGTI,
    XIAOBIAOSONG,
    Border,
    Font,
    Frame,
    Para,
    Run,
)
from govai.documents.gongwen_spec import DocumentSpec, format_date
from govai.errors import ValidationError

# §7.3.3: 结构层次序数 一、（一）1.（1）.
_HEADINGS = (
    re.compile(r"^[一二三四五六七八九十百零〇]+、"),
    re.compile(r"^（[一二三四五六七八九十百零〇]+）"),
    re.compile(r"^\d+[.．](?!\d)"),
    re.compile(r"^（\d+）"),
)
# §7.3.3: 第一层黑体, 第二层楷体, 第三层和第四层仿宋 (no bold: the standard names none).
_HEADING_FONTS = (HEITI, KAITI, FANGSONG, FANGSONG)
CHAR4 = round(SIZE_4 * 20)  # one 4号 字 (280 twips): the unit of the 版记 and page number spaces
_DOUBLE_RULE = 2 * m.LETTER_RULE * 20 // 8  # twips: the 信函 double rule's two lines (§10.1)


def heading_level(text: str) -> int:
    """1–4 for a paragraph starting with 一、 （一） 1. （1）, else 0."""
    for level, pattern in enumerate(_HEADINGS, start=1):
        if pattern.match(text):
            return level
    return 0


def heading_prefix(text: str) -> str:
    """The structure number ``text`` starts with (一、 （一） 1. （1）), else ""."""
    for pattern in _HEADINGS:
        match = pattern.match(text)
        if match:
            return match.group()
    return ""


def _run(text: str, font: Font = FANGSONG, size: float = SIZE_3, **kw: Any) -> Run:
    return Run(text, font, size, **kw)


def _blank(n: int = 1) -> list[Para]:
    return [Para("blank") for _ in range(n)]


def _tight(role: str, runs: list[Run], **kw: Any) -> Para:
    """A one-line 3号 paragraph whose line box is exactly the characters' height, placed at the
    bottom of a grid line: distances measured from the characters (the 4 mm red rule, the 7/8
    of a 信函) are then distances from the paragraph's box."""
    before = kw.pop("before", 0) + LINE - round(SIZE_3 * 20)
    return Para(role, runs, line=round(SIZE_3 * 20), before=before, lines=1, **kw)


def body_paragraphs(text: str) -> list[Para]:
    """§7.3.3: each paragraph 左空二字, 回行顶格; headings in their level's font. A heading
    followed by sentences in the same paragraph keeps only the heading sentence (up to the first
    。) in the heading font."""
    out = []
    for raw in text.splitlines():
        line = raw.strip().strip("\u3000")
        if not line:
            continue
        level = heading_level(line)
        if level in (1, 2):
            head, dot, rest = line.partition("。")
            head, rest = (head + dot, rest) if dot and rest else (line, "")
            runs = [_run(head, _HEADING_FONTS[level - 1])]
            if rest:
                runs.append(_run(rest))
        else:
            runs = [_run(line)]
        out.append(
            Para(
                f"heading{level}" if level else "body",
                runs,
                first=2 * CHAR,
                outline=level - 1 if level else None,
            )
        )
    return out


def _mark(spec: DocumentSpec, above: int) -> Para:
    """发文机关标志: red 小标宋, centred, its upper edge at the format's distance (§7.2.4 35 mm,
    §10.2 20 mm, §10.3 35 mm) below the 版心's upper edge. Its size is the issuer's choice
    ("醒目、美观、庄重", §7.2.4); the default 初号 is ≈ 14.8 mm high, within the 15 mm the 1999
    edition allowed. A name too long for the 版心 is condensed (w:w) rather than wrapped."""
    size = spec.mark_size or m.MARK_SIZE
    natural = m.text_width(spec.issuer.mark, size, grid=False)
    avail = m.BODY_WIDTH / 20
    scale = 100
    if natural > avail:
        scale = max(50, math.floor(100 * avail / natural))
        if natural * scale / 100 > avail:
            size = math.floor(2 * size * avail / (natural * 0.5)) / 2
    top = m.ORDER_MARK_TOP if spec.format == "order" else m.MARK_TOP
    return Para(
        "mark",
        [_run(spec.issuer.mark, XIAOBIAOSONG, size, color=RED, scale=scale)],
        align="center",
        line=round(size * 20),
        before=max(0, top - above),
        grid=False,
        lines=1,
    )


def _corner_lines(spec: DocumentSpec) -> list[Para]:
    """份号 (6 digits), 密级和保密期限 and 紧急程度, top left, one per line (§7.2.1–§7.2.3)."""
    out = []
    if spec.copy_number:
        out.append(Para("copy_number", [_run(spec.copy_number)], align="left", lines=1))
    if spec.secrecy:
        out.append(Para("secrecy", [_run(spec.secrecy, HEITI)], align="left", lines=1))
    if spec.urgency:
        out.append(Para("urgency", [_run(spec.urgency, HEITI)], align="left", lines=1))
    return out


def _doc_number_lines(spec: DocumentSpec) -> list[Para]:
    """发文字号 two lines below the 标志, centred (§7.2.5); for an upward document 居左空一字 on
    the line of the last 签发人, whose names stand 居右空一字, two per line (§7.2.6). The red
    rule is this paragraph's lower border, 4 mm below (§7.2.7)."""
    rule = Border(m.RED_RULE, m.RULE_GAP_PT, RED)
    number = [_run(spec.doc_number)] if spec.doc_number else []
    if not spec.upward:
        return [_tight("doc_number", number, align="center", bottom=rule)]
    names = list(spec.signatory)
    width = max(m.chars(n) for n in names)
    label = "签发人："
    per_line = 2 if len(names) > 1 else 1
    block = m.chars(label) + width + (1 + width if per_line == 2 else 0)
    x_label = round(m.BODY_WIDTH - CHAR * (1 + block))
    x_first = round(x_label + CHAR * m.chars(label))
    x_second = round(x_first + CHAR * (width + 1))
    tabs = (("left", x_label), ("left", x_first), ("left", x_second))
    rows = [names[i : i + per_line] for i in range(0, len(names), per_line)]
    number_end = CHAR + CHAR * m.chars(spec.doc_number)
    if number_end >= (x_label if len(rows) == 1 else x_first):
        raise ValidationError(
            "发文字号与签发人排不进同一行，请缩短发文字号或减少签发人", field="签发人"
        )
    out = []
    for i, row in enumerate(rows):
        runs: list[Run] = []
        last = i == len(rows) - 1
        if last:
            runs += number
        if i == 0:
            runs.append(_run("\t" + label))
        else:
            runs.append(_run("\t" if last and number_end >= x_label else "\t\t"))
        runs.append(_run(row[0], KAITI))
        if len(row) > 1:
            runs += [_run("\t"), _run(row[1], KAITI)]
        if last:
            out.append(_tight("doc_number", runs, align="left", left=CHAR, tabs=tabs, bottom=rule))
        else:
            out.append(Para("signatory", runs, align="left", left=CHAR, tabs=tabs, lines=1))
    return out


def _letter_first_lines(spec: DocumentSpec, mark: Para) -> list[Para]:
    """信函格式 (§10.1): 份号/密级/紧急程度 顶格 left and 发文字号 顶格 right on the lines under
    the first double rule, the first 3号汉字高度的 7/8 (14 pt) below it."""
    corner = _corner_lines(spec)
    rule_bottom = m.LETTER_MARK_TOP + mark.line + m.RULE_GAP_PT * 20 + _DOUBLE_RULE
    first_top = rule_bottom + round(SIZE_3 * 20 * 7 / 8) - m.MARGIN_TOP
    first: list[Run] = list(corner[0].runs) if corner else []
    if spec.doc_number:
        first += [_run("\t"), _run(spec.doc_number)]
    out = [
        Para(
            "doc_number",
            first,
            align="left",
            line=round(SIZE_3 * 20),
            before=max(0, first_top),
            tabs=(("right", m.BODY_WIDTH),),
            lines=1,
        )
    ]
    out += corner[1:]
    return out


def _title(text: str, role: str = "title") -> Para:
    """2号小标宋, centred, one or more lines (``\\n`` breaks where the author arranges it in a
    梯形 or 菱形, §7.3.1)."""
    return Para(role, [_run(text, XIAOBIAOSONG, SIZE_2)], align="center", grid=False)


def _attachment_note(spec: DocumentSpec) -> list[Para]:
    """附件说明 (§7.3.4): 正文下空一行左空二字 "附件：", numbered "1." when there are several,
    a long name wrapping under its own first character."""
    items = spec.attachments
    if not items:
        return []
    label = "附件："
    head = 2 + m.chars(label)
    if len(items) == 1:
        runs = [_run(label + items[0].name)]
        return [*_blank(), Para("attachment_note", runs, left=head * CHAR, first=-3 * CHAR)]
    gap = m.chars(f"{len(items)}.") + 0.5  # the number and half a space before the name
    left = (head + gap) * CHAR
    out = _blank()
    for i, item in enumerate(items, start=1):
        runs = [_run(f"{i}.\t{item.name}")]
        hanging = gap * CHAR
        if i == 1:
            runs.insert(0, _run(label))
            hanging += m.chars(label) * CHAR
        out.append(
            Para("attachment_note", runs, left=left, first=-hanging, tabs=(("left", round(left)),))
        )
    return out


def _attendance(spec: DocumentSpec) -> list[Para]:
    """纪要 (§10.3): 出席, 请假, 列席 — label 3号黑体 左空二字 with a full-width colon, names
    3号仿宋 wrapping under the first name."""
    rows = [
        (k, v)
        for k, v in (("出席", spec.attendees), ("请假", spec.absentees), ("列席", spec.observers))
        if v
    ]
    if not rows:
        return []
    out = _blank()
    for label, names in rows:
        runs = [_run(label + "：", HEITI), _run(names)]
        out.append(Para("attendance", runs, left=5 * CHAR, first=-3 * CHAR))
    return out


def _closing(spec: DocumentSpec) -> list[Para]:
    """发文机关署名, 成文日期 (§7.3.5) and 附注 (§7.3.6)."""
    date = format_date(spec.date) if spec.date else ""
    date_w = m.chars(date)
    out: list[Para] = []
    if spec.format == "order":
        # §7.3.5.3: 下空二行右空四字 签名章, 职务 左空二字 of it; date 下空一行右空四字. The name
        # in 楷体 holds the stamp's place until the 签名章 is applied.
        runs = [_run(spec.signatory_title + "\u3000\u3000"), _run(spec.signatory[0], KAITI)]
        out += [*_blank(2), Para("signer", runs, align="right", right=4 * CHAR, lines=1)]
        if date:
            out += [*_blank(), _date_para(date, 4)]
    else:
        name = spec.signed_by
        name_w = m.chars(name)
        if spec.seal:
            # §7.3.5.1: date 右空四字, 署名 centred over it; the 印章 presses both "居印章中心
            # 偏下" with its top within one line of the text above. With a 42 mm seal (≈ 4.1
            # lines) that holds with two blank lines: 署名 and date centre 3.5 lines below the
            # text's last line, the seal's centre a little above, its top ≈ 0.75 line below the
            # text. One blank line would put the seal on the text, three a line and a half away.
            date_right = 4.0
            name_right = max(0.0, date_right + (date_w - name_w) / 2) if date else date_right
            gap = 2
        else:
            # §7.3.5.2: 署名 下空一行右空二字; date's first character two to the right of the
            # 署名's; a date longer than that stands 右空二字 and the 署名 moves left.
            name_right = 2.0
            date_right = name_right + name_w - date_w - 2
            if date and date_right < 2:
                date_right = 2.0
                name_right = date_right + date_w + 2 - name_w
            gap = 1
        out += _blank(gap)
        out.append(Para("signature", [_run(name)], align="right", right=name_right * CHAR))
        if date:
            out.append(_date_para(date, date_right))
    if spec.note:
        out.append(Para("note", [_run(f"（{spec.note}）")], first=2 * CHAR))
    return out


def _date_para(date: str, right_chars: float) -> Para:
    return Para("date", [_run(date)], align="right", right=right_chars * CHAR, lines=1)


def _attachment_pages(spec: DocumentSpec) -> list[Para]:
    """§7.3.7: each attachment on a new page, "附件N" 3号黑体 顶格 on the first line, its title
    centred on the third; the text as the 正文."""
    out = []
    numbered = len(spec.attachments) > 1
    for i, item in enumerate(spec.attachments, start=1):
        if not item.body:
            continue
        label = f"附件{i}" if numbered else "附件"
        out.append(
            Para(
                "attachment_label",
                [_run(label, HEITI)],
                align="left",
                page_break_before=True,
                lines=1,
            )
        )
        out += [*_blank(), _title(item.name, "attachment_title"), *_blank()]
        out += body_paragraphs(item.body)
    return out


def record_paragraphs(spec: DocumentSpec) -> list[Para]:
    """版记 (§7.4), in a frame at the foot of the 版心: 抄送 4号仿宋 左右各空一字, wrapping under
    the first organ, ending in 。; 印发机关 左空一字 and 印发日期 右空一字 on one line; the first
    and last rules thick (0.35 mm), the one between thin (0.25 mm); the last rule on the
    版心's lower edge. The 信函格式 keeps only the 抄送, without rules (§10.1)."""
    letter = spec.format == "letter"
    frame = Frame(m.BODY_WIDTH, x_align="center", y_align="bottom")
    thick, thin = Border(m.RULE_THICK), Border(m.RULE_THIN)
    out = []
    if spec.copy_to:
        runs = [_run("抄送：", size=SIZE_4), _run(spec.copy_to + "。", size=SIZE_4)]
        out.append(
            Para(
                "copy_to",
                runs,
                left=4 * CHAR4,
                right=CHAR4,
                first=-3 * CHAR4,
                grid=False,
                frame=frame,
                top=None if letter else thick,
            )
        )
    if spec.printer and not letter:
        day = f"{format_date(spec.print_date)}印发" if spec.print_date else ""
        runs = [_run(spec.printer, size=SIZE_4), _run("\t" + day, size=SIZE_4)]
        out.append(
            Para(
                "print_line",
                runs,
                align="left",
                left=CHAR4,
                right=CHAR4,
                grid=False,
                frame=frame,
                top=thin if out else thick,
                bottom=thick,
                lines=1,
                tabs=(("right", m.BODY_WIDTH - CHAR4),),
            )
        )
    elif out and not letter:
        out[-1].bottom = thick
    return out


def main_paragraphs(spec: DocumentSpec) -> list[Para]:
    """The paragraphs of the document in flow order, without the 版记."""
    out: list[Para] = []
    corner = _corner_lines(spec)
    if spec.format == "letter":
        mark = letter_mark(spec)
        out += _letter_first_lines(spec, mark)
        if spec.title:
            out += [*_blank(2), _title(spec.title)]
    else:
        out += corner
        out.append(_mark(spec, above=len(corner) * LINE))
        if spec.format == "order":
            # §10.2: 令号 two lines under the 标志, the text two lines under the 令号.
            number = [_run(spec.doc_number)] if spec.doc_number else []
            out += [*_blank(2), Para("doc_number", number, align="center", lines=1)]
        else:
            out += [*_blank(2), *_doc_number_lines(spec)]
        if spec.title:
            out += [*_blank(2), _title(spec.title)]
    if spec.recipients:
        out += [*_blank(), Para("recipients", [_run(spec.recipients + "：")])]
    elif spec.title:
        out += _blank()
    else:  # 命令 or 纪要 without a title: the text two lines under the 令号/期号 (§10.2)
        out += _blank(2)
    out += body_paragraphs(spec.body)
    out += _attachment_note(spec)
    out += _attendance(spec)
    out += _closing(spec)
    out += _attachment_pages(spec)
    return out


def _letter_frame(y: int) -> Frame:
    """A frame as long as the 信函 double rules (170 mm), centred on the 版心, its upper edge
    ``y`` twips below the page's."""
    x = round(m.MARGIN_LEFT - (m.LETTER_RULE_LENGTH - m.BODY_WIDTH) / 2)
    return Frame(m.LETTER_RULE_LENGTH, h_anchor="page", v_anchor="page", x=x, y=y)


def letter_mark(spec: DocumentSpec) -> Para:
    """The 信函 标志 in the first-page header: a frame whose upper edge is 30 mm below the page's
    (§10.1), with the first red double rule (上粗下细) 4 mm under it, 170 mm long, centred on
    the 版心. ``thickThinSmallGap`` is a thick line inside (towards the text) a thin one."""
    return replace(
        _mark(spec, above=0),
        before=0,
        bottom=Border(m.LETTER_RULE, m.RULE_GAP_PT, RED, "thickThinSmallGap"),
        frame=_letter_frame(m.LETTER_MARK_TOP),
    )


def letter_bottom_rule() -> Para:
    """The second 信函 double rule (上细下粗), 20 mm above the page's lower edge (§10.1): the
    top border of an empty framed paragraph, the thick line inside (below)."""
    return Para(
        "letter_rule",
        [],
        line=20,
        grid=False,
        top=Border(m.LETTER_RULE, 0, RED, "thickThinSmallGap"),
        frame=_letter_frame(m.PAGE_HEIGHT - m.LETTER_BOTTOM_RULE - _DOUBLE_RULE),
        lines=1,
    )


def page_number(odd: bool) -> Para:
    """§7.5: 4号半角宋体 Arabic numerals with a 一字线 either side, 7 mm under the 版心 (the
    footer distance); odd pages 居右空一字, even pages 居左空一字."""
    runs = [
        _run("— ", SONGTI, SIZE_4),
        _run("1", SONGTI, SIZE_4, field="PAGE"),
        _run(" —", SONGTI, SIZE_4),
    ]
    return Para(
        "page_number",
        runs,
        align="right" if odd else "left",
        right=CHAR4 if odd else 0,
        left=0 if odd else CHAR4,
        line=CHAR4,
        grid=False,
    )


def label_paragraph(text: str) -> Para:
    return Para(
        "ai_label",
        [_run(text, FANGSONG, SIZE_4)],
        align="center",
        line=round(SIZE_4 * 24),
        grid=False,
    )

"""The text rules of 公文校对 (:mod:`govai.documents.proofread`): what a finding is, which
element each paragraph is, and the checks that read only the words.

- 层次序数 (GB/T 9704-2012 §7.3.3): 一、（一）1.（1） — the punctuation of each number, the order
  within a level, restarting under a new higher heading, a level skipped below its parent.
- 发文字号 (§7.2.5): year in full in 〔〕, no 第, no leading zeros.
- 日期 (§7.3.5.4, §7.4.3, GB/T 15835-2011): the 成文日期 and 印发日期 in Arabic numerals, year in
  full, no leading zeros; dates that do not exist; 2026-11-21 forms in the text.
- 标点 (GB/T 15834-2011): half-width marks and straight quotes in Chinese text, brackets opened
  in one width and closed in the other, doubled marks. Numbers (1.5, 10:30, 1,000), URLs, e-mail
  addresses and Latin text are left alone: a mark counts as Chinese text only next to a Chinese
  character or a full-width mark.
- 重复字词: accidental repeats (的的, 工作工作). A candidate is reported only where jieba's
  segmentation has word boundaries before, between and after the two copies, so 为了|了解,
  以营利为目的|的 and 现在|在 are not repeats; only function words (的 了 是 在 …) count as
  single-character slips, so reduplications such as 常常 人人 看看 never do; AABB/ABAB words
  (的的确确, 研究研究) are allowed by name. The segmentation is the knowledge base's shared
  tokenizer (:func:`govai.knowledge.text.get_tokenizer`: jieba without HMM, with the government
  user dictionary), so a process that also searches holds one dictionary, not two.
- 错别字: ``data/wrong_words.txt``, written for this project: pairs where the wrong form is never
  right, with the longer words in which a two-character wrong form arises across a word
  boundary (按装修, 发布署名) listed as exceptions. One regex alternation, compiled once.
- 敏感词 and 引用文件: through the callables the caller supplies.

Each check reads a paragraph's ``role`` (the GB/T 9704 element, named as in ``ROLE_STYLES``),
which :mod:`govai.documents.proofread` sets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from govai.documents.doctypes_templates import heading_label
from govai.documents.gongwen import ROLE_STYLES
from govai.documents.gongwen_spec import format_date
from govai.errors import ValidationError
from govai.knowledge.provenance import Status, chinese_number, parse_status

if TYPE_CHECKING:
    from govai.knowledge.text import Tokenizer

CATEGORIES: dict[str, str] = {
    "layout": "版式",
    "heading": "层次序数",
    "doc_number": "发文字号",
    "date": "日期",
    "punctuation": "标点",
    "repeat": "重复字词",
    "wrong_word": "错别字",
    "sensitive": "敏感词",
    "policy": "引用文件",
}
EXCERPT = 40  # longest ``what`` quoted from the text
# Text longer than this is refused: a 200-page 公文 has about 120,000 characters, and the
# checks take about 3.5 s a million characters (a 20 MB upload can unpack to 30 million).
MAX_CHARS = 500_000


def check_length(chars: int) -> None:
    """Refuse text of more than :data:`MAX_CHARS` characters, in Chinese."""
    if chars > MAX_CHARS:
        raise ValidationError(
            f"文字超过 {MAX_CHARS // 10_000} 万字，不像是一份公文，已拒绝校对：请分开校对"
        )


@dataclass(frozen=True)
class Finding:
    """One problem: ``where`` (Chinese location), ``what`` (the text, at most 40 characters, or
    the measured value), ``why`` (the rule and its source), ``fix`` (what to change).
    ``paragraph`` is the 1-based paragraph number, ``None`` for the page set-up and footers."""

    category: str
    where: str
    what: str
    why: str
    fix: str
    paragraph: int | None = None
    severity: str = "error"  # "error": breaks the rule; "warning": worth a look

    def as_dict(self) -> dict[str, object]:
        return {
            "category": self.category,
            "category_name": CATEGORIES[self.category],
            "severity": self.severity,
            "paragraph": self.paragraph,
            "where": self.where,
            "what": self.what,
            "why": self.why,
            "fix": self.fix,
        }


ROLE_NAMES = {role: name.removeprefix("公文-") for role, (name, _) in ROLE_STYLES.items()}
ROLE_NAMES |= {"head": "版头", "table": "表格"}
ROLE_OF_STYLE = {sid: role for role, (_, sid) in ROLE_STYLES.items()}
ROLE_OF_STYLE |= {name: role for role, (name, _) in ROLE_STYLES.items()}
TEXT_ROLES = ("body", "heading1", "heading2", "heading3", "heading4")


@dataclass
class Para:
    """A paragraph with text. The layout fields stay ``None`` for plain text."""

    number: int
    text: str
    role: str = "body"
    styled: bool = False  # the role comes from a govai paragraph style
    table: bool = False
    centered: bool | None = None
    red: bool = False
    size: float | None = None  # the size most of its characters have (pt)
    font: str | None = None  # the East Asian font most of its Chinese characters have
    head_font: str | None = None  # the same over the first sentence (a heading's)

    @property
    def where(self) -> str:
        return f"第 {self.number} 段（{ROLE_NAMES.get(self.role, '正文')}）"

    def finding(
        self,
        category: str,
        span: tuple[int, int] | str,
        why: str,
        fix: str,
        severity: str = "error",
        where: str | None = None,
    ) -> Finding:
        """A finding on this paragraph quoting ``text[span]`` (or the given text)."""
        what = span if isinstance(span, str) else excerpt(self.text, *span)
        return Finding(category, where or self.where, what, why, fix, self.number, severity)


def excerpt(text: str, start: int = 0, end: int | None = None) -> str:
    """At most :data:`EXCERPT` characters of ``text`` around ``text[start:end]``, tabs and line
    breaks as spaces (replaced in the piece only: a long paragraph has many findings)."""
    end = len(text) if end is None else end
    if len(text) <= EXCERPT:
        piece = text
    elif end - start >= EXCERPT:
        piece = text[start : start + EXCERPT - 1] + "…"
    else:
        left = max(0, start - (EXCERPT - (end - start)) // 2)
        right = min(len(text), left + EXCERPT)
        left = max(0, right - EXCERPT)
        piece = text[left:right]
        if left > 0:
            piece = "…" + piece[1:]
        if right < len(text):
            piece = piece[:-1] + "…"
    return piece.replace("\t", " ").replace("\n", " ")


def paragraph_numbers(paras: Sequence[Para]) -> str:
    """Name paragraphs for ``where``: 第 3、5、9 段, or 第 3、5、9、12、15 段等 20 段."""
    shown = "、".join(str(p.number) for p in paras[:5])
    return f"第 {shown} 段" + (f"等 {len(paras)} 段" if len(paras) > 5 else "")


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# -- headings (GB/T 9704-2012 7.3.3) ---------------------------------------------------------

_CN_NUM = "[一二三四五六七八九十]{1,3}"
# Not a heading: 三、四月份, 一、二级 (numbers listed), 1.5亿元, 3、4月份, 1,000.
_LISTED = r"(?![一二三四五六七八九十]+[、月级类等个季年批次号层档期])"
_HEADING_PATTERNS = (
    re.compile(rf"({_CN_NUM})\s*([、.．，,]){_LISTED}"),
    re.compile(rf"([（(])\s*({_CN_NUM})\s*([）)])\s*([、.．，,]?)"),
    re.compile(r"(\d{1,2})\s*([.．、，,])(?!\s*\d)"),
    re.compile(r"([（(])\s*(\d{1,2})\s*([）)])\s*([、.．，,]?)"),
)
_HEADING_WHY = (
    "GB/T 9704-2012 7.3.3：结构层次序数依次用“一、”“（一）”“1.”“（1）”标注"
    "（括号用全角，“（一）”“（1）”后不加顿号）"
)


@dataclass(frozen=True)
class Heading:
    level: int
    number: int
    typed: str  # the number as typed
    proper: str  # as the standard writes it

    @property
    def end(self) -> int:
        return len(self.typed)


def heading(text: str) -> Heading | None:
    """The structure number a paragraph starts with, correctly written or not."""
    shadow = text.translate(FULLWIDTH_DIGITS)
    for level, pattern in enumerate(_HEADING_PATTERNS, start=1):
        match = pattern.match(shadow)
        if not match:
            continue
        number = chinese_number(match[1 if level in (1, 3) else 2])
        if not number:
            continue
        typed = text[: match.end()]
        if level == 3 and match[2] in ".．":
            proper = typed.replace(" ", "")  # 1. and the full-width 1．are both accepted
        else:
            proper = heading_label(level, number)
        return Heading(level, number, typed, proper)
    return None


_ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇\d]+[条章节编]")


def check_headings(paras: Sequence[Para]) -> list[Finding]:
    """The punctuation of each number, the order within a level, restarting under a new higher
    heading, and a level skipped below its parent (a warning: short documents do it).

    Below the first level, items may also serve as a list: a list starting again at （一） or 1.
    after a paragraph of text ("有下列情形之一的：") is a new list, not a repeat."""
    out: list[Finding] = []
    last = [0] * 5  # the last number per level 1–4; 0 = none yet under the current parent
    after_text = False
    for p in paras:
        if p.role == "attachment_label" or _ARTICLE.match(p.text):
            last = [0] * 5  # an attachment, or an article of a regulation, numbers its own items
        if p.role not in TEXT_ROLES or p.table:
            continue
        h = heading(p.text)
        if h is None:
            after_text = True
            continue
        level, n, span = h.level, h.number, (0, h.end)
        if level > 1 and n == 1 and after_text:
            last[level:] = [0] * (5 - level)
        after_text = False
        if h.typed.replace(" ", "") != h.proper:
            fix = f"将“{h.typed.strip()}”改为“{h.proper}”"
            out.append(p.finding("heading", span, _HEADING_WHY, fix))
        parent = max((lv for lv in range(1, level) if last[lv]), default=0)
        if parent and level > parent + 1 and not last[level]:
            above, below = heading_label(parent, last[parent]), heading_label(level, n)
            why = (
                "GB/T 9704-2012 7.3.3：层次序数依次为“一、”“（一）”“1.”“（1）”，"
                f"“{above}”之下直接使用“{below}”，跳过了一层"
            )
            fix = f"改用“{heading_label(parent + 1, 1)}”这一层，或调整层次"
            out.append(p.finding("heading", span, why, fix, "warning"))
        expected = last[level] + 1
        problem = ""
        if n == last[level]:
            problem = f"序号“{heading_label(level, n)}”与上一个同级序号重复"
        elif n > expected and parent and not last[level]:
            above = heading_label(parent, last[parent])
            problem = f"“{above}”之下应从“{heading_label(level, 1)}”重新编号"
        elif n > expected:
            skipped = "、".join(f"“{heading_label(level, k)}”" for k in range(expected, n))
            problem = f"序号不连续，缺少{skipped}"
        elif n < expected:
            problem = f"序号倒退：上一个同级序号是“{heading_label(level, last[level])}”"
        if problem:
            why = f"GB/T 9704-2012 7.3.3：同一层次的序数应依次编排；{problem}"
            fix = f"改为“{heading_label(level, expected)}”（其后同级序号依次顺延）"
            out.append(p.finding("heading", span, why, fix))
        last[level] = n
        last[level + 1 :] = [0] * (4 - level)
    return out


# -- 发文字号 (7.2.5) ------------------------------------------------------------------------

DOC_NUMBER = re.compile(
    r"(?P<org>[\u4e00-\u9fff]{0,12})\s*(?P<open>[〔［\[【（(〖｛{﹝])\s*"
    r"(?P<year>\d{2,4}|[〇零○一二三四五六七八九]{2,4})\s*(?P<close>[〕］\]】）)〗｝}﹞])"
    r"\s*(?P<di>第?)\s*(?P<num>\d{1,6})\s*号"
)
ORDER_NUMBER = re.compile(r"第\s*\d+\s*[号期]")


def _doc_number_problems(match: re.Match[str]) -> tuple[list[str], str]:
    """What is wrong with one 发文字号, and its corrected form from the bracket on."""
    year_text = match["year"]
    year = chinese_number(year_text) or 0
    problems = []
    if match["open"] != "〔" or match["close"] != "〕":
        problems.append(f"年份应用六角括号“〔〕”括入（不用“{match['open']}{match['close']}”）")
    if not (year_text.isascii() and len(year_text) == 4):
        problems.append("年份应用阿拉伯数字标全称")
        year += 2000 if year < 100 else 0
    if match["di"]:
        problems.append("顺序号不加“第”字")
    if match["num"].startswith("0"):
        problems.append("顺序号不编虚位（1 不编为 01）")
    return problems, f"〔{year}〕{int(match['num'])}号"


def check_doc_number(p: Para) -> list[Finding]:
    """§7.2.5 for the document's own number (in the 版头: an error) and for numbers cited in the
    text (a warning: the cited document printed it right, the citation copied it wrong)."""
    own = p.role in ("doc_number", "head")
    if p.table or not (own or p.role in (*TEXT_ROLES, "title", "note")):
        return []
    out = []
    for match in DOC_NUMBER.finditer(p.text.translate(FULLWIDTH_DIGITS)):
        problems, corrected = _doc_number_problems(match)
        if not problems:
            continue
        why = "GB/T 9704-2012 7.2.5：" + "；".join(problems)
        span = (match.start(), match.end())
        if own:
            out.append(p.finding("doc_number", span, why, f"改为“{match['org']}{corrected}”"))
        else:
            typed = p.text[match.start() + len(match["org"]) : match.end()]
            where = f"第 {p.number} 段（{ROLE_NAMES.get(p.role, '正文')}，引用的发文字号）"
            fix = f"将“{typed}”改为“{corrected}”"
            out.append(p.finding("doc_number", span, why, fix, "warning", where))
    return out


# -- dates (7.3.5.4, 7.4.3, GB/T 15835-2011) -------------------------------------------------

_CN_DAY = "[一二三四五六七八九十]{1,3}"
_CN_DATE = re.compile(rf"([〇零○Ｏ一二三四五六七八九]{{2,4}})年({_CN_DAY})月({_CN_DAY})日")
_AR_DATE = re.compile(r"(?<![\d.])(\d{2,4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_AR_MONTH = re.compile(r"(?<![\d.])(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)")
_NUM_DATE = re.compile(r"(?<![0-9A-Za-z./\-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![0-9A-Za-z./\-])")
DATE_ONLY = re.compile(
    rf"[（(]?(?:\d{{2,4}}年\d{{1,2}}月\d{{1,2}}日|[〇零○Ｏ一二三四五六七八九]{{2,4}}年{_CN_DAY}月"
    rf"{_CN_DAY}日|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}})[）)]?"
)
_DATE_RULE = "用阿拉伯数字将年、月、日标全，年份应标全称，月、日不编虚位（1 不编为 01）"


def _date(year: int, month: int, day: int) -> date | None:
    """The date, or None for one that does not exist."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def check_dates(p: Para) -> list[Finding]:
    """In the 成文日期 or 印发日期 every other spelling is an error; in the text a date that does
    not exist is an error and the other spellings are warnings."""
    position = p.role in ("date", "print_line")
    if p.role == "print_line":
        why = f"GB/T 9704-2012 7.4.3：印发日期{_DATE_RULE}"
    else:
        why = f"GB/T 9704-2012 7.3.5.4：成文日期{_DATE_RULE}"
    text = p.text.translate(FULLWIDTH_DIGITS)
    out: list[Finding] = []
    for match in _CN_DATE.finditer(text):
        year, month, day = (chinese_number(g) or 0 for g in match.groups())
        span = (match.start(), match.end())
        found = _date(year, month, day)
        if found is None:
            out.append(p.finding("date", span, f"日期“{match[0]}”不存在", "核对年、月、日"))
        elif position:
            out.append(p.finding("date", span, why, f"改为“{format_date(found)}”"))
    for match in _AR_DATE.finditer(text):
        y, mo, d = match.groups()
        found = _date(int(y) + (2000 if len(y) == 2 else 0), int(mo), int(d))
        span = (match.start(), match.end())
        if len(y) == 3 or found is None:
            out.append(p.finding("date", span, f"日期“{match[0]}”不存在", "核对年、月、日"))
        elif len(y) == 2 or mo.startswith("0") or d.startswith("0"):
            fix = f"改为“{format_date(found)}”"
            if position:
                out.append(p.finding("date", span, why, fix))
            else:
                rule = "年份应标全称" if len(y) == 2 else "月、日不编虚位"
                out.append(p.finding("date", span, f"GB/T 15835-2011：{rule}", fix, "warning"))
    for match in _AR_MONTH.finditer(text):
        if not 1 <= int(match[2]) <= 12:
            span = (match.start(), match.end())
            out.append(p.finding("date", span, f"“{match[0]}”的月份不存在", "核对月份"))
    for match in _NUM_DATE.finditer(text):
        found = _date(int(match[1]), int(match[3]), int(match[4]))
        if found is None or not 1900 <= found.year <= 2100:
            continue  # a version or serial number, not a date
        span = (match.start(), match.end())
        fix = f"改为“{format_date(found)}”"
        if position:
            out.append(p.finding("date", span, why, fix))
        else:
            rule = "GB/T 15835-2011：公文正文中的日期宜写作“××××年×月×日”"
            out.append(p.finding("date", span, rule, fix, "warning"))
    return out


# -- punctuation (GB/T 15834-2011) -----------------------------------------------------------

_HALF_TO_FULL = {
    ",": "，",
    ";": "；",
    ":": "：",
    "?": "？",
    "!": "！",
    "(": "（",
    ")": "）",
    ".": "。",
}
_CJK_CLOSING = frozenset("”’）》」』】〕、，。；：？！")
_CJK_OPENING = frozenset("“‘（《「『【〔")
_PROTECTED = re.compile(
    r"(?:https?|ftp)://[!-~]+|www\.[!-~]+|[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.ASCII
)
_DOUBLED = re.compile(r"([，。、；：？！])\1+")
_PUNCT_WHY = "GB/T 15834-2011《标点符号用法》：中文行文使用全角标点符号"


def _chinese_before(ch: str) -> bool:
    return is_han(ch) or ch in _CJK_CLOSING


def _chinese_after(ch: str) -> bool:
    return is_han(ch) or ch in _CJK_OPENING


def _brackets(text: str, masked: list[bool]) -> tuple[list[int], list[int]]:
    """Positions of brackets paired across widths（…) and of brackets without a partner."""
    stack: list[int] = []
    mixed: list[int] = []
    unpaired: list[int] = []
    for i, ch in enumerate(text):
        if masked[i] or ch not in "（()）":
            continue
        if ch in "（(":
            stack.append(i)
        elif not stack:
            unpaired.append(i)
        else:
            j = stack.pop()
            if (text[j] == "(") != (ch == ")"):
                mixed += [j, i]
    return mixed, unpaired + stack


def check_punctuation(p: Para) -> list[Finding]:
    text = p.text
    masked = [False] * len(text)
    for match in _PROTECTED.finditer(text):
        masked[match.start() : match.end()] = [True] * (match.end() - match.start())
    h = heading(text) if p.role in TEXT_ROLES else None
    if h is not None:  # a wrongly written heading number is the heading check's finding
        masked[: h.end] = [True] * h.end
    out: list[Finding] = []
    mixed, unpaired = _brackets(text, masked)
    for i in mixed:
        masked[i] = True
    if mixed:
        why = _PUNCT_WHY + "；一对括号的前后两半应同为全角"
        out.append(p.finding("punctuation", (mixed[0], mixed[1] + 1), why, "改为全角括号“（）”"))
    if unpaired:
        span = (unpaired[0], unpaired[0] + 1)
        fix = "补齐缺少的半个括号，或删去多余的括号"
        out.append(
            p.finding("punctuation", span, "GB/T 15834-2011：括号应成对使用", fix, "warning")
        )

    def near(i: int, step: int) -> str:
        j = i + step
        if 0 <= j < len(text) and text[j] == " ":
            j += step
        return text[j] if 0 <= j < len(text) else ""

    half: list[int] = []
    quotes: list[int] = []
    for i, ch in enumerate(text):
        if masked[i] or ch not in "\"',;:?!().":
            continue
        before, after = near(i, -1), near(i, 1)
        if ch in ",;:?!":
            latin_before = before.isascii() and before.isalnum()
            if _chinese_before(before) or (_chinese_after(after) and not latin_before):
                half.append(i)
        elif ch in "()":
            if _chinese_before(before) or _chinese_after(after):
                half.append(i)
        elif ch == ".":
            if is_han(before) and (not after or is_han(after) or after in '"”'):
                half.append(i)
        elif _chinese_before(before) or _chinese_after(after):
            quotes.append(i)
    if half:
        marks = "、".join(
            f"“{c}”→“{_HALF_TO_FULL[c]}”" for c in dict.fromkeys(text[i] for i in half)
        )
        count = f"（本段共 {len(half)} 处）" if len(half) > 1 else ""
        why = _PUNCT_WHY + "，不用半角的 , ; : ? ! ( ) ."
        out.append(
            p.finding("punctuation", (half[0], half[0] + 1), why, f"改为全角：{marks}{count}")
        )
    if quotes:
        why = _PUNCT_WHY + "；引号用“ ”和‘ ’，不用直引号 \" '"
        fix = "改为中文引号“…”（内层用‘…’）"
        out.append(p.finding("punctuation", (quotes[0], quotes[-1] + 1), why, fix))
    doubled = _DOUBLED.search(text)
    if doubled:
        fix = "省略号用“……”" if doubled[0] == "。。。" else f"只保留一个“{doubled[1]}”"
        why = "GB/T 15834-2011：同一标点符号不应连用"
        out.append(p.finding("punctuation", (doubled.start(), doubled.end()), why, fix))
    return out


# -- repeated characters and words ------------------------------------------------------------

# Characters whose doubling is a slip: function words, never reduplicated. Content characters
# (常常, 人人, 看看, 天天) are not here, so their reduplications are never candidates.
_DOUBLE_CHARS = frozenset("的了是在和对与及把被从向并或就也将按于其之为由但而且这此所都要应已使让")
# Words that contain a repeat and are right: AA, AABB and ABAB reduplications and idioms.
ALLOWED_REPEATS = frozenset(
    (  # noqa: SIM905 — one word list reads better than 120 quoted strings
        "常常 人人 天天 看看 一一 往往 刚刚 仅仅 渐渐 纷纷 明明 处处 时时 事事 家家 户户 个个 "
        "年年 月月 步步 层层 条条 件件 项项 样样 默默 悄悄 稍稍 偏偏 恰恰 谢谢 试试 想想 说说 "
        "谈谈 等等 多多 大大 早早 好好 慢慢 紧紧 牢牢 久久 代代 点点 种种 重重 节节 句句 字字 "
        "的的确确 是是非非 实实在在 自自在在 和和美美 和和气气 不了了之 明明白白 清清楚楚 "
        "认认真真 扎扎实实 踏踏实实 兢兢业业 方方面面 日日夜夜 干干净净 老老实实 仔仔细细 "
        "家家户户 时时处处 研究研究 讨论讨论 商量商量 考虑考虑 学习学习 了解了解 调查调查 "
        "休息休息 打听打听 介绍介绍 锻炼锻炼 交流交流 沟通沟通 比较比较 检查检查 整理整理 "
        "清理清理 活动活动 熟悉熟悉 认识认识 琢磨琢磨 准备准备 收拾收拾 思考思考 体验体验 "
        "尝试尝试 练习练习 分析分析 总结总结 反映反映 协调协调 联系联系 关心关心 帮助帮助 "
        "照顾照顾 宣传宣传 提醒提醒 表扬表扬 批评批评 开导开导 雪白雪白 通红通红 笔直笔直"
    ).split()
)
# Words that are a noun and a verb: "本规定规定", "国家有关规定规定", "经济组织组织开展" are right.
_NOUN_VERBS = frozenset(
    (  # noqa: SIM905 — one word list reads better than quoted strings
        "规定 组织 设计 决定 要求 安排 部署 通知 计划 报告 建议 指示 批准 命令 领导 管理 服务 "
        "保障 监督 指导 登记 审批 决议 公告 通告 申请 补助 奖励 处罚 许可 授权 委托 约定 承诺 "
        "投资 培训 评估 鉴定 认定 备案 核准 证明 记录 统计 调查 检测 监测 规划 预算 决算 结算"
    ).split()
)
_ALLOWED_RE = re.compile("|".join(sorted(ALLOWED_REPEATS, key=len, reverse=True)))
_REPEAT = re.compile(r"([\u4e00-\u9fff]{1,6}?)\1")


def _word_boundaries(text: str, tokenizer: Tokenizer) -> set[int]:
    cuts, position = {0}, 0
    for word in tokenizer.words(text):
        position += len(word)
        cuts.add(position)
    return cuts


def _slip(text: str, match: re.Match[str], cuts: set[int], tokenizer: Tokenizer) -> bool:
    """Whether a candidate repeat is a slip and not two words that happen to meet."""
    start, end, unit = match.start(), match.end(), match[1]
    if not {start, start + len(unit), end} <= cuts:
        return False  # 为了|了解, 以营利为目的|的: a copy belongs to a longer word
    if len(unit) == 1:
        # 对|对账单, 现在|在: jieba splits a word it does not know; a neighbour forms one
        before, after = text[start - 1 : start], text[end : end + 1]
        is_word = tokenizer.is_word
        return not ((before and is_word(before + unit)) or (after and is_word(unit + after)))
    return (
        unit not in _NOUN_VERBS and unit[0] not in _DOUBLE_CHARS and unit[-1] not in _DOUBLE_CHARS
    )


def check_repeats(p: Para) -> list[Finding]:
    text = p.text
    allowed = [(a.start(), a.end()) for a in _ALLOWED_RE.finditer(text)]
    candidates = []
    for match in _REPEAT.finditer(text):
        unit = match[1]
        if len(unit) == 1 and unit not in _DOUBLE_CHARS:
            continue
        if len(unit) == 2 and unit[0] == "一":
            continue  # 一步一步, 一个一个
        if any(s <= match.start() and match.end() <= e for s, e in allowed):
            continue
        candidates.append(match)
    if not candidates:
        return []
    from govai.knowledge.text import get_tokenizer  # jieba: imported when first needed

    tokenizer = get_tokenizer()
    cuts = _word_boundaries(text, tokenizer)
    out = []
    for match in candidates:
        if _slip(text, match, cuts, tokenizer):
            unit = match[1]
            why = f"“{unit}”连续出现两次，疑为误输入"
            severity = "warning" if len(unit) == 2 else "error"  # 2: perhaps a reduplicated verb
            span = (match.start(), match.end())
            out.append(p.finding("repeat", span, why, f"删去重复的“{unit}”", severity))
    return out


# -- wrong words -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WrongWord:
    wrong: str
    right: str
    note: str = ""
    exceptions: tuple[str, ...] = ()  # longer words in which ``wrong`` is right


def parse_wrong_words(text: str) -> list[WrongWord]:
    """``错→正``, optionally ``除外：词 词`` and ``# note``, one pair per line."""
    out: list[WrongWord] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line, _, note = raw.partition("#")
        pair, _, except_part = line.strip().partition("除外：")
        if not pair:
            continue
        wrong, arrow, right = (s.strip() for s in pair.partition("→"))
        exceptions = tuple(except_part.split())
        if not arrow or not wrong or not right or wrong == right or " " in wrong + right:
            raise ValueError(f"wrong_words.txt line {number}: expected '错→正', got {raw!r}")
        if wrong in seen:
            raise ValueError(f"wrong_words.txt line {number}: {wrong!r} is listed twice")
        if any(wrong not in e for e in exceptions):
            raise ValueError(f"wrong_words.txt line {number}: an exception must contain {wrong!r}")
        seen.add(wrong)
        out.append(WrongWord(wrong, right, note.strip(), exceptions))
    return out


@cache
def wrong_words() -> tuple[dict[str, WrongWord], re.Pattern[str]]:
    """The list, and one alternation over its wrong forms (longest first), built once."""
    text = resources.files("govai.documents").joinpath("data", "wrong_words.txt")
    entries = {w.wrong: w for w in parse_wrong_words(text.read_text(encoding="utf-8"))}
    pattern = re.compile("|".join(map(re.escape, sorted(entries, key=len, reverse=True))))
    return entries, pattern


def check_wrong_words(p: Para) -> list[Finding]:
    entries, pattern = wrong_words()
    out = []
    for match in pattern.finditer(p.text):
        entry = entries[match[0]]
        at = match.start()
        if any(
            at >= e.index(entry.wrong) and p.text.startswith(e, at - e.index(entry.wrong))
            for e in entry.exceptions
        ):
            continue
        note = f"（{entry.note}）" if entry.note else ""
        why = f"本平台错别字表：“{entry.wrong}”应写作“{entry.right}”{note}"
        fix = f"将“{entry.wrong}”改为“{entry.right}”"
        out.append(p.finding("wrong_word", (at, match.end()), why, fix))
    return out


# -- sensitive words and cited documents -----------------------------------------------------


def check_sensitive(p: Para, sensitive: Callable[[str], Sequence[str]]) -> list[Finding]:
    out = []
    lowered = p.text.casefold()
    for word in dict.fromkeys(sensitive(p.text)):
        at = lowered.find(word.casefold())
        span = (at, at + len(word)) if at >= 0 else word
        why = f"含有本平台敏感词库中的“{word}”"
        fix = "核实用语是否妥当，必要时改写或删除"
        out.append(p.finding("sensitive", span, why, fix, "warning"))
    return out


_BOOK_TITLE = re.compile(r"《([^《》\n]{1,100})》")


def check_policies(
    paras: Sequence[Para], policies: Callable[[Sequence[str]], Mapping[str, str]]
) -> list[Finding]:
    """One finding per cited document the knowledge base has as 已废止 (error) or 已修改
    (warning), at its first citation, listing every paragraph that cites it."""
    cited: dict[str, list[Para]] = {}
    for p in paras:
        for match in _BOOK_TITLE.finditer(p.text):
            citing = cited.setdefault(match[1].strip(), [])
            if p not in citing:
                citing.append(p)
    if not cited:
        return []
    out = []
    for title, raw in policies(list(cited)).items():
        try:
            status = parse_status(str(raw))
        except ValidationError:
            continue
        citing = cited.get(title, [])
        if not citing or status not in (Status.REPEALED, Status.AMENDED):
            continue
        first = citing[0]
        where = first.where if len(citing) == 1 else paragraph_numbers(citing)
        if status is Status.REPEALED:
            why = "本平台政策库记载该文件已废止，不应再作为依据引用"
            fix, severity = "改引现行有效的文件，或删去该引用", "error"
        else:
            why = "本平台政策库记载该文件已修改，引用的内容可能已经变化"
            fix, severity = "核对引用的内容与修改后的文本是否一致", "warning"
        out.append(first.finding("policy", f"《{title}》", why, fix, severity, where))
    return out


def check_text(
    paras: Sequence[Para],
    sensitive: Callable[[str], Sequence[str]] | None,
    policies: Callable[[Sequence[str]], Mapping[str, str]] | None,
) -> list[Finding]:
    """Every text check over the paragraphs (their roles assigned)."""
    out = check_headings(paras)
    for p in paras:
        out += check_doc_number(p)
        out += check_dates(p)
        out += check_punctuation(p)
        out += check_repeats(p)
        out += check_wrong_words(p)
        if sensitive is not None:
            out += check_sensitive(p, sensitive)
    if policies is not None:
        out += check_policies(paras, policies)
    return out

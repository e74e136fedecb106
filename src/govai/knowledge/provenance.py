"""Provenance of a knowledge document: its validity status and its dates.

A citation is only useful if the reader can tell whether the cited text still applies, so every
document carries a :class:`Status` (现行有效/已修改/已废止/尚未生效) and, when known, the date it
was issued (成文日期) and the date it takes effect (施行日期).

The values arrive from many hands — a JSONL export, the front matter of a Markdown file, a line
at the end of a Word document — so the parsers here accept the spellings people actually use
("废止", "已失效", "repealed"; "2019/3/24", "2019年3月24日", "二〇一九年三月二十四日") and refuse
anything else with a message that lists what is accepted. Guessing would be worse than refusing:
a repealed regulation imported as current is cited as law.

:func:`parse_metadata` validates a document's metadata fields in one place for every format
(JSONL fields, Markdown front matter), under their English names or the Chinese ones staff
write (``文号``, ``发文机关``, ``密级``…).

When a file states no metadata, :func:`find_doc_number` and :func:`find_issue_date` look for
the two that official documents print in fixed places (GB/T 9704 公文格式): the 文号 line in the
header above or below the title, and the 成文日期 line at the end.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from govai.classification import Level
from govai.errors import ValidationError


class Status(StrEnum):
    """Whether a document is in force; the value is the label shown to people."""

    CURRENT = "现行有效"
    AMENDED = "已修改"
    REPEALED = "已废止"
    PENDING = "尚未生效"


# Spellings accepted for each status, compared after lower-casing and removing spaces, "_" and "-".
# fmt: off
_STATUS_ALIASES: dict[Status, tuple[str, ...]] = {
    Status.CURRENT: ("现行有效", "现行", "有效", "生效", "已生效", "current", "valid", "inforce",
                     "effective", "active"),
    Status.AMENDED: ("已修改", "修改", "已修正", "修正", "被修改", "amended", "modified",
                     "revised"),
    Status.REPEALED: ("已废止", "废止", "失效", "已失效", "废除", "已废除", "作废", "repealed",
                      "expired", "invalid", "abolished", "revoked", "void"),
    Status.PENDING: ("尚未生效", "未生效", "尚未施行", "未施行", "待生效", "待施行", "pending",
                     "notyeteffective", "notyetinforce", "upcoming"),
}
# fmt: on
_STATUS_LOOKUP: dict[str, Status] = {
    alias: status for status, aliases in _STATUS_ALIASES.items() for alias in aliases
} | {status.name.lower(): status for status in Status}
_STATUS_NOISE = re.compile(r"[\s_\-]+")


def parse_status(value: str | None) -> Status:
    """The :class:`Status` named by ``value``; missing or empty means 现行有效."""
    if value is None:
        return Status.CURRENT
    if isinstance(value, Status):
        return value
    key = _STATUS_NOISE.sub("", str(value)).lower()
    if not key:
        return Status.CURRENT
    try:
        return _STATUS_LOOKUP[key]
    except KeyError:
        choices = "、".join(status.value for status in Status)
        raise ValidationError(
            f"未知的时效状态“{value}”，可选：{choices}。",
            value=str(value),
            choices=[status.value for status in Status],
        ) from None


# Chinese digits as written in dates and clause numbers ("二〇一九", "二十四", "一百零三").
_CN_DIGITS = {
    "〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int | None:
    """The value of a number written in Chinese or Arabic digits, or ``None`` if it is not one.

    Handles the forms found in legal text and dates: "二十四", "十", "一百零三", "一千二百",
    digit strings like "二〇一九", and Arabic (also full-width) digits.
    """
    if not text:
        return None
    text = text.translate(_FULLWIDTH_DIGITS)
    if text.isascii() and text.isdigit():
        return int(text)
    if all(ch in _CN_DIGITS for ch in text):  # "二〇一九": digit by digit
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

_DATE_PATTERNS = (
    # 2019-03-24, 2019/3/24, 2019.3.24, 2019年3月24日, with optional spaces
    re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    # 二〇一九年三月二十四日
    re.compile(
        r"([〇零○Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日"
    ),
)


def parse_date(value: str | date | None) -> date | None:
    """A calendar date from the spellings used in Chinese documents; ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().translate(_FULLWIDTH_DIGITS)
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (chinese_number(part) for part in match.groups())
            try:
                return date(year or 0, month or 0, day or 0)
            except ValueError:
                break
    else:
        try:  # ISO date-time: 2019-03-24T08:00:00, 2019-03-24 08:00:00+08:00
            return datetime.fromisoformat(text).date()
        except ValueError:
            pass
    raise ValidationError(
        f"无法识别的日期“{value}”，请写成 2019-03-24 或 2019年3月24日 这样的格式。",
        value=str(value),
    )


_DOC_NUMBER = re.compile(
    r"[（(]?("
    r"[\u4e00-\u9fff]{1,20}[〔［\[【（(]\d{4}[〕］\]】）)]第?\d{1,5}号"  # 国办发〔2023〕12号
    r"|[\u4e00-\u9fff]{2,20}令第?[\d〇零一二三四五六七八九十百千]{1,8}号"  # 国务院令第350号
    r")[）)]?"
)
_DATE_LINE = re.compile(
    r"[（(]?(\d{4}年\d{1,2}月\d{1,2}日"
    r"|[〇零○一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日)[）)]?"
)
_WHITESPACE = re.compile(r"\s+")


def doc_number_of(line: str) -> str:
    """The 文号 if the whole line is one ("国办发〔2023〕12号", "（国务院令第350号）"), else ""."""
    match = _DOC_NUMBER.fullmatch(_WHITESPACE.sub("", line))
    return match.group(1) if match else ""


def find_doc_number(lines: Sequence[str]) -> str:
    """The 文号 printed on a line of its own among ``lines`` (give the first lines), or ""."""
    return next((number for number in map(doc_number_of, lines) if number), "")


def find_issue_date(lines: Sequence[str]) -> date | None:
    """The 成文日期 printed on a line of its own among ``lines`` (give the last lines)."""
    for line in reversed(lines):
        match = _DATE_LINE.fullmatch(_WHITESPACE.sub("", line))
        if match:
            try:
                return parse_date(match.group(1))
            except ValidationError:
                return None
    return None


# Metadata field → (document attribute, label, longest length); the lengths are those of the
# kb_document columns.
_FIELDS: dict[str, tuple[str, str, int]] = {
    "id": ("key", "id", 300),
    "title": ("title", "标题", 300),
    "status": ("status", "时效", 0),
    "issued_on": ("issued_on", "成文日期", 0),
    "effective_on": ("effective_on", "施行日期", 0),
    "doc_number": ("doc_number", "文号", 100),
    "issuer": ("issuer", "发文机关", 200),
    "region": ("region", "地区", 100),
    "category": ("category", "分类", 100),
    "classification": ("classification", "密级", 0),
}
# fmt: off
_FIELD_ALIASES = {
    "标题": "title", "时效": "status", "时效性": "status", "效力": "status", "状态": "status",
    "成文日期": "issued_on", "发布日期": "issued_on", "印发日期": "issued_on",
    "公布日期": "issued_on", "施行日期": "effective_on", "生效日期": "effective_on",
    "实施日期": "effective_on", "文号": "doc_number", "发文字号": "doc_number",
    "发文机关": "issuer", "发布机关": "issuer", "制定机关": "issuer", "地区": "region",
    "适用地区": "region", "分类": "category", "类别": "category", "密级": "classification",
    "数据密级": "classification",
}
# fmt: on


def canonical_field(key: str) -> str | None:
    """The metadata field a key names ("文号" → "doc_number"), or ``None`` if it names none."""
    key = key.strip()
    return key if key in _FIELDS else _FIELD_ALIASES.get(key)


def parse_metadata(fields: Mapping[str, object]) -> dict[str, Any]:
    """Validated metadata keyed by document attribute (``id`` → ``key``); keys that name no
    field are ignored and empty values are left out. An invalid value raises
    :class:`ValidationError` naming the field."""
    values: dict[str, Any] = {}
    for raw_key, value in fields.items():
        name = canonical_field(raw_key)
        if name is None or value is None or value == "":
            continue
        attribute, label, max_len = _FIELDS[name]
        if name == "id" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ValidationError(f"{label}（{name}）应为文字。", field=name)
        value = value.strip()
        if name == "status":
            values[attribute] = parse_status(value)
        elif name in ("issued_on", "effective_on"):
            values[attribute] = parse_date(value)
        elif name == "classification":
            values[attribute] = Level.parse(value).label if value else None
        elif len(value) > max_len:
            raise ValidationError(
                f"{label}（{name}）不能超过 {max_len} 个字符（现为 {len(value)} 个）。", field=name
            )
        elif value:
            values[attribute] = value
    return values

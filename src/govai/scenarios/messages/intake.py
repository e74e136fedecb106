"""Reading message exports (12345 work orders, 网络问政 boards) into message records.

An export is a CSV or .xlsx sheet with a header row. Columns are found by name; the defaults
are the names common exports use (留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 点赞数, 反对数,
答复意见, 答复时间) and a few synonyms, and ``--map field=列名`` overrides any of them. A bad row
(no text, a time no format explains, a negative count) is reported with its spreadsheet row
number and skipped; the rest of the file is imported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from govai.analytics.timeparse import parse_message_time
from govai.errors import ValidationError
from govai.tabular import Table, column_index

# field → (label for people, default column names in order of preference)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "id": ("留言编号", ("留言编号", "工单编号", "编号", "id")),
    "user": ("留言用户", ("留言用户", "来电人", "用户", "user")),
    "title": ("留言主题", ("留言主题", "标题", "主题", "title")),
    "time": ("留言时间", ("留言时间", "来电时间", "受理时间", "时间", "time")),
    "text": ("留言详情", ("留言详情", "留言内容", "诉求内容", "内容", "text_clean", "text")),
    "likes": ("点赞数", ("点赞数", "点赞", "likes")),
    "dislikes": ("反对数", ("反对数", "反对", "dislikes")),
    "reply": ("答复意见", ("答复意见", "答复内容", "回复", "reply")),
    "reply_time": ("答复时间", ("答复时间", "回复时间", "reply_time")),
    "label": ("一级分类", ("一级分类", "分类", "承办单位", "部门", "label")),
}
MAX_TITLE = 500
MAX_TEXT = 20000
BEIJING = timedelta(hours=8)
_SPACE = re.compile(r"[ \t\r\n\u3000\xa0]+")


@dataclass(frozen=True)
class MessageRow:
    """One message read from an export; times are naive Beijing local time as written."""

    row: int
    external_id: str
    author: str
    title: str
    text: str
    time: datetime | None
    likes: int = 0
    dislikes: int = 0
    reply: str = ""
    reply_time: datetime | None = None
    label: str = ""


@dataclass
class ReadReport:
    name: str
    rows: list[MessageRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, Chinese reason)
    columns: dict[str, str] = field(default_factory=dict)  # field → the header it was read from


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``["text=内容", "title=标题"]`` → {"text": "内容", "title": "标题"}, checked."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        key, sep, column = pair.partition("=")
        key = key.strip()
        if not sep or not column.strip():
            raise ValidationError(f"列映射“{pair}”的格式应为 字段=列名，如 text=诉求内容。")
        if key not in FIELDS:
            raise ValidationError(
                f"列映射中没有字段“{key}”。可用字段：{'、'.join(FIELDS)}。",
            )
        mapping[key] = column.strip()
    return mapping


def clean_body(value: str) -> str:
    """Whitespace runs (the exports' leading ``\\n\\t\\t…``) collapsed; ends stripped."""
    return _SPACE.sub(" ", value).strip()


def _count(value: str, label: str) -> int:
    text = value.strip()
    if not text:
        return 0
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{label}“{text}”不是数字") from None
    if number < 0 or not number.is_integer():
        raise ValueError(f"{label}“{text}”应为非负整数")
    return int(number)


def _time(value: str, label: str) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    parsed = parse_message_time(text)
    if parsed is None:
        raise ValueError(f"{label}“{text[:30]}”无法识别")
    return parsed


def columns_for(table: Table, mapping: Mapping[str, str] | None = None) -> dict[str, int]:
    """Field → column index, from ``mapping`` first and the default names otherwise."""
    mapping = dict(mapping or {})
    found: dict[str, int] = {}
    for key, (label, defaults) in FIELDS.items():
        if key in mapping:
            index = column_index(table.header, mapping[key])
            if index is None:
                raise ValidationError(
                    f"“{table.name}”中没有列“{mapping[key]}”（{label}）。"
                    f"表头为：{'、'.join(h for h in table.header if h) or '（空）'}。"
                )
            found[key] = index
            continue
        index = column_index(table.header, *defaults)
        if index is not None:
            found[key] = index
    if "text" not in found and "title" not in found:
        raise ValidationError(
            f"“{table.name}”中找不到留言内容列（留言详情或留言主题）。"
            f"表头为：{'、'.join(h for h in table.header if h) or '（空）'}。"
            "请把留言内容所在列的表头改为“留言详情”后重新导入，"
            "或在命令行用 --map text=列名 指定。"
        )
    return found


def read_messages(table: Table, mapping: Mapping[str, str] | None = None) -> ReadReport:
    """Every usable row of ``table`` as a :class:`MessageRow`, and the reasons for the rest."""
    cols = columns_for(table, mapping)
    report = ReadReport(table.name, columns={k: table.header[i] for k, i in cols.items()})

    def get(row: list[str], key: str) -> str:
        index = cols.get(key)
        return row[index] if index is not None else ""

    for number, cells in table.numbered():
        if not any(c.strip() for c in cells):
            continue
        try:
            title = clean_body(get(cells, "title"))
            text = clean_body(get(cells, "text"))
            if not text and not title:
                raise ValueError("留言主题和留言详情都为空")
            if len(title) > MAX_TITLE:
                raise ValueError(f"留言主题超过 {MAX_TITLE} 字")
            if len(text) > MAX_TEXT:
                raise ValueError(f"留言详情超过 {MAX_TEXT} 字")
            row = MessageRow(
                row=number,
                external_id=get(cells, "id").strip()[:64],
                author=get(cells, "user").strip()[:100],
                title=title,
                text=text,
                time=_time(get(cells, "time"), "留言时间"),
                likes=_count(get(cells, "likes"), "点赞数"),
                dislikes=_count(get(cells, "dislikes"), "反对数"),
                reply=get(cells, "reply").strip(),
                reply_time=_time(get(cells, "reply_time"), "答复时间"),
                label=get(cells, "label").strip()[:100],
            )
        except ValueError as exc:
            report.errors.append((number, str(exc)))
            continue
        report.rows.append(row)
    return report


def to_utc(local: datetime | None) -> datetime | None:
    """A naive Beijing time from an export as govai stores times (naive UTC)."""
    return None if local is None else local - BEIJING

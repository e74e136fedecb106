"""Values, types and built-in functions of the rule expression language (:mod:`.expr`).

Kept apart from the parser so the rule engine shares the value helpers (UNKNOWN, how a value
reads in a reason) without the grammar, and so adding a function is one entry in
:data:`FUNCTIONS`: its argument types, result type, implementation and the words
``govai rules show`` uses for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from govai.approval.materials import parse_date


class _Unknown:
    """The one value of a fact nobody has supplied (see the module docstring)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        # engine code must test `is UNKNOWN`; truth-testing it would silently mean "false"
        raise TypeError("UNKNOWN has no truth value; test `value is UNKNOWN`")


UNKNOWN: Final = _Unknown()

Env = dict[str, Any]
Fn = Callable[[Env], Any]

NUMBER, TEXT, DATE, BOOL, LIST, ANY = "number", "text", "date", "bool", "list", "any"
TYPE_LABELS = {NUMBER: "数值", TEXT: "文本", DATE: "日期", BOOL: "是/否", LIST: "列表", ANY: "任意"}


def birth_date_from_id(number: str) -> date | None:
    """The birth date encoded in an 18-digit (or legacy 15-digit) resident ID number."""
    try:
        if len(number) == 18:
            return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        if len(number) == 15:
            return date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return None
    return None


def format_value(value: Any) -> str:
    """A value as a citizen reads it in a reason: 2025年3月1日, 12, 是/否, A、B."""
    if value is UNKNOWN or value is None:
        return "（未提供）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple | frozenset | set):
        return "、".join(format_value(v) for v in value) or "（无）"
    return str(value)


@dataclass(frozen=True)
class _Function:
    """A built-in: argument types (``ANY`` accepts any), result type, implementation, label."""

    params: tuple[tuple[str, ...], ...]
    result: str
    impl: Callable[..., Any]
    label: str
    needs_today: bool = False
    variadic: bool = False


def _birth(value: Any) -> date:
    if isinstance(value, date):
        return value
    born = birth_date_from_id(str(value))
    if born is None:
        raise ValueError(f"无法从“{value}”得出出生日期")
    return born


def _age_on(value: Any, on: date) -> int:
    born = _birth(value)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _months_between(start: date, end: date) -> int:
    if end < start:
        return -_months_between(end, start)
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def _add_months(day: date, months: int | float) -> date:
    if not float(months).is_integer():
        raise ValueError("add_months 的月数须为整数")
    index = day.year * 12 + day.month - 1 + int(months)
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - date(year, month, 1)).days
    return date(year, month, min(day.day, last))


def _gender(value: Any) -> str:
    text = str(value)
    digit = text[16] if len(text) == 18 else text[14] if len(text) == 15 else ""
    if not digit.isdigit():
        raise ValueError(f"无法从“{value}”得出性别")
    return "男" if int(digit) % 2 else "女"


def to_date(text: Any) -> date:
    parsed = parse_date(str(text))
    if parsed is None:
        raise ValueError(f"“{text}”不是日期（应如 2025-03-01）")
    return parsed


TEXT_OR_DATE = (TEXT, DATE)
FUNCTIONS: Final[dict[str, _Function]] = {
    "age": _Function((TEXT_OR_DATE,), NUMBER, _age_on, "周岁年龄", needs_today=True),
    "age_on": _Function((TEXT_OR_DATE, (DATE,)), NUMBER, _age_on, "某日周岁年龄"),
    "birth_date": _Function(((TEXT,),), DATE, _birth, "出生日期"),
    "gender": _Function(((TEXT,),), TEXT, _gender, "性别"),
    "date": _Function(((TEXT,),), DATE, to_date, "日期"),
    "days_between": _Function(((DATE,), (DATE,)), NUMBER, lambda a, b: (b - a).days, "相隔天数"),
    "months_between": _Function(((DATE,), (DATE,)), NUMBER, _months_between, "相隔整月数"),
    "years_between": _Function(
        ((DATE,), (DATE,)), NUMBER, lambda a, b: int(_months_between(a, b) / 12), "相隔整年数"
    ),
    "add_days": _Function(
        ((DATE,), (NUMBER,)), DATE, lambda d, n: date.fromordinal(d.toordinal() + int(n)), "加天数"
    ),
    "add_months": _Function(((DATE,), (NUMBER,)), DATE, _add_months, "加月数"),
    "add_years": _Function(
        ((DATE,), (NUMBER,)), DATE, lambda d, n: _add_months(d, n * 12), "加年数"
    ),
    "year": _Function(((DATE,),), NUMBER, lambda d: d.year, "年份"),
    "month": _Function(((DATE,),), NUMBER, lambda d: d.month, "月份"),
    "len": _Function(((TEXT, LIST),), NUMBER, len, "长度"),
    "abs": _Function(((NUMBER,),), NUMBER, abs, "绝对值"),
    "floor": _Function(((NUMBER,),), NUMBER, math.floor, "向下取整"),
    "round": _Function(((NUMBER,),), NUMBER, round, "四舍五入"),
    "min": _Function(((NUMBER, DATE),), ANY, min, "最小值", variadic=True),
    "max": _Function(((NUMBER, DATE),), ANY, max, "最大值", variadic=True),
    # `known` is special-cased in the compiler: it never propagates UNKNOWN
    "known": _Function(((ANY,),), BOOL, lambda v: v is not UNKNOWN, "已提供"),
}

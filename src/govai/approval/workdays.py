"""Chinese working days and the time limits of an application (办结时限).

Legal time limits for approvals are counted in working days: 《中华人民共和国行政许可法》
第八十二条 "期限以工作日计算，不含法定节假日". The day of acceptance is not counted and day 1
is the next working day (《中华人民共和国民法典》第二百零一条: 开始的当日不计入，自下一日
开始计算); since every counted day is a working day, a period can never end on a holiday, so
第二百零三条 (a period ending on a holiday ends on the next working day) holds by construction.

Which days are working days comes from the ``chinesecalendar`` package (the State Council's
yearly 节假日安排 including 调休 weekend working days; version 1.11 knows 2004–2026) and an
override table the administrator edits with ``govai calendar set``: rows of (date, is_workday,
name) for a year the package does not know yet or a local adjustment. Overrides win. A year that
neither knows is refused with :class:`~govai.errors.ConfigError` rather than guessed: counting
weekdays alone would put every deadline around 春节 and 国庆 off by up to a week.

A :class:`Deadline` is one application's clock: accepted on a date, a limit in working days
(legal or promised), extensions (第四十二条: 20 working days, extendable by 10 with the head's
approval; the reason is told to the applicant) and periods not counted (第四十五条: 听证、招标、
拍卖、检验、检测、检疫、鉴定、专家评审). Nothing here reads the clock: ``today`` is always a
parameter, so a dashboard, a notice and a test agree on the same answer.

Speed: dashboards evaluate every open application. Each year's working days are computed once
into a sorted array of ordinals plus a per-day flag table; counting and adding working days are
bisections over those arrays, not loops over days.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import chinese_calendar

from govai.approval.items import ServiceItem
from govai.errors import ConfigError, ValidationError

__all__ = [
    "LICENCE_DECISION_DAYS",
    "LICENCE_EXTENSION_DAYS",
    "SUSPENSION_REASONS",
    "CalendarDay",
    "CalendarOverride",
    "Deadline",
    "DeadlineState",
    "DeadlineStatus",
    "Extension",
    "Suspension",
    "WorkCalendar",
    "package_years",
]

#: 《行政许可法》第四十二条: a decision within 20 working days of acceptance…
LICENCE_DECISION_DAYS = 20
#: …extendable once by 10 working days with the approval of the head of the agency.
LICENCE_EXTENSION_DAYS = 10
#: 《行政许可法》第四十五条: time needed for these is not counted in the limit.
SUSPENSION_REASONS = ("听证", "招标", "拍卖", "检验", "检测", "检疫", "鉴定", "专家评审")

_ONE_DAY = timedelta(days=1)
_HOLIDAY_ZH = {h.value: h.chinese for h in chinese_calendar.Holiday}


def package_years() -> range:
    """The years the installed ``chinesecalendar`` has the State Council's arrangement for.

    The package's own rule (``utils._validate_date``): from the first to the last year that
    has a holiday entry. Version 1.11.0 gives 2004–2026.
    """
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@dataclass(frozen=True)
class CalendarOverride:
    """One row of the administrator's holiday table: this date is (not) a working day.

    ``name`` is what a person reads, e.g. "春节", "春节调休上班", "本市防台风停工".
    """

    date: date
    is_workday: bool
    name: str = ""


@dataclass(frozen=True)
class CalendarDay:
    """What the calendar says about one date, and where that comes from.

    ``source`` is ``override`` (the administrator's table), ``package`` (chinesecalendar's
    holiday or 调休 entry) or ``weekday``/``weekend`` (an ordinary day of a known year).
    """

    date: date
    is_workday: bool
    name: str
    source: Literal["override", "package", "weekday", "weekend"]


@dataclass(frozen=True)
class _Year:
    ordinals: list[int]  # sorted ordinals of the year's working days
    flags: bytes  # flags[ordinal - first_ordinal] == 1 for a working day
    first_ordinal: int


class WorkCalendar:
    """Working days from ``chinesecalendar`` plus the administrator's override rows.

    Build one per override table (the caller caches it; building is cheap, years are computed
    on first use and kept). ``overrides`` is an iterable of :class:`CalendarOverride` or plain
    ``(date, is_workday, name)`` tuples. A year is known when the package knows it or the table
    has at least one row in it — the administrator enters a new year's whole arrangement, not
    one day of it.
    """

    def __init__(
        self,
        overrides: Iterable[CalendarOverride | tuple[date, bool, str]] = (),
        *,
        use_package: bool = True,
    ) -> None:
        rows: dict[date, CalendarOverride] = {}
        for raw in overrides:
            row = raw if isinstance(raw, CalendarOverride) else CalendarOverride(*raw)
            day = _plain_date(row.date)
            previous = rows.get(day)
            if previous is not None and previous.is_workday != row.is_workday:
                raise ValidationError(
                    f"节假日表中 {day.isoformat()} 出现两次且互相矛盾"
                    f"（“{previous.name or _kind(previous.is_workday)}”与"
                    f"“{row.name or _kind(row.is_workday)}”），"
                    "请删除其中一行：`govai calendar set`。",
                    date=day.isoformat(),
                )
            rows[day] = CalendarOverride(day, bool(row.is_workday), row.name)
        self._overrides = rows
        self._package = package_years() if use_package else range(0)
        self._override_years = frozenset(d.year for d in rows)
        self._years: dict[int, _Year] = {}

    # -- what is known -------------------------------------------------------------------------

    def known_years(self) -> tuple[int, ...]:
        """Every year this calendar can count in, ascending."""
        return tuple(sorted(set(self._package) | self._override_years))

    def knows(self, year: int) -> bool:
        return year in self._package or year in self._override_years

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        if not self.knows(year):
            raise self._unknown_year(year)
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        flags = bytearray(last - first + 1)
        ordinals: list[int] = []
        for ordinal in range(first, last + 1):
            if self._compute(date.fromordinal(ordinal)).is_workday:
                flags[ordinal - first] = 1
                ordinals.append(ordinal)
        built = _Year(ordinals, bytes(flags), first)
        self._years[year] = built
        return built

    def _unknown_year(self, year: int) -> ConfigError:
        known = self.known_years()
        span = f"{known[0]}—{known[-1]} 年" if known else "任何年份"
        return ConfigError(
            f"工作日历中没有 {year} 年的节假日安排（现有 {span}），无法按工作日计算期限。"
            f"请管理员按国务院办公厅公布的 {year} 年部分节假日安排，把该年的放假日和调休上班日"
            f"录入节假日表：`govai calendar set`。",
            year=year,
            known_years=list(known),
        )

    def _compute(self, day: date) -> CalendarDay:
        row = self._overrides.get(day)
        if row is not None:
            return CalendarDay(day, row.is_workday, row.name or _kind(row.is_workday), "override")
        if day.year in self._package:
            if day in chinese_calendar.workdays:
                holiday = _HOLIDAY_ZH.get(chinese_calendar.workdays[day], "节假日")
                return CalendarDay(day, True, f"{holiday}调休上班", "package")
            if day in chinese_calendar.holidays:
                holiday = _HOLIDAY_ZH.get(chinese_calendar.holidays[day], "节假日")
                return CalendarDay(day, False, holiday, "package")
        if day.weekday() < 5:
            return CalendarDay(day, True, "", "weekday")
        return CalendarDay(day, False, "周末", "weekend")

    def describe(self, day: date) -> CalendarDay:
        """Whether ``day`` is a working day, its name (节日/调休/周末) and where that comes from."""
        day = _plain_date(day)
        if not self.knows(day.year):
            raise self._unknown_year(day.year)
        return self._compute(day)

    # -- counting ------------------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        year = self._year(day.year)
        return year.flags[day.toordinal() - year.first_ordinal] == 1

    def next_workday(self, day: date, *, inclusive: bool = False) -> date:
        """The first working day after ``day`` (or ``day`` itself when ``inclusive`` and it is one).

        ``inclusive=True`` is the 民法典 第二百零三条 rule for a period counted in calendar days
        whose last day falls on a holiday.
        """
        if inclusive and self.is_workday(day):
            return _plain_date(day)
        return self.add_workdays(day, 1)

    def add_workdays(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start``; ``start`` itself is not counted.

        ``start`` is the day of acceptance and may be any day (online applications arrive at
        weekends). ``add_workdays(start, 0)`` is ``start``.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return _plain_date(start)
        year = start.year
        days = self._year(year).ordinals
        i = bisect_right(days, start.toordinal()) + n - 1
        while i >= len(days):
            i -= len(days)
            year += 1
            days = self._year(year).ordinals
        return date.fromordinal(days[i])

    def workdays_between(self, a: date, b: date) -> int:
        """How many working days lie after ``a`` up to and including ``b``; negative if b < a.

        This is the count 《行政许可法》 uses with ``a`` the day of acceptance, and the inverse of
        :meth:`add_workdays`: ``workdays_between(s, add_workdays(s, n)) == n``.
        """
        a_ord, b_ord = a.toordinal(), b.toordinal()
        if b_ord < a_ord:
            return -self.workdays_between(b, a)
        days = self._year(a.year).ordinals
        if a.year == b.year:
            return bisect_right(days, b_ord) - bisect_right(days, a_ord)
        total = len(days) - bisect_right(days, a_ord)
        for year in range(a.year + 1, b.year):
            total += len(self._year(year).ordinals)
        return total + bisect_right(self._year(b.year).ordinals, b_ord)


def _plain_date(value: date) -> date:
    # a datetime is a date too; keep only the day so comparisons and dict keys agree
    return date(value.year, value.month, value.day)


def _kind(is_workday: bool) -> str:
    return "工作日" if is_workday else "休息日"


# -- one application's clock ----------------------------------------------------------------------

DeadlineState = Literal["on_time", "near_due", "overdue", "suspended"]


@dataclass(frozen=True)
class Extension:
    """An extension of the limit by ``days`` working days (《行政许可法》第四十二条: by at most
    10 with the head's approval, and the reason told to the applicant). The engine does not cap
    ``days``: other laws set other extensions (第四十二条 "法律、法规另有规定的，依照其规定")."""

    days: int
    reason: str
    approved_by: str = ""
    approved_on: date | None = None


@dataclass(frozen=True)
class Suspension:
    """A period not counted in the limit (《行政许可法》第四十五条), both ends inclusive.

    ``end`` is None while it is still running (a hearing scheduled, an expert review under
    way): the clock stays stopped and the due date is provisional until it is closed.
    """

    start: date
    end: date | None
    reason: str


@dataclass(frozen=True)
class DeadlineStatus:
    """An application's clock as of ``today``.

    ``used_days`` counts working days after acceptance up to and including ``today`` that are
    not suspended; ``remaining_days`` is ``total_days - used_days`` (0 on the due date, negative
    once working days pass after it). ``provisional`` is True while a suspension is open: the
    due date then assumes it ends today and moves later every working day it stays open.
    """

    due_date: date
    total_days: int
    used_days: int
    remaining_days: int
    suspended_days: int
    status: DeadlineState
    provisional: bool


@dataclass(frozen=True)
class Deadline:
    """One application's time limit: accepted on a date, ``limit_days`` working days (legal or
    promised), plus extensions, minus suspended periods.

    For a decided application pass the decision date as ``today`` to judge whether it was on
    time.
    """

    accepted_on: date
    limit_days: int
    extensions: tuple[Extension, ...] = ()
    suspensions: tuple[Suspension, ...] = ()

    def __post_init__(self) -> None:
        if self.limit_days < 0:
            raise ValidationError(f"办理时限不能为负数（现为 {self.limit_days} 个工作日）。")
        for ext in self.extensions:
            if ext.days <= 0:
                raise ValidationError(f"延长期限须为正数个工作日（现为 {ext.days}）。")
            if not ext.reason.strip():
                raise ValidationError(
                    "延长期限须写明理由（《行政许可法》第四十二条：应当将延长期限的理由告知申请人）。"
                )
        for sus in self.suspensions:
            if not sus.reason.strip():
                raise ValidationError(
                    "不计入期限的时段须写明事由，如"
                    + "、".join(SUSPENSION_REASONS)
                    + "（第四十五条）。"
                )
            if sus.end is not None and sus.end < sus.start:
                raise ValidationError(
                    f"不计入期限的时段“{sus.reason}”结束日期 {sus.end.isoformat()} "
                    f"早于开始日期 {sus.start.isoformat()}。"
                )

    @classmethod
    def for_item(
        cls,
        item: ServiceItem,
        accepted_on: date,
        *,
        limit: Literal["promised", "legal"] = "promised",
    ) -> Deadline:
        """The deadline of an application for ``item``: its promised limit (承诺时限, falling
        back to the legal one) or its legal limit (法定时限, falling back to the promised one)."""
        first, second = (
            (item.promised_days, item.legal_days)
            if limit == "promised"
            else (item.legal_days, item.promised_days)
        )
        days = first if first is not None else second
        if days is None:
            raise ValidationError(
                f"事项“{item.name}”（{item.code}）没有法定或承诺办结时限，无法计算期限；"
                f"请在事项目录中补充办结时限。",
                item=item.code,
            )
        return cls(accepted_on, days)

    @property
    def total_days(self) -> int:
        """The limit plus every extension, in working days."""
        return self.limit_days + sum(ext.days for ext in self.extensions)

    def _intervals(self, today: date) -> list[tuple[date, date]]:
        """Suspensions clipped to after acceptance, open ones ending ``today``, merged."""
        first_counted = self.accepted_on + _ONE_DAY
        spans: list[tuple[date, date]] = []
        for sus in self.suspensions:
            end = sus.end if sus.end is not None else today
            start = max(sus.start, first_counted)
            if end >= start:
                spans.append((start, end))
        if len(spans) < 2:
            return spans
        spans.sort()
        merged = [spans[0]]
        for start, end in spans[1:]:
            last_start, last_end = merged[-1]
            if start <= last_end + _ONE_DAY:
                merged[-1] = (last_start, max(last_end, end))
            else:
                merged.append((start, end))
        return merged

    def due_date(self, calendar: WorkCalendar, today: date) -> date:
        """The last working day of the limit as things stand on ``today``."""
        return self._due(calendar, self._intervals(today), self.total_days)

    def _due(self, calendar: WorkCalendar, spans: list[tuple[date, date]], total: int) -> date:
        at, left = self.accepted_on, total
        for start, end in spans:
            before = calendar.workdays_between(at, start - _ONE_DAY)
            if before >= left:
                break
            left -= before
            at = end
        return calendar.add_workdays(at, left)

    def used_days(self, calendar: WorkCalendar, today: date) -> int:
        """Counted working days after acceptance up to and including ``today``."""
        return self._used(calendar, today, self._intervals(today))[0]

    def _used(
        self, calendar: WorkCalendar, today: date, spans: list[tuple[date, date]]
    ) -> tuple[int, int]:
        if today <= self.accepted_on:
            return 0, 0
        suspended = 0
        for start, end in spans:
            if start > today:
                break
            suspended += calendar.workdays_between(start - _ONE_DAY, min(end, today))
        return calendar.workdays_between(self.accepted_on, today) - suspended, suspended

    def remaining_days(self, calendar: WorkCalendar, today: date) -> int:
        """Working days left after ``today``: 0 on the due date, negative past it."""
        return self.total_days - self.used_days(calendar, today)

    def status(
        self, calendar: WorkCalendar, today: date, *, near_due_days: int = 3
    ) -> DeadlineState:
        return self.evaluate(calendar, today, near_due_days=near_due_days).status

    def evaluate(
        self, calendar: WorkCalendar, today: date, *, near_due_days: int = 3
    ) -> DeadlineStatus:
        """Due date, days used and left, and the state, in one pass.

        The state is ``overdue`` once ``today`` is after the due date (a period ends at the end
        of its last day, 民法典 第二百零三条), else ``suspended`` while a suspension covers
        ``today``, else ``near_due`` with at most ``near_due_days`` working days left, else
        ``on_time``.
        """
        spans = self._intervals(today)
        total = self.total_days
        due = self._due(calendar, spans, total)
        used, suspended = self._used(calendar, today, spans)
        remaining = total - used
        provisional = any(s.end is None and s.start <= today for s in self.suspensions)
        state: DeadlineState
        if today > due:
            state = "overdue"
        elif any(start <= today <= end for start, end in spans):
            state = "suspended"
        elif remaining <= near_due_days:
            state = "near_due"
        else:
            state = "on_time"
        return DeadlineStatus(due, total, used, remaining, suspended, state, provisional)

"""Working days and application deadlines against the published holiday arrangements.

The facts come from the State Council's notices (国务院办公厅关于2024年/2025年部分节假日安排的
通知); the oracles in the property tests walk day by day with ``chinese_calendar.is_workday``, an
implementation independent of the bisection arithmetic under test.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govai.approval.items import ServiceItem
from govai.approval.workdays import (
    CalendarOverride,
    Deadline,
    Extension,
    Suspension,
    WorkCalendar,
    package_years,
)
from govai.errors import ConfigError, ValidationError

CAL = WorkCalendar()
DAY = timedelta(days=1)

# dates whose results stay inside the package's years (2004-2026) for limits up to ~200 days
starts = st.dates(date(2004, 1, 1), date(2025, 12, 31))


def brute_add(start: date, n: int) -> date:
    day = start
    while n:
        day += DAY
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


def brute_between(a: date, b: date) -> int:
    count, day = 0, a
    while day < b:
        day += DAY
        count += chinese_calendar.is_workday(day)
    return count


# -- the calendar ----------------------------------------------------------------------------------


def test_package_years_are_2004_to_2026() -> None:
    assert package_years() == range(2004, 2027)
    assert CAL.known_years() == tuple(range(2004, 2027))


def test_national_day_2024_and_its_weekend_working_days() -> None:
    for d in range(1, 8):
        assert not CAL.is_workday(date(2024, 10, d)), f"2024-10-0{d} is a holiday"
    assert CAL.is_workday(date(2024, 9, 29))  # Sunday, 调休上班
    assert CAL.is_workday(date(2024, 10, 12))  # Saturday, 调休上班
    assert not CAL.is_workday(date(2024, 9, 28))  # an ordinary Saturday
    assert CAL.describe(date(2024, 10, 3)).name == "国庆节"
    assert CAL.describe(date(2024, 9, 29)).name == "国庆节调休上班"
    assert CAL.describe(date(2024, 9, 28)).source == "weekend"


def test_spring_festival_2025_includes_new_years_eve() -> None:
    # 2025 arrangement: 1月28日（除夕）至2月4日放假，1月26日（周日）、2月8日（周六）上班
    assert [CAL.is_workday(date(2025, 1, 28) + k * DAY) for k in range(8)] == [False] * 8
    assert CAL.is_workday(date(2025, 1, 26))
    assert CAL.is_workday(date(2025, 2, 8))
    assert CAL.describe(date(2025, 1, 29)).name == "春节"
    # accepted the Friday before: the 26th (Sunday) is day 1, the 27th day 2, then 5 February
    assert CAL.add_workdays(date(2025, 1, 24), 1) == date(2025, 1, 26)
    assert CAL.add_workdays(date(2025, 1, 24), 3) == date(2025, 2, 5)


def test_twenty_working_days_across_national_day_2024() -> None:
    # accepted Friday 27 September: 29 Sep (1), 30 Sep (2), 8-12 Oct (3-7, the 12th a Saturday),
    # 14-18 Oct (8-12), 21-25 Oct (13-17), 28-30 Oct (18-20)
    assert CAL.add_workdays(date(2024, 9, 27), 20) == date(2024, 10, 30)
    assert CAL.workdays_between(date(2024, 9, 27), date(2024, 10, 30)) == 20


def test_day_of_acceptance_is_not_counted() -> None:
    monday = date(2024, 3, 4)
    assert CAL.add_workdays(monday, 1) == date(2024, 3, 5)
    assert CAL.add_workdays(monday, 0) == monday
    assert CAL.workdays_between(monday, monday) == 0
    # accepted online on a Saturday: day 1 is Monday
    assert CAL.add_workdays(date(2024, 3, 9), 1) == date(2024, 3, 11)


def test_next_workday() -> None:
    assert CAL.next_workday(date(2024, 9, 30)) == date(2024, 10, 8)
    assert CAL.next_workday(date(2024, 10, 3), inclusive=True) == date(2024, 10, 8)
    assert CAL.next_workday(date(2024, 10, 8), inclusive=True) == date(2024, 10, 8)
    assert CAL.next_workday(date(2024, 10, 8)) == date(2024, 10, 9)


def test_year_boundary() -> None:
    # 2025-12-31 (Wed) → 2026: 1-3 January off, Sunday 4 January worked
    assert CAL.add_workdays(date(2025, 12, 31), 1) == date(2026, 1, 4)
    assert CAL.workdays_between(date(2025, 12, 30), date(2026, 1, 5)) == 3


def test_unknown_year_names_the_fix() -> None:
    with pytest.raises(ConfigError) as err:
        CAL.is_workday(date(2027, 3, 1))
    assert "2027" in err.value.message
    assert "govai calendar set" in err.value.message
    assert err.value.detail["year"] == 2027
    with pytest.raises(ConfigError):
        CAL.add_workdays(date(2026, 12, 1), 40)  # runs into 2027
    with pytest.raises(ConfigError):
        CAL.is_workday(date(2003, 6, 2))


def test_overrides_win_and_make_a_year_known() -> None:
    cal = WorkCalendar(
        [
            CalendarOverride(date(2024, 10, 8), False, "防台风停工"),
            (date(2027, 1, 1), False, "元旦"),
            (date(2027, 2, 6), True, "春节调休上班"),
        ]
    )
    assert not cal.is_workday(date(2024, 10, 8))
    assert cal.describe(date(2024, 10, 8)).name == "防台风停工"
    assert cal.add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 9)
    assert 2027 in cal.known_years()
    assert not cal.is_workday(date(2027, 1, 1))  # Friday, overridden
    assert cal.is_workday(date(2027, 1, 4))  # an ordinary Monday of a year known by overrides
    assert cal.is_workday(date(2027, 2, 6))  # Saturday, overridden
    assert not cal.is_workday(date(2027, 2, 7))  # an ordinary Sunday
    assert CAL.is_workday(date(2024, 10, 8))  # the package-only calendar is unaffected


def test_contradicting_override_rows_are_refused() -> None:
    with pytest.raises(ValidationError, match="2024-05-06"):
        WorkCalendar([(date(2024, 5, 6), True, "a"), (date(2024, 5, 6), False, "b")])


def test_overrides_only_calendar() -> None:
    cal = WorkCalendar([(date(2030, 1, 1), False, "元旦")], use_package=False)
    assert cal.known_years() == (2030,)
    with pytest.raises(ConfigError):
        cal.is_workday(date(2024, 10, 1))


def test_every_package_day_agrees_with_chinese_calendar() -> None:
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert CAL.is_workday(day) == chinese_calendar.is_workday(day), day
        day += DAY


@settings(max_examples=300, deadline=None)
@given(starts, st.integers(0, 200))
def test_add_workdays_matches_day_by_day_and_round_trips(start: date, n: int) -> None:
    end = CAL.add_workdays(start, n)
    assert end == brute_add(start, n)
    assert CAL.workdays_between(start, end) == n
    if n:
        assert CAL.is_workday(end)


@settings(max_examples=300, deadline=None)
@given(starts, st.integers(-800, 800))
def test_workdays_between_counts_and_is_antisymmetric(a: date, offset: int) -> None:
    b = min(max(a + timedelta(days=offset), date(2004, 1, 1)), date(2026, 12, 31))
    lo, hi = min(a, b), max(a, b)
    assert CAL.workdays_between(lo, hi) == brute_between(lo, hi)
    assert CAL.workdays_between(a, b) == -CAL.workdays_between(b, a)


# -- deadlines -------------------------------------------------------------------------------------


def test_deadline_without_stops_is_add_workdays() -> None:
    d = Deadline(date(2024, 9, 27), 20)
    assert d.due_date(CAL, date(2024, 9, 27)) == date(2024, 10, 30)
    assert d.used_days(CAL, date(2024, 10, 14)) == CAL.workdays_between(
        date(2024, 9, 27), date(2024, 10, 14)
    )


def test_extension_adds_working_days() -> None:
    d = Deadline(date(2024, 9, 27), 20, extensions=(Extension(10, "案情复杂，经负责人批准"),))
    assert d.total_days == 30
    # 31 Oct, 1 Nov, 4-8 Nov, 11-13 Nov
    assert d.due_date(CAL, date(2024, 10, 1)) == date(2024, 11, 13)


def test_expert_review_is_not_counted() -> None:
    review = Suspension(date(2024, 10, 14), date(2024, 10, 18), "专家评审")
    d = Deadline(date(2024, 9, 27), 20, suspensions=(review,))
    # the five working days 14-18 Oct do not count: 20 days end on 6 November instead of 30 Oct
    assert d.due_date(CAL, date(2024, 10, 1)) == date(2024, 11, 6)
    during = d.evaluate(CAL, date(2024, 10, 16))
    assert during.status == "suspended"
    assert during.suspended_days == 3
    assert during.used_days == 7  # 29, 30 Sep, 8-12 Oct
    after = d.evaluate(CAL, date(2024, 10, 21))
    assert (after.used_days, after.suspended_days, after.status) == (8, 5, "on_time")


def test_overlapping_suspensions_count_once() -> None:
    d = Deadline(
        date(2024, 3, 1),
        10,
        suspensions=(
            Suspension(date(2024, 3, 4), date(2024, 3, 8), "检验"),
            Suspension(date(2024, 3, 6), date(2024, 3, 12), "检测"),
        ),
    )
    # 4-12 March (7 working days) stopped; 10 days run 1 (Fri) → 13-15, 18-22, 25-26 March
    assert d.due_date(CAL, date(2024, 3, 1)) == date(2024, 3, 26)
    assert d.evaluate(CAL, date(2024, 3, 13)).suspended_days == 7


def test_open_suspension_stops_the_clock_and_the_due_date_is_provisional() -> None:
    hearing = Suspension(date(2024, 4, 8), None, "听证")
    d = Deadline(date(2024, 4, 1), 20, suspensions=(hearing,))
    first = d.evaluate(CAL, date(2024, 4, 10))
    later = d.evaluate(CAL, date(2024, 4, 12))
    assert first.status == later.status == "suspended"
    assert first.provisional and later.provisional
    assert first.used_days == later.used_days == 3  # 2, 3 and 7 April (a 调休 Sunday)
    assert CAL.workdays_between(first.due_date, later.due_date) == 2
    closed = Deadline(
        date(2024, 4, 1), 20, suspensions=(Suspension(date(2024, 4, 8), date(2024, 4, 12), "听证"),)
    )
    assert closed.due_date(CAL, date(2024, 4, 12)) == later.due_date


def test_open_suspension_not_yet_started_is_ignored() -> None:
    d = Deadline(date(2024, 4, 1), 20, suspensions=(Suspension(date(2024, 4, 20), None, "鉴定"),))
    status = d.evaluate(CAL, date(2024, 4, 10))
    assert not status.provisional
    assert status.due_date == CAL.add_workdays(date(2024, 4, 1), 20)


def test_states_near_due_and_overdue() -> None:
    d = Deadline(date(2024, 9, 27), 20)  # due Wednesday 30 October
    assert d.status(CAL, date(2024, 10, 24)) == "on_time"  # 4 left
    assert d.status(CAL, date(2024, 10, 25)) == "near_due"  # 3 left
    assert d.status(CAL, date(2024, 10, 25), near_due_days=2) == "on_time"
    on_due = d.evaluate(CAL, date(2024, 10, 30))
    assert (on_due.status, on_due.remaining_days) == ("near_due", 0)
    past = d.evaluate(CAL, date(2024, 10, 31))
    assert (past.status, past.remaining_days) == ("overdue", -1)


def test_weekend_after_a_friday_due_date_is_overdue() -> None:
    d = Deadline(date(2024, 3, 1), 5)  # due Friday 8 March
    assert d.due_date(CAL, date(2024, 3, 1)) == date(2024, 3, 8)
    saturday = d.evaluate(CAL, date(2024, 3, 9))
    assert (saturday.status, saturday.remaining_days) == ("overdue", 0)


def test_overdue_wins_over_a_suspension_that_started_too_late() -> None:
    d = Deadline(date(2024, 3, 1), 5, suspensions=(Suspension(date(2024, 3, 11), None, "鉴定"),))
    assert d.status(CAL, date(2024, 3, 12)) == "overdue"


def test_zero_day_limit_is_due_on_acceptance() -> None:
    d = Deadline(date(2024, 3, 4), 0)
    assert d.due_date(CAL, date(2024, 3, 4)) == date(2024, 3, 4)
    assert d.status(CAL, date(2024, 3, 4)) == "near_due"
    assert d.status(CAL, date(2024, 3, 5)) == "overdue"


def test_today_before_acceptance_uses_nothing() -> None:
    d = Deadline(date(2024, 3, 4), 20)
    assert d.used_days(CAL, date(2024, 3, 1)) == 0
    assert d.remaining_days(CAL, date(2024, 3, 1)) == 20


def test_for_item_prefers_the_promised_limit() -> None:
    item = ServiceItem("X1", "失业保险金申领", "人社局", legal_days=20, promised_days=5)
    assert Deadline.for_item(item, date(2024, 3, 4)).limit_days == 5
    assert Deadline.for_item(item, date(2024, 3, 4), limit="legal").limit_days == 20
    only_legal = ServiceItem("X2", "某许可", "某局", legal_days=20)
    assert Deadline.for_item(only_legal, date(2024, 3, 4)).limit_days == 20
    with pytest.raises(ValidationError, match="办结时限"):
        Deadline.for_item(ServiceItem("X3", "无时限事项", "某局"), date(2024, 3, 4))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit_days": -1}, "负数"),
        ({"limit_days": 20, "extensions": (Extension(10, " "),)}, "理由"),
        ({"limit_days": 20, "extensions": (Extension(0, "x"),)}, "正数"),
        ({"limit_days": 20, "suspensions": (Suspension(date(2024, 3, 5), None, ""),)}, "事由"),
        (
            {
                "limit_days": 20,
                "suspensions": (Suspension(date(2024, 3, 5), date(2024, 3, 4), "鉴定"),),
            },
            "早于",
        ),
    ],
)
def test_bad_deadlines_are_refused_in_chinese(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Deadline(date(2024, 3, 1), **kwargs)  # type: ignore[arg-type]


suspensions = st.lists(
    st.tuples(st.integers(-5, 60), st.integers(0, 15), st.booleans()), max_size=4
)


@settings(max_examples=300, deadline=None)
@given(
    st.dates(date(2004, 1, 1), date(2025, 10, 31)),
    st.integers(0, 40),
    st.integers(0, 10),
    suspensions,
    st.integers(0, 90),
)
def test_deadline_matches_a_day_by_day_walk(
    accepted: date,
    limit: int,
    extension: int,
    raw: list[tuple[int, int, bool]],
    today_offset: int,
) -> None:
    today = accepted + timedelta(days=today_offset)
    stops = tuple(
        Suspension(
            accepted + timedelta(days=s),
            None if is_open else accepted + timedelta(days=s + length),
            "鉴定",
        )
        for s, length, is_open in raw
    )
    d = Deadline(
        accepted,
        limit,
        extensions=(Extension(extension, "负责人批准"),) if extension else (),
        suspensions=stops,
    )

    def stopped(day: date) -> bool:
        return any(s.start <= day <= (s.end if s.end is not None else today) for s in stops)

    # due: walk forward counting working days that are not stopped
    left, day = limit + extension, accepted
    while left:
        day += DAY
        if chinese_calendar.is_workday(day) and not stopped(day):
            left -= 1
    used = sum(
        1
        for k in range(1, (today - accepted).days + 1)
        if chinese_calendar.is_workday(accepted + k * DAY) and not stopped(accepted + k * DAY)
    )
    status = d.evaluate(CAL, today)
    assert status.due_date == day
    assert status.used_days == used
    assert status.remaining_days == limit + extension - used
    if today > day:
        assert status.status == "overdue"

"""Surge tests on synthetic counts: spikes against flat and noisy histories, weeks, thresholds,
short histories, minimum counts, and the false-alarm rate on stationary series."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from govai.analytics.surge import (
    Surge,
    detect_surges,
    new_problems,
    period_start,
    surge_p_value,
)
from govai.errors import ValidationError

ON = date(2024, 5, 15)  # a Wednesday


def _events(key: str, counts: Sequence[int], *, last: date = ON) -> list[tuple[date, str]]:
    """``counts[i]`` events of ``key`` on consecutive days ending on ``last``."""
    first = last - timedelta(days=len(counts) - 1)
    return [
        (first + timedelta(days=i), key) for i, count in enumerate(counts) for _ in range(count)
    ]


def _poisson_days(mean: float, days: int, seed: int) -> list[int]:
    return [int(c) for c in np.random.default_rng(seed).poisson(mean, days)]


def test_a_spike_over_a_flat_poisson_history_is_a_surge() -> None:
    history = _poisson_days(4, 40, seed=1)
    events = _events("噪音扰民", [*history, 19])
    surges = detect_surges(events, on=ON)
    assert [s.key for s in surges] == ["噪音扰民"]
    surge = surges[0]
    assert surge.count == 19
    assert surge.period == "day" and surge.period_start == ON
    assert len(surge.history) == 28
    # The baseline ends two days before ON (the guard), oldest first.
    assert surge.history == history[-30:-2]
    assert surge.expected == pytest.approx(sum(surge.history) / 28)
    assert surge.ratio == pytest.approx(19 / surge.expected)
    assert surge.p_value < 1e-4


def test_the_same_count_is_normal_for_a_noisy_key() -> None:
    flat = _poisson_days(6, 40, seed=2)
    noisy = [0, 14, 2, 21, 1, 9, 18, 0, 3, 24, 5, 1, 16, 8] * 3  # mean ~8, variance ~70
    events = _events("平稳", [*flat, 18]) + _events("波动", [*noisy[:40], 18])
    surges = {s.key: s for s in detect_surges(events, on=ON)}
    assert "平稳" in surges
    assert "波动" not in surges
    noisy_p, method = surge_p_value(18, noisy[10:38])
    assert method == "negative_binomial"
    assert noisy_p > 0.05


def test_a_weekly_surge_is_reported_for_the_week_in_progress() -> None:
    monday = period_start(ON, "week")
    assert monday == date(2024, 5, 13)
    assert period_start(ON, "day") == ON
    rng = np.random.default_rng(3)
    events: list[tuple[datetime | date, str]] = []
    for week in range(1, 11):  # ten earlier weeks of about 21 messages, three a day
        start = datetime.combine(monday - timedelta(weeks=week), datetime.min.time())
        for day in range(7):
            when = start + timedelta(days=day, hours=9)
            events += [(when, "物业")] * int(rng.poisson(3))
    events += [(monday, "物业")] * 25  # a normal week's volume, all of it on Monday

    on_monday = detect_surges(events, on=monday, period="week")
    assert [s.key for s in on_monday] == ["物业"]
    surge = on_monday[0]
    assert surge.period == "week" and surge.period_start == monday
    assert len(surge.history) == 8  # ten weeks of data, one guard week, eight in the baseline
    assert surge.expected == pytest.approx(sum(surge.history) / 8 / 7)  # one day of seven
    # By Sunday nothing more came: 25 is an ordinary week.
    assert detect_surges(events, on=monday + timedelta(days=6), period="week") == []


def test_the_threshold_decides() -> None:
    history = _poisson_days(5, 40, seed=4)
    events = _events("交通", [*history, 13])
    p_value = detect_surges(events, on=ON, threshold=0.5)[0].p_value
    assert 0.0005 < p_value < 0.01
    assert detect_surges(events, on=ON, threshold=0.01)
    assert detect_surges(events, on=ON, threshold=p_value) == []
    assert detect_surges(events, on=ON, threshold=0.0005) == []


def test_a_key_with_too_little_history_is_not_tested() -> None:
    # Five days of data before ON: a spike cannot be judged against them.
    events = _events("新小区", [3, 2, 4, 3, 2, 40])
    assert detect_surges(events, on=ON) == []
    # Shorter requirements, or a declared start of observation, make it testable: days before
    # the first event then count as observed zeros.
    assert detect_surges(events, on=ON, min_history=3)[0].key == "新小区"
    surge = detect_surges(events, on=ON, since=ON - timedelta(days=60))[0]
    assert len(surge.history) == 28 and surge.history[:23] == [0] * 23


def test_a_key_silent_for_its_whole_baseline_surges_once_it_reaches_min_count() -> None:
    events = _events("其他", _poisson_days(3, 40, seed=5)) + _events("燃气泄漏", [0] * 40 + [6])
    assert [s.key for s in detect_surges(events, on=ON)] == ["燃气泄漏"]
    surge = detect_surges(events, on=ON)[0]
    assert surge.expected == 0 and surge.method == "poisson"
    assert surge.ratio == pytest.approx(6 * 28)  # one event over the baseline as the floor
    few = _events("其他", _poisson_days(3, 40, seed=5)) + _events("燃气泄漏", [0] * 40 + [4])
    assert detect_surges(few, on=ON) == []
    assert [s.key for s in detect_surges(few, on=ON, min_count=3)] == ["燃气泄漏"]


def test_surges_are_ordered_most_significant_first_and_ignore_later_events() -> None:
    events = (
        _events("甲", [*_poisson_days(4, 40, seed=6), 14])
        + _events("乙", [*_poisson_days(4, 40, seed=7), 30])
        + [(ON + timedelta(days=1), "丙")] * 50
    )
    surges = detect_surges(events, on=ON)
    assert [s.key for s in surges] == ["乙", "甲"]
    assert surges[0].p_value <= surges[1].p_value


def test_p_values_match_the_distributions_they_claim() -> None:
    history = [3, 5, 4, 6, 2, 5, 4, 3, 5, 4]  # variance below the mean: Poisson branch
    p_value, method = surge_p_value(11, history)
    binom = stats.binom(11 + sum(history), 1 / 11)
    assert method == "poisson"
    assert p_value == pytest.approx(binom.sf(11) + 0.5 * binom.pmf(11))

    noisy = [1, 9, 3, 12, 0, 7, 15, 2, 6, 10]
    n, mean, var = len(noisy), float(np.mean(noisy)), float(np.var(noisy, ddof=1))
    fraction = 3 / 7
    mu = fraction * mean
    predictive = fraction**2 * var * (1 + 1 / n) + fraction * (1 - fraction) * mean
    size = mu * mu / (predictive - mu)
    nb = stats.nbinom(size, size / (size + mu))
    plug_in = nb.sf(9) + 0.5 * nb.pmf(9)
    p_value, method = surge_p_value(9, noisy, fraction)
    assert method == "negative_binomial"
    assert p_value == pytest.approx(stats.t.sf(stats.norm.isf(plug_in), n - 1))


@pytest.mark.parametrize(
    ("mean", "size"), [(2.0, None), (8.0, None), (30.0, None), (5.0, 2.0), (20.0, 5.0)]
)
def test_false_alarm_rate_on_stationary_series_is_near_the_threshold(
    mean: float, size: float | None
) -> None:
    rng = np.random.default_rng(11)
    keys, days = 4000, 29
    if size is None:
        counts = rng.poisson(mean, (keys, days))
    else:
        counts = rng.negative_binomial(size, size / (size + mean), (keys, days))
    p_values = np.array([surge_p_value(int(row[-1]), row[:-1].tolist())[0] for row in counts])
    rate = float(np.mean(p_values < 0.01))
    assert 0.002 <= rate <= 0.02, rate


def test_detect_surges_on_stationary_keys_alerts_about_as_often_as_the_threshold() -> None:
    rng = np.random.default_rng(12)
    events: list[tuple[datetime | date, str]] = []
    for k in range(600):
        events += _events(f"地点{k}", [int(c) for c in rng.negative_binomial(4, 0.4, 31)])
    alerts = detect_surges(events, on=ON, threshold=0.05, min_count=0)
    assert 0.01 * 600 <= len(alerts) <= 0.1 * 600
    assert all(s.p_value < 0.05 for s in alerts)


def test_extra_handlers() -> None:
    surge = Surge("教育", "day", ON, count=23, expected=4.5, p_value=1e-6, ratio=5.1, history=[])
    assert surge.extra_handlers(10) == 2
    assert surge.extra_handlers(100) == 1
    calm = Surge("教育", "day", ON, count=5, expected=5.5, p_value=0.2, ratio=0.9, history=[])
    assert calm.extra_handlers(3) == 0
    with pytest.raises(ValidationError, match="每人每期处理量"):
        surge.extra_handlers(0)


def test_bad_arguments_are_refused_in_chinese() -> None:
    with pytest.raises(ValidationError, match="day（日）、week（周）"):
        detect_surges([], on=ON, period="month")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="显著性阈值"):
        detect_surges([], on=ON, threshold=0)
    with pytest.raises(ValidationError, match="基线周期数"):
        detect_surges([], on=ON, baseline=1)
    assert detect_surges([], on=ON) == []


def test_new_problems() -> None:
    previous = [frozenset({"m1", "m2", "m3"}), frozenset({"m7", "m8"})]
    current = [
        frozenset({"m1", "m2", "m3", "m4", "m5"}),  # the first problem, grown: not new
        frozenset({"m20", "m21"}),  # nothing like it before
        frozenset({"m8", "m30", "m31", "m32"}),  # shares one of two with an old one: 1/2
        frozenset(),
    ]
    assert new_problems(current, previous) == [1]
    assert new_problems(current, previous, min_overlap=0.75) == [1, 2]
    assert new_problems(current, []) == [0, 1, 2]
    with pytest.raises(ValidationError):
        new_problems(current, previous, min_overlap=0)

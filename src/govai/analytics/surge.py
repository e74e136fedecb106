"""Surge tests for message volumes (风险预警): is today's, or this week's, count of a key
abnormally high against that key's own history?

A *key* is whatever the caller counts by — a category, a department, a place, or a combination
— so one event may be passed once per key it belongs to. :func:`detect_surges` counts the events
of each key per period (a day, or an ISO week starting on Monday) and tests the period that
contains ``on`` against a baseline of the ``baseline`` periods before it, leaving a ``guard`` gap
(2 days or 1 week by default) so that a surge that began yesterday does not raise its own
baseline and hide itself today.

The test
--------
Let the baseline counts be :math:`y_1..y_n`, :math:`B = \\sum y_i`, :math:`m = B/n` and
:math:`s^2` their sample variance (divisor :math:`n-1`). The current period's count is
:math:`x`; when the period is a week still in progress, only a fraction :math:`f` of it has
elapsed (``(on.weekday() + 1) / 7``), otherwise :math:`f = 1`. The expected count is
:math:`\\mu = f m`.

* **No over-dispersion** (:math:`s^2 \\le m`): the counts are taken as Poisson with one rate,
  and the test is the exact conditional test for two Poisson counts with exposures :math:`f`
  and :math:`n` (Przyborowski and Wilenski, 1940): given :math:`N = x + B`,
  :math:`x \\sim \\mathrm{Binomial}(N, \\pi_0)` with :math:`\\pi_0 = f / (n + f)`. It needs no
  estimate of the rate, so a short baseline costs power but never validity.
* **Over-dispersion** (:math:`s^2 > m`, the usual case for daily complaint counts): the count
  is compared with a negative binomial with mean :math:`\\mu` and the predictive variance
  :math:`V = f^2 v + f(1-f) m`, where :math:`v = s^2 (1 + 1/n)` adds the variance of the
  estimated mean to that of the counts (and the second term is the binomial thinning of a
  partial week). Its size is :math:`r = \\mu^2 / (V - \\mu)`, its success probability
  :math:`r / (r + \\mu)`. The variance itself is estimated from :math:`n` counts, which makes
  the plug-in tail too thin (about twice the nominal false alarms at :math:`n = 8`); the tail
  probability :math:`p_0` is therefore calibrated as a Student-t would be for a scale estimated
  with :math:`n - 1` degrees of freedom: :math:`p = T_{n-1}(\\Phi^{-1}(p_0))`.

Both use the mid-p value, :math:`P(X > x) + \\tfrac12 P(X = x)` (Lancaster, 1961): the plain
tail of a discrete count is conservative, especially at small means. A surge is reported when
:math:`p <` ``threshold`` (default 0.01) **and** :math:`x \\ge` ``min_count`` (default 5), so a
quiet key going from zero to two messages is not an alert however improbable that is.

Why this test rather than EARS C2/C3 (a z-score of the count against a 7-day baseline, alert at
z > 3): complaint counts per key are small and skewed, and a normal tail with a standard
deviation estimated from seven counts is far too thin for them; the negative binomial is the
distribution surveillance systems settled on for such counts (Farrington et al. 1996; Noufaily
et al. 2013). ``bench/surge_check.py`` measures the false-alarm rate on simulated
stationary series at the default threshold 0.01, for baselines of 8, 14 and 28 periods: 0.3–0.9 %
for Poisson series (the discreteness of small counts) and 1.2–1.7 % for negative-binomial ones
(variance up to 11 times the mean), against 4–8 % for EARS C2 and 8–18 % for a Poisson tail with
the baseline mean once the counts are over-dispersed.

History
-------
Periods before ``since`` (by default the date of the earliest event in the input, across all
keys) are not observed: they are left out of the baseline rather than counted as zeros. A key
is tested only when at least ``min_history`` baseline periods are observed (by default half the
baseline: 14 days or 4 weeks); a key with a shorter history is skipped, since neither its rate
nor its variability can be judged yet. A key that was observed but silent throughout its
baseline is tested (against a rate of zero, the Poisson branch), so a new place or category
that suddenly receives ``min_count`` messages is reported.

Day-of-week effects are not modelled: a daily baseline mixes weekdays and weekends, which shows
up as over-dispersion and makes the daily test less sensitive on weekdays, never more alarmist.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from scipy.special import betainc, ndtri, stdtr

from govai.errors import ValidationError

__all__ = ["Period", "Surge", "detect_surges", "new_problems", "period_start", "surge_p_value"]

Period = Literal["day", "week"]

_DEFAULT_BASELINE: dict[str, int] = {"day": 28, "week": 8}
_DEFAULT_GUARD: dict[str, int] = {"day": 2, "week": 1}


@dataclass(frozen=True)
class Surge:
    """A key whose count in the period starting ``period_start`` is abnormally high."""

    key: str
    period: Period
    period_start: date
    count: int
    expected: float  # the baseline mean, prorated for a week in progress
    p_value: float  # mid-p under the baseline's Poisson or negative binomial (module notes)
    ratio: float  # count / expected; a silent baseline counts as one event over its length
    history: list[int] = field(hash=False)  # the counts of the baseline periods, oldest first
    method: Literal["poisson", "negative_binomial"] = "poisson"

    def extra_handlers(self, per_handler: int) -> int:
        """How many more people the excess needs, if one handles ``per_handler`` messages a
        period: ``ceil((count - expected) / per_handler)``, never negative."""
        if per_handler <= 0:
            raise ValidationError(
                f"每人每期处理量必须为正整数，收到 {per_handler}。", per_handler=per_handler
            )
        return max(0, math.ceil((self.count - self.expected) / per_handler))


def surge_p_value(
    count: int, history: Sequence[int], fraction: float = 1.0
) -> tuple[float, Literal["poisson", "negative_binomial"]]:
    """The one-sided mid-p value of ``count`` against the baseline counts ``history`` (at
    least two), for a period of which ``fraction`` has elapsed, and which test gave it."""
    n = len(history)
    if n < 2:
        raise ValidationError("基线至少需要两个周期的计数。", periods=n)
    if not 0 < fraction <= 1:
        raise ValidationError(f"周期已过比例须在 (0, 1] 内，收到 {fraction}。")
    total = sum(history)
    mean = total / n
    variance = sum((y - mean) ** 2 for y in history) / (n - 1)
    if variance <= mean:
        if count <= 0:
            return 1.0, "poisson"
        return _binomial_mid_p(count, count + total, fraction / (n + fraction)), "poisson"
    mu = fraction * mean
    predictive = fraction**2 * variance * (1 + 1 / n) + fraction * (1 - fraction) * mean
    if count <= 0:
        return 1.0, "negative_binomial"
    size = mu * mu / (predictive - mu)
    plug_in = _negative_binomial_mid_p(count, size, mu / (size + mu))
    # Student-t calibration for the estimated scale: p = T_{n-1}(Φ⁻¹(p0)).
    return float(stdtr(n - 1, ndtri(plug_in))), "negative_binomial"


def _binomial_mid_p(x: int, trials: int, p: float) -> float:
    # P(X >= x) = I_p(x, N - x + 1); P(X > x) = I_p(x + 1, N - x), zero when x == N.
    at_least = float(betainc(x, trials - x + 1, p))
    above = float(betainc(x + 1, trials - x, p)) if x < trials else 0.0
    return (at_least + above) / 2


def _negative_binomial_mid_p(x: int, size: float, q: float) -> float:
    # Failures before the size-th success, failure probability q: P(X >= x) = I_q(x, size).
    return float(betainc(x, size, q) + betainc(x + 1, size, q)) / 2


def _day(moment: datetime | date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _index(day: date, period: Period) -> int:
    ordinal = day.toordinal()
    return ordinal if period == "day" else (ordinal - 1) // 7  # ordinal 1 was a Monday


def _start(index: int, period: Period) -> date:
    return date.fromordinal(index if period == "day" else index * 7 + 1)


def detect_surges(
    events: Iterable[tuple[datetime | date, str]],
    *,
    on: date,
    period: Period = "day",
    baseline: int | None = None,
    guard: int | None = None,
    threshold: float = 0.01,
    min_count: int = 5,
    min_history: int | None = None,
    since: date | None = None,
) -> list[Surge]:
    """Keys whose count in the period containing ``on`` is a surge, most significant first.

    ``events`` are ``(time, key)`` pairs; events after ``on`` are ignored, so a past day can be
    re-examined as it was. ``baseline`` is the number of earlier periods compared against (28
    days or 8 weeks), ``guard`` the periods skipped just before the current one (2 days or 1
    week). See the module notes for the test, ``min_history`` and ``since``.
    """
    if period not in _DEFAULT_BASELINE:
        raise ValidationError(
            f"未知的统计周期“{period}”，可选：day（日）、week（周）。", period=period
        )
    baseline = _DEFAULT_BASELINE[period] if baseline is None else baseline
    guard = _DEFAULT_GUARD[period] if guard is None else guard
    min_history = max(2, baseline // 2) if min_history is None else min_history
    if baseline < 2 or guard < 0 or not 2 <= min_history <= baseline:
        raise ValidationError(
            "基线周期数至少为 2，间隔周期数不能为负，最少历史周期数须在 2 与基线周期数之间。",
            baseline=baseline,
            guard=guard,
            min_history=min_history,
        )
    if not 0 < threshold < 1:
        raise ValidationError(f"显著性阈值须在 (0, 1) 内，收到 {threshold}。")

    current = _index(on, period)
    first_base = current - guard - baseline
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    earliest: date | None = None
    for moment, key in events:
        day = _day(moment)
        if day > on:
            continue
        if earliest is None or day < earliest:
            earliest = day
        index = _index(day, period)
        if index >= first_base:
            counts[key][index] += 1
    if earliest is None:
        return []
    observed_from = max(_index(since or earliest, period), first_base)
    window = range(observed_from, current - guard)
    if len(window) < min_history:
        return []
    fraction = (on.weekday() + 1) / 7 if period == "week" else 1.0

    surges = []
    for key, per_period in counts.items():
        count = per_period[current]
        if count < min_count:
            continue
        history = [per_period[i] for i in window]
        p_value, method = surge_p_value(count, history, fraction)
        if p_value >= threshold:
            continue
        expected = fraction * sum(history) / len(history)
        floor = fraction / len(history)  # one event over the whole baseline
        surges.append(
            Surge(
                key=key,
                period=period,
                period_start=_start(current, period),
                count=count,
                expected=expected,
                p_value=p_value,
                ratio=count / max(expected, floor),
                history=history,
                method=method,
            )
        )
    surges.sort(key=lambda s: (s.p_value, -s.ratio, s.key))
    return surges


def new_problems(
    current: Sequence[Set[str]], previous: Sequence[Set[str]], *, min_overlap: float = 0.5
) -> list[int]:
    """Indexes of the ``current`` hot-problem groups that have no counterpart in ``previous``.

    A group is a set of message ids or of descriptive keys (place, issue words). Two groups are
    counterparts when they share at least ``min_overlap`` of the smaller one (the overlap
    coefficient ``|A ∩ B| / min(|A|, |B|)``), so a problem that grew since the earlier run, or
    that the earlier run saw only the start of, is not new. An empty group is never new.
    """
    if not 0 < min_overlap <= 1:
        raise ValidationError(f"重合比例须在 (0, 1] 内，收到 {min_overlap}。")
    owners: dict[str, list[int]] = defaultdict(list)
    for j, group in enumerate(previous):
        for member in group:
            owners[member].append(j)
    fresh = []
    for i, group in enumerate(current):
        if not group:
            continue
        shared: Counter[int] = Counter(j for member in group for j in owners.get(member, ()))
        if not any(n / min(len(group), len(previous[j])) >= min_overlap for j, n in shared.items()):
            fresh.append(i)
    return fresh


def period_start(day: date, period: Period) -> date:
    """The first day of the period containing ``day`` (the day itself, or its Monday)."""
    return day - timedelta(days=day.weekday()) if period == "week" else day

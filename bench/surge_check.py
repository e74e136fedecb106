"""Surge test calibration: false alarms on stationary series, detection of spikes, and speed.

:func:`govai.analytics.surge.surge_p_value` is run on simulated count series — a baseline of
``n`` periods and one current period drawn from the same distribution (stationary: every alert
is a false alarm), or with the current period's mean multiplied (a spike: every alert is a
detection). Series are Poisson (means 1–30) or negative binomial (mean 5–20, size 1–5: variance
up to 11 times the mean, as daily complaint counts per place often are). Seeded; deterministic.

Peers, at the same threshold:

* ``EARS C2`` — the CDC's Early Aberration Reporting System test: z = (x − m) / s over a 7-period
  baseline with a 2-period guard (s floored at 0.2), one-sided normal tail;
* ``Poisson plug-in`` — P(X ≥ x) for a Poisson with the baseline mean, no allowance for
  over-dispersion or for the mean being estimated.

Speed: :func:`govai.analytics.surge.detect_surges` over 60 days of events for 1,000 keys.

Usage: ``python bench/surge_check.py [--series N] [--no-write]``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Report

from govai.analytics.surge import detect_surges, surge_p_value

THRESHOLD = 0.01
SERIES: list[tuple[str, float, float | None]] = [
    ("Poisson", 1.0, None),
    ("Poisson", 3.0, None),
    ("Poisson", 10.0, None),
    ("Poisson", 30.0, None),
    ("NB size 2", 5.0, 2.0),
    ("NB size 5", 20.0, 5.0),
    ("NB size 1", 10.0, 1.0),
]
PValue = Callable[[int, Sequence[int]], float]


def govai(x: int, history: Sequence[int]) -> float:
    return surge_p_value(x, history)[0]


def ears_c2(x: int, history: Sequence[int]) -> float:
    recent = list(history[-7:])  # the guard is left out by the caller, as for govai
    mean = sum(recent) / len(recent)
    sd = max(math.sqrt(sum((y - mean) ** 2 for y in recent) / (len(recent) - 1)), 0.2)
    return float(stats.norm.sf((x - mean) / sd))


def poisson_plug_in(x: int, history: Sequence[int]) -> float:
    return float(stats.poisson.sf(x - 1, sum(history) / len(history)))


def draw(
    rng: np.random.Generator, mean: float, size: float | None, shape: tuple[int, ...]
) -> np.ndarray:
    if size is None:
        return rng.poisson(mean, shape)
    return rng.negative_binomial(size, size / (size + mean), shape)


def alert_rate(
    test: PValue,
    mean: float,
    size: float | None,
    *,
    periods: int,
    series: int,
    spike: float,
    seed: int,
) -> float:
    rng = np.random.default_rng(seed)
    history = draw(rng, mean, size, (series, periods))
    current = draw(rng, mean * spike, size, (series,))
    alerts = sum(
        test(int(x), row.tolist()) < THRESHOLD for x, row in zip(current, history, strict=True)
    )
    return alerts / series


def speed(keys: int = 1000, days: int = 60) -> tuple[int, float]:
    rng = np.random.default_rng(7)
    on = date(2024, 6, 30)
    events = [
        (on - timedelta(days=d), f"地点{k}")
        for k in range(keys)
        for d in range(days)
        for _ in range(int(rng.poisson(3)))
    ]
    start = time.perf_counter()
    detect_surges(events, on=on)
    detect_surges(events, on=on, period="week")
    return len(events), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=4000, help="series per cell (4000)")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    n = args.series

    tests: list[tuple[str, PValue, int]] = [
        ("govai, 28-period baseline", govai, 28),
        ("govai, 14-period baseline", govai, 14),
        ("govai, 8-period baseline", govai, 8),
        ("EARS C2 (7 periods)", ears_c2, 7),
        ("Poisson plug-in (28 periods)", poisson_plug_in, 28),
    ]
    headers = ["test", *(f"{kind} mean {mean:g}" for kind, mean, _ in SERIES)]
    false_alarms = [
        [
            name,
            *(
                f"{alert_rate(test, m, s, periods=p, series=n, spike=1, seed=i):.2%}"
                for i, (_, m, s) in enumerate(SERIES)
            ),
        ]
        for name, test, p in tests
    ]
    detections = [
        [
            f"{name}, {spike:g}× spike",
            *(
                f"{alert_rate(test, m, s, periods=p, series=n, spike=spike, seed=100 + i):.0%}"
                for i, (_, m, s) in enumerate(SERIES)
            ),
        ]
        for spike in (2.0, 3.0)
        for name, test, p in tests[:1] + tests[3:]
    ]
    events, seconds = speed()

    report = Report(
        "surge_check", "Surge test calibration (bench/surge_check.py)", packages=("numpy", "scipy")
    )
    report.note(
        f"False alarms at p < {THRESHOLD} on stationary series ({n:,} series per cell; the "
        "threshold is the rate to expect):"
    )
    report.table(headers, false_alarms)
    report.note(
        "Spikes detected at p < 0.01 when the current period's mean is 2 or 3 times the "
        "baseline's (no minimum count; `detect_surges` also requires `min_count`, 5 by "
        "default). A peer's higher detection rate comes with its higher false-alarm rate above."
    )
    report.table(headers, detections)
    report.note(
        f"`detect_surges` (day and week) over {events:,} events of 1,000 keys and 60 days: "
        f"{seconds:.2f} s in one process."
    )
    print(report.markdown())
    if not args.no_write:
        report.write()


if __name__ == "__main__":
    main()

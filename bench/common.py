"""Helpers shared by the benchmark scripts in ``bench/``.

Every script measures, prints a table and writes it into its own section of
``docs/benchmarks.md``, between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``, together with
the machine, the date and the command that produced it. Re-running a script replaces only its
own section, so the file collects the latest run of every script::

    from common import Report, percentile

    report = Report("search_speed", "Lexical search speed")
    report.table(["engine", "p50 ms"], [["govai", 0.8]])
    report.note("The machine is shared; compare ratios within one run.")
    report.write()          # prints nothing; print(report.markdown()) to show it

The machine these run on is shared and noisy: compare figures as ratios within one run, never
across runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import platform
import re
import shlex
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"
SHARED_DATA = Path(os.environ.get("GOVAI_SHARED_DATA", "/work/shared/data"))

HEADER = """# Benchmarks

Figures written by the scripts in `bench/` (see `bench/README.md`). Each section says which machine,
date and command produced it; re-running a script replaces its own section. The machine is shared
and noisy, so compare figures as ratios within one section, not across sections or runs.
"""

T = TypeVar("T")


# ── the machine ───────────────────────────────────────────────────────────────


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return None


def machine_info() -> str:
    """One line: CPU model, cores, RAM, Python and OS."""
    ram = ram_gib()
    parts = [
        cpu_model(),
        f"{os.cpu_count()} cores",
        f"{ram:.0f} GiB RAM" if ram else "RAM unknown",
        f"Python {platform.python_version()}",
        f"{platform.system()} {platform.release()}",
    ]
    return ", ".join(parts)


def versions(*packages: str) -> str:
    """``name version`` for each installed package, e.g. ``jieba 0.42.1, numpy 2.4.6``."""
    found = []
    for name in packages:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def command_line() -> str:
    script = Path(sys.argv[0])
    with contextlib.suppress(ValueError):  # run from outside the repository
        script = script.resolve().relative_to(ROOT)
    return shlex.join([".venv/bin/python", str(script), *sys.argv[1:]])


# ── measuring ─────────────────────────────────────────────────────────────────


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) with linear interpolation, as ``numpy.percentile``."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn()`` and the seconds it took (wall clock)."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def latencies_ms(
    fn: Callable[[T], Any], inputs: Sequence[T], *, repeat: int = 1, warmup: int = 3
) -> list[float]:
    """Milliseconds of ``fn(x)`` for each input, ``repeat`` rounds, after ``warmup`` calls.

    Rounds interleave the inputs (all inputs, then all again) so a burst of noise on the shared
    machine spreads over the queries instead of hitting one of them.
    """
    for x in list(inputs)[:warmup]:
        fn(x)
    samples = []
    for _ in range(repeat):
        for x in inputs:
            start = time.perf_counter()
            fn(x)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


# ── tables and the benchmarks file ────────────────────────────────────────────


def fmt(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[fmt(v) for v in row] for row in rows]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def write_section(name: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Put ``body`` between this script's markers in ``path``, replacing an earlier run."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


class Report:
    """A benchmarks.md section: title, provenance, then tables and notes in order."""

    def __init__(self, name: str, title: str, *, packages: Sequence[str] = ()) -> None:
        self.name = name
        self.title = title
        self.started = dt.datetime.now().astimezone()
        self.load_at_start = load_average()
        self.packages = packages
        self.parts: list[str] = []

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
        text = markdown_table(headers, rows)
        self.parts.append(text)
        return text

    def note(self, text: str) -> None:
        self.parts.append(text.strip())

    def markdown(self) -> str:
        provenance = [
            f"- Machine: {machine_info()}",
            f"- Date: {self.started:%Y-%m-%d %H:%M %Z}; load average (1/5/15 min) "
            f"{self.load_at_start} at the start, {load_average()} at the end",
            f"- Command: `{command_line()}`",
        ]
        if self.packages:
            provenance.append(f"- Versions: {versions(*self.packages)}")
        return "\n\n".join([f"## {self.title}", "\n".join(provenance), *self.parts])

    def write(self, path: Path = BENCHMARKS_MD) -> None:
        write_section(self.name, self.markdown(), path)

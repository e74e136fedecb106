"""Pre-checks per second on the demo rule set, and the end-to-end latency of a check with its
notice.

Design
------
* The rule set: the four demo items (``src/govai/demo/catalog/items.yaml``) with their rule
  files (``src/govai/demo/rules/*.yaml``): 失业保险金, 高龄津贴 (秒批), 住房公积金提取, 居住证.
* The applications: every example application the rule files carry as their own tests
  (complete ones, missing materials, ineligible applicants, each item's edge cases), and for
  each two variants a counter would also see: all materials left out (a 补正 listing every
  paper), and one fact left out (the first field the example gives, so conditions over it are
  unknown and go to a person). They are the JSON mappings an API call receives; parsing is
  part of every check.
* Throughput, one process, one thread: the applications in turn, ``rounds`` passes, through
  :func:`govai.scenarios.approval.applications.check` — the pre-check with the due date in
  working days over the Chinese calendar, what ``submit`` runs — three ways: the check alone,
  with the documented JSON contract (``to_dict``), and with the full explanation a reviewer
  reads (``report``: every condition's status, computed values). Wall and CPU seconds are
  both given; CPU seconds are less affected by other processes on the shared machine.
* End to end, over a real SQLite database in a temporary folder: ``submit`` (the application
  stored, pre-checked, logged and audited in one transaction) and then the notice its outcome
  calls for, drafted as a GB/T 9704 .docx with the AI labels
  (:func:`govai.scenarios.approval.notices.draft_notice`: 补正材料通知书, 受理通知书 or
  准予…决定书), each in its own transaction, as the console does. p50/p95 per application.

Usage: ``python bench/approval_checks.py [--rounds N] [--e2e N] [--no-write]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Report, percentile

from govai.approval.items import ServiceItem
from govai.approval.rulefile import DEMO_RULES_DIR, load_rule_dir
from govai.approval.rules import RuleSet
from govai.approval.ruletests import demo_items
from govai.approval.workdays import WorkCalendar
from govai.scenarios.approval.applications import check

SECTION = "approval_checks"


@dataclass(frozen=True)
class Case:
    item: ServiceItem
    rules: RuleSet
    application: dict[str, Any]
    today: date
    kind: str  # example | no materials | one fact unknown


def cases() -> list[Case]:
    items = demo_items()
    out: list[Case] = []
    for code, rules in sorted(load_rule_dir(DEMO_RULES_DIR).items()):
        for test in rules.tests:
            item = items[code]
            if test.auto_approval is not None:
                item = replace(item, auto_approval=test.auto_approval)
            # as an API call receives it: JSON, dates as ISO strings
            app = json.loads(json.dumps(test.application, default=str))
            out.append(Case(item, rules, app, test.today, "example"))
            out.append(Case(item, rules, {**app, "materials": []}, test.today, "no materials"))
            fields = dict(app.get("fields") or {})
            if fields:
                fields.pop(next(iter(fields)))
                out.append(
                    Case(item, rules, {**app, "fields": fields}, test.today, "one fact unknown")
                )
    return out


def throughput(
    all_cases: list[Case], calendar: WorkCalendar, rounds: int, explain: str
) -> tuple[float, float, int]:
    """Checks per second (wall, CPU) over ``rounds`` passes; ``explain`` '' | to_dict | report."""

    def one(case: Case) -> object:
        result = check(case.item, case.rules, case.application, case.today, calendar)
        if explain == "to_dict":
            return result.to_dict()
        if explain == "report":
            return result.report()
        return result

    for case in all_cases:  # warm up: closures, calendar years, imports
        one(case)
    n = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for case in all_cases:
            one(case)
            n += 1
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return n / wall, n / cpu, n


def end_to_end(all_cases: list[Case], n: int) -> dict[str, list[float]]:
    """Milliseconds of submit and of drafting the notice, per application, on SQLite."""
    from argon2 import PasswordHasher

    from govai.accounts import passwords
    from govai.accounts.principal import cli_principal
    from govai.demo import load_demo
    from govai.platform import Platform
    from govai.scenarios.approval import applications as apps
    from govai.scenarios.approval import notices
    from govai.settings import Settings

    passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    operator = cli_principal("bench")
    times: dict[str, list[float]] = {"submit": [], "notice": [], "total": []}
    with tempfile.TemporaryDirectory() as home:
        settings = Settings.load({}).replace(home=home)
        platform = Platform.open(settings)
        try:
            platform.db.migrate()
            load_demo(platform, operator, messages=False)  # with the catalogue and its rules
            kinds = {
                "needs_correction": "correction",
                "under_review": "acceptance",
                "approved": "approval",
            }
            picked = [c for c in all_cases if c.kind != "one fact unknown"]
            for i in range(n):
                case = picked[i % len(picked)]
                t0 = time.perf_counter()
                with platform.db.session() as session:
                    row = apps.submit(
                        session, operator, case.item.code, case.application, today=case.today
                    )
                    app_id, status = row.id, row.status
                t1 = time.perf_counter()
                kind = kinds.get(status)
                if kind is not None:
                    with platform.db.session() as session:
                        notice = notices.draft_notice(
                            session, operator, app_id, kind, settings=settings, today=case.today
                        )
                        assert notice.data[:2] == b"PK"
                t2 = time.perf_counter()
                times["submit"].append((t1 - t0) * 1000)
                times["notice"].append((t2 - t1) * 1000)
                times["total"].append((t2 - t0) * 1000)
        finally:
            platform.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="passes over the applications")
    parser.add_argument("--e2e", type=int, default=60, help="applications end to end (0: none)")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    all_cases = cases()
    calendar = WorkCalendar()
    outcomes = Counter(
        check(c.item, c.rules, c.application, c.today, calendar).outcome for c in all_cases
    )
    kinds = Counter(c.kind for c in all_cases)
    report = Report(
        SECTION,
        "Approval pre-checks per second and check + notice latency (bench/approval_checks.py)",
        packages=("PyYAML", "chinesecalendar", "python-docx", "SQLAlchemy"),
    )
    mix = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    report.note(
        f"{len(all_cases)} applications for the 4 demo items: "
        + ", ".join(f"{v} {k}" for k, v in kinds.items())
        + f"; outcomes: {mix}. One process pinned to one core."
    )
    rows = []
    variants: list[tuple[str, str]] = [
        ("check (outcome, reasons, due date)", ""),
        ("check + to_dict (the JSON contract)", "to_dict"),
        ("check + report (full explanation)", "report"),
    ]
    for label, explain in variants:
        wall, cpu, n = throughput(all_cases, calendar, args.rounds, explain)
        rows.append([label, n, round(wall), round(cpu), round(1e6 / wall, 1)])
        print(f"{label}: {wall:,.0f}/s wall, {cpu:,.0f}/s CPU", flush=True)
    report.table(["what is timed", "checks", "per s (wall)", "per s (CPU)", "µs each"], rows)
    report.note("Target: ≥ 5,000 checks/s on one core including explanations (issue 5).")

    if args.e2e:
        times = end_to_end(all_cases, args.e2e)
        measure: Callable[[str], list[Any]] = lambda k: [  # noqa: E731
            k,
            len(times[k]),
            percentile(times[k], 50),
            percentile(times[k], 95),
            statistics.fmean(times[k]),
        ]
        report.table(
            ["end to end, SQLite", "applications", "p50 ms", "p95 ms", "mean ms"],
            [measure("submit"), measure("notice"), measure("total")],
        )
        report.note(
            "`submit` stores the application, pre-checks it, writes the process log and the "
            "audit entry in one transaction; `notice` drafts the notice its outcome calls for "
            "(补正材料通知书, 受理通知书 or 准予…决定书) as a GB/T 9704 .docx with the explicit "
            "and implicit AI labels and its audit entry, in a second transaction "
            "(`govai.scenarios.approval.notices.draft_notice`). The examples whose pre-check "
            "proposes a refusal get the 受理通知书 too, since a person decides."
        )
    print(report.markdown())
    if not args.no_write:
        report.write()


if __name__ == "__main__":
    main()

"""The tests a rule file carries, run like OpenFisca's YAML tests.

Each test is an example application with what the pre-check must say about it::

    tests:
      - name: 缴费不满1年：不予受理
        today: 2025-03-03              # required: results must not depend on the day it runs
        auto_approval: true            # optional: pretend the department allows 秒批
        application:
          applicant: {id_number: "110105198003070012"}
          fields: {contribution_months: 8, …}
          materials: [居民身份证, 终止或者解除劳动关系的证明]
        expect:
          outcome: denied              # approved | denied | needs_correction | needs_review
          missing_materials: []        # names, compared as a set
          unmet_conditions: [contribution]   # ids (field.<name> for a missing fact), as a set
          values: {max_months: 12}     # fields or table outputs, only those named

Only the keys given under ``expect`` are compared. The item a test runs against is the
catalogue's (so the catalogue's materials and auto-approval are part of what is tested) when one
is given, otherwise a bare item made from the rule file; ``auto_approval`` in a test overrides
either. A rule file that does not load is reported with its errors rather than stopping the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from govai.approval.expr_lib import UNKNOWN, format_value
from govai.approval.items import ServiceItem
from govai.approval.materials import parse_date
from govai.approval.precheck import OUTCOMES, precheck
from govai.approval.rulefile import DEMO_RULES_DIR, load_rules, rule_files
from govai.approval.rulemodel import RuleSet, RuleTest
from govai.errors import ValidationError

__all__ = [
    "DEMO_CATALOG",
    "RuleTestCase",
    "RuleTestReport",
    "demo_items",
    "run_rule_test",
    "run_rule_tests",
]

DEMO_CATALOG = Path(__file__).resolve().parent.parent / "demo" / "catalog" / "items.yaml"


@dataclass(frozen=True)
class RuleTestCase:
    file: str
    item: str
    name: str
    line: int
    outcome: str
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class RuleTestReport:
    cases: tuple[RuleTestCase, ...]
    errors: tuple[tuple[str, str], ...]  # (file, message) of files that did not load

    @property
    def passed(self) -> int:
        return sum(1 for c in self.cases if c.passed)

    @property
    def failed(self) -> int:
        return len(self.cases) - self.passed

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors and bool(self.cases)


def demo_items() -> dict[str, ServiceItem]:
    """The demo catalogue's items by code."""
    from govai.approval.catalog import read_catalog_yaml

    return {item.code: item for item in read_catalog_yaml(DEMO_CATALOG).items}


def run_rule_tests(
    paths: Iterable[str | Path] | None = None, items: Mapping[str, ServiceItem] | None = None
) -> RuleTestReport:
    """Run the tests of every rule file under ``paths`` (default: the demo rules against the
    demo catalogue)."""
    if paths is None:
        paths = [DEMO_RULES_DIR]
        if items is None:
            items = demo_items()
    cases: list[RuleTestCase] = []
    errors: list[tuple[str, str]] = []
    for path in rule_files(paths):
        try:
            rules = load_rules(path)
        except ValidationError as exc:
            errors.append((str(path), exc.message))
            continue
        if not rules.tests:
            errors.append((str(path), f"规则文件 {path} 没有 tests，请至少写一个示例申请。"))
            continue
        item = (items or {}).get(rules.item) or _bare_item(rules)
        cases.extend(run_rule_test(rules, test, item) for test in rules.tests)
    return RuleTestReport(tuple(cases), tuple(errors))


def _bare_item(rules: RuleSet) -> ServiceItem:
    return ServiceItem(rules.item, rules.name, rules.department or "（未指定）")


def run_rule_test(rules: RuleSet, test: RuleTest, item: ServiceItem) -> RuleTestCase:
    """Run one test; its failures are Chinese sentences naming expected and actual."""
    if test.auto_approval is not None:
        item = replace(item, auto_approval=test.auto_approval)
    try:
        result = precheck(item, rules, test.application, test.today)
    except ValidationError as exc:
        return RuleTestCase(rules.path, rules.item, test.name, test.line, "", (exc.message,))
    failures: list[str] = []
    expect = test.expect
    if "outcome" in expect and expect["outcome"] != result.outcome:
        why = "；".join(result.reasons)
        failures.append(
            f"结果应为 {expect['outcome']}（{OUTCOMES.get(str(expect['outcome']), '?')}），"
            f"实际为 {result.outcome}（{OUTCOMES[result.outcome]}）：{why}"
        )
    if "missing_materials" in expect:
        actual = {m.name for m in result.missing_materials}
        _compare_sets(failures, "缺少材料", expect["missing_materials"], actual)
    if "unmet_conditions" in expect:
        actual = {c.id for c in result.unmet_conditions}
        _compare_sets(failures, "未满足条件", expect["unmet_conditions"], actual)
    values = expect.get("values") or {}
    if values:
        ev = rules.evaluate(
            test.application.get("fields") or {},
            test.application.get("applicant") or {},
            test.today,
        )
        for name, wanted in values.items():
            got = ev.env.get(name, UNKNOWN)
            if not _same_value(wanted, got):
                failures.append(f"{name} 应为 {format_value(wanted)}，实际为 {format_value(got)}")
    return RuleTestCase(
        rules.path, rules.item, test.name, test.line, result.outcome, tuple(failures)
    )


def _compare_sets(failures: list[str], what: str, wanted: Any, actual: set[str]) -> None:
    expected = {str(x) for x in wanted or []}
    if expected != actual:
        extra = "、".join(sorted(actual - expected)) or "无"
        lacking = "、".join(sorted(expected - actual)) or "无"
        failures.append(f"{what}不符：多出 {extra}；缺少 {lacking}")


def _same_value(wanted: Any, got: Any) -> bool:
    if got is UNKNOWN:
        return wanted is None
    if isinstance(got, date) and isinstance(wanted, str | date):
        return parse_date(wanted) == got
    if isinstance(got, list) and isinstance(wanted, list):
        return sorted(map(str, got)) == sorted(map(str, wanted))
    if isinstance(got, bool) or isinstance(wanted, bool):
        return got is wanted
    return bool(got == wanted)

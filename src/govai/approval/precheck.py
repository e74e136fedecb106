"""Pre-check of an application: what is missing, what fails, and what a person must decide.

``precheck(item, rules, application, today)`` gives one of four outcomes, with every reason and
its legal basis:

``needs_correction`` (补正)
    materials missing or defective, required facts not given, or conditions the applicant can
    still meet (``fixable``) unmet. *All* of them are listed at once: 《中华人民共和国行政许可法》
    第三十二条第一款第四项 requires the office to tell the applicant everything to correct in one
    notice (一次性告知), so the check never stops at the first problem.
``denied`` (不予受理/不予许可, proposed)
    a machine-checked condition the applicant cannot cure fails (``fixable: false``: contributions
    under one year, age under 80). The reasons say why, and the applicant's right to apply for
    administrative review or bring a lawsuit is stated (第三十八条第二款).
``approved``
    only when the item allows it (``ServiceItem.auto_approval``, the department's 秒批/无人干预
    permission), a rule file exists with at least one machine-checked condition, every
    condition is machine-checked and passes, every material is present and was matched with
    certainty, and nothing is left for a person.
``needs_review``
    everything else goes to a person with this report: manual conditions, conditions whose facts
    are unknown, conditional materials nobody could decide, an item without a rule file (its
    published conditions go to the reviewer as text, never decided by a machine).

Precedence when an unfixable failure and missing materials meet. The 行政许可法 orders the
steps: materials are checked for completeness and form at acceptance (第三十二条: 补正, or
不予受理 when the matter is outside the office or needs no licence), the substance afterwards
(第三十四条 审查, 第三十八条 准予/不予). Read literally, a correction notice would come first and
the refusal only after the applicant had gathered every missing paper. We put ``denied`` first
instead, for three reasons: (1) no correction can cure an unfixable failure, so a 补正 notice
would send the applicant to collect documents for an application that must fail — the waste of
time 一次性告知 exists to prevent; (2) the failing condition is decided from facts the applicant
declared, which the missing materials would only confirm; (3) the outcome is a *proposal*: the
辅助型定位 means a person signs every refusal, and the result still lists every missing material
and every unmet condition, so a reviewer who finds the declared fact wrong can issue the
correction notice from the same report without re-running anything. A *fixable* failure never
denies: it is corrected like a missing paper.

Materials: the rule file's list overlays the catalogue item's by name (a rule ``when:`` makes a
material conditional on the answers; an item material the file does not mention keeps the
item's need, and its free-text condition goes to a person). Presence is decided by
:func:`govai.approval.materials.check_presence` (tolerant name matching); a submitted entry's
``file`` is checked against the material's file types, ``valid_until`` for expiry and
``holder`` (the name on it) against the applicant's name. Further findings the caller computed
(file contents, OCR) come in ``material_findings`` and are merged by the same rules: fixable
ones are corrections, the others go to a person.

Application shape: ``{"applicant": {…}, "fields": {…}, "materials": [{"name", "file"?,
"valid_until"?, "holder"?}]}`` (a material may also be given as its name alone). A malformed
application raises :class:`~govai.errors.ValidationError` listing every problem; a malformed
*value* (a date that is not a date) is a correction item instead, because the applicant can fix
it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from govai.approval.expr_lib import UNKNOWN
from govai.approval.items import MaterialSpec, ServiceItem
from govai.approval.materials import (
    Finding,
    check_file_type,
    check_not_expired,
    check_presence,
    check_same_name,
)
from govai.approval.rulemodel import ConditionResult, Evaluation, MaterialRule, RuleSet
from govai.errors import ValidationError

__all__ = [
    "BASIS_CORRECTION",
    "BASIS_REFUSAL",
    "OUTCOMES",
    "RIGHT_OF_REVIEW",
    "Application",
    "MissingMaterial",
    "Outcome",
    "PrecheckResult",
    "SubmittedMaterial",
    "UnmetCondition",
    "material_specs",
    "parse_application",
    "precheck",
]

Outcome = Literal["approved", "denied", "needs_correction", "needs_review"]
OUTCOMES: dict[str, str] = {
    "approved": "准予（自动审批）",
    "denied": "建议不予受理/不予许可",
    "needs_correction": "需补正材料",
    "needs_review": "转人工审核",
}
RIGHT_OF_REVIEW = "申请人如对决定不服，依法享有申请行政复议或者提起行政诉讼的权利。"
BASIS_CORRECTION = "《中华人民共和国行政许可法》第三十二条第一款第四项"
BASIS_REFUSAL = "《中华人民共和国行政许可法》第三十八条第二款"
_APPLICATION_KEYS = ("applicant", "fields", "materials")

#: computes the due date for an outcome (e.g. with the working-day calendar)
DeadlineHook = Callable[[ServiceItem, str, date], date | None]


@dataclass(frozen=True)
class SubmittedMaterial:
    name: str
    file: str = ""
    valid_until: str | date | None = None
    holder: str = ""


@dataclass(frozen=True)
class Application:
    applicant: Mapping[str, Any]
    fields: Mapping[str, Any]
    materials: tuple[SubmittedMaterial, ...]


@dataclass(frozen=True)
class MissingMaterial:
    """A material to submit or resubmit: ``code`` is ``material_missing`` or the finding's code
    (``file_type_not_allowed``, ``material_expired`` …)."""

    name: str
    reason: str
    basis: str
    code: str = "material_missing"

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "code": self.code, "reason": self.reason, "basis": self.basis}


@dataclass(frozen=True)
class UnmetCondition:
    """A condition (or a required fact, id ``field.<name>``) that is not met."""

    id: str
    title: str
    reason: str
    basis: str
    fixable: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "reason": self.reason,
            "basis": self.basis,
            "fixable": self.fixable,
        }


@dataclass(frozen=True)
class PrecheckResult:
    """The outcome and everything behind it. :meth:`to_dict` is the documented JSON contract;
    :meth:`report` adds what the reviewer sees (every condition's status, computed values)."""

    item: str
    outcome: Outcome
    missing_materials: tuple[MissingMaterial, ...]
    unmet_conditions: tuple[UnmetCondition, ...]
    reasons: tuple[str, ...]
    legal_basis: tuple[str, ...]
    deadline: date | None = None
    review: tuple[str, ...] = ()  # what a person must look at (also when not needs_review)
    checks: tuple[ConditionResult, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # information that decides nothing (an unlisted extra paper)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "outcome": self.outcome,
            "missing_materials": [m.to_dict() for m in self.missing_materials],
            "unmet_conditions": [c.to_dict() for c in self.unmet_conditions],
            "reasons": list(self.reasons),
            "legal_basis": list(self.legal_basis),
            "deadline": self.deadline.isoformat() if self.deadline else None,
        }

    def report(self) -> dict[str, Any]:
        body = self.to_dict()
        body["outcome_label"] = OUTCOMES[self.outcome]
        body["review"] = list(self.review)
        body["notes"] = list(self.notes)
        body["checks"] = [
            {
                "id": c.condition.id,
                "title": c.condition.title,
                "status": c.status,
                "message": c.message,
                "basis": c.condition.basis,
                "manual": c.condition.manual,
            }
            for c in self.checks
        ]
        body["values"] = {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in self.values.items()
            if v is not UNKNOWN
        }
        return body


# ---------------------------------------------------------------------------------------------
# the application


def parse_application(data: Any) -> Application:
    """Validate the application's shape; one :class:`ValidationError` lists every problem."""
    if not isinstance(data, Mapping):
        raise ValidationError("申请数据应为 JSON 对象，包含 applicant、fields、materials。")
    problems: list[str] = []
    unknown = [str(k) for k in data if k not in _APPLICATION_KEYS]
    if unknown:
        problems.append(
            f"申请数据中有未知的键 {'、'.join(unknown)}；可用的键：{'、'.join(_APPLICATION_KEYS)}。"
        )
    blocks: dict[str, Mapping[str, Any]] = {}
    for key, label in (("applicant", "申请人信息 applicant"), ("fields", "申请表信息 fields")):
        value = data.get(key)
        if value is None:
            blocks[key] = {}
        elif not isinstance(value, Mapping):
            problems.append(f"{label} 应为 JSON 对象（键: 值）。")
            blocks[key] = {}
        else:
            blocks[key] = value
    materials: list[SubmittedMaterial] = []
    raw = data.get("materials")
    if raw is not None and not isinstance(raw, list):
        problems.append(
            '材料清单 materials 应为列表：[{"name": "居民身份证", "file": "sfz.pdf"}]。'
        )
        raw = []
    for n, entry in enumerate(raw or [], 1):
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, Mapping):
            problems.append(f'第 {n} 份材料应为对象，如 {{"name": "居民身份证"}}。')
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"第 {n} 份材料缺少名称 name。")
            continue
        file = entry.get("file") or ""
        holder = entry.get("holder") or ""
        valid = entry.get("valid_until")
        if not isinstance(file, str):
            problems.append(f"第 {n} 份材料（{name}）的 file 应为文件名文本。")
            file = ""
        if not isinstance(holder, str):
            problems.append(f"第 {n} 份材料（{name}）的 holder 应为姓名文本。")
            holder = ""
        if valid is not None and not isinstance(valid, str | date):
            problems.append(f"第 {n} 份材料（{name}）的 valid_until 应为日期文本。")
            valid = None
        materials.append(SubmittedMaterial(name.strip(), file.strip(), valid, holder.strip()))
    if problems:
        raise ValidationError("申请数据有误：" + "".join(problems), problems=problems)
    return Application(blocks["applicant"], blocks["fields"], tuple(materials))


# ---------------------------------------------------------------------------------------------
# the check


def precheck(
    item: ServiceItem,
    rules: RuleSet | None,
    application: Mapping[str, Any] | Application,
    today: date,
    *,
    material_findings: Iterable[Finding] = (),
    deadline: date | DeadlineHook | None = None,
) -> PrecheckResult:
    """Pre-check ``application`` for ``item`` on ``today`` (see the module docstring).

    ``rules`` is the item's rule file, or None (then only materials are machine-checked).
    ``material_findings`` are further findings about the submitted materials (file contents…).
    ``deadline`` is a due date, or a function ``(item, outcome, today) -> date | None`` that
    computes one (the working-day calendar).
    """
    app = application if isinstance(application, Application) else parse_application(application)
    if rules is not None and rules.item != item.code:
        raise ValidationError(
            f"规则文件 {rules.path} 属于事项 {rules.item}，"
            f"不能用于事项 {item.code}（{item.name}）。"
        )
    ev = rules.evaluate(app.fields, app.applicant, today) if rules is not None else None
    state = _State()
    _check_materials(state, item, rules, ev, app, today, material_findings)
    if ev is None:
        text = item.conditions_text.strip()
        state.review.append(
            f"受理条件需人工审查：{text}" if text else "本事项未配置规则文件，受理条件需人工审查。"
        )
        state.review_basis.extend(item.legal_basis)
    else:
        _check_conditions(state, ev)
    outcome = _decide(state, item, rules)
    reasons, basis = _explain(state, outcome, item, rules)
    due = deadline(item, outcome, today) if callable(deadline) else deadline
    return PrecheckResult(
        item=item.code,
        outcome=outcome,
        missing_materials=tuple(state.missing),
        unmet_conditions=tuple(state.unmet),
        reasons=tuple(reasons),
        legal_basis=tuple(basis),
        deadline=due,
        review=tuple(state.review),
        checks=ev.conditions if ev is not None else (),
        values=ev.values(rules.outputs) if ev is not None and rules is not None else {},
        notes=tuple(state.notes),
    )


@dataclass
class _State:
    missing: list[MissingMaterial] = field(default_factory=list)
    unmet: list[UnmetCondition] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    review_basis: list[str] = field(default_factory=list)
    passed: list[ConditionResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine_checked: int = 0


@dataclass(frozen=True)
class _MaterialPlan:
    """The effective material list of an item with its rule file; depends on neither the
    application nor the day, so it is built once per (item, rules) pair."""

    specs: tuple[MaterialSpec, ...]
    free_text_conditional: tuple[MaterialSpec, ...]  # conditional, no rule: a person decides
    basis: Mapping[str, str]


_PLANS: dict[tuple[int, int], tuple[ServiceItem, RuleSet | None, _MaterialPlan]] = {}


def _material_plan(item: ServiceItem, rules: RuleSet | None) -> _MaterialPlan:
    key = (id(item), id(rules))
    cached = _PLANS.get(key)
    if cached is not None and cached[0] is item and cached[1] is rules:
        return cached[2]
    by_name = {m.name: m for m in rules.materials} if rules is not None else {}
    labels = rules.labels if rules is not None else {}
    specs: list[MaterialSpec] = []
    free: list[MaterialSpec] = []
    for spec in item.materials:
        rule = by_name.pop(spec.name, None)
        specs.append(spec if rule is None else _overlay(spec, rule, labels))
        if rule is None and spec.need == "conditional":
            free.append(spec)
    specs.extend(_overlay(None, rule, labels) for rule in by_name.values())  # not in the item
    basis = {m.name: m.basis for m in rules.materials if m.basis} if rules is not None else {}
    plan = _MaterialPlan(tuple(specs), tuple(free), basis)
    if len(_PLANS) > 512:
        _PLANS.clear()
    _PLANS[key] = (item, rules, plan)
    return plan


def material_specs(item: ServiceItem, rules: RuleSet | None) -> tuple[MaterialSpec, ...]:
    """The item's materials as the pre-check sees them: the catalogue's list with the rule
    file's overlaid by name (need, machine-readable condition) and its extra ones appended."""
    return _material_plan(item, rules).specs


def _overlay(
    spec: MaterialSpec | None, rule: MaterialRule, labels: Mapping[str, str]
) -> MaterialSpec:
    if rule.optional:
        need, condition = "optional", ""
    elif rule.when is not None:
        need, condition = "conditional", rule.when.describe(labels)
    else:
        need, condition = "required", ""
    return MaterialSpec(
        name=rule.name,
        need=need,  # type: ignore[arg-type]
        condition=condition,
        file_types=spec.file_types if spec is not None else (),
        description=rule.note or (spec.description if spec is not None else ""),
    )


def _check_materials(
    state: _State,
    item: ServiceItem,
    rules: RuleSet | None,
    ev: Evaluation | None,
    app: Application,
    today: date,
    extra: Iterable[Finding],
) -> None:
    plan = _material_plan(item, rules)
    specs, basis = plan.specs, plan.basis
    applicable: set[str] = set()
    undecided: list[tuple[MaterialSpec, tuple[str, ...]]] = [
        (s, ()) for s in plan.free_text_conditional
    ]
    by_name = {s.name: s for s in specs}
    if ev is not None:
        for need in ev.materials:
            if need.rule.when is None:
                continue
            if need.needed:
                applicable.add(need.rule.name)
            elif need.needed is None:
                undecided.append((by_name[need.rule.name], need.missing))
    submitted = [{"name": m.name} for m in app.materials]
    report = check_presence(specs, submitted, applicable)
    findings: list[Finding] = list(report.findings)
    holders: dict[str, str | None] = {}
    for match in report.matches:
        entry = app.materials[match.index]
        spec = by_name[match.spec]
        if match.how == "similar":
            state.review.append(
                f"提交的“{entry.name}”按名称相近认定为“{spec.name}”，请核对是否为该材料。"
            )
        if entry.file:
            findings.extend(check_file_type(spec, entry.file))
        if entry.valid_until is not None:
            findings.extend(check_not_expired(spec.name, entry.valid_until, today=today))
        if entry.holder:
            holders[spec.name] = entry.holder
    expected = app.applicant.get("name")
    findings.extend(
        check_same_name(holders, expected=expected if isinstance(expected, str) else None)
    )
    findings.extend(extra)
    for spec, missing in undecided:
        if report.satisfied_by(spec.name):
            continue
        why = f"（缺少{'、'.join(missing)}，无法判断）" if missing else ""
        case = f"，适用情形：{spec.condition}" if spec.condition else ""
        state.review.append(f"是否需要提交“{spec.name}”需人工判断{why}{case}。")
    seen: set[tuple[str, str]] = set()
    for f in findings:
        if (f.code, f.material) in seen:
            continue
        seen.add((f.code, f.material))
        if f.code == "material_unlisted":
            state.notes.append(f.message_zh)
        elif f.fixable:
            state.missing.append(
                MissingMaterial(f.material, f.message_zh, basis.get(f.material) or f.basis, f.code)
            )
        else:
            state.review.append(f.message_zh)
            state.review_basis.append(f.basis)


def _check_conditions(state: _State, ev: Evaluation) -> None:
    for issue in ev.field_issues:
        spec = issue.field
        state.unmet.append(
            UnmetCondition(f"field.{spec.name}", spec.label, issue.message, "", True)
        )
    for result in ev.conditions:
        cond = result.condition
        if not cond.manual:
            state.machine_checked += 1
        if result.status == "passed":
            state.passed.append(result)
        elif result.status == "failed":
            state.unmet.append(
                UnmetCondition(cond.id, cond.title, result.message, cond.basis, cond.fixable)
            )
        elif result.status == "manual":
            state.review.append(f"需人工审查：{cond.title}——{result.message}")
            state.review_basis.append(cond.basis)
        elif result.status in ("unknown", "error"):
            state.review.append(result.message)
            state.review_basis.append(cond.basis)


def _decide(state: _State, item: ServiceItem, rules: RuleSet | None) -> Outcome:
    if any(not u.fixable for u in state.unmet):
        return "denied"
    if state.missing or state.unmet:
        return "needs_correction"
    if item.auto_approval and rules is not None and state.machine_checked and not state.review:
        return "approved"
    return "needs_review"


def _explain(
    state: _State, outcome: Outcome, item: ServiceItem, rules: RuleSet | None
) -> tuple[list[str], list[str]]:
    basis: list[str] = []
    if outcome == "denied":
        hard = [u for u in state.unmet if not u.fixable]
        reasons = [u.reason for u in hard] + [RIGHT_OF_REVIEW]
        basis = [u.basis for u in hard] + ([BASIS_REFUSAL] if item.is_licence else [])
    elif outcome == "needs_correction":
        reasons = [m.reason for m in state.missing] + [u.reason for u in state.unmet]
        basis = [m.basis for m in state.missing] + [u.basis for u in state.unmet]
        if item.is_licence:
            basis.append(BASIS_CORRECTION)
    elif outcome == "approved":
        reasons = [f"符合：{r.condition.title}（{r.condition.basis}）" for r in state.passed]
        reasons.append("申请材料齐全。本事项允许自动审批，全部条件经机器核验通过。")
        basis = [r.condition.basis for r in state.passed]
    else:
        reasons = list(state.review)
        if not item.auto_approval:
            reasons.append("本事项未开通自动审批，由工作人员审核决定。")
        elif rules is not None and not state.machine_checked:
            reasons.append("规则文件没有可由机器核验的条件，由工作人员审核决定。")
        basis = list(state.review_basis)
    return reasons, _unique_basis(basis)


def _unique_basis(items: Sequence[str]) -> list[str]:
    out: dict[str, None] = {}
    for item in items:
        for part in item.split("；"):
            part = part.strip()
            if part:
                out.setdefault(part, None)
    return list(out)

"""The rule model: what a loaded rule file is, and what it says about one application.

:mod:`govai.approval.rulefile` builds a :class:`RuleSet` from YAML; :meth:`RuleSet.evaluate`
reads an application's fields (typed, checked, UNKNOWN when absent), runs the decision tables,
decides which materials apply and checks every condition. :mod:`govai.approval.precheck` turns
that into an outcome. The format is described in :mod:`govai.approval.rules`.
"""

from __future__ import annotations

import math
import operator
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from govai.approval.expr import Expression, ExpressionError, Template, compile_expression
from govai.approval.expr_lib import (
    ANY,
    BOOL,
    DATE,
    NUMBER,
    TEXT,
    TYPE_LABELS,
    UNKNOWN,
    Env,
    format_value,
)
from govai.approval.materials import check_resident_id, parse_date

#: field type → (expression type, Chinese name)
FIELD_TYPES: dict[str, tuple[str, str]] = {
    "text": (TEXT, "文本"),
    "number": (NUMBER, "数值"),
    "date": (DATE, "日期"),
    "bool": (BOOL, "是/否"),
    "enum": (TEXT, "选项"),
    "id_number": (TEXT, "公民身份号码"),
}
HIT_POLICIES = {"first": "首条命中", "collect": "全部命中"}
ConditionStatus = Literal["passed", "failed", "unknown", "manual", "not_applicable", "error"]

# ---------------------------------------------------------------------------------------------
# the model


@dataclass(frozen=True)
class FieldSpec:
    """One fact of an application; ``required`` is True, False or an expression."""

    name: str
    type: str
    label: str
    question: str
    required: bool | Expression = True
    default: Any = UNKNOWN
    source: Literal["fields", "applicant"] = "fields"
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    line: int = 0

    @property
    def type_label(self) -> str:
        return FIELD_TYPES[self.type][1]


@dataclass(frozen=True)
class MaterialRule:
    """A material as the rule file sees it: needed always, ``when`` an expression holds, or
    never (``optional``)."""

    name: str
    when: Expression | None = None
    optional: bool = False
    basis: str = ""
    note: str = ""
    line: int = 0


@dataclass(frozen=True)
class Condition:
    """An acceptance condition; exactly one of ``check`` and ``manual`` applies."""

    id: str
    title: str
    basis: str
    reason: Template
    fixable: bool
    check: Expression | None = None
    when: Expression | None = None
    line: int = 0
    fields: frozenset[str] = frozenset()  # declared fields it depends on, through tables too

    @property
    def manual(self) -> bool:
        return self.check is None


_Cell = Callable[[Any, Env], Any]


@dataclass(frozen=True)
class TableRow:
    tests: tuple[_Cell | None, ...]  # None: any value
    values: tuple[Any, ...]
    cells: tuple[str, ...]  # the cells as written, for people
    line: int


@dataclass(frozen=True)
class DecisionTable:
    id: str
    title: str
    basis: str
    hit: Literal["first", "collect"]
    inputs: tuple[Expression, ...]
    outputs: tuple[str, ...]
    rows: tuple[TableRow, ...]
    default: tuple[Any, ...] | None = None
    line: int = 0
    fields: frozenset[str] = frozenset()

    def evaluate(self, env: Env) -> tuple[Any, ...]:
        """One value per output (a list of values for ``collect``), or all UNKNOWN when the
        inputs do not decide the rows (an unknown input reaches a row before a match, or no row
        matches and there is no default)."""
        values = [expr.evaluate(env) for expr in self.inputs]
        unknown = tuple(UNKNOWN for _ in self.outputs)
        matched: list[tuple[Any, ...]] = []
        for row in self.rows:
            hit = _row_matches(row, values, env)
            if hit is UNKNOWN:
                return unknown
            if hit:
                if self.hit == "first":
                    return row.values
                matched.append(row.values)
        if self.hit == "collect":
            return tuple([m[i] for m in matched] for i in range(len(self.outputs)))
        return self.default if self.default is not None else unknown


def _row_matches(row: TableRow, values: Sequence[Any], env: Env) -> Any:
    result: Any = True
    for test, value in zip(row.tests, values, strict=True):
        if test is None:
            continue
        if value is UNKNOWN:
            result = UNKNOWN
            continue
        ok = test(value, env)
        if ok is False:
            return False
        if ok is UNKNOWN:
            result = UNKNOWN
    return result


@dataclass(frozen=True)
class RuleTest:
    """One example application with what the pre-check must say about it."""

    name: str
    today: date
    application: dict[str, Any]
    expect: dict[str, Any]
    auto_approval: bool | None = None
    line: int = 0


@dataclass(frozen=True)
class FieldIssue:
    """A field the application lacks (``missing``) or gives in a form that cannot be used."""

    field: FieldSpec
    kind: Literal["missing", "invalid"]
    message: str


@dataclass(frozen=True)
class ConditionResult:
    condition: Condition
    status: ConditionStatus
    message: str
    missing: tuple[str, ...] = ()  # labels of the unknown facts that kept it undecided


@dataclass(frozen=True)
class MaterialNeed:
    """Whether a rule-file material applies: True, False or None (its ``when`` is unknown)."""

    rule: MaterialRule
    needed: bool | None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """What a rule set says about one application, before materials are matched."""

    env: Env
    field_issues: tuple[FieldIssue, ...]
    materials: tuple[MaterialNeed, ...]
    conditions: tuple[ConditionResult, ...]

    def values(self, names: Iterable[str]) -> dict[str, Any]:
        return {n: self.env[n] for n in names if n in self.env}


@dataclass(frozen=True)
class RuleSet:
    """A loaded, checked and compiled rule file."""

    item: str
    name: str
    version: str
    path: str
    department: str = ""
    description: str = ""
    legal_basis: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    materials: tuple[MaterialRule, ...] = ()
    tables: tuple[DecisionTable, ...] = ()
    conditions: tuple[Condition, ...] = ()
    tests: tuple[RuleTest, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    #: for each field and table output, the declared fields it is computed from
    deps: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(name for table in self.tables for name in table.outputs)

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None

    def evaluate(
        self, fields: Mapping[str, Any], applicant: Mapping[str, Any], today: date
    ) -> Evaluation:
        """Read the fields, run the tables, decide which materials apply and check every
        condition. Never raises for a bad application: bad values become field issues."""
        env: Env = {"today": today}
        issues: list[FieldIssue] = []
        invalid: set[str] = set()
        for spec in self.fields:
            given = applicant if spec.source == "applicant" else fields
            raw = given.get(spec.name, given.get(spec.label))
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                env[spec.name] = spec.default
                continue
            value, problem = coerce_field(spec, raw, today)
            env[spec.name] = value
            if problem:
                invalid.add(spec.name)
                issues.append(FieldIssue(spec, "invalid", problem))
        for spec in self.fields:
            if env[spec.name] is UNKNOWN and spec.name not in invalid:
                required = spec.required
                if isinstance(required, Expression):
                    required = _safe(required, env) is True
                if required:
                    issues.append(FieldIssue(spec, "missing", _missing_message(spec)))
        for table in self.tables:
            try:
                outputs = table.evaluate(env)
            except (ArithmeticError, ValueError, TypeError):
                outputs = tuple(UNKNOWN for _ in table.outputs)
            env.update(zip(table.outputs, outputs, strict=True))
        needs = []
        for rule in self.materials:
            if rule.optional:
                needs.append(MaterialNeed(rule, False))
            elif rule.when is None:
                needs.append(MaterialNeed(rule, True))
            else:
                applies = _safe(rule.when, env)
                if applies is UNKNOWN:
                    needs.append(MaterialNeed(rule, None, self._unknown(rule.when.names, env)))
                else:
                    needs.append(MaterialNeed(rule, bool(applies)))
        results = tuple(self._check(c, env) for c in self.conditions)
        return Evaluation(env, tuple(issues), tuple(needs), results)

    def _check(self, cond: Condition, env: Env) -> ConditionResult:
        if cond.when is not None:
            applies = _safe(cond.when, env)
            if applies is False:
                return ConditionResult(cond, "not_applicable", "")
            if applies is UNKNOWN:
                missing = self._unknown(cond.when.names, env)
                return ConditionResult(cond, "unknown", _undecided(cond, missing), missing)
        if cond.check is None:
            return ConditionResult(cond, "manual", cond.reason.render(env))
        try:
            ok = cond.check.evaluate(env)
        except (ArithmeticError, ValueError, TypeError) as exc:
            message = f"“{cond.title}”无法自动判断（{exc}），需人工审查。"
            return ConditionResult(cond, "error", message)
        if ok is True:
            return ConditionResult(cond, "passed", f"符合：{cond.title}")
        if ok is False:
            return ConditionResult(cond, "failed", cond.reason.render(env))
        missing = self._unknown(cond.check.names, env)
        return ConditionResult(cond, "unknown", _undecided(cond, missing), missing)

    def _unknown(self, names: Iterable[str], env: Env) -> tuple[str, ...]:
        """Labels of the declared facts behind ``names`` that are unknown."""
        facts: set[str] = set()
        for name in names:
            facts |= self.deps.get(name, frozenset())
        return tuple(
            spec.label for spec in self.fields if spec.name in facts and env[spec.name] is UNKNOWN
        )

    def checklist(
        self, answers: Mapping[str, Any], today: date, applicant: Mapping[str, Any] | None = None
    ) -> tuple[list[MaterialRule], list[MaterialRule], list[FieldSpec]]:
        """For guided handling: (materials that apply, materials still undecided, the questions
        whose answers decide the undecided ones)."""
        ev = self.evaluate(answers, applicant or {}, today)
        needed = [m.rule for m in ev.materials if m.needed]
        undecided = [m.rule for m in ev.materials if m.needed is None]
        deciding: set[str] = set()
        for rule in undecided:
            assert rule.when is not None
            for name in rule.when.names:
                deciding |= self.deps.get(name, frozenset())
        questions = [s for s in self.fields if s.name in deciding and ev.env[s.name] is UNKNOWN]
        return needed, undecided, questions


def _safe(expr: Expression, env: Env) -> Any:
    try:
        return expr.evaluate(env)
    except (ArithmeticError, ValueError, TypeError):
        return UNKNOWN


def _undecided(cond: Condition, missing: Sequence[str]) -> str:
    if missing:
        return f"“{cond.title}”无法自动判断：缺少{'、'.join(missing)}。"
    return f"“{cond.title}”无法自动判断，需人工审查。"


def _missing_message(spec: FieldSpec) -> str:
    ask = f"（{spec.question}）" if spec.question else ""
    return f"未填写“{spec.label}”{ask}，请补充。"


# ---------------------------------------------------------------------------------------------
# values from applications


_TRUE = frozenset({"是", "true", "yes", "y", "1", "有", "对"})
_FALSE = frozenset({"否", "false", "no", "n", "0", "无", "不是"})


def coerce_field(spec: FieldSpec, raw: Any, today: date) -> tuple[Any, str | None]:
    """The typed value of ``raw`` for ``spec``, or (UNKNOWN, why it cannot be used)."""
    kind = spec.type
    bad = f"“{spec.label}”填写的“{format_value(raw)}”"
    if kind == "number":
        value: Any = raw
        if isinstance(raw, str):
            text = unicodedata.normalize("NFKC", raw).strip().replace(",", "")
            try:
                value = float(text) if "." in text else int(text)
            except ValueError:
                return UNKNOWN, f"{bad}不是数值。"
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not (number and math.isfinite(value)):  # JSON's NaN and Infinity cannot be judged
            return UNKNOWN, f"{bad}不是数值。"
        if spec.min is not None and value < spec.min:
            return UNKNOWN, f"{bad}不能小于 {format_value(spec.min)}。"
        if spec.max is not None and value > spec.max:
            return UNKNOWN, f"{bad}不能大于 {format_value(spec.max)}。"
        return value, None
    if kind == "date":
        if isinstance(raw, datetime):
            return raw.date(), None
        if isinstance(raw, date):
            return raw, None
        parsed = parse_date(raw) if isinstance(raw, str) else None
        if parsed is None:
            return UNKNOWN, f"{bad}不是有效日期（应如 2025-03-01）。"
        return parsed, None
    if kind == "bool":
        if isinstance(raw, bool):
            return raw, None
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
        return UNKNOWN, f"{bad}应为“是”或“否”。"
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return UNKNOWN, f"{bad}应为文本。"
    text = str(raw).strip()
    if kind == "enum":
        if text not in spec.choices:
            return UNKNOWN, f"{bad}不是可选项，应为以下之一：{'、'.join(spec.choices)}。"
        return text, None
    if kind == "id_number":
        check = check_resident_id(text, today=today)
        if not check.ok:
            return UNKNOWN, f"“{spec.label}”有误：{check.reason_zh}"
        return check.value, None
    return text, None


# ---------------------------------------------------------------------------------------------
# decision table cells


def literal_type(value: Any) -> str:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | float):
        return NUMBER
    if isinstance(value, str):
        return TEXT
    if isinstance(value, date):
        return DATE
    return ANY


_CELL_OPS = (">=", "<=", "!=", "==", ">", "<", "≥", "≤", "≠")
_CELL_OP_NORMAL = {"≥": ">=", "≤": "<=", "≠": "!="}


def compile_cell(cell: Any, input_type: str, types: Mapping[str, str]) -> _Cell | None:
    """A DMN unary test: ``-``/empty (any), ``>= 12``, ``12..59`` (inclusive), a list (one of),
    or a literal (equals). Other names may appear in the bounds (``>= min_months``)."""
    if cell is None or (isinstance(cell, str) and cell.strip() in ("", "-")):
        return None
    if isinstance(cell, list):
        kinds = {literal_type(v) for v in cell}
        if input_type != ANY and kinds - {input_type}:
            raise ExpressionError(f"列表中的值须为与输入相同的类型（{input_type}）", 0)
        members = frozenset(cell)
        return lambda value, env: value in members
    if isinstance(cell, str):
        text = cell.strip()
        for op in _CELL_OPS:
            if text.startswith(op):
                bound = compile_expression(text[len(op) :].strip(), types)
                _same_type(input_type, bound.type)
                return _cell_compare(_CELL_OP_NORMAL.get(op, op), bound)
        if ".." in text:
            low_src, high_src = text.split("..", 1)
            low = compile_expression(low_src.strip(), types)
            high = compile_expression(high_src.strip(), types)
            _same_type(input_type, low.type)
            _same_type(input_type, high.type)

            def between(value: Any, env: Env) -> Any:
                lo, hi = low.evaluate(env), high.evaluate(env)
                if lo is UNKNOWN or hi is UNKNOWN:
                    return UNKNOWN
                return lo <= value <= hi

            return between
    kind = literal_type(cell)
    _same_type(input_type, kind)
    return lambda value, env: value == cell


def _same_type(input_type: str, kind: str) -> None:
    if ANY not in (input_type, kind) and input_type != kind:
        raise ExpressionError(f"输入是{TYPE_LABELS[input_type]}，条件却是{TYPE_LABELS[kind]}", 0)


def _cell_compare(op: str, bound: Expression) -> _Cell:
    fn = {
        ">=": operator.ge,
        "<=": operator.le,
        ">": operator.gt,
        "<": operator.lt,
        "==": operator.eq,
        "!=": operator.ne,
    }[op]
    get = bound.evaluate

    def compare(value: Any, env: Env) -> Any:
        b = get(env)
        return UNKNOWN if b is UNKNOWN else fn(value, b)

    return compare

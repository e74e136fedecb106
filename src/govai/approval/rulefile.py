"""Reading rule files: YAML with line numbers, checked completely, compiled once.

Every problem of a file is collected and reported together with its line — unknown keys (a
misspelt ``fixible``), undeclared names, type errors in expressions, duplicate ids, a condition
without a legal basis or without ``fixable`` — in one :class:`~govai.errors.ValidationError`
(``规则文件 x.yaml 有 2 处错误：第 12 行：…``), so the author fixes them in one pass. PyYAML's
node marks give the lines; mapping keys are taken as written, so ``on:`` or ``yes:`` stay text
instead of YAML 1.1 booleans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from govai.approval.expr import (
    Expression,
    ExpressionError,
    Template,
    compile_expression,
    compile_template,
)
from govai.approval.expr_lib import (
    ANY,
    BOOL,
    DATE,
    LIST,
    format_value,
)
from govai.approval.materials import parse_date
from govai.approval.rulemodel import (
    FIELD_TYPES,
    HIT_POLICIES,
    Condition,
    DecisionTable,
    FieldSpec,
    MaterialRule,
    RuleSet,
    RuleTest,
    TableRow,
    _Cell,
    coerce_field,
    compile_cell,
    literal_type,
)
from govai.errors import ValidationError

DEMO_RULES_DIR = Path(__file__).resolve().parent.parent / "demo" / "rules"

_TOP_KEYS = (
    "item",
    "name",
    "version",
    "department",
    "description",
    "legal_basis",
    "fields",
    "materials",
    "tables",
    "conditions",
    "tests",
)
_FIELD_KEYS = ("type", "label", "question", "required", "default", "from", "choices", "min", "max")
_MATERIAL_KEYS = ("name", "when", "optional", "basis", "note")
_CONDITION_KEYS = ("id", "title", "check", "manual", "when", "basis", "reason", "fixable")
_TABLE_KEYS = ("id", "title", "basis", "hit", "inputs", "outputs", "rows", "default")
_TEST_KEYS = ("name", "today", "application", "auto_approval", "expect")
_EXPECT_KEYS = ("outcome", "missing_materials", "unmet_conditions", "values")
_ID_RE = re.compile(r"[^\W\d][\w.\-]*")
RESERVED = frozenset({"today"})

# ---------------------------------------------------------------------------------------------
# loading


class _Map(dict[str, Any]):
    line: int = 0
    key_lines: dict[str, int]


class _Seq(list[Any]):
    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []
        self.aliases: list[int] = []

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        # An alias (*name) repeats an anchored node: nested, a few lines stand for millions of
        # values, and walking them (a test's application, a value quoted in a message) takes
        # minutes and gigabytes (a YAML "billion laughs"). A rule file is read and signed clause
        # by clause, so it writes everything out: an alias is refused, and an empty mapping
        # stands in for it so that the rest of the file is still checked.
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            self.aliases.append(event.start_mark.line + 1)
            return yaml.MappingNode("tag:yaml.org,2002:map", [], event.start_mark, event.end_mark)
        return super().compose_node(parent, index)


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        # keys as written: YAML 1.1 would turn `on:`/`yes:` into booleans
        if isinstance(key_node, yaml.ScalarNode):
            key = str(key_node.value)
        else:
            key = str(loader.construct_object(key_node, deep=True))
        if key in out:
            loader.duplicates.append((key_node.start_mark.line + 1, key))
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = value_node.start_mark.line + 1
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


class _Problems:
    """Every problem of one file, reported together (like 一次性告知 for rule authors)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.items.append((line, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        items = sorted(set(self.items))
        lines = "\n".join(f"  第 {line} 行：{message}" for line, message in items)
        raise ValidationError(
            f"规则文件 {self.path} 有 {len(items)} 处错误：\n{lines}",
            file=self.path,
            problems=[{"line": line, "message": message} for line, message in items],
        )


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """The .yaml/.yml files named, directories expanded (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.suffix in (".yaml", ".yml")))
        elif p.exists():
            out.append(p)
        else:
            raise ValidationError(f"找不到规则文件或目录：{p}", path=str(p))
    return out


def load_rules(path: str | Path) -> RuleSet:
    """Load and check one rule file; a :class:`ValidationError` lists every problem with lines."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            f"规则文件 {p} 不是 UTF-8 编码，请转换后重试。", file=str(p)
        ) from None
    except OSError as exc:
        raise ValidationError(f"无法读取规则文件 {p}：{exc.strerror}", file=str(p)) from None
    return parse_rules(text, str(p))


def load_rule_dir(directory: str | Path = DEMO_RULES_DIR) -> dict[str, RuleSet]:
    """Every rule file of a directory by item code; two files for one item are an error."""
    out: dict[str, RuleSet] = {}
    for p in rule_files([directory]):
        rules = load_rules(p)
        if rules.item in out:
            raise ValidationError(
                f"事项 {rules.item} 有两个规则文件：{out[rules.item].path} 和 {p}，请只保留一个。"
            )
        out[rules.item] = rules
    return out


def parse_rules(text: str, path: str = "<规则>") -> RuleSet:
    """Parse rule-file text; ``path`` names it in error messages."""
    problems = _Problems(path)
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problems.add(line, f"YAML 格式错误（{exc.problem}），请检查缩进、冒号和引号。")
        problems.raise_if_any()
        raise AssertionError from exc  # pragma: no cover
    finally:
        loader.dispose()
    for line, key in loader.duplicates:
        problems.add(line, f"键 “{key}” 重复出现，后一个会覆盖前一个，请删除其一。")
    for line in loader.aliases:
        problems.add(line, "规则文件不能用 YAML 别名（*名称）引用别处的内容，请把内容直接写出。")
    if not isinstance(data, _Map):
        problems.add(1, "规则文件应为一个映射（以 item: 等键开头）。")
        problems.raise_if_any()
    assert isinstance(data, _Map)
    rules = _Builder(data, problems).build(path)
    problems.raise_if_any()
    assert rules is not None
    return rules


class _Builder:
    """Turns the located YAML of one file into a :class:`RuleSet`, collecting problems."""

    def __init__(self, data: _Map, problems: _Problems) -> None:
        self.data = data
        self.p = problems
        self.types: dict[str, str] = {"today": DATE}
        self.labels: dict[str, str] = {"today": "今天"}
        self.deps: dict[str, frozenset[str]] = {}

    # -- helpers

    def keys(self, m: _Map, allowed: Sequence[str], where: str) -> None:
        for key in m:
            if key not in allowed:
                self.p.add(
                    m.key_lines.get(key, m.line),
                    f"{where}中有未知的键 “{key}”；可用的键：{'、'.join(allowed)}。",
                )

    def text(self, m: _Map, key: str, where: str, *, required: bool = False) -> str:
        value = m.get(key)
        if value is None:
            if required:
                self.p.add(m.line, f"{where}缺少 “{key}”。")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.p.add(m.key_lines.get(key, m.line), f"{where}的 “{key}” 应为文本。")
            return ""
        return str(value).strip()

    def basis(self, m: _Map, where: str, *, required: bool) -> str:
        value = m.get("basis")
        if isinstance(value, list):
            parts = [str(v).strip() for v in value if str(v).strip()]
            if parts:
                return "；".join(parts)
        elif value is not None and str(value).strip():
            return str(value).strip()
        if required:
            self.p.add(m.line, f"{where}缺少法律依据 basis（如 《失业保险条例》第十四条第一项）。")
        return ""

    def seq(self, key: str) -> list[tuple[int, Any]]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, _Seq):
            self.p.add(self.data.key_lines.get(key, 1), f"“{key}” 应为列表（每项以 - 开头）。")
            return []
        return list(zip(value.item_lines, value, strict=True))

    def mapping(self, line: int, value: Any, where: str) -> _Map | None:
        if not isinstance(value, _Map):
            self.p.add(line, f"{where}应为映射（键: 值）。")
            return None
        return value

    def expr(
        self, source: Any, line: int, where: str, *, want: str | None = BOOL
    ) -> Expression | None:
        if isinstance(source, bool):
            source = "true" if source else "false"
        if not isinstance(source, str | int | float):
            self.p.add(line, f"{where}应为一个表达式（文本）。")
            return None
        try:
            return compile_expression(str(source), self.types, want=want)
        except ExpressionError as exc:
            self.p.add(line, _expr_problem(where, str(source), exc))
            return None

    def template(self, source: str, line: int, where: str) -> Template:
        try:
            return compile_template(source, self.types)
        except ExpressionError as exc:
            self.p.add(line, _expr_problem(where, source, exc))
            return compile_template("", {})

    def facts(self, names: Iterable[str]) -> frozenset[str]:
        out: set[str] = set()
        for name in names:
            out |= self.deps.get(name, frozenset())
        return frozenset(out)

    def ident(self, value: Any, line: int, where: str, seen: set[str]) -> str:
        if not isinstance(value, str) or not _ID_RE.fullmatch(value):
            self.p.add(
                line,
                f"{where}的 id “{value}” 不合规：须以字母或汉字开头，只含字母、数字、汉字、_ . -。",
            )
            return str(value)
        if value in seen:
            self.p.add(line, f"{where}的 id “{value}” 重复。")
        seen.add(value)
        return value

    # -- sections

    def build(self, path: str) -> RuleSet | None:
        d = self.data
        self.keys(d, _TOP_KEYS, "规则文件顶层")
        item = self.text(d, "item", "规则文件", required=True)
        name = self.text(d, "name", "规则文件", required=True)
        version = self.text(d, "version", "规则文件", required=True)
        legal = d.get("legal_basis") or []
        if isinstance(legal, str):
            legal = [legal]
        if not isinstance(legal, list):
            self.p.add(d.key_lines.get("legal_basis", 1), "“legal_basis” 应为文本或文本列表。")
            legal = []
        fields = self.fields()
        tables = self.tables()
        materials = self.materials()
        conditions = self.conditions()
        if not conditions and not materials:
            self.p.add(1, "规则文件既没有 materials 也没有 conditions，无可检查的内容。")
        tests = self.tests()
        return RuleSet(
            item=item,
            name=name,
            version=version,
            path=path,
            department=self.text(d, "department", "规则文件"),
            description=self.text(d, "description", "规则文件"),
            legal_basis=tuple(str(x).strip() for x in legal),
            fields=tuple(fields),
            materials=tuple(materials),
            tables=tuple(tables),
            conditions=tuple(conditions),
            tests=tuple(tests),
            labels=dict(self.labels),
            deps=dict(self.deps),
        )

    def fields(self) -> list[FieldSpec]:
        raw = self.data.get("fields")
        if raw is None:
            return []
        if not isinstance(raw, _Map):
            self.p.add(
                self.data.key_lines.get("fields", 1),
                "“fields” 应为映射：字段名: {type, label, question}。",
            )
            return []
        out: list[FieldSpec] = []
        pending_required: list[tuple[int, _Map, str]] = []
        for name, spec in raw.items():
            line = raw.key_lines[name]
            where = f"字段 {name} "
            if not _ID_RE.fullmatch(name) or name in RESERVED:
                self.p.add(line, f"字段名 “{name}” 不可用：须以字母或汉字开头，且不能是 today。")
                continue
            m = self.mapping(line, spec, where)
            if m is None:
                continue
            self.keys(m, _FIELD_KEYS, where)
            kind = self.text(m, "type", where, required=True)
            if kind and kind not in FIELD_TYPES:
                self.p.add(
                    m.key_lines.get("type", m.line),
                    f"{where}的类型 “{kind}” 未知；可用：{'、'.join(FIELD_TYPES)}。",
                )
                kind = "text"
            kind = kind or "text"
            label = self.text(m, "label", where, required=True) or name
            question = self.text(m, "question", where)
            source = self.text(m, "from", where) or "fields"
            if source not in ("fields", "applicant"):
                self.p.add(
                    m.key_lines.get("from", m.line), f"{where}的 from 应为 fields 或 applicant。"
                )
                source = "fields"
            choices: tuple[str, ...] = ()
            if kind == "enum":
                raw_choices = m.get("choices")
                if not isinstance(raw_choices, list) or not raw_choices:
                    self.p.add(m.line, f"{where}是 enum，须用 choices 列出可选项。")
                elif any(isinstance(c, bool) or not isinstance(c, str | int) for c in raw_choices):
                    self.p.add(
                        m.key_lines["choices"], f"{where}的 choices 须为文本（是/否 等请加引号）。"
                    )
                else:
                    choices = tuple(str(c) for c in raw_choices)
            elif "choices" in m:
                self.p.add(m.key_lines["choices"], f"{where}不是 enum，不能有 choices。")
            bounds: dict[str, float | None] = {}
            for key in ("min", "max"):
                value = m.get(key)
                if value is not None and (
                    kind != "number"
                    or isinstance(value, bool)
                    or not isinstance(value, int | float)
                ):
                    self.p.add(
                        m.key_lines[key], f"{where}的 {key} 只能用于 number 字段，且须为数值。"
                    )
                    value = None
                bounds[key] = value
            self.types[name] = FIELD_TYPES[kind][0]
            self.labels[name] = label
            self.deps[name] = frozenset({name})
            spec_obj = FieldSpec(
                name=name,
                type=kind,
                label=label,
                question=question,
                source=source,  # type: ignore[arg-type]
                choices=choices,
                min=bounds["min"],
                max=bounds["max"],
                line=line,
            )
            if "default" in m and m["default"] is not None:
                value, problem = coerce_field(spec_obj, m["default"], date.today())
                if problem:
                    self.p.add(m.key_lines["default"], f"{where}的默认值不可用：{problem}")
                spec_obj = replace(spec_obj, default=value)
            out.append(spec_obj)
            pending_required.append((len(out) - 1, m, where))
        # `required` may name fields declared after this one
        for index, m, where in pending_required:
            if "required" not in m:
                continue
            value = m["required"]
            if isinstance(value, bool):
                out[index] = replace(out[index], required=value)
            else:
                expr = self.expr(value, m.key_lines["required"], f"{where}的 required")
                if expr is not None:
                    out[index] = replace(out[index], required=expr)
        return out

    def tables(self) -> list[DecisionTable]:
        out: list[DecisionTable] = []
        seen: set[str] = set()
        for line, raw in self.seq("tables"):
            m = self.mapping(line, raw, "决策表")
            if m is None:
                continue
            tid = self.ident(m.get("id"), line, "决策表", seen)
            where = f"决策表 {tid} "
            self.keys(m, _TABLE_KEYS, where)
            hit = self.text(m, "hit", where) or "first"
            if hit not in HIT_POLICIES:
                self.p.add(
                    m.key_lines.get("hit", line),
                    f"{where}的 hit 应为 first（首条命中）或 collect（全部命中）。",
                )
                hit = "first"
            inputs_raw = m.get("inputs")
            outputs_raw = m.get("outputs")
            if not isinstance(inputs_raw, _Seq) or not inputs_raw:
                self.p.add(line, f"{where}须用 inputs 列出输入表达式。")
                continue
            if not isinstance(outputs_raw, _Seq) or not outputs_raw:
                self.p.add(line, f"{where}须用 outputs 列出输出名。")
                continue
            inputs: list[Expression] = []
            for i_line, source in zip(inputs_raw.item_lines, inputs_raw, strict=True):
                e = self.expr(source, i_line, f"{where}的输入", want=None)
                if e is not None:
                    inputs.append(e)
            if len(inputs) != len(inputs_raw):
                continue
            outputs: list[str] = []
            for o_line, name in zip(outputs_raw.item_lines, outputs_raw, strict=True):
                if not isinstance(name, str) or not _ID_RE.fullmatch(name):
                    self.p.add(o_line, f"{where}的输出名 “{name}” 不合规。")
                elif name in self.types:
                    self.p.add(o_line, f"{where}的输出名 “{name}” 与已有字段或输出重名。")
                else:
                    outputs.append(name)
            if len(outputs) != len(outputs_raw):
                continue
            rows = self.rows(m, where, inputs, len(outputs))
            default = None
            if "default" in m:
                d = m["default"]
                if not isinstance(d, _Map) or set(d) != set(outputs):
                    self.p.add(
                        m.key_lines["default"],
                        f"{where}的 default 须为映射，并给出每个输出：{'、'.join(outputs)}。",
                    )
                else:
                    default = tuple(d[o] for o in outputs)
            title = self.text(m, "title", where, required=True)
            basis = self.basis(m, where, required=True)
            values_by_output = [[r.values[i] for r in rows] for i in range(len(outputs))]
            if default is not None:
                for i, v in enumerate(default):
                    values_by_output[i].append(v)
            facts = self.facts(n for e in inputs for n in e.names)
            for name, values in zip(outputs, values_by_output, strict=True):
                kinds = {literal_type(v) for v in values if v is not None}
                self.types[name] = (
                    LIST if hit == "collect" else (kinds.pop() if len(kinds) == 1 else ANY)
                )
                self.labels[name] = title if len(outputs) == 1 else name
                self.deps[name] = facts
            out.append(
                DecisionTable(
                    id=tid,
                    title=title,
                    basis=basis,
                    hit=hit,  # type: ignore[arg-type]
                    inputs=tuple(inputs),
                    outputs=tuple(outputs),
                    rows=tuple(rows),
                    default=default,
                    line=line,
                    fields=facts,
                )
            )
        return out

    def rows(self, m: _Map, where: str, inputs: Sequence[Expression], n_out: int) -> list[TableRow]:
        raw = m.get("rows")
        if not isinstance(raw, _Seq) or not raw:
            self.p.add(m.line, f"{where}须有 rows（每行：输入条件……, 输出值……）。")
            return []
        rows: list[TableRow] = []
        width = len(inputs) + n_out
        for r_line, row in zip(raw.item_lines, raw, strict=True):
            if not isinstance(row, list) or len(row) != width:
                self.p.add(
                    r_line,
                    f"{where}的每行须有 {len(inputs)} 个输入条件和 {n_out} 个输出值，"
                    f"共 {width} 格。",
                )
                continue
            tests: list[_Cell | None] = []
            ok = True
            for cell, expr in zip(row[: len(inputs)], inputs, strict=True):
                try:
                    tests.append(compile_cell(cell, expr.type, self.types))
                except ExpressionError as exc:
                    self.p.add(r_line, f"{where}的条件格 “{cell}” 有误：{exc.message}")
                    ok = False
            values = tuple(row[len(inputs) :])
            for v in values:
                if v is not None and literal_type(v) == ANY:
                    self.p.add(r_line, f"{where}的输出值须为文本、数值、日期或是/否：{v!r}")
                    ok = False
            if ok:
                cells = tuple("-" if c is None else format_value(c) for c in row[: len(inputs)])
                rows.append(TableRow(tuple(tests), values, cells, r_line))
        return rows

    def materials(self) -> list[MaterialRule]:
        out: list[MaterialRule] = []
        seen: set[str] = set()
        for line, raw in self.seq("materials"):
            if isinstance(raw, str):
                raw = _Map(name=raw)
                raw.line, raw.key_lines = line, {"name": line}
            m = self.mapping(line, raw, "材料")
            if m is None:
                continue
            name = self.text(m, "name", "材料", required=True)
            where = f"材料 “{name}” "
            self.keys(m, _MATERIAL_KEYS, where)
            if name in seen:
                self.p.add(line, f"{where}重复列出。")
            seen.add(name)
            when = None
            if m.get("when") is not None:
                when = self.expr(m["when"], m.key_lines["when"], f"{where}的 when")
            optional = m.get("optional", False)
            if not isinstance(optional, bool):
                self.p.add(m.key_lines["optional"], f"{where}的 optional 应为 true 或 false。")
                optional = False
            if optional and when is not None:
                self.p.add(line, f"{where}不能同时有 optional 和 when。")
            out.append(
                MaterialRule(
                    name=name,
                    when=when,
                    optional=optional,
                    basis=self.basis(m, where, required=False),
                    note=self.text(m, "note", where),
                    line=line,
                )
            )
        return out

    def conditions(self) -> list[Condition]:
        out: list[Condition] = []
        seen: set[str] = set()
        for line, raw in self.seq("conditions"):
            m = self.mapping(line, raw, "条件")
            if m is None:
                continue
            cid = self.ident(m.get("id"), line, "条件", seen)
            where = f"条件 {cid} "
            self.keys(m, _CONDITION_KEYS, where)
            title = self.text(m, "title", where, required=True) or cid
            basis = self.basis(m, where, required=True)
            manual = m.get("manual", False)
            if not isinstance(manual, bool):
                self.p.add(m.key_lines["manual"], f"{where}的 manual 应为 true 或 false。")
                manual = False
            check = None
            if manual and "check" in m:
                self.p.add(
                    line, f"{where}不能同时有 check 和 manual: true：要么机器判断，要么人工判断。"
                )
            elif not manual:
                if "check" not in m:
                    self.p.add(line, f"{where}须有 check 表达式，或写 manual: true 交由人工判断。")
                else:
                    check = self.expr(m["check"], m.key_lines["check"], f"{where}的 check")
            fixable = m.get("fixable")
            if manual:
                fixable = bool(fixable) if isinstance(fixable, bool) else True
            elif not isinstance(fixable, bool):
                self.p.add(
                    m.key_lines.get("fixable", line),
                    f"{where}须写明 fixable: true（申请人可补正）"
                    "或 false（不可补正，将建议不予受理/不予许可）。",
                )
                fixable = True
            when = None
            if m.get("when") is not None:
                when = self.expr(m["when"], m.key_lines["when"], f"{where}的 when")
            reason_src = self.text(m, "reason", where, required=not manual)
            reason = self.template(
                reason_src or f"需人工审查：{title}",
                m.key_lines.get("reason", line),
                f"{where}的 reason",
            )
            names = set(reason.names)
            for e in (check, when):
                if e is not None:
                    names |= e.names
            out.append(
                Condition(
                    id=cid,
                    title=title,
                    basis=basis,
                    reason=reason,
                    fixable=fixable,
                    check=check,
                    when=when,
                    line=line,
                    fields=self.facts(names),
                )
            )
        return out

    def tests(self) -> list[RuleTest]:
        out: list[RuleTest] = []
        for line, raw in self.seq("tests"):
            m = self.mapping(line, raw, "测试")
            if m is None:
                continue
            name = self.text(m, "name", "测试", required=True) or f"第 {line} 行的测试"
            where = f"测试 “{name}” "
            self.keys(m, _TEST_KEYS, where)
            today = m.get("today")
            if isinstance(today, str):
                today = parse_date(today)
            if not isinstance(today, date):
                self.p.add(
                    m.key_lines.get("today", line),
                    f"{where}须写明 today（如 2025-03-01），结果才可重复。",
                )
                today = date(2000, 1, 1)
            app = m.get("application")
            if not isinstance(app, dict):
                self.p.add(
                    m.key_lines.get("application", line),
                    f"{where}须有 application（applicant、fields、materials）。",
                )
                app = {}
            expect = m.get("expect")
            if not isinstance(expect, _Map) or not expect:
                self.p.add(
                    m.key_lines.get("expect", line),
                    f"{where}须有 expect（outcome、missing_materials、unmet_conditions、"
                    "values 之一或多项）。",
                )
                expect = _Map()
                expect.key_lines = {}
            self.keys(expect, _EXPECT_KEYS, f"{where}的 expect ")
            outcome = expect.get("outcome")
            if outcome is not None and outcome not in (
                "approved",
                "denied",
                "needs_correction",
                "needs_review",
            ):
                self.p.add(
                    expect.key_lines.get("outcome", line),
                    f"{where}的 outcome “{outcome}” 未知；"
                    "可用：approved、denied、needs_correction、needs_review。",
                )
            for key in ("missing_materials", "unmet_conditions"):
                if key in expect and not isinstance(expect[key], list):
                    self.p.add(expect.key_lines[key], f"{where}的 {key} 应为列表（可为 []）。")
            values = expect.get("values")
            if values is not None:
                if not isinstance(values, dict):
                    self.p.add(
                        expect.key_lines["values"], f"{where}的 values 应为映射（输出名: 期望值）。"
                    )
                else:
                    for key in values:
                        if key not in self.types or key in RESERVED:
                            self.p.add(
                                expect.key_lines["values"],
                                f"{where}的 values 中 “{key}” 不是已声明的字段或决策表输出。",
                            )
            auto = m.get("auto_approval")
            if auto is not None and not isinstance(auto, bool):
                self.p.add(
                    m.key_lines["auto_approval"], f"{where}的 auto_approval 应为 true 或 false。"
                )
                auto = None
            out.append(RuleTest(name, today, _plain(app), _plain(expect), auto, line))
        return out


def _plain(value: Any) -> Any:
    """Located YAML containers back to plain dicts and lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _expr_problem(where: str, source: str, exc: ExpressionError) -> str:
    pointer = source[: exc.position] + "▲" + source[exc.position :]
    gap = " " if where[-1:].isascii() else ""  # "check 有误", "输入有误"
    return f"{where}{gap}有误：{exc.message}（位置：{pointer}）"

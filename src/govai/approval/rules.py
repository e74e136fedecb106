"""Rules as code: one YAML file per service item, readable by the department that signs it.

A rule file says, for one item (by its catalogue code) and version:

``fields``
    the facts an application gives (type ``text``/``number``/``date``/``bool``/``enum``/
    ``id_number``), each with a Chinese ``label`` and the ``question`` guided handling asks;
    ``required`` (default true, or an expression such as ``case == "租赁住房"``), ``default``,
    ``from: applicant`` for facts in the application's applicant block, ``choices`` for enums,
    ``min``/``max`` for numbers.
``materials``
    by name; ``when:`` makes one conditional on the answers, ``optional: true`` lists it without
    requiring it. Materials of the catalogue item the file does not mention keep the item's own
    need (see :mod:`govai.approval.precheck`).
``tables``
    decision tables in the DMN style (GoRules/Camunda): input expressions, rows of unary tests
    (``>= 120``, ``12..59``, a list, a literal, ``-`` for any) and output values, hit policy
    ``first`` or ``collect``. Their outputs are names the conditions and reasons can use.
``conditions``
    each with an ``id``, a ``title``, a machine-checkable ``check`` expression *or*
    ``manual: true`` (a person decides), the ``basis`` (《失业保险条例》第十四条第一项), the
    ``reason`` shown when it fails (may interpolate ``{expressions}``), and ``fixable`` —
    whether the applicant can cure a failure (补正) or not (不予受理/不予许可).
``tests``
    example applications with the expected outcome, missing materials, unmet conditions and
    table outputs, like OpenFisca's YAML tests; run by :mod:`govai.approval.ruletests`.

The expression language is :mod:`govai.approval.expr` (no ``eval``; a missing fact is UNKNOWN
and keeps a condition from being machine-decided). Files are checked completely at load time —
unknown keys, undeclared names, type errors, duplicate ids, a condition without a legal basis —
and every problem is reported at once with its line (``规则文件 x.yaml 第 12 行：…``). The format
with a full example is in docs/rules-format.md.
"""

from __future__ import annotations

from govai.approval.expr import Expression
from govai.approval.expr_lib import UNKNOWN, format_value
from govai.approval.rulefile import (
    DEMO_RULES_DIR,
    load_rule_dir,
    load_rules,
    parse_rules,
    rule_files,
)
from govai.approval.rulemodel import (
    FIELD_TYPES,
    HIT_POLICIES,
    Condition,
    ConditionResult,
    DecisionTable,
    Evaluation,
    FieldIssue,
    FieldSpec,
    MaterialNeed,
    MaterialRule,
    RuleSet,
    RuleTest,
)

__all__ = [
    "DEMO_RULES_DIR",
    "FIELD_TYPES",
    "Condition",
    "ConditionResult",
    "DecisionTable",
    "Evaluation",
    "FieldIssue",
    "FieldSpec",
    "MaterialNeed",
    "MaterialRule",
    "RuleSet",
    "RuleTest",
    "describe_rules",
    "load_rule_dir",
    "load_rules",
    "parse_rules",
    "rule_files",
]


# ---------------------------------------------------------------------------------------------
# for people


def describe_rules(rules: RuleSet) -> str:
    """The rule file in words, for `govai rules show` and for reviewers."""
    labels = rules.labels
    lines = [f"事项：{rules.name}（编码 {rules.item}，规则版本 {rules.version}）"]
    if rules.department:
        lines.append(f"实施机关：{rules.department}")
    if rules.legal_basis:
        lines.append("依据：" + "；".join(rules.legal_basis))
    if rules.description:
        lines.append(rules.description)
    if rules.fields:
        lines += ["", "一、申请信息（导办时依次询问）"]
        for i, spec in enumerate(rules.fields, 1):
            extra = []
            if spec.choices:
                extra.append("可选：" + "、".join(spec.choices))
            if isinstance(spec.required, Expression):
                extra.append("当 " + spec.required.describe(labels) + " 时必填")
            elif not spec.required:
                extra.append("选填")
            if spec.default is not UNKNOWN:
                extra.append("默认 " + format_value(spec.default))
            tail = f"（{'；'.join(extra)}）" if extra else ""
            ask = f" —— {spec.question}" if spec.question else ""
            lines.append(f"  {i}. {spec.label}［{spec.type_label}］{ask}{tail}")
    if rules.materials:
        lines += ["", "二、申请材料"]
        for i, mat in enumerate(rules.materials, 1):
            if mat.optional:
                need = "选交"
            elif mat.when is not None:
                need = "当 " + mat.when.describe(labels) + " 时提交"
            else:
                need = "必交"
            basis = f"（{mat.basis}）" if mat.basis else ""
            note = f" {mat.note}" if mat.note else ""
            lines.append(f"  {i}. {mat.name}：{need}{basis}{note}")
    if rules.tables:
        lines += ["", "三、决策表"]
        for table in rules.tables:
            heads = [e.describe(labels) for e in table.inputs] + list(table.outputs)
            lines.append(f"  {table.title}（{HIT_POLICIES[table.hit]}；{table.basis}）")
            lines.append("    " + " | ".join(heads))
            for row in table.rows:
                lines.append("    " + " | ".join([*row.cells, *map(format_value, row.values)]))
            if table.default is not None:
                lines.append("    其他情形 → " + "、".join(map(format_value, table.default)))
    if rules.conditions:
        lines += ["", "四、受理/审批条件"]
        for i, cond in enumerate(rules.conditions, 1):
            how = "人工审查" if cond.check is None else "机器核验：" + cond.check.describe(labels)
            lines.append(f"  {i}. [{cond.id}] {cond.title}（{cond.basis}）")
            lines.append(f"     {how}")
            if cond.when is not None:
                lines.append("     适用于：" + cond.when.describe(labels))
            if cond.check is not None:
                kind = "可补正" if cond.fixable else "不可补正（建议不予受理/不予许可）"
                lines.append(f"     不满足时：{cond.reason.source}［{kind}］")
            else:
                lines.append(f"     审查要点：{cond.reason.source}")
    lines += ["", f"规则自带测试 {len(rules.tests)} 例（govai rules test {rules.path}）。"]
    return "\n".join(lines)

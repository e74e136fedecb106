"""Rules as code: the expression language, rule files (and their errors), decision tables,
the tests rule files carry, and the `govai rules` commands."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from govai.approval.expr import ExpressionError, compile_expression, compile_template
from govai.approval.expr_lib import UNKNOWN
from govai.approval.items import ServiceItem
from govai.approval.rules import (
    DEMO_RULES_DIR,
    describe_rules,
    load_rule_dir,
    load_rules,
    parse_rules,
)
from govai.approval.ruletests import run_rule_test, run_rule_tests
from govai.cli.rules import rules as rules_group
from govai.errors import ValidationError

TYPES = {
    "n": "number",
    "m": "number",
    "d": "date",
    "e": "date",
    "s": "text",
    "b": "bool",
    "c": "bool",
    "id": "text",
    "today": "date",
    "累计缴费月数": "number",
}
TODAY = date(2025, 3, 3)
ID_1940 = "370102194003150021"  # born 1940-03-15
ITEM_FOR_DOC = ServiceItem("SF-SYBX-001", "失业保险金申领", "示范市人力资源和社会保障局")


def ev(source: str, **env: Any) -> Any:
    values: dict[str, Any] = dict.fromkeys(TYPES, UNKNOWN)
    values["today"] = TODAY
    values.update(env)
    return compile_expression(source, TYPES).evaluate(values)


# ---------------------------------------------------------------------------------------------
# the expression language


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("-2 + 5", 3),
        ("7 % 3", 1),
        ("10 / 4", 2.5),
        ("n * 0.05", 50.0),
        ("n >= 1000 and not (n > 1000)", True),
        ('s in ["甲", "乙"]', True),
        ('s not in ["甲", "乙"]', False),
        ('"甲" in "甲乙丙"', True),
        ("累计缴费月数 ≥ 12", True),
        ("s == “甲”", True),
        ("max(n, 3, 2000) - min(n, 3)", 1997),
        ("len([1, 2, 3])", 3),
    ],
)
def test_expressions_compute(source: str, expected: Any) -> None:
    assert ev(source, n=1000, s="甲", 累计缴费月数=12) == expected


@pytest.mark.parametrize(
    ("a", "b", "and_", "or_"),
    [
        (True, True, True, True),
        (True, False, False, True),
        (False, UNKNOWN, False, UNKNOWN),
        (UNKNOWN, False, False, UNKNOWN),
        (True, UNKNOWN, UNKNOWN, True),
        (UNKNOWN, True, UNKNOWN, True),
        (UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN),
    ],
)
def test_three_valued_logic(a: Any, b: Any, and_: Any, or_: Any) -> None:
    assert ev("b and c", b=a, c=b) is and_
    assert ev("b or c", b=a, c=b) is or_


def test_unknown_propagates_and_known_stops_it() -> None:
    assert ev("n >= 12") is UNKNOWN
    assert ev("n + 1 > 0") is UNKNOWN
    assert ev("not b") is UNKNOWN
    assert ev("age(id) >= 80") is UNKNOWN
    assert ev("known(n)") is False
    assert ev("known(n)", n=0) is True
    assert ev("known(n) and n > 3") is False  # decided without the value


def test_membership_with_computed_members_is_three_valued() -> None:
    # one member is unknown: a match elsewhere still decides, a miss does not
    assert ev('s in ["甲", s]', s="甲") is True
    assert ev("n in [1, m]", n=1) is True
    assert ev("n in [1, m]", n=2) is UNKNOWN
    assert ev("n in [1, m]", n=2, m=3) is False
    assert ev("n not in [1, m]", n=2, m=3) is True


def test_dates_and_ages() -> None:
    d = date(2024, 1, 31)
    assert ev("d + 30", d=d) == date(2024, 3, 1)
    assert ev("today - d", d=d) == (TODAY - d).days
    assert ev("add_months(d, 1)", d=d) == date(2024, 2, 29)  # clamped to the month's end
    assert ev('add_years(date("2024-02-29"), 1)') == date(2025, 2, 28)
    assert ev('months_between(d, date("2024-02-29"))', d=d) == 0  # not a full month
    assert ev('months_between(d, date("2024-03-01"))', d=d) == 1
    assert ev('months_between(date("2024-03-01"), d)', d=d) == -1
    assert ev('years_between(date("2020-03-04"), today)') == 4
    assert ev("age(id)", id=ID_1940) == 84
    assert ev('age_on(id, date("2025-03-15"))', id=ID_1940) == 85  # on the birthday
    assert ev('age_on(id, date("2025-03-14"))', id=ID_1940) == 84
    assert ev("birth_date(id)", id=ID_1940) == date(1940, 3, 15)
    assert ev("gender(id)", id=ID_1940) == "女"
    assert ev('date("2025年1月2日") < today') is True


@pytest.mark.parametrize(
    ("source", "position", "words"),
    [
        ("", 0, "表达式为空"),
        ("n >= ", 5, "结尾缺少操作数"),
        ("n = 1", 2, "=="),
        ("foo > 1", 0, "未声明的名称 “foo”"),
        ("bar(1)", 0, "没有名为 “bar” 的函数"),
        ("age(id, id)", 0, "需要 1 个参数"),
        ("d > 3", 2, "不能比较日期与数值"),
        ("n and b", 0, "and 两边须为条件"),
        ("n < m < 3", 6, "比较不能连写"),
        ('s == "甲', 5, "缺少结尾的引号"),
        ("(n > 1", 6, "配对"),
        ('n in [1, "二"]', 9, "列表中的 二 是文本"),
        ("d + d", 4, "日期 + 后须为天数"),
        ("age(n)", 4, "参数应为文本或日期"),
        ('__import__("os")', 0, "没有名为 “__import__” 的函数"),
        ("s.upper()", 1, "无法识别的字符 “.”"),
        ("n > 1 n", 6, "多余的内容"),
        ('date("2025-02-30")', 5, "不是日期"),
    ],
)
def test_bad_expressions_say_what_and_where(source: str, position: int, words: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source, TYPES)
    assert words in caught.value.message
    assert caught.value.position == position


def test_a_condition_must_be_a_yes_no_expression() -> None:
    with pytest.raises(ExpressionError, match="结果应为是/否"):
        compile_expression("n + 1", TYPES, want="bool")


def test_expressions_read_in_words_with_field_labels() -> None:
    expr = compile_expression("累计缴费月数 >= 12 and not (b or age(id) < 80)", TYPES)
    text = expr.describe({"b": "已重新就业", "id": "公民身份号码"})
    assert text == "累计缴费月数 ≥ 12 并且 并非 （已重新就业 或者 周岁年龄（公民身份号码） < 80）"


def test_templates_interpolate_expressions() -> None:
    tpl = compile_template("缴费{n}个月，差{12 - n}个月；{{原文}}；{d}；{m}", TYPES)
    env = dict.fromkeys(TYPES, UNKNOWN) | {"n": 8, "d": date(2025, 1, 2), "today": TODAY}
    assert tpl.render(env) == "缴费8个月，差4个月；{原文}；2025年1月2日；（未提供）"
    assert tpl.names == {"n", "d", "m"}
    with pytest.raises(ExpressionError) as caught:
        compile_template("缴费{n + }个月", TYPES)
    assert caught.value.position == 7  # the "}" where the operand is missing
    with pytest.raises(ExpressionError, match="缺少配对"):
        compile_template("缴费{n", TYPES)


# ---------------------------------------------------------------------------------------------
# rule files


MINIMAL = """\
item: T-001
name: 测试事项
version: "1"
fields:
  months:
    type: number
    label: 缴费月数
    question: 缴费多少个月？
  reason:
    type: enum
    label: 原因
    choices: [甲, 乙, 其他]
  start:
    type: date
    label: 开始日期
    required: false
  agent:
    type: bool
    label: 代办
    default: false
  on:
    type: text
    label: 一个叫 on 的字段
    required: false
tables:
  - id: period
    title: 期限
    basis: 某条例第十七条
    hit: first
    inputs: [months]
    outputs: [max_months]
    rows:
      - [">= 120", 24]
      - ["60..119", 18]
      - ["12..59", 12]
  - id: kinds
    title: 类别
    basis: 某条例第二条
    hit: collect
    inputs: [reason, months]
    outputs: [kinds]
    rows:
      - [[甲, 乙], "-", 甲乙类]
      - ["-", ">= 12", 满一年]
materials:
  - 身份证
  - name: 委托书
    when: agent
conditions:
  - id: one_year
    title: 满一年
    check: months >= 12
    basis: 某条例第十四条第一项
    reason: 只缴了{months}个月。
    fixable: false
  - id: look
    title: 人工看看
    manual: true
    basis: 某条例第十四条第三项
tests:
  - name: 满一年
    today: 2025-03-03
    application:
      fields: {months: 13, reason: 甲}
      materials: [身份证]
    expect:
      outcome: needs_review
      values: {max_months: 12, kinds: [甲乙类, 满一年]}
"""


def test_a_rule_file_loads_with_fields_tables_materials_conditions() -> None:
    rules = parse_rules(MINIMAL, "minimal.yaml")
    assert rules.item == "T-001"
    assert [f.name for f in rules.fields] == ["months", "reason", "start", "agent", "on"]
    assert rules.field("on") is not None  # YAML 1.1 would have made `on:` a boolean key
    assert rules.outputs == ("max_months", "kinds")
    assert [c.id for c in rules.conditions] == ["one_year", "look"]
    assert rules.conditions[1].manual and not rules.conditions[0].manual
    assert rules.conditions[0].fields == {"months"}
    assert rules.materials[1].when is not None


def evaluate(rules_text: str, fields: dict[str, Any]) -> dict[str, Any]:
    return parse_rules(rules_text).evaluate(fields, {}, TODAY).env


@pytest.mark.parametrize(
    ("months", "max_months"),
    [(150, 24), (120, 24), (119, 18), (60, 18), (59, 12), (12, 12), (11, UNKNOWN)],
)
def test_first_hit_table_takes_the_first_matching_row(months: int, max_months: Any) -> None:
    # 11 matches no row and the table has no default: unknown, never a guessed 0
    assert evaluate(MINIMAL, {"months": months})["max_months"] == max_months


def test_collect_table_lists_every_matching_row_and_unknown_inputs_stay_unknown() -> None:
    assert evaluate(MINIMAL, {"months": 13, "reason": "甲"})["kinds"] == ["甲乙类", "满一年"]
    assert evaluate(MINIMAL, {"months": 3, "reason": "其他"})["kinds"] == []
    assert evaluate(MINIMAL, {"reason": "其他"})["kinds"] is UNKNOWN
    assert evaluate(MINIMAL, {})["max_months"] is UNKNOWN


def test_table_default_is_used_when_no_row_matches() -> None:
    text = MINIMAL.replace(
        '      - ["12..59", 12]\n', '      - ["12..59", 12]\n    default: {max_months: 0}\n'
    )
    assert evaluate(text, {"months": 11})["max_months"] == 0
    assert evaluate(text, {})["max_months"] is UNKNOWN  # unknown input: still unknown


@pytest.mark.parametrize(
    ("field", "raw", "value"),
    [
        ("months", "36", 36),
        ("months", "３６", 36),
        ("months", 12.5, 12.5),
        ("start", "2025年3月1日", date(2025, 3, 1)),
        ("start", "2025/3/1", date(2025, 3, 1)),
        ("agent", "是", True),
        ("agent", "否", False),
        ("reason", "乙", "乙"),
    ],
)
def test_field_values_are_read_in_the_forms_people_type(field: str, raw: Any, value: Any) -> None:
    assert evaluate(MINIMAL, {field: raw})[field] == value


@pytest.mark.parametrize(
    ("field", "raw", "words"),
    [
        ("months", "三十", "不是数值"),
        ("months", True, "不是数值"),
        ("months", float("nan"), "不是数值"),
        ("months", float("inf"), "不是数值"),
        ("start", "明天", "不是有效日期"),
        ("agent", "也许", "应为“是”或“否”"),
        ("reason", "丙", "应为以下之一：甲、乙、其他"),
    ],
)
def test_unusable_values_are_fixable_issues_not_crashes(field: str, raw: Any, words: str) -> None:
    result = parse_rules(MINIMAL).evaluate({field: raw}, {}, TODAY)
    issue = next(i for i in result.field_issues if i.field.name == field)
    assert issue.kind == "invalid" and words in issue.message
    assert result.env[field] is UNKNOWN


def test_missing_required_fields_defaults_and_labels_as_keys() -> None:
    result = parse_rules(MINIMAL).evaluate({"缴费月数": 20}, {}, TODAY)
    assert result.env["months"] == 20  # the label works as a key too
    assert result.env["agent"] is False  # default
    missing = {i.field.name for i in result.field_issues if i.kind == "missing"}
    assert missing == {"reason"}  # start and on are not required, agent has a default


def test_required_can_depend_on_other_answers() -> None:
    text = MINIMAL.replace(
        "    label: 开始日期\n    required: false",
        '    label: 开始日期\n    required: reason == "其他"',
    )

    def missing(fields: dict[str, Any]) -> set[str]:
        ev = parse_rules(text).evaluate(fields, {}, TODAY)
        return {i.field.name for i in ev.field_issues}

    assert "start" in missing({"months": 1, "reason": "其他"})
    assert "start" not in missing({"months": 1, "reason": "甲"})


def _problems(text: str) -> dict[int, str]:
    with pytest.raises(ValidationError) as caught:
        parse_rules(text, "bad.yaml")
    assert "规则文件 bad.yaml" in caught.value.message
    out: dict[int, str] = {}
    for p in caught.value.detail["problems"]:
        out[p["line"]] = out.get(p["line"], "") + p["message"]
    return out


def _line(text: str, marker: str, *, last: bool = False) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), 1) if marker in line]
    return lines[-1] if last else lines[0]


def test_every_problem_of_a_bad_rule_file_is_listed_with_its_line() -> None:
    bad = (
        MINIMAL.replace("    fixable: false\n", "    fixible: false\n")
        .replace("check: months >= 12", "check: monthz >= 12")
        .replace("    basis: 某条例第十四条第三项\n", "")
        .replace("  - id: look", "  - id: one_year")
    )
    problems = _problems(bad)
    assert "未知的键 “fixible”" in problems[_line(bad, "fixible")]
    assert "未声明的名称 “monthz”" in problems[_line(bad, "monthz")]
    assert "monthz ▲" not in problems[_line(bad, "monthz")]
    assert "▲monthz" in problems[_line(bad, "monthz")]  # points at the name
    first, second = (i for i, line in enumerate(bad.splitlines(), 1) if "id: one_year" in line)
    assert "fixable" in problems[first]  # fixable must be said, true or false
    assert "重复" in problems[second]
    assert "缺少法律依据" in problems[second]


@pytest.mark.parametrize(
    ("change", "marker", "words"),
    [
        (("type: number", "type: integer"), "type: integer", "类型 “integer” 未知"),
        (("hit: first", "hit: unique"), "hit: unique", "first（首条命中）或 collect"),
        (('      - ["60..119", 18]', '      - ["60..119"]'), '["60..119"]', "共 2 格"),
        (('      - [">= 120", 24]', '      - [">= 1年", 24]'), ">= 1年", "条件格"),
        (
            ("    manual: true", "    manual: true\n    check: months > 1"),
            "id: look",
            "不能同时有 check",
        ),
        (("    when: agent", "    when: agent + 1"), "when: agent + 1", "只能用于数值"),
        (("    today: 2025-03-03\n", ""), "name: 满一年", "须写明 today"),
        (("outcome: needs_review", "outcome: maybe"), "outcome: maybe", "outcome “maybe” 未知"),
        (("values: {max_months", "values: {maxmonths"), "values: {maxmonths", "“maxmonths” 不是"),
        (("  reason:\n    type: enum", "  months:\n    type: enum"), "LAST  months:", "重复出现"),
        (
            ("    choices: [甲, 乙, 其他]", "    choices: [是, yes, 其他]"),
            "choices: [是",
            "须为文本",
        ),
        (
            ("    reason: 只缴了{months}个月。", "    reason: 只缴了{months 个月。"),
            "只缴了{",
            "缺少配对",
        ),
    ],
)
def test_bad_rule_files_point_at_the_line(change: tuple[str, str], marker: str, words: str) -> None:
    old, new = change
    assert old in MINIMAL
    bad = MINIMAL.replace(old, new, 1)
    problems = _problems(bad)
    line = _line(bad, marker.removeprefix("LAST"), last=marker.startswith("LAST"))
    assert any(words in message for message in problems.values()), problems
    assert line in problems, (line, problems)


def test_yaml_syntax_errors_name_the_line() -> None:
    bad = MINIMAL.replace("    label: 缴费月数", "    label: 缴费月数: [")
    problems = _problems(bad)
    (line, message), *_ = problems.items()
    assert "YAML 格式错误" in message
    assert abs(line - _line(bad, "缴费月数: [")) <= 1


def test_a_file_that_is_not_a_mapping_or_not_utf8(tmp_path: Path) -> None:
    assert "应为一个映射" in _problems("- 一\n- 二\n")[1]
    raw = tmp_path / "gbk.yaml"
    raw.write_bytes("item: 失业保险金申领".encode("gbk"))
    with pytest.raises(ValidationError, match="不是 UTF-8"):
        load_rules(raw)


def test_yaml_aliases_are_refused_before_they_expand() -> None:
    levels = ["      a0: &a0 [x, x, x, x, x, x, x, x, x]"] + [
        f"      a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 7)
    ]  # 9^7 values when walked; each further line multiplies that by 9
    text = MINIMAL.replace("      fields: {months: 13, reason: 甲}", "\n".join(levels), 1)
    problems = _problems(text)
    assert "YAML 别名" in problems[_line(text, "a1: &a1")]
    assert "YAML 别名" in problems[_line(text, "a6: &a6")]


def test_two_rule_files_for_one_item_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(ValidationError, match="T-001 有两个规则文件"):
        load_rule_dir(tmp_path)


def test_describe_rules_reads_like_a_guide() -> None:
    rules = load_rules(DEMO_RULES_DIR / "shiye-baoxianjin.yaml")
    text = describe_rules(rules)
    assert "事项：失业保险金申领（编码 SF-SYBX-001" in text
    assert "累计缴费月数 ≥ 12" in text
    assert "《失业保险条例》第十四条第一项" in text
    assert "不可补正" in text and "人工审查" in text
    assert "授权委托书：当 委托他人代办 时提交" in text


def test_checklist_asks_the_question_that_decides_the_materials() -> None:
    rules = load_rules(DEMO_RULES_DIR / "gongjijin-tiqu.yaml")
    needed, undecided, questions = rules.checklist({}, TODAY)
    assert [m.name for m in needed] == ["居民身份证"]
    assert "房屋租赁合同和租金缴纳凭证" in {m.name for m in undecided}
    assert [q.name for q in questions] == ["case"]
    needed, undecided, questions = rules.checklist({"case": "租赁住房"}, TODAY)
    assert [m.name for m in needed] == ["居民身份证", "房屋租赁合同和租金缴纳凭证"]
    assert undecided == [] and questions == []


# ---------------------------------------------------------------------------------------------
# the tests rule files carry


def test_the_demo_rules_pass_their_own_tests() -> None:
    report = run_rule_tests()
    expected = sum(len(r.tests) for r in load_rule_dir().values())
    assert report.ok, [c.failures for c in report.cases if not c.passed] or report.errors
    assert len(report.cases) == expected and expected >= 20
    outcomes = {c.outcome for c in report.cases}
    assert outcomes == {"approved", "denied", "needs_correction", "needs_review"}


def test_a_wrong_expectation_fails_with_expected_and_actual(tmp_path: Path) -> None:
    text = (DEMO_RULES_DIR / "shiye-baoxianjin.yaml").read_text(encoding="utf-8")
    broken = text.replace(
        "unmet_conditions: [contribution]\n", "unmet_conditions: [involuntary]\n", 1
    )
    broken = broken.replace("values: {max_months: 18}", "values: {max_months: 24}")
    assert broken.count("unmet_conditions: [involuntary]") == 2
    path = tmp_path / "shiye.yaml"
    path.write_text(broken, encoding="utf-8")
    report = run_rule_tests([path])
    assert not report.ok and report.failed == 2
    failures = [f for c in report.cases for f in c.failures]
    assert "未满足条件不符：多出 contribution；缺少 involuntary" in failures
    assert "max_months 应为 24，实际为 18" in failures


def test_a_rule_file_that_does_not_load_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(MINIMAL.replace("hit: first", "hit: any"), encoding="utf-8")
    (tmp_path / "good.yaml").write_text(MINIMAL.replace("T-001", "T-002"), encoding="utf-8")
    report = run_rule_tests([tmp_path])
    assert report.passed == 1 and not report.ok
    assert len(report.errors) == 1 and "bad.yaml" in report.errors[0][0]


# ---------------------------------------------------------------------------------------------
# govai rules


def test_cli_rules_test_runs_the_demo_rules() -> None:
    result = CliRunner().invoke(rules_group, ["test"])
    assert result.exit_code == 0, result.output
    assert "失败 0" in result.output and "shiye-baoxianjin.yaml" in result.output


def test_cli_rules_test_fails_with_exit_1_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(MINIMAL.replace("outcome: needs_review", "outcome: approved"), encoding="utf-8")
    result = CliRunner().invoke(rules_group, ["test", str(path)])
    assert result.exit_code == 1
    assert "失败" in result.output and "结果应为 approved" in result.output
    as_json = CliRunner().invoke(rules_group, ["test", str(path), "--json"])
    data = json.loads(as_json.output)
    assert data["failed"] == 1 and data["cases"][0]["outcome"] == "needs_review"


def test_cli_rules_test_reports_a_broken_file_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    bad = MINIMAL.replace("check: months >= 12", "check: months >== 12")
    path.write_text(bad, encoding="utf-8")
    result = CliRunner().invoke(rules_group, ["test", str(path)])
    assert result.exit_code == 1
    assert f"第 {_line(bad, 'months >==')} 行" in result.output


def test_cli_rules_show_renders_the_file_and_refuses_a_bad_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(rules_group, ["show", str(DEMO_RULES_DIR / "gaoling-jintie.yaml")])
    assert result.exit_code == 0
    assert (
        "高龄津贴月标准（元）" in result.output and "周岁年龄（公民身份号码） ≥ 80" in result.output
    )
    path = tmp_path / "t.yaml"
    path.write_text(MINIMAL.replace("name: 测试事项\n", ""), encoding="utf-8")
    result = CliRunner().invoke(rules_group, ["show", str(path)])
    assert result.exit_code == 1 and "缺少 “name”" in result.output


def test_the_documented_example_loads_and_passes_its_test() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "rules-format.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    rules = parse_rules(example, "docs/rules-format.md")
    assert rules.item == "SF-SYBX-001" and rules.tests
    report = [run_rule_test(rules, t, ITEM_FOR_DOC) for t in rules.tests]
    assert all(case.passed for case in report), [c.failures for c in report]

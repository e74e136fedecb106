"""govai rules: check rule files (rules as code) and run the tests they carry."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape

from govai.approval.catalog import read_catalog_yaml
from govai.approval.precheck import OUTCOMES
from govai.approval.rules import describe_rules, load_rules
from govai.approval.ruletests import RuleTestReport, run_rule_tests
from govai.cli.common import console, err_console, print_json
from govai.errors import GovaiError


@click.group()
def rules() -> None:
    """规则即代码：查看规则文件，运行规则文件自带的测试（格式见 docs/rules-format.md）。"""


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--catalog",
    "catalog_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="事项目录 YAML：测试在目录中的事项上运行（默认：不给 PATH 时用示范目录）。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
def rules_test(paths: tuple[Path, ...], catalog_file: Path | None, as_json: bool) -> None:
    """运行规则文件自带的测试；不给 PATH 时运行示范规则。有失败或规则文件有错时退出码为 1。"""
    try:
        items = None  # the demo catalogue when the demo rules run
        if catalog_file is not None:
            items = {i.code: i for i in read_catalog_yaml(catalog_file).items}
        elif paths:
            items = {}  # bare items made from the rule files
        report = run_rule_tests(list(paths) or None, items)
    except GovaiError as exc:
        err_console.print(f"[red]错误：[/red]{exc.message}")
        sys.exit(1)
    if as_json:
        print_json(_report_json(report))
    else:
        _print_report(report)
    if not report.ok:
        sys.exit(1)


def _report_json(report: RuleTestReport) -> dict[str, object]:
    return {
        "passed": report.passed,
        "failed": report.failed,
        "errors": [{"file": f, "message": m} for f, m in report.errors],
        "cases": [
            {
                "file": c.file,
                "line": c.line,
                "item": c.item,
                "name": c.name,
                "outcome": c.outcome,
                "passed": c.passed,
                "failures": list(c.failures),
            }
            for c in report.cases
        ],
    }


def _print_report(report: RuleTestReport) -> None:
    current = None
    for case in report.cases:
        if case.file != current:
            current = case.file
            console.print(f"\n{case.file}（事项 {case.item}）", soft_wrap=True, markup=False)
        mark = "[green]通过[/green]" if case.passed else "[red]失败[/red]"
        label = OUTCOMES.get(case.outcome, case.outcome or "—")
        line = f"  {mark}  第 {case.line:>3} 行  {escape(case.name)}  → {label}"
        console.print(line, soft_wrap=True)
        for failure in case.failures:
            console.print(f"        [red]✗[/red] {escape(failure)}", soft_wrap=True)
    for file, message in report.errors:
        console.print(f"\n[red]规则文件有错[/red] {escape(file)}", soft_wrap=True)
        console.print(message, soft_wrap=True, markup=False)
    summary = f"\n共 {len(report.cases)} 例：通过 {report.passed}，失败 {report.failed}"
    if report.errors:
        summary += f"；有错的规则文件 {len(report.errors)} 个"
    console.print(summary + "。")


@rules.command("show")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def rules_show(file: Path) -> None:
    """以中文列出规则文件：申请信息、材料、决策表、条件及其法律依据。"""
    try:
        ruleset = load_rules(file)
    except GovaiError as exc:
        err_console.print(f"[red]错误：[/red]{exc.message}")
        sys.exit(1)
    click.echo(describe_rules(ruleset))


def register(cli: click.Group) -> None:
    cli.add_command(rules)

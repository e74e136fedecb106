"""govai process: 流程优化 figures of the approval process at the shell.

``process report --json`` prints :meth:`govai.scenarios.approval.process.ProcessReport.to_dict`
(per group: volume, decided, pass/correction/overturn rates, stage p50/p90 hours, open, overdue,
near-due and the bottleneck). The shell operator sees every item.
"""

from __future__ import annotations

from datetime import datetime

import click
from rich.table import Table

from govai.cli.common import console, open_platform, operator, print_json


@click.group()
def process() -> None:
    """流程优化：审批办件的环节用时、通过率、补正率、改判率与超期情况。"""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


@process.command("report")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="统计起始日期（按提交日期）。")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="统计截止日期（含当日）。")
@click.option(
    "--by",
    "group_by",
    type=click.Choice(["item", "department"]),
    default="item",
    show_default=True,
    help="按事项或按部门分组。",
)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="按此日期判断超期（默认今天）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def process_report_command(
    since: datetime | None,
    until: datetime | None,
    group_by: str,
    today: datetime | None,
    as_json: bool,
) -> None:
    """办件流程报表：期间内提交的申请的量、率与各环节用时（小时），以及当前在办件的超期情况。

    环节：预审→受理（含补正）、补正（每次补正告知到重新提交）、审查（受理到决定）、全程。
    瓶颈环节：补正、受理、审查三者中占全程用时比例中位数最大的一个。"""
    from govai.scenarios.approval.applications import beijing_today
    from govai.scenarios.approval.process import STAGE_LABELS, STAGES, process_report

    platform = open_platform()
    with platform.db.read() as session:
        report = process_report(
            session,
            operator(),
            since=since.date() if since else None,
            until=until.date() if until else None,
            today=today.date() if today else beijing_today(),
            group_by="department" if group_by == "department" else "item",
        )
    if as_json:
        print_json(report.to_dict())
        return
    period = f"{report.since or '最早'} 至 {report.until or '今'}"
    first = "事项" if group_by == "item" else "部门"
    rows = [*report.groups, report.total]
    table = Table(title=f"办件流程（{period}，按{first}）")
    table.add_column(first)
    for header in ("申请量", "办结", "通过率", "补正率", "改判率", "在办", "超期", "临期"):
        table.add_column(header, justify="right")
    table.add_column("瓶颈")
    for g in rows:
        table.add_row(
            g.name,
            str(g.volume),
            str(g.decided),
            _pct(g.pass_rate),
            _pct(g.correction_rate),
            _pct(g.overturn_rate),
            str(g.open),
            f"[red]{g.overdue}[/red]" if g.overdue else "0",
            f"[yellow]{g.near_due}[/yellow]" if g.near_due else "0",
            str(g.to_dict()["bottleneck_label"] or "–"),
            end_section=g is rows[-2] if len(rows) > 1 else False,
        )
    console.print(table)
    times = Table(title="各环节用时（小时，中位数 / P90）")
    times.add_column(first)
    for stage in STAGES:
        times.add_column(STAGE_LABELS[stage], justify="right")
    for g in rows:
        times.add_row(
            g.name,
            *(f"{_hours(g.stages[s].p50_hours)} / {_hours(g.stages[s].p90_hours)}" for s in STAGES),
            end_section=g is rows[-2] if len(rows) > 1 else False,
        )
    console.print(times)
    if not report.groups:
        console.print("期间内没有可查看的办件。")


def register(cli: click.Group) -> None:
    cli.add_command(process)

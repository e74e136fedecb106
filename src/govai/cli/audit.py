"""govai audit: verify the hash chain, list entries."""

from __future__ import annotations

import sys

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from govai.cli.common import console, err_console, open_platform, print_json
from govai.governance import audit as audit_log
from govai.storage.base import beijing


@click.group()
def audit() -> None:
    """审计日志：校验哈希链、查询。"""


@audit.command()
def verify() -> None:
    """重算哈希链；发现被篡改、插入或删除的条目时指出第一条并以非零状态退出。"""
    platform = open_platform()
    with platform.db.read() as session:
        total = audit_log.count(session)
        with Progress(
            TextColumn("校验审计日志"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            transient=True,
            disable=total < 5000,
        ) as bar:
            task = bar.add_task("verify", total=total)
            result = audit_log.verify(session, lambda done: bar.update(task, completed=done))
    if result.ok:
        console.print(f"[green]{result.message}[/green]")
        return
    err_console.print(f"[red]校验失败：[/red]{result.message}")
    sys.exit(3)


@audit.command("list")
@click.option("--actor", default="", help="按操作人筛选。")
@click.option("--action", default="", help="按操作类型前缀筛选，如 login、user。")
@click.option("--limit", default=50, show_default=True, help="最多显示条数。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def list_entries(actor: str, action: str, limit: int, as_json: bool) -> None:
    """列出最近的审计日志（新的在前）。"""
    platform = open_platform()
    with platform.db.read() as session:
        rows, total = audit_log.search(
            session, audit_log.AuditFilter(actor=actor, action=action), limit=limit
        )
    if as_json:
        print_json(
            {
                "total": total,
                "entries": [
                    {
                        "seq": r.seq,
                        "ts": r.ts.isoformat(),
                        "actor": r.actor,
                        "action": r.action,
                        "object_type": r.object_type,
                        "object_id": r.object_id,
                        "summary": r.summary,
                        "hash": r.hash,
                    }
                    for r in rows
                ],
            }
        )
        return
    for r in rows:
        console.print(f"{r.seq:>6}  {beijing(r.ts)}  {r.actor:<14} {r.action:<16} {r.summary}")
    console.print(f"共 {total} 条，显示 {len(rows)} 条。")


def register(cli: click.Group) -> None:
    cli.add_command(audit)

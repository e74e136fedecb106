"""init, demo, serve, settings."""

from __future__ import annotations

import click

from govai.cli.common import console, open_platform, operator
from govai.settings import SETTINGS, Settings, settings_markdown


@click.command()
def init() -> None:
    """初始化或升级数据库（幂等，可重复运行）。"""
    platform = open_platform(require_schema=False)
    before = platform.db.current_revision()
    platform.db.migrate()
    after = platform.db.current_revision()
    where = platform.settings.home_path
    if before == after:
        console.print(f"数据库已是最新版本（{after}），数据目录：{where}")
    else:
        console.print(f"数据库已升级：{before or '空'} → {after}，数据目录：{where}")


@click.command()
def demo() -> None:
    """载入示范数据（示范市的机构、各角色演示账号、示范知识库、群众留言、办事事项与近两个月的
    示范办件），并打印演示账号。"""
    from govai.demo import load_demo

    platform = open_platform(require_schema=False)
    platform.db.migrate()
    accounts = load_demo(platform, operator())
    console.print("[bold]演示账号[/bold]（仅供本机试用，正式使用前请停用或修改密码）：")
    for acc in accounts:
        console.print(f"  {acc.username:<12} {acc.password}  {acc.display_name}")
    from govai.demo import DEMO_KBS

    names = "、".join(f"{name}（{title}）" for name, title, *_ in DEMO_KBS)
    console.print(f"示范知识库：{names}。市民咨询页面：/chat（无需登录）。")
    console.print(
        "示范办事事项：失业保险金申领、高龄津贴申领、住房公积金提取、居住证申领。"
        "办事服务页面：/services（无需登录）；办件审批：/applications；流程分析：/process。"
    )


@click.command()
@click.option("--host", default=None, help="监听地址（默认取 GOVAI_HOST）。")
@click.option("--port", type=int, default=None, help="端口（默认取 PORT 或 GOVAI_PORT）。")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="工作进程数。Python 的一个进程只能用满一个 CPU 核，生产环境建议设为服务器的核数。",
)
def serve(host: str | None, port: int | None, workers: int) -> None:
    """启动 Web 控制台。"""
    import uvicorn

    platform = open_platform()
    host = host or platform.settings.host
    port = port or platform.settings.port
    console.print(f"govai 控制台：http://{host}:{port}/  （{workers} 个工作进程，Ctrl+C 停止）")
    # Each worker builds its own app from the environment (govai.web.app.served_app).
    uvicorn.run(
        "govai.web.app:served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
    )


@click.command("settings")
@click.option("--markdown", is_flag=True, help="输出 docs/settings.md 的内容。")
def settings_cmd(markdown: bool) -> None:
    """列出全部配置项、当前值与说明。"""
    if markdown:
        click.echo(settings_markdown(), nl=False)
        return
    current = dict(Settings.load().public_items())
    for s in SETTINGS:
        console.print(f"[bold]{s.name}[/bold] = {current[s.name]!r}  ({s.env_var})")
        console.print(f"    {s.help}")


def register(cli: click.Group) -> None:
    for command in (init, demo, serve, settings_cmd):
        cli.add_command(command)

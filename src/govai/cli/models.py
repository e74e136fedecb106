"""govai model: configure model providers, their data levels, test them, purge the call log."""

from __future__ import annotations

import click

from govai.classification import LEVEL_LABELS
from govai.cli.common import console, open_platform, operator
from govai.gateway import ModelGateway
from govai.gateway import service as providers
from govai.gateway.calllog import purge_call_log
from govai.gateway.providers import provider_kinds


@click.group()
def model() -> None:
    """模型服务：配置、数据密级、测试、调用日志清理。"""


@model.command("add")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(provider_kinds()),
    default="openai",
    show_default=True,
    help="模型服务类型。",
)
@click.option("--base-url", default="", help="OpenAI 兼容接口地址，如 http://127.0.0.1:8001/v1。")
@click.option("--model", "model_name", default="", help="模型名，如 qwen2.5-72b-instruct。")
@click.option(
    "--api-key-env", default="", help="存放密钥的环境变量名（只保存变量名，不保存密钥）。"
)
@click.option(
    "--local", is_flag=True, help="本地部署（私有化）的模型；只有本地模型可接收涉密数据。"
)
@click.option(
    "--timeout", type=float, default=None, help="超时秒数（默认取 provider_timeout_seconds）。"
)
@click.option(
    "--approve",
    is_flag=True,
    help="同时批准（操作员兼任安全保密管理员）：否则设有 --api-key-env 的模型服务须经 "
    "`govai model approve` 批准后才能调用。",
)
def model_add(
    name: str,
    kind: str,
    base_url: str,
    model_name: str,
    api_key_env: str,
    local: bool,
    timeout: float | None,
    approve: bool,
) -> None:
    """新增模型服务；初始密级上限为“公开”，由安全保密管理员用 `govai model level` 调整。

    设有 --api-key-env 的模型服务会把该环境变量的值作为密钥发往 --base-url，须经安全保密管理员
    批准（`govai model approve`，或新增时加 --approve）后才能调用。变量名不能以 GOVAI_ 开头
    （govai 自身的配置项），GOVAI_KEY_ 开头的除外。
    """
    platform = open_platform()
    with platform.db.session() as session:
        config = providers.add_provider(
            session,
            operator(),
            providers.NewProvider(name, kind, base_url, model_name, api_key_env, local, timeout),
            default_timeout=float(platform.settings.provider_timeout_seconds),
        )
        if approve:
            config = providers.approve_provider(session, operator(), config.name)
    console.print(f"已新增模型服务 {config.name}（{config.kind}），密级上限：公开。")
    if config.needs_approval:
        console.print(
            f"它会发送密钥（环境变量 {config.api_key_env}），须经安全保密管理员批准后才能调用："
            f"govai model approve {config.name}"
        )
    elif approve and config.api_key_env:
        console.print(f"已批准：密钥将发往 {config.base_url}。")


@model.command("approve")
@click.argument("name")
def model_approve(name: str) -> None:
    """批准模型服务（安全保密管理员）：允许把其密钥发往其接口地址；地址或密钥变量改变后须重新批准。"""
    platform = open_platform()
    with platform.db.session() as session:
        config = providers.approve_provider(session, operator(), name)
    key = f"密钥（环境变量 {config.api_key_env}）" if config.api_key_env else "请求（不含密钥）"
    console.print(f"已批准模型服务 {config.name}：{key}将发往 {config.base_url or '-'}。")


@model.command("list")
def model_list() -> None:
    """列出模型服务及其密级上限。"""
    platform = open_platform()
    with platform.db.session() as session:
        configs = providers.list_providers(session)
    default = platform.settings.default_provider
    for c in configs:
        flags = [
            "内置" if c.builtin else "",
            "本地" if c.is_local else "非本地",
            "" if c.enabled else "已停用",
            "待批准" if c.needs_approval else "",
            "默认" if c.name == default else "",
        ]
        console.print(
            f"{c.name:<16} {c.kind:<10} {c.model or '-':<24} 密级上限 {c.max_level.label}  "
            f"{' '.join(f for f in flags if f)}  {c.base_url}"
        )


@model.command("level")
@click.argument("name")
@click.argument("level", type=click.Choice(list(LEVEL_LABELS)))
def model_level(name: str, level: str) -> None:
    """设置模型服务可接收的最高数据密级（公开/内部/敏感/涉密；涉密仅限本地模型）。"""
    platform = open_platform()
    with platform.db.session() as session:
        config = providers.set_provider_level(session, operator(), name, level)
    console.print(f"模型服务 {config.name} 的密级上限：{config.max_level.label}")


@model.command("test")
@click.argument("name")
def model_test(name: str) -> None:
    """向模型服务发送一句测试提问，显示耗时和回答。"""
    platform = open_platform()
    result = providers.test_provider(ModelGateway(platform.db, platform.settings), operator(), name)
    console.print(f"模型服务 {result.name} 可用，耗时 {result.latency_ms} 毫秒。回答：")
    console.print(result.reply)


@model.command("remove")
@click.argument("name")
def model_remove(name: str) -> None:
    """删除模型服务配置（调用日志保留）。"""
    platform = open_platform()
    with platform.db.session() as session:
        providers.remove_provider(session, operator(), name)
    console.print(f"已删除模型服务 {name}")


@model.command("disable")
@click.argument("name")
def model_disable(name: str) -> None:
    """停用模型服务（配置保留）。"""
    platform = open_platform()
    with platform.db.session() as session:
        providers.set_provider_enabled(session, operator(), name, False)
    console.print(f"已停用模型服务 {name}")


@model.command("enable")
@click.argument("name")
def model_enable(name: str) -> None:
    """启用模型服务。"""
    platform = open_platform()
    with platform.db.session() as session:
        providers.set_provider_enabled(session, operator(), name, True)
    console.print(f"已启用模型服务 {name}")


@model.command("purge-log")
def model_purge_log() -> None:
    """删除超过保存期限（call_log_retention_days，不少于 180 天）的模型调用日志。"""
    platform = open_platform()
    with platform.db.session() as session:
        count = purge_call_log(session, platform.settings, operator())
    days = platform.settings.call_log_retention_days
    console.print(f"已删除 {days} 天前的模型调用日志 {count} 条。")


def register(cli: click.Group) -> None:
    cli.add_command(model)

"""govai org / user / token: the organisation tree, accounts and API tokens."""

from __future__ import annotations

import os
import sys

import click

from govai.accounts import service as accounts
from govai.accounts.roles import ROLE_LABELS, Role
from govai.cli.common import console, open_platform, operator
from govai.errors import ValidationError

ROLE_HELP = "、".join(f"{r.value}（{r.label}）" for r in Role if r is not Role.PUBLIC)


@click.group()
def org() -> None:
    """机构树：省/市/区县/部门。"""


@org.command("add")
@click.argument("code")
@click.argument("name")
@click.option(
    "--kind", type=click.Choice(list(accounts.ORG_KINDS)), required=True, help="机构类型。"
)
@click.option("--parent", default=None, help="上级机构编码（根机构可省略）。")
def org_add(code: str, name: str, kind: str, parent: str | None) -> None:
    """新建机构。"""
    platform = open_platform()
    with platform.db.session() as session:
        created = accounts.create_org(
            session, operator(), code=code, name=name, kind=kind, parent_code=parent
        )
        console.print(f"已新建机构 {created.code}：{accounts.org_path(session, created)}")


@org.command("list")
def org_list() -> None:
    """列出全部机构。"""
    platform = open_platform()
    with platform.db.session() as session:
        for o in accounts.list_orgs(session):
            console.print(
                f"{o.code:<16} {accounts.ORG_KINDS[o.kind]:<4} {accounts.org_path(session, o)}"
            )


@click.group()
def user() -> None:
    """账号与角色（三员分立：系统管理员、安全保密管理员、安全审计员不得兼任）。"""


def _read_password(password_env: str | None, stdin: bool) -> str:
    if password_env:
        value = os.environ.get(password_env)
        if value is None:
            raise ValidationError(f"环境变量 {password_env} 未设置。")
        return value
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码"))


@user.command("add")
@click.argument("username")
@click.option("--name", "display_name", default="", help="姓名（默认同用户名）。")
@click.option("--org", "org_code", required=True, help="所属机构编码。")
@click.option(
    "--role", "roles", multiple=True, required=True, help=f"角色，可多次给出：{ROLE_HELP}。"
)
@click.option("--password-env", default=None, help="从该环境变量读取初始密码。")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取初始密码。")
def user_add(
    username: str,
    display_name: str,
    org_code: str,
    roles: tuple[str, ...],
    password_env: str | None,
    password_stdin: bool,
) -> None:
    """新建账号。不给出密码来源时交互输入。"""
    password = _read_password(password_env, password_stdin)
    platform = open_platform()
    with platform.db.session() as session:
        created = accounts.create_user(
            session,
            operator(),
            accounts.NewUser(username, display_name, org_code, roles, password),
            platform.settings,
        )
        console.print(f"已新建账号 {created.username}（{'、'.join(_labels(created.roles))}）")


@user.command("list")
def user_list() -> None:
    """列出全部账号。"""
    platform = open_platform()
    with platform.db.session() as session:
        for u in accounts.list_users(session):
            state = "启用" if u.is_active else "停用"
            console.print(
                f"{u.username:<14} {u.display_name:<10} {u.org.name:<20} {state}  "
                f"{'、'.join(_labels(u.roles))}"
            )


@user.command("roles")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, help=f"新的角色集合：{ROLE_HELP}。")
def user_roles(username: str, roles: tuple[str, ...]) -> None:
    """设置账号的角色（替换原有角色）。"""
    platform = open_platform()
    with platform.db.session() as session:
        changed = accounts.set_roles(session, operator(), username, roles)
        console.print(f"{changed.username} 的角色：{'、'.join(_labels(changed.roles))}")


@user.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    """停用账号并注销其全部登录。"""
    platform = open_platform()
    with platform.db.session() as session:
        accounts.set_active(session, operator(), username, False)
    console.print(f"已停用 {username}")


@user.command("enable")
@click.argument("username")
def user_enable(username: str) -> None:
    """启用账号。"""
    platform = open_platform()
    with platform.db.session() as session:
        accounts.set_active(session, operator(), username, True)
    console.print(f"已启用 {username}")


@user.command("unlock")
@click.argument("username")
def user_unlock(username: str) -> None:
    """解除因连续登录失败造成的锁定。"""
    platform = open_platform()
    with platform.db.session() as session:
        accounts.unlock(session, operator(), username)
    console.print(f"已解锁 {username}")


@user.command("passwd")
@click.argument("username")
@click.option("--password-env", default=None, help="从该环境变量读取新密码。")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码。")
def user_passwd(username: str, password_env: str | None, password_stdin: bool) -> None:
    """重置账号密码（同时注销其全部登录）。"""
    password = _read_password(password_env, password_stdin)
    platform = open_platform()
    with platform.db.session() as session:
        accounts.set_password(session, operator(), username, password, platform.settings)
    console.print(f"已重置 {username} 的密码")


@click.group()
def token() -> None:
    """API 令牌（供系统集成使用，只保存哈希）。"""


@token.command("create")
@click.argument("username")
@click.option("--name", required=True, help="令牌用途，如“12345 工单系统”。")
@click.option("--days", type=int, default=None, help="有效天数（默认长期有效）。")
def token_create(username: str, name: str, days: int | None) -> None:
    """为账号创建 API 令牌；令牌只显示这一次。"""
    platform = open_platform()
    with platform.db.session() as session:
        row, plain = accounts.create_token(session, operator(), username, name, days=days)
    console.print(f"令牌 #{row.id}（{row.name}）：")
    click.echo(plain)
    console.print(
        "请立即妥善保存，此后无法再次查看。调用时使用请求头 Authorization: Bearer <令牌>。"
    )


@token.command("list")
@click.argument("username")
def token_list(username: str) -> None:
    """列出账号的 API 令牌。"""
    platform = open_platform()
    with platform.db.session() as session:
        u = accounts.get_user(session, username)
        for t in accounts.list_tokens(session, u.id):
            state = "已吊销" if t.revoked_at else "有效"
            console.print(f"#{t.id:<4} {t.prefix}…  {t.name:<20} {state}")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """吊销 API 令牌。"""
    platform = open_platform()
    with platform.db.session() as session:
        accounts.revoke_token(session, operator(), token_id)
    console.print(f"已吊销令牌 #{token_id}")


def _labels(roles: frozenset[str]) -> list[str]:
    return [ROLE_LABELS[Role(r)] for r in sorted(roles)]


def register(cli: click.Group) -> None:
    for group in (org, user, token):
        cli.add_command(group)

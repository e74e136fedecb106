"""/admin/users: accounts (安全保密管理员: all; 部门管理员: their own subtree, staff/reviewer).

Who may grant what is decided by :mod:`govai.accounts.service`; its Chinese messages are shown in
the form with the input kept, and a refused change rolls back whole.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from govai.accounts import service as accounts
from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.errors import GovaiError
from govai.web.auth import platform_of
from govai.web.policy import allow
from govai.web.render import render, set_flash
from govai.web.views import grantable_roles, org_tree, user_json

router = APIRouter()
UserAdmin = Annotated[Principal, Depends(allow(Role.SEC_ADMIN, Role.DEPT_ADMIN))]


def _list_page(
    request: Request,
    principal: Principal,
    *,
    error: str = "",
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    with platform_of(request).db.read() as session:
        users = [user_json(u) for u in accounts.list_users(session, principal)]
        orgs = [row for row in org_tree(session, principal, Role.SEC_ADMIN) if row.in_scope]
    context = {
        "users": users,
        "orgs": orgs,
        "grantable": grantable_roles(principal),
        "error": error,
        "form": form or {"roles": []},
    }
    return render(request, "users.html", context, status_code=status_code)


@router.get("/admin/users")
def users_page(request: Request, principal: UserAdmin) -> Response:
    return _list_page(request, principal)


@router.post("/admin/users")
def user_create(
    request: Request,
    principal: UserAdmin,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    org: Annotated[str, Form()] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    password: Annotated[str, Form()] = "",
) -> Response:
    roles = roles or []
    form = {"username": username, "display_name": display_name, "org": org, "roles": roles}
    new = accounts.NewUser(username, display_name, org, tuple(roles), password)
    try:
        with platform_of(request).db.session() as session:
            accounts.create_user(session, principal, new, platform_of(request).settings)
    except GovaiError as exc:
        return _list_page(request, principal, error=exc.message, form=form, status_code=exc.status)
    response = RedirectResponse("/admin/users", status_code=303)
    set_flash(response, f"已新建账号 {username.strip()}。请将初始密码当面告知本人并提醒其修改。")
    return response


def _detail_page(
    request: Request,
    principal: Principal,
    username: str,
    *,
    error: str = "",
    roles: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    with platform_of(request).db.read() as session:
        user = user_json(accounts.visible_user(session, principal, username))
    context = {
        "user": user,
        "grantable": grantable_roles(principal),
        "checked": roles if roles is not None else user["roles"],
        "error": error,
    }
    return render(request, "user_detail.html", context, status_code=status_code)


@router.get("/admin/users/{username}")
def user_page(request: Request, username: str, principal: UserAdmin) -> Response:
    return _detail_page(request, principal, username)


def _change(
    request: Request,
    principal: Principal,
    username: str,
    change: Callable[[Session], str],
    *,
    roles: list[str] | None = None,
) -> Response:
    """Run one service call in its own transaction; show its refusal in the form."""
    try:
        with platform_of(request).db.session() as session:
            accounts.visible_user(session, principal, username)
            done = change(session)
    except GovaiError as exc:
        return _detail_page(
            request, principal, username, error=exc.message, roles=roles, status_code=exc.status
        )
    response = RedirectResponse(f"/admin/users/{username}", status_code=303)
    set_flash(response, done)
    return response


@router.post("/admin/users/{username}/roles")
def user_roles(
    request: Request,
    principal: UserAdmin,
    username: str,
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    roles = roles or []

    def change(session: Session) -> str:
        accounts.set_roles(session, principal, username, roles)
        return "角色已更新。"

    return _change(request, principal, username, change, roles=roles)


@router.post("/admin/users/{username}/active")
def user_active(
    request: Request,
    principal: UserAdmin,
    username: str,
    active: Annotated[bool, Form()],
) -> Response:
    def change(session: Session) -> str:
        accounts.set_active(session, principal, username, active)
        return "账号已启用。" if active else "账号已停用，其登录会话已全部失效。"

    return _change(request, principal, username, change)


@router.post("/admin/users/{username}/unlock")
def user_unlock(request: Request, username: str, principal: UserAdmin) -> Response:
    def change(session: Session) -> str:
        accounts.unlock(session, principal, username)
        return "账号已解锁。"

    return _change(request, principal, username, change)


@router.post("/admin/users/{username}/password")
def user_password(
    request: Request,
    principal: UserAdmin,
    username: str,
    password: Annotated[str, Form()],
) -> Response:
    settings = platform_of(request).settings

    def change(session: Session) -> str:
        accounts.set_password(session, principal, username, password, settings)
        return "密码已重置，该账号的登录会话已全部失效。请将新密码当面告知本人。"

    return _change(request, principal, username, change)

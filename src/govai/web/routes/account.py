"""/account: one's own password and API tokens (every logged-in user)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from govai.accounts import service as accounts
from govai.accounts.models import ApiToken
from govai.accounts.principal import Principal
from govai.errors import GovaiError, NotFound, PermissionDenied
from govai.web.auth import clear_session_cookie, platform_of
from govai.web.policy import AnyUser
from govai.web.render import render, set_flash

router = APIRouter()


def _page(
    request: Request,
    principal: Principal,
    *,
    error: str = "",
    new_token: str = "",
    token_name: str = "",
    status_code: int = 200,
) -> Response:
    tokens: list[ApiToken] = []
    if principal.user_id is not None:
        with platform_of(request).db.read() as session:
            tokens = accounts.list_tokens(session, principal.user_id)
    context: dict[str, Any] = {
        "tokens": tokens,
        "error": error,
        "new_token": new_token,
        "token_name": token_name,
    }
    return render(request, "account.html", context, status_code=status_code)


def _console_only(principal: Principal, what: str) -> None:
    """Credentials are managed from a console session only: a leaked API token must not be able
    to mint a permanent replacement for itself, revoke the owner's tokens or change the password."""
    if principal.via != "session":
        raise PermissionDenied(f"{what}须登录控制台后在“我的账号”页面操作，不能使用 API 令牌调用。")


@router.get("/account")
def account_page(request: Request, principal: AnyUser) -> Response:
    return _page(request, principal)


@router.post("/account/password")
def change_password(
    request: Request,
    principal: AnyUser,
    current: Annotated[str, Form()],
    password: Annotated[str, Form()],
    confirm: Annotated[str, Form()],
) -> Response:
    _console_only(principal, "修改密码")
    if password != confirm:
        return _page(request, principal, error="两次输入的新密码不一致。", status_code=422)
    settings = platform_of(request).settings
    try:
        with platform_of(request).db.session() as session:
            accounts.set_password(
                session, principal, principal.username, password, settings, current=current
            )
    except GovaiError as exc:
        # a wrong current password is a form error here, not a logout
        return _page(request, principal, error=exc.message, status_code=422)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    set_flash(response, "密码已修改，所有登录会话已失效，请用新密码重新登录。")
    return response


@router.post("/account/tokens")
def token_create(
    request: Request,
    principal: AnyUser,
    name: Annotated[str, Form()],
    days: Annotated[int | None, Form()] = None,
) -> Response:
    _console_only(principal, "创建 API 令牌")
    try:
        with platform_of(request).db.session() as session:
            _, plain = accounts.create_token(
                session, principal, principal.username, name, days=days or None
            )
    except GovaiError as exc:
        return _page(request, principal, error=exc.message, token_name=name, status_code=422)
    # shown once: only its hash is stored
    return _page(request, principal, new_token=plain, status_code=201)


@router.post("/account/tokens/{token_id}/revoke")
def token_revoke(request: Request, token_id: int, principal: AnyUser) -> Response:
    _console_only(principal, "吊销 API 令牌")
    with platform_of(request).db.session() as session:
        own = {t.id for t in accounts.list_tokens(session, principal.user_id or -1)}
        if token_id not in own:
            raise NotFound(f"您没有编号为 {token_id} 的 API 令牌。")
        row = accounts.revoke_token(session, principal, token_id)
        name = row.name
    response = RedirectResponse("/account", status_code=303)
    set_flash(response, f"API 令牌「{name}」已吊销。")
    return response

"""Login and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from govai.accounts import service as accounts
from govai.errors import AccountLocked, AuthenticationError
from govai.web.auth import (
    clear_session_cookie,
    client_ip,
    platform_of,
    set_session_cookie,
)
from govai.web.errors import safe_next
from govai.web.policy import Anyone, AnyUser
from govai.web.render import render

router = APIRouter()


@router.get("/login")
def login_page(request: Request, principal: Anyone, next: str = "/") -> Response:
    if principal.via == "session":
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "username": ""})


@router.post("/login")
def login_submit(
    request: Request,
    principal: Anyone,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    platform = platform_of(request)
    username = username.strip()
    context = {"next": safe_next(next), "username": username}
    if not username or not password:
        context["error"] = "请输入用户名和密码。"
        return render(request, "login.html", context, status_code=422)
    try:
        result = accounts.login(
            platform.db, platform.settings, username, password, ip=client_ip(request)
        )
    except AuthenticationError as exc:
        context["error"] = exc.message
        status = 423 if isinstance(exc, AccountLocked) else 401
        return render(request, "login.html", context, status_code=status)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, request, result.token)
    return response


@router.post("/logout")
def logout(request: Request, principal: AnyUser) -> Response:
    if principal.via == "session":
        with platform_of(request).db.session() as session:
            accounts.end_session(session, principal)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response

"""Resolving the caller (session cookie, bearer token or anonymous) and CSRF checks.

- Console sessions: the ``govai_session`` cookie holds a random token; :func:`accounts.resume`
  applies the idle and absolute timeouts.
- Integrations: ``Authorization: Bearer govai_…`` (no cookie, so no CSRF check is needed).
- Everyone else is the anonymous citizen (:data:`ANONYMOUS`, role ``public``).

CSRF: a state-changing request in a session must carry the session's token in the form field
``csrf_token`` or the header ``X-CSRF-Token``. Before login there is no session, so the login
form uses a double-submit token: a random value in the ``govai_csrf`` cookie that the form
repeats. A missing or forged token is refused with :class:`CsrfError` and audited.
"""

from __future__ import annotations

import dataclasses
import secrets

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from govai.accounts import service as accounts
from govai.accounts.principal import ANONYMOUS, Principal
from govai.errors import CsrfError
from govai.governance import audit
from govai.platform import Platform

SESSION_COOKIE = "govai_session"
PRE_CSRF_COOKIE = "govai_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_STATE_PRINCIPAL = "govai_principal"


SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def resolve_principal(request: Request) -> Principal:
    """The caller of ``request``, computed once per request.

    Raises :class:`SessionExpired` for an expired session cookie or an invalid API token.
    """
    cached = getattr(request.state, _STATE_PRINCIPAL, None)
    if isinstance(cached, Principal):
        return cached
    platform = platform_of(request)
    ip = client_ip(request)
    principal = dataclasses.replace(ANONYMOUS, ip=ip)
    header = request.headers.get("authorization", "")
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if header.lower().startswith("bearer "):
        with platform.db.session() as session:
            principal = accounts.authenticate_token(session, header[7:].strip(), ip=ip)
    elif cookie:
        principal = accounts.resume(platform.db, platform.settings, cookie, ip=ip)
    setattr(request.state, _STATE_PRINCIPAL, principal)
    return principal


def has_credentials(request: Request) -> bool:
    """Whether the request carries a bearer token or a session cookie — the only callers whose
    resolution reads the database; everyone else is the anonymous citizen."""
    header = request.headers.get("authorization", "")
    return header.lower().startswith("bearer ") or bool(request.cookies.get(SESSION_COOKIE))


def principal_or_anonymous(request: Request) -> Principal:
    """Like :func:`resolve_principal`, but never raises (for error pages)."""
    cached = getattr(request.state, _STATE_PRINCIPAL, None)
    if isinstance(cached, Principal):
        return cached
    try:
        return resolve_principal(request)
    except Exception:
        return dataclasses.replace(ANONYMOUS, ip=client_ip(request))


def pre_session_csrf(request: Request) -> str:
    """The double-submit token for forms shown before login (set as a cookie by the app)."""
    token = request.cookies.get(PRE_CSRF_COOKIE) or getattr(request.state, "new_pre_csrf", "")
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_pre_csrf = token
    return token


def csrf_token_for(request: Request, principal: Principal) -> str:
    """The token a form on this page must carry."""
    if principal.via == "session":
        return principal.csrf_token
    return pre_session_csrf(request)


async def check_csrf(request: Request, principal: Principal) -> None:
    if request.method in SAFE_METHODS or principal.via == "token":
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else ""
    if principal.via == "session":
        expected = principal.csrf_token
    else:
        expected = request.cookies.get(PRE_CSRF_COOKIE, "")
    if sent and expected and secrets.compare_digest(sent, expected):
        return
    reason = "缺少 CSRF 令牌" if not sent else "CSRF 令牌不匹配"
    await run_in_threadpool(_record_csrf_refusal, request, principal, reason)
    raise CsrfError("请求未通过安全校验（CSRF 令牌缺失或无效），操作未执行。请刷新页面后重试。")


def _record_csrf_refusal(request: Request, principal: Principal, reason: str) -> None:
    with platform_of(request).db.session() as session:
        audit.record(
            session,
            "security.csrf",
            actor=principal,
            object_type="route",
            object_id=f"{request.method} {request.url.path}",
            summary=f"拒绝请求：{reason}（{request.method} {request.url.path}）",
        )


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=bool(platform_of(request).settings.cookie_secure),
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")

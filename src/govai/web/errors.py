"""One error shape for the API, a Chinese error page for the console.

Every error an API client sees — a :class:`GovaiError`, an unknown path (404), a wrong method
(405), a request that fails validation (422) or an unexpected failure (500) — is answered as
``GovaiError.to_dict()``::

    {"error": {"code": "not_found", "message": "…", "detail": {…}}}

Console pages get ``error.html`` instead; an expired or missing login redirects to ``/login``.
No traceback ever reaches the client; unexpected failures are logged.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from govai.errors import (
    AccountLocked,
    AuthenticationError,
    GovaiError,
    HttpError,
    InternalError,
    NotFound,
    SessionExpired,
    ValidationError,
)
from govai.web.auth import add_security_headers, clear_session_cookie
from govai.web.render import render, set_flash

log = logging.getLogger("govai.web")


def wants_json(request: Request) -> bool:
    if request.url.path == "/api" or request.url.path.startswith("/api/"):
        return True
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def safe_next(path: str) -> str:
    """Only local paths may be redirect targets (no open redirect)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def error_response(request: Request, exc: GovaiError) -> Response:
    if wants_json(request):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)
    if isinstance(exc, AuthenticationError) and not isinstance(exc, AccountLocked):
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        if request.method != "GET":
            target = "/"  # never replay a POST after login
        response = RedirectResponse(f"/login?next={quote(safe_next(target))}", status_code=303)
        if isinstance(exc, SessionExpired):
            clear_session_cookie(response)
            set_flash(response, exc.message)
        return response
    return render(request, "error.html", {"error": exc}, status_code=exc.status)


async def _govai_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GovaiError)
    return error_response(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    err: GovaiError
    if exc.status_code == 404:
        err = NotFound(f"找不到 {request.url.path}：页面或接口不存在。请从首页导航进入。")
    elif exc.status_code == 405:
        err = HttpError(
            f"{request.url.path} 不支持 {request.method} 请求。",
            code="method_not_allowed",
            status=405,
            allowed=(exc.headers or {}).get("Allow", ""),
        )
    elif exc.status_code == 400:  # FastAPI's answer to a body it cannot decode
        err = HttpError(
            "请求体无法解析：请使用 UTF-8 编码的 JSON 或表单，并检查 Content-Type。",
            code="bad_request",
            status=400,
        )
    else:
        err = HttpError(str(exc.detail), code=f"http_{exc.status_code}", status=exc.status_code)
    return error_response(request, err)


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(part) for part in item.get("loc", ())],
            "msg": str(item.get("msg", "")),
            "type": str(item.get("type", "")),
        }
        for item in exc.errors()
    ]


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_detail(exc)
    if any(e["type"] == "json_invalid" for e in errors):
        message = "请求体不是合法的 JSON（UTF-8 编码），请检查后重新提交。"
    else:
        fields = {e["loc"][-1] for e in errors if len(e["loc"]) > 1} or {"请求体"}
        message = f"请求参数不正确或缺失：{'、'.join(sorted(fields))}。请检查后重新提交。"
    err = ValidationError(message, errors=errors)
    return error_response(request, err)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    err = InternalError("服务器内部错误，已记录日志。请稍后重试；如持续出现，请联系系统管理员。")
    # Starlette answers unhandled exceptions outside the app's middleware, so the headers the
    # middleware adds to every other response are added here.
    return add_security_headers(error_response(request, err))


def install(app: FastAPI) -> None:
    app.add_exception_handler(GovaiError, _govai_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)

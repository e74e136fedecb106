"""Jinja2 templates, the common page context and one-shot flash messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from govai.accounts.roles import Role
from govai.storage.base import beijing
from govai.web.auth import csrf_token_for, platform_of, principal_or_anonymous
from govai.web.nav import nav_for

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
FLASH_COOKIE = "govai_flash"


def role_label(value: str | Role) -> str:
    try:
        return Role(value).label
    except ValueError:
        return str(value)


def _context(request: Request) -> dict[str, Any]:
    principal = principal_or_anonymous(request)
    policies = getattr(request.app.state, "policies", {})
    paths = {path for (method, path) in policies if method == "GET"}
    return {
        "principal": principal,
        "site_name": platform_of(request).settings.site_name,
        "nav": nav_for(principal, paths),
        "csrf_token": csrf_token_for(request, principal),
        "role_labels": [role_label(r) for r in sorted(principal.roles) if r is not Role.PUBLIC],
        "flash": unquote(request.cookies.get(FLASH_COOKIE, ""))[:300],
    }


templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[_context])
templates.env.filters["beijing"] = beijing
templates.env.filters["role_label"] = role_label


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context or {}, status_code=status_code)
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def set_flash(response: Response, message: str) -> None:
    """A message shown once on the next page (e.g. after a redirect)."""
    response.set_cookie(FLASH_COOKIE, quote(message[:300]), httponly=True, samesite="lax", path="/")

"""/audit: the security auditor reads and verifies the trail; nothing here changes anything."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.errors import ValidationError
from govai.governance import audit
from govai.storage.base import BEIJING
from govai.web.auth import platform_of
from govai.web.policy import allow
from govai.web.render import render
from govai.web.views import audit_json

router = APIRouter()
Auditor = Annotated[Principal, Depends(allow(Role.AUDITOR))]
PAGE_SIZE = 50


def parse_day(value: str, field: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not date(1970, 1, 1) <= day <= date(9998, 12, 31):
        raise ValidationError(
            f"{field}格式不正确：{value!r}，应为 YYYY-MM-DD 格式（北京时间），例如 2026-01-31。"
        )
    return day


def audit_filter(actor: str, action: str, since: str, until: str, text: str) -> audit.AuditFilter:
    """Dates are Beijing calendar days; the trail stores naive UTC."""
    start = parse_day(since, "起始日期")
    end = parse_day(until, "截止日期")
    return audit.AuditFilter(
        actor=actor.strip(),
        action=action.strip(),
        since=datetime.combine(start, time()) - BEIJING if start else None,
        until=datetime.combine(end + timedelta(days=1), time()) - BEIJING if end else None,
        text=text.strip(),
    )


@router.get("/audit")
def audit_page(
    request: Request,
    principal: Auditor,
    actor: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    text: str = "",
    page: int = 1,
    verify: bool = False,
) -> Response:
    query = {"actor": actor, "action": action, "since": since, "until": until, "text": text}
    context: dict[str, Any] = {"query": query, "error": "", "entries": [], "total": 0}
    page = min(max(page, 1), 1_000_000)
    try:
        flt = audit_filter(actor, action, since, until, text)
    except ValidationError as exc:
        context["error"] = exc.message
        return render(request, "audit.html", context, status_code=exc.status)
    with platform_of(request).db.read() as session:
        rows, total = audit.search(session, flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        context["entries"] = [audit_json(e) for e in rows]
        context["verify"] = audit.verify(session) if verify else None
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    context.update(total=total, page=page, pages=pages)
    return render(request, "audit.html", context)

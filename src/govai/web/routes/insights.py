"""热点发现, 风险预警 and 舆情简报 in the console: /hotspots (with the two official tables as
.xlsx), /alerts (scan, confirm, dismiss) and /briefing (the page, and the .docx).

The scenario modules decide who sees which messages and redact personal data for the reader;
these pages only lay the results out.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.errors import GovaiError, ValidationError
from govai.gateway.labels import EXPLICIT_LABEL, implicit_label_json
from govai.scenarios.messages import alerts as alert_service
from govai.scenarios.messages import briefing as briefing_service
from govai.scenarios.messages import problems as problem_service
from govai.scenarios.messages import replying
from govai.storage.base import beijing
from govai.web.auth import platform_of
from govai.web.nav import NavItem, register_nav
from govai.web.policy import allow
from govai.web.render import render, set_flash
from govai.web.routes.audit import parse_day

router = APIRouter()
VIEW_ROLES = frozenset({Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN, Role.SYS_ADMIN})
Viewer = Annotated[Principal, Depends(allow(*VIEW_ROLES))]
Handler = Annotated[Principal, Depends(allow(Role.STAFF, Role.DEPT_ADMIN))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

register_nav(
    NavItem(
        "热点问题", "/hotspots", VIEW_ROLES, description="同一地点同一问题的集中留言，按热度排序"
    )
)
register_nav(NavItem("风险预警", "/alerts", VIEW_ROLES, description="留言量激增与新出现的热点问题"))
register_nav(
    NavItem("答复质量", "/replies", VIEW_ROLES, description="相关性、完整性、可解释性、及时性评估")
)
register_nav(
    NavItem("舆情简报", "/briefing", VIEW_ROLES, description="周报、月报：趋势、热点、预警、情感")
)


def _days(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) <= 3660 else None


# ---------------------------------------------------------------- hot problems


@router.get("/hotspots")
def hotspots_page(
    request: Request, principal: Viewer, days: str = "", top: int = 10, xlsx: bool = False
) -> Response:
    platform = platform_of(request)
    top = max(1, min(top, 50))
    with platform.db.read() as session:
        result = problem_service.from_database(
            session, platform.settings, principal, top=top, days=_days(days)
        )
    if xlsx:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "hotspots.xlsx"
            problem_service.write_tables(result, path)
            data = path.read_bytes()
        name = quote("热点问题表.xlsx")
        return Response(
            data,
            media_type=XLSX,
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
        )
    titles = {r.id: r.title for r in result.records}
    rows = [
        {
            **p.to_dict(),
            "count": len(p.message_ids),
            "samples": [(i, titles.get(i, "")) for i in p.message_ids[:5]],
        }
        for p in result.problems
    ]
    context = {"problems": rows, "total": result.total, "days": days, "top": top}
    return render(request, "hotspots.html", context)


# ---------------------------------------------------------------- alerts


def _alerts_page(
    request: Request, principal: Principal, *, status: str = "", error: str = "", code: int = 200
) -> Response:
    platform = platform_of(request)
    with platform.db.read() as session:
        alerts = alert_service.list_alerts(session, principal, status=status)
        visible = alert_service.visible_message_ids(
            session, principal, (i for a in alerts for i in a.message_ids)
        )
        rows = [
            {
                **alert_service.payload(a),
                "visible_ids": [i for i in a.message_ids if i in visible],
                "status": a.status,
                "status_label": alert_service.STATUSES.get(a.status, a.status),
                "decided_by": a.decided_by,
                "decided_at": beijing(a.decided_at, "%Y-%m-%d %H:%M"),
                "note": a.note,
                "webhook": a.webhook,
                "created_at": beijing(a.created_at, "%Y-%m-%d %H:%M"),
                "history": a.evidence.get("history", []),
            }
            for a in alerts
        ]
    context = {
        "alerts": rows,
        "status": status,
        "statuses": alert_service.STATUSES,
        "can_handle": principal.has(Role.STAFF, Role.DEPT_ADMIN),
        "error": error,
        "webhook": bool(str(platform.settings.alert_webhook_url).strip()),
    }
    return render(request, "alerts.html", context, status_code=code)


@router.get("/alerts")
def alerts_page(request: Request, principal: Viewer, status: str = "") -> Response:
    if status not in alert_service.STATUSES:
        status = ""
    return _alerts_page(request, principal, status=status)


@router.post("/alerts/scan")
def alerts_scan(request: Request, principal: Handler, on: Annotated[str, Form()] = "") -> Response:
    platform = platform_of(request)
    try:
        with platform.db.session() as session:
            result = alert_service.scan(
                session, platform.settings, principal, on=parse_day(on, "日期")
            )
            ids = [a.id for a in result.raised]
    except GovaiError as exc:
        return _alerts_page(request, principal, error=exc.message, code=exc.status)
    alert_service.notify(platform.db, platform.settings, ids)
    response = RedirectResponse("/alerts", status_code=303)
    set_flash(
        response, f"已扫描 {result.scanned} 条留言（{result.on}），新产生预警 {len(ids)} 条。"
    )
    return response


@router.post("/alerts/{alert_id}/decide")
def alerts_decide(
    request: Request,
    principal: Handler,
    alert_id: int,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    platform = platform_of(request)
    try:
        if decision not in ("confirm", "dismiss"):
            raise ValidationError("请选择“确认”或“排除”。")
        with platform.db.session() as session:
            alert = alert_service.decide(
                session, principal, alert_id, confirm=decision == "confirm", note=note
            )
            done = f"预警 #{alert.id} {alert_service.STATUSES[alert.status]}。"
    except GovaiError as exc:
        return _alerts_page(request, principal, error=exc.message, code=exc.status)
    response = RedirectResponse("/alerts", status_code=303)
    set_flash(response, done)
    return response


# ---------------------------------------------------------------- briefing


def bars(values: list[tuple[str, float]], *, width: int = 900, height: int = 220) -> dict[str, Any]:
    """Geometry of an inline SVG bar chart: one bar per (label, value)."""
    top = max([v for _, v in values] + [1.0])
    n = max(len(values), 1)
    slot = (width - 40) / n
    items = []
    for i, (label, value) in enumerate(values):
        h = (height - 40) * value / top
        items.append(
            {
                "x": 30 + i * slot + slot * 0.15,
                "y": height - 20 - h,
                "w": max(slot * 0.7, 1),
                "h": h,
                "label": label,
                "value": value,
                "lx": 30 + i * slot + slot / 2,
            }
        )
    return {"width": width, "height": height, "bars": items, "base": height - 20, "top": top}


@router.get("/briefing")
def briefing_page(
    request: Request, principal: Viewer, period: str = "week", end: str = "", docx: bool = False
) -> Response:
    platform = platform_of(request)
    if period not in briefing_service.SPAN:
        period = "week"
    with platform.db.session() as session:  # a bad date: the app's error page says why
        made = briefing_service.build(
            session,
            platform.settings,
            principal,
            period=period,  # type: ignore[arg-type]
            end=parse_day(end, "截止日期"),
        )
        if docx:
            data = briefing_service.to_docx(made, platform.settings.site_name)
    label_header = {"X-AIGC-Label": implicit_label_json(made.aigc)}
    if docx:
        name = quote(f"{made.title}.docx")
        return Response(
            data,
            media_type=DOCX,
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}", **label_header},
        )
    daily = bars([(f"{d:%m-%d}", n) for d, n in made.daily])
    negative = bars([(f"{d:%m-%d}", round(s * 100)) for d, s in made.negative_daily], height=160)
    context = {
        "b": made,
        "summary": made.summary(),
        "label": EXPLICIT_LABEL,
        "daily": daily,
        "negative": negative,
        "period": period,
        "end": made.end.isoformat(),
        "sentiment_labels": briefing_service.SENTIMENT_LABEL,
        "kinds": alert_service.KINDS,
        "problems": [{**p.to_dict(), "count": len(p.message_ids)} for p in made.problems],
        "docx_link": f"/briefing?period={period}&end={made.end.isoformat()}&docx=true",
    }
    response = render(request, "briefing.html", context)
    response.headers.update(label_header)
    return response


# ---------------------------------------------------------------- reply quality

QUALITY_DIMENSIONS = {
    "relevance": "相关性",
    "completeness": "完整性",
    "interpretability": "可解释性",
    "timeliness": "及时性",
}


@router.get("/replies")
def replies_page(
    request: Request,
    principal: Viewer,
    days: str = "90",
    department: str = "",
    below: str = "0.6",
) -> Response:
    """Sent replies scored on the four dimensions, weakest first, with the reasons."""
    platform = platform_of(request)
    try:
        threshold = float(below or 1)
    except ValueError:
        raise ValidationError(f"分数线“{below}”应为 0 到 1 之间的数。") from None
    threshold = min(max(threshold, 0.0), 1.0)
    span = _days(days)
    since = alert_service.today() - timedelta(days=span) if span else None  # Beijing days
    with platform.db.read() as session:
        weak, scored = replying.weak_replies(
            session, principal, since=since, department=department.strip(), below=threshold
        )
    rows = []
    for item in weak:
        q = item.quality
        rows.append(
            {
                "id": item.message.id,
                "title": item.message.title or item.message.text[:40],
                "department": item.message.department,
                "received_at": beijing(item.message.received_at, "%Y-%m-%d"),
                "replied_at": beijing(item.replied_at, "%Y-%m-%d"),
                "overall": q.overall,
                "scores": {key: getattr(q, key) for key in QUALITY_DIMENSIONS},
                "reasons": {QUALITY_DIMENSIONS[key]: why for key, why in q.reasons.items()},
                "reply": item.message.reply,
            }
        )
    context = {
        "rows": rows,
        "scored": scored,
        "days": days,
        "department": department,
        "below": threshold,
        "dimensions": QUALITY_DIMENSIONS,
    }
    return render(request, "replies.html", context)

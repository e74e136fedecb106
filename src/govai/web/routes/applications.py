"""/applications, /process and the departments' rule pages: 辅助审批 in the console.

- ``/applications``: the applications of the caller's department line (the system administrator:
  all, personal data starred), filtered by status and item, with each open one's clock.
- ``/applications/{id}``: one application — applicant, facts, materials with their files, the
  pre-check report (every condition with its status and legal basis), the process log, the
  notices — and what the caller's role may do next: a clerk accepts an application the
  pre-check sent back (with a reason); a reviewer approves or refuses (a refusal needs its
  reason), extends the time limit (第四十二条) or stops the clock (第四十五条); anyone of the
  department drafts a notice (.docx, AI-labelled) and issues it after reading it.
- ``/process``: 流程优化 — volume, stage durations, pass/correction/overturn rates, the
  bottleneck and the overdue/near-due list, with plotly charts served from this server.
- ``/catalog/{code}/rules``: the department administrator's rule file (saved only when its own
  tests pass) and the auto-approval switch; ``/admin/calendar``: the system administrator's
  holiday table for years the calendar package does not know yet.

All decisions are made by the services in :mod:`govai.scenarios.approval`, which check the
caller's department and role again and audit every change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.approval.workdays import DeadlineStatus
from govai.errors import GovaiError, ValidationError
from govai.scenarios.approval import applications, catalog, notices, process
from govai.scenarios.approval import files as apv_files
from govai.scenarios.approval.models import (
    NEEDS_CORRECTION,
    STATUS_LABELS,
    UNDER_REVIEW,
    Application,
    CatalogItem,
)
from govai.storage.base import beijing
from govai.web.auth import SECURITY_HEADERS, platform_of
from govai.web.nav import NavItem, register_nav
from govai.web.policy import PUBLIC, allow
from govai.web.render import render, set_flash
from govai.web.routes.audit import parse_day

router = APIRouter()
PAGE = "/applications"
VIEW_ROLES = (Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN, Role.SYS_ADMIN)
Viewer = Annotated[Principal, Depends(allow(*VIEW_ROLES))]
Handler = Annotated[Principal, Depends(allow(Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN))]
Clerk = Annotated[Principal, Depends(allow(Role.STAFF, Role.DEPT_ADMIN))]
Reviewer = Annotated[Principal, Depends(allow(Role.REVIEWER, Role.DEPT_ADMIN))]
RulesViewer = Annotated[Principal, Depends(allow(Role.DEPT_ADMIN, Role.SYS_ADMIN))]
RulesAdmin = Annotated[Principal, Depends(allow(Role.DEPT_ADMIN))]
SysAdmin = Annotated[Principal, Depends(allow(Role.SYS_ADMIN))]
PER_PAGE = 50
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PLOTLY_JS = Path(str(find_spec("plotly").origin)).parent / "package_data" / "plotly.min.js"  # type: ignore[union-attr]
PLOTLY_CSP = SECURITY_HEADERS["Content-Security-Policy"].replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
DEADLINE_LABELS = {
    "on_time": "正常",
    "near_due": "临近期限",
    "overdue": "已超期",
    "suspended": "暂停计时",
}
EVENT_LABELS = {
    "submitted": "提交申请",
    "precheck_needs_correction": "预审：需补正",
    "precheck_needs_review": "预审：转人工审核",
    "precheck_denied": "预审：建议不予",
    "precheck_approved": "预审：符合自动审批条件",
    "correction_requested": "一次性告知补正",
    "resubmitted": "补正后重新提交",
    "accepted": "受理",
    "reviewed": "审查完成",
    "approved": "准予",
    "denied": "不予许可/办理",
    "not_accepted": "不予受理",
    "extended": "延长期限",
    "suspended": "暂停计时",
    "resumed": "恢复计时",
}
CHECK_LABELS = {
    "passed": "符合",
    "failed": "不符合",
    "unknown": "无法判断",
    "manual": "人工核实",
    "not_applicable": "不适用",
    "error": "出错",
}

register_nav(
    NavItem(
        "办件审批",
        PAGE,
        frozenset(VIEW_ROLES),
        description="办事申请：预审报告、受理、审核决定、办理期限、通知书",
    )
)
register_nav(
    NavItem(
        "流程分析",
        "/process",
        frozenset(VIEW_ROLES),
        description="各事项、部门的办件量、环节用时、补正率、改判率、超期预警与瓶颈",
    )
)
register_nav(
    NavItem(
        "节假日表",
        "/admin/calendar",
        frozenset({Role.SYS_ADMIN}),
        description="法定节假日与调休：计算办理期限的工作日历",
    )
)


def _today() -> date:
    return applications.beijing_today()


def _back(path: str, done: str) -> Response:
    response = RedirectResponse(path, status_code=303)
    set_flash(response, done)
    return response


# ---------------------------------------------------------------- the list


def _shown(value: object) -> object:
    """A stored fact as a person reads it (是/否 rather than True/False)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _row_json(row: Application, personal: bool, state: DeadlineStatus | None) -> dict[str, Any]:
    """An application as the list and the detail page show it (starred without ``personal``)."""
    applicant = applications.applicant_view(row, personal)
    return {
        "id": row.id,
        "number": row.number,
        "item": row.item.name,
        "item_code": row.item.code,
        "department": row.item.department,
        "applicant": applicant.get("name", "") or applicant.get("姓名", ""),
        "status": row.status,
        "status_label": STATUS_LABELS.get(row.status, row.status),
        "precheck": row.precheck.get("outcome_label", "") if row.precheck else "",
        "submitted_at": beijing(row.submitted_at, "%Y-%m-%d %H:%M"),
        "channel": row.channel,
        "due_on": row.due_on.isoformat() if row.due_on else "",
        "deadline": state.status if state else "",
        "deadline_label": DEADLINE_LABELS.get(state.status, "") if state else "",
        "remaining": state.remaining_days if state else None,
        "suspended_days": state.suspended_days if state else 0,
        "overturned": row.overturned,
        "corrections": row.corrections,
    }


def _rows(
    session: Session, principal: Principal, rows: Iterable[Application], today: date
) -> list[dict[str, Any]]:
    """:func:`_row_json` of each row, with the calendar read once and who may see personal
    data decided once per department (not once per row)."""
    calendar = catalog.calendar(session)
    personal: dict[int | None, bool] = {}
    listed = []
    for row in rows:
        org = row.item.org_id
        if org not in personal:
            personal[org] = applications.may_see_personal(session, principal, row)
        state = applications.deadline_status(row, calendar, today)
        listed.append(_row_json(row, personal[org], state))
    return listed


@router.get(PAGE)
def applications_page(
    request: Request,
    principal: Viewer,
    status: str = "",
    item: str = "",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    platform = platform_of(request)
    if status not in STATUS_LABELS:
        status = ""
    flt = applications.ApplicationFilter(status, item.strip(), PER_PAGE, (page - 1) * PER_PAGE)
    today = _today()
    with platform.db.read() as session:
        rows, total = applications.list_applications(session, principal, flt)
        listed = _rows(session, principal, rows, today)
        items = session.execute(
            applications.visible_applications(session, principal)
            .with_only_columns(CatalogItem.code, CatalogItem.name)
            .distinct()
        ).all()
    pages = max(1, -(-total // PER_PAGE))
    query = {"status": status, "item": item}

    def link(p: int) -> str:
        return f"{PAGE}?{urlencode({**query, 'page': p})}"

    context = {
        "rows": listed,
        "total": total,
        "status": status,
        "item": item,
        "statuses": STATUS_LABELS,
        "items": sorted(((c, n) for c, n in items), key=lambda pair: pair[1]),
        "page": page,
        "pages": pages,
        "prev_link": link(page - 1) if page > 1 else "",
        "next_link": link(page + 1) if page < pages else "",
    }
    return render(request, "applications.html", context)


# ---------------------------------------------------------------- one application


def _detail(
    request: Request,
    principal: Principal,
    application_id: int,
    *,
    error: str = "",
    status_code: int = 200,
) -> Response:
    platform = platform_of(request)
    today = _today()
    with platform.db.read() as session:
        row = applications.get_application(session, principal, application_id)
        personal = applications.may_see_personal(session, principal, row)
        state = applications.deadline_status(row, catalog.calendar(session), today)
        summary = _row_json(row, personal, state)
        events = [
            {
                "at": beijing(e.at, "%Y-%m-%d %H:%M"),
                "stage": e.stage,
                "kind": EVENT_LABELS.get(e.kind, e.kind),
                "by": e.by,
                "note": e.note,
            }
            for e in applications.events_of(session, row)
        ]
        files = (
            [
                {"id": f.id, "material": f.material, "filename": f.filename, "size": f.size}
                for f in apv_files.files_of(session, row)
            ]
            if personal
            else []
        )
        notice_rows = (
            [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "title": notices.NOTICE_KINDS[n.kind].title,
                    "doc_number": n.doc_number,
                    "status": n.status,
                    "created_at": beijing(n.created_at, "%Y-%m-%d %H:%M"),
                    "created_by": n.created_by,
                    "issued_by": n.issued_by,
                    "issued_at": beijing(n.issued_at, "%Y-%m-%d %H:%M") if n.issued_at else "",
                }
                for n in notices.list_notices(session, principal, row.id)
            ]
            if personal
            else []
        )
        kinds = (
            [(k, notices.NOTICE_KINDS[k].title) for k in notices.kinds_for(row)] if personal else []
        )
        handles = personal and principal.has(Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN)
        report: dict[str, Any] = dict(row.precheck or {})
        rules = catalog.ruleset_of(row.item)
        context = {
            "field_labels": {f.name: f.label for f in rules.fields} if rules else {},
            "a": summary,
            "applicant": applications.applicant_view(row, personal),
            "fields": {k: _shown(v) for k, v in row.fields.items()} if personal else {},
            # a file's name may name the applicant: the starred view lists the materials only
            "materials": row.materials
            if personal
            else [{"name": m.get("name")} for m in row.materials],
            "personal": personal,
            "report": report,
            "checks": [
                {**c, "status_label": CHECK_LABELS.get(str(c.get("status")), c.get("status"))}
                for c in report.get("checks", [])
            ],
            "events": events,
            "files": files,
            "notices": notice_rows,
            "kinds": kinds,
            "decision_reason": row.decision_reason,
            "decided_by": row.decided_by,
            "suspended": any(not s.get("end") for s in row.suspensions),
            "can_accept": handles
            and row.status == NEEDS_CORRECTION
            and principal.has(Role.STAFF, Role.DEPT_ADMIN),
            "can_decide": handles
            and row.status == UNDER_REVIEW
            and principal.has(Role.REVIEWER, Role.DEPT_ADMIN),
            "can_notice": handles,
            "error": error,
        }
    return render(request, "application_detail.html", context, status_code=status_code)


def _failed(
    request: Request, principal: Principal, application_id: int, exc: GovaiError
) -> Response:
    return _detail(request, principal, application_id, error=exc.message, status_code=exc.status)


@router.get(PAGE + "/{application_id}")
def application_page(request: Request, principal: Viewer, application_id: int) -> Response:
    return _detail(request, principal, application_id)


def _act(
    request: Request,
    principal: Principal,
    application_id: int,
    action: Callable[[Session], Application],
    done: str,
) -> Response:
    platform = platform_of(request)
    try:
        with platform.db.session() as session:
            row = action(session)
            message = done.format(number=row.number, status=STATUS_LABELS[row.status])
    except GovaiError as exc:
        return _failed(request, principal, application_id, exc)
    return _back(f"{PAGE}/{application_id}", message)


@router.post(PAGE + "/{application_id}/accept")
def application_accept(
    request: Request,
    principal: Clerk,
    application_id: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _act(
        request,
        principal,
        application_id,
        lambda s: applications.accept(s, principal, application_id, reason=reason),
        "申请 {number} 已受理，进入审查。",
    )


@router.post(PAGE + "/{application_id}/decide")
def application_decide(
    request: Request,
    principal: Reviewer,
    application_id: int,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    if decision not in ("approve", "deny", "not_accept"):
        return _detail(
            request,
            principal,
            application_id,
            error="请选择审核决定：准予、不予许可/办理或不予受理。",
            status_code=422,
        )
    return _act(
        request,
        principal,
        application_id,
        lambda s: applications.decide(
            s,
            principal,
            application_id,
            approve=decision == "approve",
            reason=reason,
            not_accepted=decision == "not_accept",
        ),
        "申请 {number} 已作出决定：{status}。",
    )


@router.post(PAGE + "/{application_id}/extend")
def application_extend(
    request: Request,
    principal: Reviewer,
    application_id: int,
    days: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    approved_by: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    def action(session: Any) -> Application:
        try:
            n = int(days)
        except ValueError:
            raise ValidationError("延长天数应为整数（工作日）。") from None
        return applications.extend(
            session, principal, application_id, days=n, reason=reason, approved_by=approved_by
        )

    return _act(request, principal, application_id, action, "申请 {number} 的办理期限已延长。")


@router.post(PAGE + "/{application_id}/suspend")
def application_suspend(
    request: Request,
    principal: Reviewer,
    application_id: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _act(
        request,
        principal,
        application_id,
        lambda s: applications.suspend(s, principal, application_id, reason=reason),
        "申请 {number} 已暂停计时。",
    )


@router.post(PAGE + "/{application_id}/resume")
def application_resume(request: Request, principal: Reviewer, application_id: int) -> Response:
    return _act(
        request,
        principal,
        application_id,
        lambda s: applications.resume(s, principal, application_id),
        "申请 {number} 已恢复计时。",
    )


@router.get(PAGE + "/{application_id}/files/{file_id}")
def application_file(
    request: Request, principal: Handler, application_id: int, file_id: int
) -> Response:
    platform = platform_of(request)
    with platform.db.read() as session:
        entry = apv_files.get_file(session, principal, application_id, file_id)
        data, name = entry.data, entry.filename
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


# ---------------------------------------------------------------- notices


@router.post(PAGE + "/{application_id}/notices")
def notice_draft(
    request: Request,
    principal: Handler,
    application_id: int,
    kind: Annotated[str, Form()] = "",
) -> Response:
    platform = platform_of(request)
    try:
        with platform.db.session() as session:
            notice = notices.draft_notice(
                session, principal, application_id, kind, settings=platform.settings
            )
            done = (
                f"已起草{notices.NOTICE_KINDS[kind].title}（{notice.doc_number}，草稿带人工智能"
                "生成标识）。请下载核对，确认无误后签发。"
            )
    except GovaiError as exc:
        return _failed(request, principal, application_id, exc)
    return _back(f"{PAGE}/{application_id}#notices", done)


@router.post(PAGE + "/{application_id}/notices/{notice_id}/issue")
def notice_issue(
    request: Request, principal: Handler, application_id: int, notice_id: int
) -> Response:
    platform = platform_of(request)
    try:
        with platform.db.session() as session:
            notice = notices.issue_notice(session, principal, notice_id)
            done = f"文书 {notice.doc_number} 已签发（已去除人工智能生成标识）。"
    except GovaiError as exc:
        return _failed(request, principal, application_id, exc)
    return _back(f"{PAGE}/{application_id}#notices", done)


@router.get(PAGE + "/{application_id}/notices/{notice_id}")
def notice_download(
    request: Request, principal: Handler, application_id: int, notice_id: int
) -> Response:
    platform = platform_of(request)
    with platform.db.read() as session:
        notice = notices.get_notice(session, principal, notice_id)
        if notice.application_id != application_id:
            raise ValidationError("文书与申请不对应。")
        row = applications.get_application(session, principal, application_id)
        suffix = "（草稿）" if notice.status == notices.DRAFT else ""
        name = f"{row.number}-{notices.NOTICE_KINDS[notice.kind].title}{suffix}.docx"
        data = notice.data
    return Response(
        data,
        media_type=DOCX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


# ---------------------------------------------------------------- 流程优化


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} 小时" if value < 48 else f"{value / 24:.1f} 天"


@router.get("/process")
def process_page(
    request: Request,
    principal: Viewer,
    since: str = "",
    until: str = "",
    group_by: str = "item",
) -> Response:
    platform = platform_of(request)
    today = _today()
    error = ""
    if group_by not in ("item", "department"):
        group_by = "item"
    try:
        start, end = parse_day(since, "起始日期"), parse_day(until, "截止日期")
    except ValidationError as exc:
        start = end = None
        error = exc.message + "已显示全部时间的数据。"
    try:
        with platform.db.read() as session:
            report = process.process_report(
                session,
                principal,
                since=start,
                until=end,
                today=today,
                group_by=group_by,  # type: ignore[arg-type]
            )
            due_rows = [row for row, _ in process.due_list(session, principal, today)]
            due = _rows(session, principal, due_rows, today)
    except GovaiError as exc:
        return render(request, "process.html", {"error": exc.message, "report": None}, exc.status)
    groups = [*report.groups, report.total] if report.groups else []
    rows = [
        {
            "name": g.name,
            "department": g.department,
            "volume": g.volume,
            "decided": g.decided,
            "open": g.open,
            "overdue": g.overdue,
            "near_due": g.near_due,
            "pass_rate": _pct(g.pass_rate),
            "correction_rate": _pct(g.correction_rate),
            "overturn_rate": _pct(g.overturn_rate),
            "stages": {
                s: (_hours(f.p50_hours), _hours(f.p90_hours), f.count) for s, f in g.stages.items()
            },
            "bottleneck": process.PART_LABELS.get(g.bottleneck or "", "—"),
            "bottleneck_share": _pct(g.bottleneck_share),
            "total": g is report.total,
        }
        for g in groups
    ]
    context = {
        "report": report,
        "rows": rows,
        "stages": [(s, process.STAGE_LABELS[s]) for s in process.STAGES],
        "charts": json.dumps(process.charts(report)) if report.groups else "",
        "due": due,
        "since": since,
        "until": until,
        "group_by": group_by,
        "today": today.isoformat(),
        "error": error,
        "near_due_days": process.NEAR_DUE_DAYS,
    }
    response = render(request, "process.html", context)
    # plotly.js injects its own <style> rules (hover labels, legends) at run time; this page
    # alone allows inline styles. Scripts stay 'self'-only: the figures travel as JSON data.
    response.headers["Content-Security-Policy"] = PLOTLY_CSP
    return response


@router.get("/static/vendor/plotly.min.js")
def plotly_js(principal: Annotated[Principal, Depends(PUBLIC)]) -> Response:
    """plotly.js from the installed plotly package: no CDN, the same version as the figures."""
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


# ---------------------------------------------------------------- rule files


def _rules_page(
    request: Request,
    principal: Principal,
    code: str,
    *,
    text: str | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    platform = platform_of(request)
    with platform.db.read() as session:
        row = catalog.get_item(session, code)
        can_manage = catalog.can_manage_item(session, principal, row)
        rules = catalog.ruleset_of(row)
        context = {
            "code": row.code,
            "name": row.name,
            "department": row.department,
            "auto_approval": row.auto_approval,
            "text": row.rules_yaml if text is None else text,
            "version": row.rules_version,
            "updated_by": row.rules_updated_by,
            "updated_at": beijing(row.rules_updated_at) if row.rules_updated_at else "",
            "tests": len(rules.tests) if rules else 0,
            "conditions": [
                {"id": c.id, "title": c.title, "basis": c.basis, "manual": c.manual}
                for c in (rules.conditions if rules else ())
            ],
            "can_manage": can_manage,
            "error": error,
        }
    return render(request, "catalog_rules.html", context, status_code=status_code)


@router.get("/catalog/{code}/rules")
def rules_page(request: Request, principal: RulesViewer, code: str) -> Response:
    return _rules_page(request, principal, code)


@router.post("/catalog/{code}/rules")
def rules_save(
    request: Request,
    principal: RulesAdmin,
    code: str,
    text: Annotated[str, Form(max_length=catalog.MAX_RULE_FILE)] = "",
) -> Response:
    platform = platform_of(request)
    try:
        with platform.db.session() as session:
            rules = catalog.set_rules(session, principal, code, text)
            done = f"规则文件已保存（版本 {rules.version}，{len(rules.tests)} 个示例全部通过）。"
    except GovaiError as exc:
        return _rules_page(
            request, principal, code, text=text, error=exc.message, status_code=exc.status
        )
    return _back(f"/catalog/{quote(code)}/rules", done)


@router.post("/catalog/{code}/auto-approval")
def rules_auto_approval(
    request: Request,
    principal: RulesAdmin,
    code: str,
    allowed: Annotated[str, Form()] = "",
) -> Response:
    platform = platform_of(request)
    try:
        with platform.db.session() as session:
            row = catalog.set_auto_approval(session, principal, code, allowed == "yes")
            done = f"事项“{row.name}”已{'允许' if row.auto_approval else '停止'}自动审批。"
    except GovaiError as exc:
        return _rules_page(request, principal, code, error=exc.message, status_code=exc.status)
    return _back(f"/catalog/{quote(code)}/rules", done)


# ---------------------------------------------------------------- the holiday table


def _calendar_page(
    request: Request, *, error: str = "", form: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    platform = platform_of(request)
    with platform.db.read() as session:
        rows = catalog.holidays(session)
        entries = [
            {"day": h.day.isoformat(), "workday": h.is_workday, "name": h.name, "by": h.updated_by}
            for h in rows
        ]
    context = {"entries": entries, "error": error, "form": form or {}}
    return render(request, "calendar.html", context, status_code=status_code)


@router.get("/admin/calendar")
def calendar_page(request: Request, principal: SysAdmin) -> Response:
    return _calendar_page(request)


@router.post("/admin/calendar")
def calendar_set(
    request: Request,
    principal: SysAdmin,
    day: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    name: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    platform = platform_of(request)
    form = {"day": day, "kind": kind, "name": name}
    try:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise ValidationError("请填写日期，如 2027-01-01。") from None
        if kind not in ("workday", "holiday"):
            raise ValidationError("请选择这一天是工作日还是休息日。")
        with platform.db.session() as session:
            catalog.set_holiday(session, principal, when, is_workday=kind == "workday", name=name)
    except GovaiError as exc:
        return _calendar_page(request, error=exc.message, form=form, status_code=exc.status)
    return _back("/admin/calendar", f"已设置 {day}。")


@router.post("/admin/calendar/remove")
def calendar_remove(
    request: Request, principal: SysAdmin, day: Annotated[str, Form()] = ""
) -> Response:
    platform = platform_of(request)
    try:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise ValidationError("日期格式不正确。") from None
        with platform.db.session() as session:
            catalog.remove_holiday(session, principal, when)
    except GovaiError as exc:
        return _calendar_page(request, error=exc.message, status_code=exc.status)
    return _back("/admin/calendar", f"已删除 {day}。")

"""Applications from submission to decision, each stage written to the process log.

The path of one application (辅助型定位: the machine pre-checks and drafts, people decide):

1. :func:`submit` — the applicant (online, with no account) or a window clerk files it. The
   pre-check (:func:`govai.approval.precheck.precheck`) runs at once:

   - ``needs_correction`` → 待补正: the applicant sees every missing material and unmet fixable
     condition at once (一次性告知) on the tracking page; the clerk issues the formal notice;
   - ``approved`` → 准予 without a person, only where the department allowed auto-approval and
     every condition was machine-checked (the pre-check guarantees both); the time limit starts
     and ends that day;
   - ``needs_review`` → 审查中: accepted (受理) that day; the time limit starts;
   - ``denied`` → 审查中 as well, with the pre-check's proposal: a person signs every refusal.
2. :func:`resubmit` — the applicant adds what was missing (number + query code); the pre-check
   runs again on the whole application.
3. :func:`decide` — a reviewer of the item's department approves or refuses with a reason; a
   decision against the pre-check's proposal (approved/denied) counts as an overturn. A clerk may
   also accept an application the pre-check sent back (:func:`accept`), which counts the same way.

Time limits are in working days (:mod:`govai.approval.workdays`) from the day of acceptance:
the item's promised limit, else its statutory one, else 20 working days
(行政许可法 第四十二条); :func:`extend` adds days (第四十二条, with the approver's name) and
:func:`suspend`/:func:`resume` stop the clock (第四十五条).

Who sees what: the staff, reviewers and department administrators of the item's department (and
above it) see its applications in full; the system administrator sees them with personal data
starred; the applicant sees their own through number + query code (:func:`track`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.accounts.service import subtree_ids
from govai.approval.items import ServiceItem
from govai.approval.precheck import PrecheckResult, parse_application, precheck
from govai.approval.rules import RuleSet
from govai.approval.workdays import (
    LICENCE_DECISION_DAYS,
    Deadline,
    DeadlineStatus,
    Extension,
    Suspension,
    WorkCalendar,
)
from govai.errors import Conflict, NotFound, PermissionDenied, ValidationError
from govai.gateway.masking import redact, redact_name
from govai.governance import audit
from govai.scenarios.approval import catalog
from govai.scenarios.approval.models import (
    APPROVED,
    DENIED,
    NEEDS_CORRECTION,
    NOT_ACCEPTED,
    OPEN_STATUSES,
    STATUS_LABELS,
    UNDER_REVIEW,
    Application,
    ApplicationEvent,
    CatalogItem,
)
from govai.storage.base import BEIJING, utcnow

__all__ = [
    "accept",
    "application_to_handle",
    "check",
    "deadline_of",
    "decide",
    "events_of",
    "extend",
    "get_application",
    "list_applications",
    "resubmit",
    "resume",
    "submit",
    "suspend",
    "track",
    "visible_applications",
]

SYSTEM = "system:auto"
STAGE_APPLY = "申请"
STAGE_PRECHECK = "预审"
STAGE_CORRECTION = "补正"
STAGE_ACCEPT = "受理"
STAGE_REVIEW = "审查"
STAGE_DECISION = "决定"
STAGES = (STAGE_APPLY, STAGE_PRECHECK, STAGE_CORRECTION, STAGE_ACCEPT, STAGE_REVIEW, STAGE_DECISION)
_HANDLE_ROLES = (Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN)


def _trusted(actor: Principal | None) -> bool:
    return actor is not None and actor.via in ("cli", "system")


def beijing_today(now: datetime | None = None) -> date:
    return ((now or utcnow()) + BEIJING).date()


# ---------------------------------------------------------------- access


def _handled_orgs(session: Session, actor: Principal) -> set[int] | None:
    """The organisations whose items ``actor`` handles; None for everything (the shell)."""
    if _trusted(actor):
        return None
    if not actor.has(*_HANDLE_ROLES) or actor.org_id is None:
        return set()
    return subtree_ids(session, actor.org_id)


def _may_handle(session: Session, actor: Principal, item: CatalogItem) -> bool:
    orgs = _handled_orgs(session, actor)
    return orgs is None or (item.org_id is not None and item.org_id in orgs)


def _require(session: Session, actor: Principal, row: Application, *roles: Role) -> None:
    if not _may_handle(session, actor, row.item):
        raise PermissionDenied(f"申请 {row.number} 由“{row.item.department}”办理，您无权处理。")
    if roles and not (_trusted(actor) or actor.has(*roles)):
        names = "、".join(r.label for r in roles)
        raise PermissionDenied(f"此操作需要{names}角色。")


def get_application(session: Session, actor: Principal, application_id: int) -> Application:
    row = session.get(Application, application_id)
    visible = row is not None and (
        _may_handle(session, actor, row.item) or actor.has(Role.SYS_ADMIN)
    )
    if row is None or not visible:
        raise NotFound(f"没有编号为 {application_id} 的申请，或您无权查看。")
    return row


def may_see_personal(session: Session, actor: Principal, row: Application) -> bool:
    return _may_handle(session, actor, row.item)


def application_to_handle(
    session: Session, actor: Principal, application_id: int, *roles: Role
) -> Application:
    """The application ``actor`` acts on as one of ``roles`` (the shell: any): NotFound when
    they may not see it, PermissionDenied when they see it without handling its item (the
    system administrator) or lack the role."""
    row = get_application(session, actor, application_id)
    _require(session, actor, row, *roles)
    return row


# ---------------------------------------------------------------- the check


def deadline_of(item: ServiceItem, accepted_on: date, limit: int | None = None) -> Deadline:
    """The time limit from ``accepted_on``: ``limit``, else the item's promised limit, else its
    statutory one, else 20 working days (行政许可法 第四十二条, used for any item without one)."""
    days = limit or item.promised_days or item.legal_days or LICENCE_DECISION_DAYS
    return Deadline(accepted_on, days)


def check(
    item: ServiceItem,
    rules: RuleSet | None,
    application: Mapping[str, Any],
    today: date,
    calendar: WorkCalendar,
) -> PrecheckResult:
    """The pre-check with its due date: for an accepted application (needs_review, denied) the
    end of its time limit, for an approval the day itself."""

    def due(item: ServiceItem, outcome: str, day: date) -> date | None:
        if outcome == "approved":
            return day
        if outcome in ("needs_review", "denied"):
            return deadline_of(item, day).due_date(calendar, day)
        return None

    return precheck(item, rules, application, today, deadline=due)


# ---------------------------------------------------------------- the log


def _audit(
    session: Session, actor: Principal | None, row: Application, action: str, summary: str
) -> None:
    audit.record(
        session,
        f"application.{action}",
        actor=actor,
        object_type="application",
        object_id=row.number,
        summary=summary[:500],
    )


def _event(
    session: Session,
    row: Application,
    stage: str,
    kind: str,
    by: str,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    session.add(
        ApplicationEvent(
            application_id=row.id,
            stage=stage,
            kind=kind,
            by=by,
            note=note,
            data=dict(data or {}),
            at=at or utcnow(),
        )
    )


def events_of(session: Session, row: Application) -> list[ApplicationEvent]:
    return list(
        session.execute(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == row.id)
            .order_by(ApplicationEvent.at, ApplicationEvent.id)
        ).scalars()
    )


# ---------------------------------------------------------------- submit


def _number(session: Session, today: date) -> str:
    prefix = f"SQ{today:%Y%m%d}"
    taken = session.execute(
        select(func.count(Application.id)).where(Application.number.like(prefix + "%"))
    ).scalar_one()
    return f"{prefix}{int(taken) + 1:05d}"


def _apply_result(
    session: Session,
    row: Application,
    result: PrecheckResult,
    by: str,
    today: date,
    at: datetime,
) -> None:
    """Move the application to the state the pre-check's outcome leads to (module notes)."""
    row.precheck = result.report()
    row.precheck_outcome = result.outcome
    _event(
        session,
        row,
        STAGE_PRECHECK,
        f"precheck_{result.outcome}",
        SYSTEM,
        "；".join(result.reasons)[:2000],
        {"missing": len(result.missing_materials), "unmet": len(result.unmet_conditions)},
        at=at,
    )
    if result.outcome == "needs_correction":
        row.status = NEEDS_CORRECTION
        row.corrections += 1
        _event(session, row, STAGE_CORRECTION, "correction_requested", SYSTEM, at=at)
        return
    row.status = UNDER_REVIEW
    row.accepted_on = today
    item = catalog.service_item(row.item)
    deadline = deadline_of(item, today)
    row.limit_days = deadline.limit_days
    row.due_on = result.deadline
    _event(session, row, STAGE_ACCEPT, "accepted", by, at=at)
    if result.outcome == "approved":
        row.status = APPROVED
        row.decided_by = SYSTEM
        row.decided_at = at
        row.decision_reason = "；".join(result.reasons)
        _event(session, row, STAGE_DECISION, "approved", SYSTEM, "自动审批", at=at)


def submit(
    session: Session,
    actor: Principal | None,
    code: str,
    application: Mapping[str, Any],
    *,
    channel: str = "console",
    today: date | None = None,
    now: datetime | None = None,
) -> Application:
    """File an application for item ``code`` (``actor`` None: a citizen online) and pre-check
    it; returns it with its number and query code."""
    parse_application(application)  # a malformed application is refused before anything
    item_row = catalog.get_item(session, code)
    if actor is not None and not _trusted(actor) and not _may_handle(session, actor, item_row):
        raise PermissionDenied(
            f"事项“{item_row.name}”由“{item_row.department}”办理，您不能代为提交。"
        )
    at = now or utcnow()
    today = today or beijing_today(at)
    row = Application(
        number=_number(session, today),
        query_code=f"{secrets.randbelow(10**6):06d}",
        item_id=item_row.id,
        channel=channel,
        applicant=_plain(application.get("applicant") or {}),
        fields=_plain(application.get("fields") or {}),
        materials=[_material(m) for m in application.get("materials") or []],
        created_by=actor.username if actor else "",
        submitted_at=at,
    )
    row.item = item_row
    session.add(row)
    session.flush()
    by = actor.username if actor else "applicant"
    _event(session, row, STAGE_APPLY, "submitted", by, channel, at=at)
    result = check(
        catalog.service_item(item_row),
        catalog.ruleset_of(item_row),
        _as_application(row),
        today,
        catalog.calendar(session),
    )
    _apply_result(session, row, result, by, today, at)
    _audit(
        session,
        actor,
        row,
        "submit",
        f"提交“{item_row.name}”申请，预审结果：{result.report()['outcome_label']}",
    )
    return row


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Facts as stored (JSON): a date becomes its ISO text, which the rules read back."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in dict(values).items()}


def _material(entry: Any) -> dict[str, Any]:
    if isinstance(entry, str):
        return {"name": entry}
    kept = ("name", "file", "valid_until", "holder")
    return _plain({k: v for k, v in dict(entry).items() if k in kept})


def _as_application(row: Application) -> dict[str, Any]:
    return {"applicant": row.applicant, "fields": row.fields, "materials": row.materials}


def resubmit(
    session: Session,
    number: str,
    query_code: str,
    *,
    fields: Mapping[str, Any] | None = None,
    materials: Sequence[Any] = (),
    actor: Principal | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> Application:
    """补正: add or replace facts and materials of an application waiting for correction and
    pre-check it again."""
    row = (
        _by_number(session, number, query_code)
        if actor is None
        else _handled(session, actor, number)
    )
    if row.status != NEEDS_CORRECTION:
        raise Conflict(f"申请 {row.number} 当前为“{STATUS_LABELS[row.status]}”，不需要补正。")
    new_fields = dict(row.fields)
    new_fields.update(_plain(fields or {}))
    added = [_material(m) for m in materials]
    names = {str(m.get("name")) for m in added}
    new_materials = [m for m in row.materials if str(m.get("name")) not in names] + added
    parse_application(
        {"applicant": row.applicant, "fields": new_fields, "materials": new_materials}
    )
    row.fields = new_fields
    row.materials = new_materials
    at = now or utcnow()
    today = today or beijing_today(at)
    by = actor.username if actor else "applicant"
    _event(
        session,
        row,
        STAGE_CORRECTION,
        "resubmitted",
        by,
        "、".join(sorted(names)),
        at=at,
    )
    result = check(
        catalog.service_item(row.item),
        catalog.ruleset_of(row.item),
        _as_application(row),
        today,
        catalog.calendar(session),
    )
    _apply_result(session, row, result, by, today, at)
    _audit(session, actor, row, "resubmit", f"补正后重新预审：{result.report()['outcome_label']}")
    return row


# ---------------------------------------------------------------- people decide


def _handled(session: Session, actor: Principal, number: str) -> Application:
    """The application numbered ``number`` of an item ``actor`` handles (a correction filed
    at the window: no query code needed)."""
    row = session.execute(
        select(Application).where(Application.number == number.strip())
    ).scalar_one_or_none()
    if row is None or not _may_handle(session, actor, row.item):
        raise NotFound(f"没有编号为 {number} 的申请，或您无权查看。")
    return row


def accept(
    session: Session,
    actor: Principal,
    application_id: int,
    *,
    reason: str,
    today: date | None = None,
    now: datetime | None = None,
) -> Application:
    """A clerk accepts (受理) an application the pre-check sent back for correction — the
    clerk's judgement over the machine's, so a reason is required and it counts as overturned.
    ``now`` (default: the current time) dates the event, ``today`` the acceptance."""
    row = application_to_handle(session, actor, application_id, Role.STAFF, Role.DEPT_ADMIN)
    if row.status != NEEDS_CORRECTION:
        raise Conflict(f"申请 {row.number} 当前为“{STATUS_LABELS[row.status]}”，不能受理。")
    reason = reason.strip()
    if not reason:
        raise ValidationError("不按预审意见补正而直接受理，须写明理由。")
    at = now or utcnow()
    today = today or beijing_today(at)
    item = catalog.service_item(row.item)
    deadline = deadline_of(item, today)
    row.status = UNDER_REVIEW
    row.accepted_on = today
    row.limit_days = deadline.limit_days
    row.due_on = deadline.due_date(catalog.calendar(session), today)
    row.overturned = True
    _event(
        session,
        row,
        STAGE_ACCEPT,
        "accepted",
        actor.username,
        reason,
        {"overturn": True},
        at=at,
    )
    _audit(session, actor, row, "accept", f"不按预审补正意见，直接受理：{reason}")
    return row


def decide(
    session: Session,
    actor: Principal,
    application_id: int,
    *,
    approve: bool,
    reason: str,
    not_accepted: bool = False,
    now: datetime | None = None,
) -> Application:
    """A reviewer's decision on an application under review (see the module notes).
    ``not_accepted`` records a refusal as 不予受理 (the pre-check found the applicant not
    eligible) rather than 不予许可 after examination. ``now`` (default: the current time) is
    when it was made."""
    row = application_to_handle(session, actor, application_id, Role.REVIEWER, Role.DEPT_ADMIN)
    if row.status != UNDER_REVIEW:
        raise Conflict(f"申请 {row.number} 当前为“{STATUS_LABELS[row.status]}”，不能作出决定。")
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError("不予批准须写明理由（将写入决定书，并告知申请人救济途径）。")
    at = now or utcnow()
    proposal = row.precheck_outcome
    overturn = (proposal == "denied" and approve) or (proposal == "approved" and not approve)
    row.overturned = row.overturned or overturn
    row.status = APPROVED if approve else (NOT_ACCEPTED if not_accepted else DENIED)
    row.decision_reason = reason
    row.decided_by = actor.username
    row.decided_at = at
    _event(session, row, STAGE_REVIEW, "reviewed", actor.username, at=at)
    _event(
        session,
        row,
        STAGE_DECISION,
        "approved" if approve else ("not_accepted" if not_accepted else "denied"),
        actor.username,
        reason,
        {"overturn": overturn},
        at=at,
    )
    _audit(
        session,
        actor,
        row,
        "decide",
        (
            f"{STATUS_LABELS[row.status]}"
            + ("（与预审建议不同）" if overturn else "")
            + (f"：{reason}" if reason else "")
        ),
    )
    return row


def extend(
    session: Session,
    actor: Principal,
    application_id: int,
    *,
    days: int,
    reason: str,
    approved_by: str,
    today: date | None = None,
    now: datetime | None = None,
) -> Application:
    """延期 (行政许可法 第四十二条): ``days`` more working days, approved by the office's head
    on ``today`` (default: the day of ``now``, itself the current time by default)."""
    row = application_to_handle(session, actor, application_id, Role.REVIEWER, Role.DEPT_ADMIN)
    if row.status != UNDER_REVIEW or row.accepted_on is None:
        raise Conflict(f"申请 {row.number} 不在审查中，不能延期。")
    at = now or utcnow()
    today = today or beijing_today(at)
    extension = Extension(days, reason.strip(), approved_by.strip(), today)
    current = _deadline(row)
    Deadline(current.accepted_on, current.limit_days, (*current.extensions, extension))  # validates
    row.extensions = [
        *row.extensions,
        {
            "days": days,
            "reason": extension.reason,
            "approved_by": extension.approved_by,
            "approved_on": extension.approved_on.isoformat() if extension.approved_on else "",
        },
    ]
    row.due_on = _deadline(row).due_date(catalog.calendar(session), today)
    _event(
        session,
        row,
        STAGE_REVIEW,
        "extended",
        actor.username,
        f"延长 {days} 个工作日：{reason}",
        at=at,
    )
    _audit(
        session,
        actor,
        row,
        "extend",
        f"延长办理期限 {days} 个工作日（{approved_by} 批准）：{reason}",
    )
    return row


def suspend(
    session: Session,
    actor: Principal,
    application_id: int,
    *,
    reason: str,
    start: date | None = None,
    now: datetime | None = None,
) -> Application:
    """Stop the clock (第四十五条: 听证、检验、检测、鉴定、专家评审 … are not counted) from
    ``start`` (default: the day of ``now``, itself the current time by default)."""
    row = application_to_handle(session, actor, application_id, Role.REVIEWER, Role.DEPT_ADMIN)
    if row.status != UNDER_REVIEW:
        raise Conflict(f"申请 {row.number} 不在审查中。")
    if any(not s.get("end") for s in row.suspensions):
        raise Conflict(f"申请 {row.number} 已在暂停计时中。")
    at = now or utcnow()
    day = start or beijing_today(at)
    current = _deadline(row)
    suspension = Suspension(day, None, reason.strip())
    Deadline(  # validates the reason and the dates
        current.accepted_on,
        current.limit_days,
        current.extensions,
        (*current.suspensions, suspension),
    )
    row.suspensions = [
        *row.suspensions,
        {"start": day.isoformat(), "end": "", "reason": reason.strip()},
    ]
    _event(session, row, STAGE_REVIEW, "suspended", actor.username, reason, at=at)
    _audit(session, actor, row, "suspend", f"暂停计时（{reason}）")
    return row


def resume(
    session: Session,
    actor: Principal,
    application_id: int,
    *,
    end: date | None = None,
    now: datetime | None = None,
) -> Application:
    """Start the clock again: the suspension ends on ``end`` (default: the day of ``now``,
    itself the current time by default)."""
    row = application_to_handle(session, actor, application_id, Role.REVIEWER, Role.DEPT_ADMIN)
    open_ = [s for s in row.suspensions if not s.get("end")]
    if not open_:
        raise Conflict(f"申请 {row.number} 没有暂停计时。")
    at = now or utcnow()
    day = end or beijing_today(at)
    row.suspensions = [
        {**s, "end": day.isoformat()} if not s.get("end") else s for s in row.suspensions
    ]
    row.due_on = _deadline(row).due_date(catalog.calendar(session), day)
    _event(session, row, STAGE_REVIEW, "resumed", actor.username, at=at)
    _audit(session, actor, row, "resume", "恢复计时")
    return row


def _deadline(row: Application) -> Deadline:
    if row.accepted_on is None or row.limit_days is None:
        raise Conflict(f"申请 {row.number} 尚未受理，没有办理期限。")
    extensions = tuple(
        Extension(
            int(str(e["days"])),
            str(e.get("reason", "")),
            str(e.get("approved_by", "")),
            date.fromisoformat(str(e["approved_on"])) if e.get("approved_on") else None,
        )
        for e in row.extensions
    )
    suspensions = tuple(
        Suspension(
            date.fromisoformat(str(s["start"])),
            date.fromisoformat(str(s["end"])) if s.get("end") else None,
            str(s.get("reason", "")),
        )
        for s in row.suspensions
    )
    return Deadline(row.accepted_on, row.limit_days, extensions, suspensions)


def deadline_status(
    row: Application, calendar: WorkCalendar, today: date, near_due_days: int = 3
) -> DeadlineStatus | None:
    """Where an open, accepted application stands against its time limit."""
    if row.accepted_on is None or row.limit_days is None or row.status not in OPEN_STATUSES:
        return None
    return _deadline(row).evaluate(calendar, today, near_due_days=near_due_days)


# ---------------------------------------------------------------- lists and tracking


@dataclass(frozen=True)
class ApplicationFilter:
    status: str = ""
    item: str = ""
    limit: int = 50
    offset: int = 0


def visible_applications(session: Session, actor: Principal) -> Select[Application]:
    """Applications joined to their items, narrowed to those ``actor`` handles (the system
    administrator and the shell: all); the lists and the process report start from it."""
    stmt = select(Application).join(CatalogItem, Application.item_id == CatalogItem.id)
    orgs = _handled_orgs(session, actor)
    if orgs is not None and not actor.has(Role.SYS_ADMIN):
        if not actor.has(*_HANDLE_ROLES):
            raise PermissionDenied(
                "您无权查看办件。办件由各部门的工作人员、审核员和部门管理员处理。"
            )
        stmt = stmt.where(CatalogItem.org_id.in_(orgs or {-1}))
    return stmt


def list_applications(
    session: Session, actor: Principal, flt: ApplicationFilter = ApplicationFilter()
) -> tuple[list[Application], int]:
    """The applications ``actor`` handles (the system administrator: all), newest first."""
    stmt = visible_applications(session, actor)
    if flt.status:
        stmt = stmt.where(Application.status == flt.status)
    if flt.item:
        stmt = stmt.where(CatalogItem.code == flt.item)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(Application.submitted_at.desc(), Application.id.desc())
        .limit(max(1, min(flt.limit, 500)))
        .offset(max(0, flt.offset))
    ).scalars()
    return list(rows), int(total)


def applicant_view(row: Application, personal: bool) -> dict[str, Any]:
    """The applicant block as a person may see it (starred without the right)."""
    if personal:
        return dict(row.applicant)
    out: dict[str, Any] = {}
    for key, value in row.applicant.items():
        text = str(value)
        out[key] = redact_name(text) if key in ("name", "姓名") else redact(text)
    return out


def _by_number(session: Session, number: str, query_code: str) -> Application:
    row = session.execute(
        select(Application).where(Application.number == number.strip())
    ).scalar_one_or_none()
    if row is None or not secrets.compare_digest(row.query_code, query_code.strip()):
        raise NotFound("申请编号或查询码不正确，请核对受理回执。")
    return row


def track(session: Session, number: str, query_code: str) -> dict[str, Any]:
    """What the applicant sees of their application: status, the pre-check's corrections, the
    time limit and the stages so far — no staff names, nothing of other applicants."""
    row = _by_number(session, number, query_code)
    report = row.precheck or {}
    stages = [
        {"stage": e.stage, "kind": e.kind, "at": (e.at + BEIJING).strftime("%Y-%m-%d %H:%M")}
        for e in events_of(session, row)
    ]
    return {
        "number": row.number,
        "item": row.item.name,
        "item_code": row.item.code,
        "department": row.item.department,
        "status": row.status,
        "status_label": STATUS_LABELS[row.status],
        "submitted_at": (row.submitted_at + BEIJING).strftime("%Y-%m-%d %H:%M"),
        "missing_materials": report.get("missing_materials", [])
        if row.status == NEEDS_CORRECTION
        else [],
        "unmet_conditions": report.get("unmet_conditions", [])
        if row.status == NEEDS_CORRECTION
        else [],
        "reasons": report.get("reasons", []) if row.status == NEEDS_CORRECTION else [],
        "due_on": row.due_on.isoformat() if row.due_on else None,
        "decision_reason": row.decision_reason if row.status in (DENIED, NOT_ACCEPTED) else "",
        "stages": stages,
        "label": "预审意见由系统自动生成，以工作人员审核结果为准。",
    }

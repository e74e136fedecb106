"""流程优化: how applications move through the process, per service item or department.

The figures are computed from the tables the workflow writes (:mod:`.applications`): counts with
SQL aggregates over ``apv_application``, stage durations from the append-only process log
(``apv_event``) with numpy percentiles. No process-mining library (pm4py is AGPL, and the
process here is fixed and known, so discovering it would add nothing).

The period
    ``since``/``until`` (Beijing dates, inclusive) select the applications *submitted* in the
    period — a cohort. Volume, decisions, rates and durations all describe that cohort, so the
    rates have one denominator a reader can check. Open, overdue and near-due applications are
    a "now" figure instead: every open application submitted up to ``until`` is judged against
    its time limit as of ``today`` (an application overdue since last month is still overdue).

The rates
    pass rate = approved / decided (decided: 准予, 不予许可 or 不予受理);
    correction rate = applications sent back for 补正 at least once / volume;
    overturn rate = decided applications where a person went against the pre-check (a refusal
    the machine did not propose, an approval of a proposed refusal, or acceptance without the
    correction it asked for) / decided.

The stages (from the events, in hours of elapsed time)
    ``intake`` 预审→受理: ``submitted`` → ``accepted``, corrections included;
    ``correction`` 补正: each ``correction_requested`` → the next ``resubmitted`` (one sample per
    round the applicant completed);
    ``review`` 审查: ``accepted`` → the decision (``approved``/``denied``/``not_accepted``);
    ``total`` 全程: ``submitted`` → the decision.
    Working-day time limits are judged by :func:`.applications.deadline_status`; the durations
    here are elapsed hours, which is what the applicant waits.

The bottleneck
    For every decided application with a positive total, the total is split into three parts
    that add up to it: 补正 (the time with the applicant), 受理 (intake time outside corrections:
    the department's time before acceptance) and 审查. The bottleneck is the part with the
    largest *median share* of the total across those applications — the median rather than the
    mean so one application stuck for months does not name the stage. Ties go to the later
    stage in the process order; no decided application means no bottleneck.

Who sees what: exactly the applications :func:`.applications.list_applications` shows — the
items of the actor's department subtree; the system administrator all; the shell everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.approval.workdays import DeadlineStatus
from govai.errors import ValidationError
from govai.scenarios.approval import catalog
from govai.scenarios.approval.applications import (
    deadline_status,
    visible_applications,
)
from govai.scenarios.approval.models import (
    APPROVED,
    DENIED,
    NOT_ACCEPTED,
    OPEN_STATUSES,
    Application,
    ApplicationEvent,
    CatalogItem,
)
from govai.storage.base import BEIJING

__all__ = [
    "GroupFigures",
    "ProcessReport",
    "StageFigures",
    "charts",
    "due_list",
    "process_report",
]

GroupBy = Literal["item", "department"]
DECIDED = (APPROVED, DENIED, NOT_ACCEPTED)
DECISION_KINDS = ("approved", "denied", "not_accepted")
STAGES = ("intake", "correction", "review", "total")
STAGE_LABELS = {
    "intake": "预审→受理",
    "correction": "补正",
    "review": "审查",
    "total": "全程",
}
# the parts the total splits into, in process order (the bottleneck is one of them)
PARTS = ("correction", "acceptance", "review")
PART_LABELS = {"correction": "补正", "acceptance": "受理", "review": "审查"}
NEAR_DUE_DAYS = 3


@dataclass(frozen=True)
class StageFigures:
    """Durations of one stage in hours: how many samples, the median and the 90th percentile
    (linear interpolation, as ``numpy.percentile``)."""

    stage: str
    count: int
    p50_hours: float | None
    p90_hours: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "label": STAGE_LABELS[self.stage],
            "count": self.count,
            "p50_hours": self.p50_hours,
            "p90_hours": self.p90_hours,
        }


@dataclass
class GroupFigures:
    """The figures of one item (``key`` its code) or department (``key`` its name)."""

    key: str
    name: str
    department: str
    volume: int = 0
    decided: int = 0
    approved: int = 0
    corrected: int = 0
    overturned: int = 0
    open: int = 0
    overdue: int = 0
    near_due: int = 0
    stages: dict[str, StageFigures] = field(default_factory=dict)
    bottleneck: str | None = None
    bottleneck_share: float | None = None

    @property
    def pass_rate(self) -> float | None:
        return _rate(self.approved, self.decided)

    @property
    def correction_rate(self) -> float | None:
        return _rate(self.corrected, self.volume)

    @property
    def overturn_rate(self) -> float | None:
        return _rate(self.overturned, self.decided)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "department": self.department,
            "volume": self.volume,
            "decided": self.decided,
            "approved": self.approved,
            "corrected": self.corrected,
            "overturned": self.overturned,
            "pass_rate": self.pass_rate,
            "correction_rate": self.correction_rate,
            "overturn_rate": self.overturn_rate,
            "open": self.open,
            "overdue": self.overdue,
            "near_due": self.near_due,
            "stages": {k: v.to_dict() for k, v in self.stages.items()},
            "bottleneck": self.bottleneck,
            "bottleneck_label": PART_LABELS[self.bottleneck] if self.bottleneck else None,
            "bottleneck_share": self.bottleneck_share,
        }


@dataclass
class ProcessReport:
    since: date | None
    until: date | None
    today: date
    group_by: GroupBy
    groups: list[GroupFigures]
    total: GroupFigures

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "today": self.today.isoformat(),
            "group_by": self.group_by,
            "groups": [g.to_dict() for g in self.groups],
            "total": self.total.to_dict(),
        }


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _utc_start(day: date) -> datetime:
    """The naive UTC instant at which ``day`` begins in Beijing (the tables store UTC)."""
    return datetime.combine(day, time()) - BEIJING


# ---------------------------------------------------------------- the report


def process_report(
    session: Session,
    actor: Principal,
    *,
    since: date | None,
    until: date | None,
    today: date,
    group_by: GroupBy = "item",
) -> ProcessReport:
    """The process figures of the applications ``actor`` handles (see the module notes)."""
    if group_by not in ("item", "department"):
        raise ValidationError(f"无法按“{group_by}”分组，可选：item（事项）、department（部门）。")
    if since and until and since > until:
        raise ValidationError(f"起始日期 {since} 晚于截止日期 {until}。")
    base = visible_applications(session, actor)
    cohort = base
    if since is not None:
        cohort = cohort.where(Application.submitted_at >= _utc_start(since))
    if until is not None:
        cohort = cohort.where(Application.submitted_at < _utc_start(until + timedelta(days=1)))

    groups: dict[str, GroupFigures] = {}
    group_of: dict[int, str] = {}  # application id → group key (cohort and open ones)

    def group(code: str, name: str, department: str) -> GroupFigures:
        key = code if group_by == "item" else department
        if key not in groups:
            label = name if group_by == "item" else department
            groups[key] = GroupFigures(key, label, department)
        return groups[key]

    # counts: one SQL aggregate per item
    decided = Application.status.in_(DECIDED)
    counts = session.execute(
        cohort.with_only_columns(
            CatalogItem.code,
            CatalogItem.name,
            CatalogItem.department,
            func.count(Application.id),
            func.sum(case((decided, 1), else_=0)),
            func.sum(case((Application.status == APPROVED, 1), else_=0)),
            func.sum(case((Application.corrections > 0, 1), else_=0)),
            func.sum(case((decided & Application.overturned.is_(True), 1), else_=0)),
        ).group_by(CatalogItem.code, CatalogItem.name, CatalogItem.department)
    ).all()
    for code, name, department, volume, n_decided, n_approved, n_corrected, n_over in counts:
        g = group(code, name, department)
        g.volume += int(volume)
        g.decided += int(n_decided or 0)
        g.approved += int(n_approved or 0)
        g.corrected += int(n_corrected or 0)
        g.overturned += int(n_over or 0)
    ids = session.execute(
        cohort.with_only_columns(
            Application.id, CatalogItem.code, CatalogItem.name, CatalogItem.department
        )
    ).all()
    cohort_ids = []
    for app_id, code, name, department in ids:
        group_of[app_id] = group(code, name, department).key
        cohort_ids.append(app_id)

    # the clock of every open application submitted up to ``until``
    calendar = catalog.calendar(session)
    open_stmt = base.where(Application.status.in_(OPEN_STATUSES))
    if until is not None:
        open_stmt = open_stmt.where(
            Application.submitted_at < _utc_start(until + timedelta(days=1))
        )
    for row in session.execute(open_stmt).scalars():
        g = group(row.item.code, row.item.name, row.item.department)
        g.open += 1
        state = deadline_status(row, calendar, today, near_due_days=NEAR_DUE_DAYS)
        if state is not None and state.status == "overdue":
            g.overdue += 1
        elif state is not None and state.status == "near_due":
            g.near_due += 1

    # durations from the process log
    samples: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    shares: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for app_id, events in _events(session, cohort_ids).items():
        key = group_of[app_id]
        durations, parts = _durations(events)
        for stage, values in durations.items():
            samples[key][stage].extend(values)
            samples[""][stage].extend(values)
        if parts is not None:
            for part, share in parts.items():
                shares[key][part].append(share)
                shares[""][part].append(share)

    ordered = sorted(groups.values(), key=lambda g: (-g.volume, g.key))
    total = GroupFigures("", "合计", "")
    for g in ordered:
        for name in ("volume", "decided", "approved", "corrected", "overturned"):
            setattr(total, name, getattr(total, name) + getattr(g, name))
        for name in ("open", "overdue", "near_due"):
            setattr(total, name, getattr(total, name) + getattr(g, name))
    for g in [*ordered, total]:
        g.stages = {s: _stage(s, samples[g.key][s]) for s in STAGES}
        g.bottleneck, g.bottleneck_share = bottleneck(shares[g.key])
    return ProcessReport(since, until, today, group_by, ordered, total)


def _events(session: Session, ids: Sequence[int]) -> dict[int, list[tuple[str, datetime]]]:
    """Each application's events (kind, time) in the order they were written."""
    out: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for start in range(0, len(ids), 500):  # keep IN lists within every database's limits
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(ApplicationEvent.application_id, ApplicationEvent.kind, ApplicationEvent.at)
            .where(ApplicationEvent.application_id.in_(chunk))
            .order_by(ApplicationEvent.application_id, ApplicationEvent.id)
        )
        for app_id, kind, at in rows:
            out[app_id].append((kind, at))
    return out


def _hours(a: datetime, b: datetime) -> float:
    return max(0.0, (b - a).total_seconds() / 3600)


def _durations(
    events: Iterable[tuple[str, datetime]],
) -> tuple[dict[str, list[float]], dict[str, float] | None]:
    """One application's stage durations (hours) and, when decided with a positive total, the
    shares of the total spent in 补正, 受理 and 审查."""
    submitted = accepted = decided = None
    pending: datetime | None = None
    corrections: list[float] = []
    for kind, at in events:
        if kind == "submitted" and submitted is None:
            submitted = at
        elif kind == "correction_requested":
            pending = at if pending is None else pending
        elif kind == "resubmitted" and pending is not None:
            corrections.append(_hours(pending, at))
            pending = None
        elif kind == "accepted" and accepted is None:
            accepted = at
        elif kind in DECISION_KINDS:
            decided = at
    out: dict[str, list[float]] = {"correction": corrections}
    if submitted is not None and accepted is not None:
        out["intake"] = [_hours(submitted, accepted)]
    if accepted is not None and decided is not None:
        out["review"] = [_hours(accepted, decided)]
    parts = None
    if submitted is not None and decided is not None:
        total = _hours(submitted, decided)
        out["total"] = [total]
        if total > 0 and accepted is not None:
            corrected = sum(corrections)
            intake = _hours(submitted, accepted)
            parts = {
                "correction": corrected / total,
                "acceptance": max(0.0, intake - corrected) / total,
                "review": _hours(accepted, decided) / total,
            }
    return out, parts


def _stage(stage: str, values: Sequence[float]) -> StageFigures:
    if not values:
        return StageFigures(stage, 0, None, None)
    p50, p90 = np.percentile(np.asarray(values, dtype=float), [50, 90])
    return StageFigures(stage, len(values), round(float(p50), 2), round(float(p90), 2))


def bottleneck(shares: dict[str, list[float]]) -> tuple[str | None, float | None]:
    """The part with the largest median share (ties: the later part), and that share."""
    best: tuple[str | None, float | None] = (None, None)
    for part in PARTS:
        values = shares.get(part)
        if not values:
            continue
        median = float(np.median(np.asarray(values, dtype=float)))
        if best[1] is None or median >= best[1]:
            best = (part, round(median, 4))
    return best


# ---------------------------------------------------------------- charts


def charts(report: ProcessReport) -> dict[str, str]:
    """Plotly figures as JSON for a page that serves plotly.min.js itself:

    - ``stages``: median (bar) and 90th percentile (bar) hours of each stage, grouped per item
      or department;
    - ``volume``: volume per group (bars) against its correction rate (points, right axis).
    """
    import plotly.graph_objects as go  # a page needs it, the CLI table does not

    names = [g.name for g in report.groups]
    stages = go.Figure()
    for stage in STAGES:
        stages.add_bar(
            name=f"{STAGE_LABELS[stage]} 中位数",
            x=names,
            y=[g.stages[stage].p50_hours for g in report.groups],
            customdata=[g.stages[stage].p90_hours for g in report.groups],
            hovertemplate="%{x}<br>中位数 %{y} 小时<br>P90 %{customdata} 小时<extra></extra>",
        )
    stages.update_layout(
        title="各环节用时（小时）",
        barmode="group",
        yaxis_title="小时",
        legend_orientation="h",
    )
    volume = go.Figure()
    volume.add_bar(name="申请量", x=names, y=[g.volume for g in report.groups])
    volume.add_scatter(
        name="补正率",
        x=names,
        y=[g.correction_rate for g in report.groups],
        yaxis="y2",
        mode="markers+lines",
    )
    volume.update_layout(
        title="申请量与补正率",
        yaxis={"title": "件"},
        yaxis2={
            "title": "补正率",
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, 1],
        },
        legend_orientation="h",
    )
    return {"stages": stages.to_json(), "volume": volume.to_json()}


def due_list(
    session: Session, actor: Principal, today: date, *, limit: int = 50
) -> list[tuple[Application, DeadlineStatus]]:
    """The open applications ``actor`` handles that are overdue or near due as of ``today``,
    the least time left first — the list a head of department chases."""
    calendar = catalog.calendar(session)
    stmt = visible_applications(session, actor).where(
        Application.status.in_(OPEN_STATUSES), Application.due_on.is_not(None)
    )
    found = []
    for row in session.execute(stmt).scalars():
        state = deadline_status(row, calendar, today, near_due_days=NEAR_DUE_DAYS)
        if state is not None and state.status in ("overdue", "near_due"):
            found.append((row, state))
    found.sort(key=lambda pair: (pair[1].remaining_days, pair[0].id))
    return found[:limit]

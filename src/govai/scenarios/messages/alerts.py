"""风险预警: surges of messages per department and per place against their own history, and
hot problems that have just appeared — raised as alerts for a person to confirm or dismiss, and
announced to a webhook.

A scan is idempotent: an alert is keyed by (organisation, kind, key, period start), so scanning
the same day twice raises nothing new. The statistical test is the analytics engine's
(:mod:`govai.analytics.surge`); the threshold and minimum count are the settings
``surge_threshold`` and ``surge_min_count``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.analytics.hotspots import find_problems
from govai.analytics.surge import Surge, detect_surges
from govai.errors import NotFound, ValidationError
from govai.governance import audit
from govai.scenarios.messages.models import Alert, Message
from govai.scenarios.messages.problems import records_of, visible_messages
from govai.scenarios.messages.service import require_handler, require_viewer, scope_of
from govai.settings import Settings
from govai.storage.base import BEIJING, utcnow
from govai.storage.db import Database

NEW_PROBLEM_DAYS = 7  # a hot problem whose first message is this recent is "new"
NEW_PROBLEM_MIN = 3  # … and that has at least this many messages
KINDS = {"surge": "数量激增", "new_problem": "新热点问题"}
STATUSES = {"open": "待确认", "confirmed": "已确认", "dismissed": "已排除"}


def local_day(ts: datetime | None) -> date | None:
    """The Beijing calendar day of a stored (naive UTC) time."""
    return None if ts is None else (ts + BEIJING).date()


def today() -> date:
    return (utcnow() + BEIJING).date()


@dataclass
class ScanResult:
    raised: list[Alert]
    scanned: int
    on: date


def _keys(message: Message) -> list[str]:
    keys = []
    department = message.department or message.suggestion
    if department:
        keys.append(f"部门:{department}")
    if message.place:
        keys.append(f"地点:{message.place}")
    return keys


def _period_start(day: date, period: str) -> date:
    return day - timedelta(days=day.weekday()) if period == "week" else day


def _surge_alert(org_id: int, surge: Surge, members: Sequence[Message], per_handler: int) -> Alert:
    kind_label, _, name = surge.key.partition(":")
    departments = Counter(
        m.department or m.suggestion for m in members if m.department or m.suggestion
    )
    department = departments.most_common(1)[0][0] if departments else ""
    extra = surge.extra_handlers(per_handler)
    span = "今日" if surge.period == "day" else "本周"
    usual = (
        f"为近期同期平均 {surge.expected:.1f} 条的 {surge.ratio:.1f} 倍"
        if surge.expected >= 0.5
        else "而近期同期平均不到 1 条"
    )
    summary = (
        f"{kind_label}“{name}”{span}收到留言 {surge.count} 条，{usual}（p={surge.p_value:.2g}）。"
    )
    suggestion = (
        f"建议由{department or '相关部门'}核查是否为同一事件引起"
        + (f"，并增派 {extra} 名办理人员" if extra else "")
        + "；确认后转交承办单位。"
    )
    return Alert(
        org_id=org_id,
        kind="surge",
        key=surge.key[:300],
        period=surge.period,
        period_start=surge.period_start,
        count=surge.count,
        expected=round(surge.expected, 3),
        p_value=surge.p_value,
        summary=summary,
        suggestion=suggestion,
        department=department,
        extra_handlers=extra,
        message_ids=[m.id for m in members][:200],
        evidence={"history": list(surge.history), "ratio": round(surge.ratio, 3)},
    )


def scan(
    session: Session,
    settings: Settings,
    actor: Principal,
    *,
    on: date | None = None,
) -> ScanResult:
    """Raise the alerts due on day ``on`` (default today) over the messages ``actor`` sees."""
    require_handler(actor)
    on = on or today()
    messages = [m for m in visible_messages(session, actor) if m.received_at is not None]
    messages = [m for m in messages if (local_day(m.received_at) or on) <= on]
    raised: list[Alert] = []
    by_org: dict[int, list[Message]] = defaultdict(list)
    for m in messages:
        by_org[m.org_id].append(m)
    existing = {
        (a.org_id, a.kind, a.key, a.period_start)
        for a in session.execute(
            select(Alert).where(Alert.period_start >= on - timedelta(days=400))
        ).scalars()
    }
    for org_id, group in by_org.items():
        candidates: list[Alert] = []
        periods: tuple[Literal["day", "week"], ...] = ("day", "week")
        for period in periods:
            events = [(local_day(m.received_at), key) for m in group for key in _keys(m)]
            surges = detect_surges(
                events,  # type: ignore[arg-type]
                on=on,
                period=period,
                threshold=float(settings.surge_threshold),
                min_count=int(settings.surge_min_count),
            )
            for surge in surges:
                start = surge.period_start
                members = [
                    m
                    for m in group
                    if surge.key in _keys(m)
                    and _period_start(local_day(m.received_at), period) == start  # type: ignore[arg-type]
                ]
                candidates.append(
                    _surge_alert(org_id, surge, members, int(settings.surge_per_handler))
                )
        candidates += _new_problems(session, settings, actor, org_id, group, on)
        for alert in candidates:
            ident = (alert.org_id, alert.kind, alert.key, alert.period_start)
            if ident in existing:
                continue
            existing.add(ident)
            session.add(alert)
            raised.append(alert)
    session.flush()
    for alert in raised:
        audit.record(
            session,
            "alerts.raise",
            actor=actor,
            object_type="alert",
            object_id=alert.id,
            summary=f"{KINDS[alert.kind]}：{alert.summary[:80]}",
        )
    return ScanResult(raised, len(messages), on)


def _new_problems(
    session: Session,
    settings: Settings,
    actor: Principal,
    org_id: int,
    group: Sequence[Message],
    on: date,
) -> list[Alert]:
    window = int(settings.hotspot_window_days)
    recent = [
        m
        for m in group
        if (on - local_day(m.received_at)).days < window  # type: ignore[operator]
    ]
    if len(recent) < NEW_PROBLEM_MIN:
        return []
    by_id = {str(m.id): m for m in recent}
    problems = find_problems(records_of(session, actor, recent), top=20, window_days=window)
    alerts = []
    for p in problems:
        members = [by_id[i] for i in p.message_ids if i in by_id]
        days = [local_day(m.received_at) for m in members]
        first = min(d for d in days if d is not None)
        if len(members) < NEW_PROBLEM_MIN or (on - first).days >= NEW_PROBLEM_DAYS:
            continue
        departments = Counter(
            m.department or m.suggestion for m in members if m.department or m.suggestion
        )
        department = departments.most_common(1)[0][0] if departments else ""
        alerts.append(
            Alert(
                org_id=org_id,
                kind="new_problem",
                key=f"{p.place}：{p.description}"[:300],
                period="day",
                period_start=first,
                count=len(members),
                expected=0.0,
                p_value=1.0,
                summary=(
                    f"新出现的热点问题：{p.place}{p.description}，"
                    f"{first:%m月%d日}以来 {len(members)} 条留言（热度 {p.heat:.1f}）。"
                ),
                suggestion=(
                    f"建议{department or '相关部门'}尽快核实并统一答复，防止同一问题重复来信。"
                ),
                department=department,
                extra_handlers=0,
                message_ids=[m.id for m in members][:200],
                evidence={"heat": round(p.heat, 3), "rank": p.rank},
            )
        )
    return alerts


def list_alerts(
    session: Session, actor: Principal, *, status: str = "", limit: int = 100
) -> list[Alert]:
    require_viewer(actor)
    stmt = select(Alert)
    condition = scope_of(session, actor).where(Alert.org_id, Alert.department)
    if condition is not None:
        stmt = stmt.where(condition)
    if status:
        stmt = stmt.where(Alert.status == status)
    return list(
        session.execute(
            stmt.order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit)
        ).scalars()
    )


def get_alert(session: Session, actor: Principal, alert_id: int) -> Alert:
    require_viewer(actor)
    alert = session.get(Alert, alert_id)
    if alert is None or not scope_of(session, actor).allows(alert.org_id, alert.department):
        raise NotFound(f"没有编号为 {alert_id} 的预警，或您无权查看。")
    return alert


def decide(
    session: Session, actor: Principal, alert_id: int, *, confirm: bool, note: str = ""
) -> Alert:
    """A person confirms (acts on) or dismisses an open alert."""
    require_handler(actor)
    alert = get_alert(session, actor, alert_id)
    if alert.status != "open":
        raise ValidationError(f"该预警已{STATUSES.get(alert.status, alert.status)}，不能再次处理。")
    note = note.strip()
    if len(note) > 500:
        raise ValidationError("处理意见不能超过 500 个字符。")
    alert.status = "confirmed" if confirm else "dismissed"
    alert.decided_by = actor.username
    alert.decided_at = utcnow()
    alert.note = note
    audit.record(
        session,
        "alerts.confirm" if confirm else "alerts.dismiss",
        actor=actor,
        object_type="alert",
        object_id=alert.id,
        summary=f"{'确认' if confirm else '排除'}预警：{alert.summary[:60]}"
        + (f"；{note}" if note else ""),
    )
    return alert


def visible_message_ids(session: Session, actor: Principal, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` the person may open: an alert's evidence may include messages routed to
    other departments, which are listed to them only as a count."""
    wanted = set(ids)
    if not wanted:
        return set()
    stmt = select(Message.id).where(Message.id.in_(wanted))
    condition = scope_of(session, actor).where(Message.org_id, Message.department)
    if condition is not None:
        stmt = stmt.where(condition)
    return set(session.execute(stmt).scalars())


def payload(alert: Alert) -> dict[str, object]:
    """What the webhook receives (no message text: only counts and ids)."""
    return {
        "id": alert.id,
        "kind": alert.kind,
        "kind_label": KINDS.get(alert.kind, alert.kind),
        "key": alert.key,
        "period": alert.period,
        "period_start": alert.period_start.isoformat(),
        "count": alert.count,
        "expected": alert.expected,
        "p_value": alert.p_value,
        "summary": alert.summary,
        "suggestion": alert.suggestion,
        "department": alert.department,
        "extra_handlers": alert.extra_handlers,
        "message_ids": alert.message_ids,
        "text": f"【govai 风险预警】{alert.summary}{alert.suggestion}",
    }


def notify(db: Database, settings: Settings, alert_ids: Sequence[int]) -> dict[int, str]:
    """POST each alert to ``alert_webhook_url`` (after the alerts are committed) and record the
    outcome on the alert. A failing webhook never loses an alert: it stays in the console."""
    url = str(settings.alert_webhook_url).strip()
    if not url or not alert_ids:
        return {}
    outcomes: dict[int, str] = {}
    with db.read() as session:
        bodies = {
            a.id: payload(a)
            for a in session.execute(select(Alert).where(Alert.id.in_(alert_ids))).scalars()
        }
    with httpx.Client(timeout=5.0) as client:
        for alert_id, body in bodies.items():
            try:
                response = client.post(
                    url,
                    content=json.dumps(body, ensure_ascii=False).encode(),
                    headers={"content-type": "application/json; charset=utf-8"},
                )
                outcomes[alert_id] = (
                    "已送达" if response.is_success else f"失败：HTTP {response.status_code}"
                )
            except httpx.HTTPError as exc:
                outcomes[alert_id] = f"失败：{type(exc).__name__}"
    with db.session() as session:
        for alert_id, outcome in outcomes.items():
            alert = session.get(Alert, alert_id)
            if alert is not None:
                alert.webhook = outcome[:200]
    return outcomes

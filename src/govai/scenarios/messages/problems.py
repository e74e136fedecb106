"""热点发现 over an export file or the messages in the database, as people may see them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.analytics.hotspots import MessageRecord, Problem, find_problems, write_problem_tables
from govai.scenarios.messages.intake import read_messages
from govai.scenarios.messages.models import Message
from govai.scenarios.messages.service import require_viewer, scope_of
from govai.settings import Settings
from govai.storage.base import BEIJING, utcnow
from govai.tabular import read_table


@dataclass
class HotProblems:
    problems: list[Problem]
    records: list[MessageRecord]  # every message considered (the detail table draws on them)
    total: int


def from_file(
    path: Path,
    mapping: Sequence[str] | dict[str, str] = (),
    *,
    top: int = 5,
    window_days: int = 90,
    progress: Callable[[str], None] | None = None,
) -> HotProblems:
    """Hot problems of an export file (columns as `govai messages import` reads them)."""
    from govai.scenarios.messages.intake import parse_mapping

    columns = mapping if isinstance(mapping, dict) else parse_mapping(mapping)
    read = read_messages(read_table(path), columns)
    records = [
        MessageRecord(
            id=r.external_id or str(r.row),
            title=r.title,
            text=r.text,
            time=r.time,
            user=r.author,
            likes=r.likes,
            dislikes=r.dislikes,
        )
        for r in read.rows
    ]
    found = find_problems(records, top=top, window_days=window_days, progress=progress)
    return HotProblems(found, records, len(records))


def records_of(
    session: Session, actor: Principal, messages: Sequence[Message]
) -> list[MessageRecord]:
    """Messages as the engine's records, in Beijing time, redacted for ``actor`` as needed."""
    from govai.gateway.masking import redact, redact_name

    scope = scope_of(session, actor)
    records = []
    for m in messages:
        personal = scope.personal(m.org_id, m.department)
        records.append(
            MessageRecord(
                id=str(m.id),
                title=m.title if personal else redact(m.title),
                text=m.text if personal else redact(m.text),
                time=m.received_at + BEIJING if m.received_at else None,
                user=m.author if personal else redact_name(m.author),
                likes=m.likes,
                dislikes=m.dislikes,
            )
        )
    return records


def visible_messages(
    session: Session, actor: Principal, *, days: int | None = None, org_id: int | None = None
) -> list[Message]:
    require_viewer(actor)
    stmt = select(Message)
    condition = scope_of(session, actor).where(Message.org_id, Message.department)
    if condition is not None:
        stmt = stmt.where(condition)
    if org_id is not None:
        stmt = stmt.where(Message.org_id == org_id)
    if days is not None:
        stmt = stmt.where(Message.received_at >= utcnow() - timedelta(days=days))
    return list(session.execute(stmt.order_by(Message.id)).scalars())


def from_database(
    session: Session,
    settings: Settings,
    actor: Principal,
    *,
    top: int = 5,
    days: int | None = None,
) -> HotProblems:
    """Hot problems among the messages ``actor`` sees (the last ``days`` days, or all)."""
    records = records_of(session, actor, visible_messages(session, actor, days=days))
    found = find_problems(records, top=top, window_days=int(settings.hotspot_window_days))
    return HotProblems(found, records, len(records))


def write_tables(result: HotProblems, path: Path) -> None:
    """热点问题表 and 热点问题留言明细表 as one .xlsx (written to a temporary name first)."""
    tmp = path.with_name(path.name + ".part")
    write_problem_tables(result.problems, result.records, tmp)
    tmp.replace(path)

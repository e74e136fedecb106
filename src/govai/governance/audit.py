"""The audit trail: append-only and hash-chained.

Every login, every state change and every model call appends an entry in the same transaction as
the change it records, so the two commit or roll back together. Each entry's ``hash`` is the
SHA-256 of its own fields and the previous entry's hash; the single ``govai_audit_head`` row names
the last entry. :func:`verify` recomputes the chain and names the first entry that was altered,
inserted or deleted (``govai audit verify``).

Appends are serialised: SQLite transactions begin IMMEDIATE (see :mod:`govai.storage.db`);
PostgreSQL takes a row lock on the head (``SELECT … FOR UPDATE``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from govai.accounts.principal import SYSTEM, Principal
from govai.governance.models import AuditEntry, AuditHead
from govai.storage.base import utcnow

GENESIS = "0" * 64
_SUMMARY_MAX = 2000


def entry_hash(
    *,
    seq: int,
    ts: datetime,
    actor: str,
    actor_id: int | None,
    org_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    ip: str,
    prev_hash: str,
) -> str:
    payload = [
        seq,
        ts.isoformat(timespec="microseconds"),
        actor,
        actor_id,
        org_id,
        action,
        object_type,
        object_id,
        summary,
        ip,
        prev_hash,
    ]
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _hash_of(entry: AuditEntry) -> str:
    return entry_hash(
        seq=entry.seq,
        ts=entry.ts,
        actor=entry.actor,
        actor_id=entry.actor_id,
        org_id=entry.org_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        summary=entry.summary,
        ip=entry.ip,
        prev_hash=entry.prev_hash,
    )


def record(
    session: Session,
    action: str,
    *,
    actor: Principal | None = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: str = "",
) -> AuditEntry:
    """Append one entry in the caller's transaction (committed with the change it records).

    The head is read and the entry and the new head are written on the session's connection,
    past the unit of work: every model call appends an entry, and the ORM's bookkeeping cost
    more than the statements themselves. The caller's pending ORM changes are flushed first, as
    before. The returned entry is a detached copy of the row."""
    actor = actor or SYSTEM
    session.flush()
    conn = session.connection()
    head = conn.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
    ).first()
    if head is None:
        seq, prev_hash = 0, GENESIS
        conn.execute(insert(AuditHead), {"id": 1, "seq": 0, "hash": GENESIS})
    else:
        seq, prev_hash = int(head[0]), str(head[1])
    entry = AuditEntry(
        seq=seq + 1,
        ts=utcnow(),
        actor=actor.username[:64],
        actor_id=actor.user_id,
        org_id=actor.org_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:128],
        summary=summary[:_SUMMARY_MAX],
        ip=actor.ip[:64],
        prev_hash=prev_hash,
    )
    entry.hash = _hash_of(entry)
    conn.execute(insert(AuditEntry), {c: getattr(entry, c) for c in _ENTRY_COLUMNS})
    conn.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=entry.seq, hash=entry.hash))
    return entry


_ENTRY_COLUMNS = tuple(c.key for c in AuditEntry.__table__.columns)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    problem: str = ""  # altered | inserted | deleted | head
    message: str = ""


def _iter_entries(session: Session, upto: int, batch: int = 1000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.seq > last, AuditEntry.seq <= upto)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def _head(session: Session) -> tuple[int, str]:
    row = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def verify(session: Session, progress: Callable[[int], None] | None = None) -> VerifyResult:
    """Recompute the chain; name the first entry that was altered, inserted or deleted.

    The chain is checked up to the head as read at the start, so entries appended meanwhile by
    other transactions are not mistaken for insertions (they are checked next time). Use a
    read session (:meth:`Database.read`) so that verifying never blocks writers.
    ``progress`` is called with the number of entries checked so far, every 1,000 entries.
    """
    head_seq, head_hash = _head(session)
    expected_seq, prev_hash, checked = 1, GENESIS, 0
    for entry in _iter_entries(session, head_seq):
        if progress is not None and checked % 1000 == 0:
            progress(checked)
        if entry.seq != expected_seq:
            missing = (
                f"第 {expected_seq} 条"
                if entry.seq == expected_seq + 1
                else f"第 {expected_seq}–{entry.seq - 1} 条"
            )
            return VerifyResult(
                False,
                checked,
                expected_seq,
                "deleted",
                f"审计日志被删除：{missing}缺失（第 {entry.seq} 条之前）。",
            )
        if _hash_of(entry) != entry.hash:
            return VerifyResult(
                False,
                checked,
                entry.seq,
                "altered",
                f"审计日志被篡改：第 {entry.seq} 条的内容与其哈希不符"
                f"（{entry.ts:%Y-%m-%d %H:%M:%S}，{entry.actor}，{entry.action}）。",
            )
        if entry.prev_hash != prev_hash:
            return VerifyResult(
                False,
                checked,
                entry.seq,
                "inserted",
                f"审计日志链断开：第 {entry.seq} 条不接续第 {entry.seq - 1} 条"
                "（该条为插入，或前一条被改写后重算了哈希）。",
            )
        prev_hash = entry.hash
        expected_seq = entry.seq + 1
        checked += 1
    last_seq = expected_seq - 1
    if head_seq > last_seq:
        return VerifyResult(
            False,
            checked,
            last_seq + 1,
            "deleted",
            f"审计日志被删除：链头记录共 {head_seq} 条，现仅存 {last_seq} 条，"
            f"第 {last_seq + 1} 条起缺失。",
        )
    if head_hash != prev_hash:
        return VerifyResult(
            False,
            checked,
            last_seq,
            "altered",
            f"审计日志链头与第 {last_seq} 条不符：最后一条被改写。",
        )
    # Entries beyond the head as it stands now are outside the chain: nobody appended them
    # through record() (which moves the head in the same transaction).
    now_seq = max(head_seq, _head(session)[0])
    stray = session.execute(
        select(func.min(AuditEntry.seq)).where(AuditEntry.seq > now_seq)
    ).scalar_one_or_none()
    if stray is not None:
        return VerifyResult(
            False,
            checked,
            int(stray),
            "inserted",
            f"审计日志被插入：链头记录共 {now_seq} 条，第 {stray} 条为链外插入。",
        )
    return VerifyResult(True, checked, message=f"审计日志完整：共 {checked} 条，哈希链校验通过。")


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""


def search(
    session: Session, flt: AuditFilter, *, limit: int = 100, offset: int = 0
) -> tuple[list[AuditEntry], int]:
    """Entries matching ``flt``, newest first, and the total count."""
    limit = min(max(limit, 1), 1000)
    offset = min(max(offset, 0), 2**31 - 1)
    query = select(AuditEntry)
    if flt.actor:
        query = query.where(AuditEntry.actor == flt.actor)
    if flt.action:
        query = query.where(AuditEntry.action.startswith(flt.action))
    if flt.object_type:
        query = query.where(AuditEntry.object_type == flt.object_type)
    if flt.since:
        query = query.where(AuditEntry.ts >= flt.since)
    if flt.until:
        query = query.where(AuditEntry.ts < flt.until)
    if flt.text:
        query = query.where(AuditEntry.summary.contains(flt.text))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset)
    ).scalars()
    return list(rows), int(total)

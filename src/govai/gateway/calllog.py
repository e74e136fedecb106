"""The model call log: one row per call, whatever its outcome, written in the same transaction
as its audit entry.

Only masked input is stored (《生成式人工智能服务管理暂行办法》第十一条), and so is the output
as the model returned it, i.e. with placeholders where personal data was. Rows are kept at least six
months (《人工智能生成合成内容标识办法》; ``call_log_retention_days`` ≥ 180 is enforced by the
settings loader) and then removed by :func:`purge_call_log` (``govai model purge-log``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.errors import PermissionDenied
from govai.gateway.models import ModelCall
from govai.governance import audit
from govai.settings import Settings
from govai.storage.base import utcnow

STATUS_LABELS = {
    "ok": "成功",
    "review": "成功（含待复核词）",
    "refused": "密级拒绝",
    "blocked_input": "输入拦截",
    "blocked_output": "输出拦截",
    "timeout": "超时",
    "bad_response": "响应无效",
    "error": "失败",
    "unknown_provider": "模型服务不存在",
    "cancelled": "中途取消",
}


@dataclass
class CallRecord:
    produce_id: str
    scenario: str
    provider: str
    level: int
    masked_messages: list[dict[str, str]]
    evidence_ids: list[str]
    model: str = ""
    template: str = ""
    template_version: str = ""
    output: str = ""
    latency_ms: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    status: str = "ok"
    error: str = ""
    review_words: list[str] = field(default_factory=list)


def record_call(session: Session, actor: Principal, rec: CallRecord) -> int:
    """Write the call's log row and its audit entry in ``session``; returns the row's id.

    The row is inserted on the session's connection, past the unit of work, whose bookkeeping
    cost more than the insert itself; this runs on every model call."""
    values = {
        "ts": utcnow(),
        "produce_id": rec.produce_id,
        "user_id": actor.user_id,
        "username": actor.username[:64],
        "org_id": actor.org_id,
        "scenario": rec.scenario[:64],
        "provider": rec.provider[:64],
        "model": rec.model[:200],
        "template": rec.template[:100],
        "template_version": rec.template_version[:32],
        "level": rec.level,
        "masked_input": json.dumps({"messages": rec.masked_messages}, ensure_ascii=False),
        "output": rec.output,
        "evidence_ids": json.dumps(rec.evidence_ids, ensure_ascii=False),
        "latency_ms": rec.latency_ms,
        "tokens_in": rec.tokens_in,
        "tokens_out": rec.tokens_out,
        "status": rec.status,
        "error": rec.error,
    }
    key = session.connection().execute(insert(ModelCall), values).inserted_primary_key
    assert key is not None  # a single-row insert
    call_id = int(key[0])
    summary = (
        f"模型调用 {STATUS_LABELS.get(rec.status, rec.status)}：场景 {rec.scenario}，"
        f"模型服务 {rec.provider}，耗时 {rec.latency_ms} 毫秒"
    )
    if rec.review_words:
        summary += f"，待复核词：{'、'.join(rec.review_words)}"
    if rec.error:
        summary += f"。{rec.error}"
    audit.record(
        session,
        "model.call",
        actor=actor,
        object_type="model_call",
        object_id=call_id,
        summary=summary,
    )
    return call_id


def purge_call_log(session: Session, settings: Settings, actor: Principal) -> int:
    """Delete call rows older than the retention period; returns how many were deleted."""
    if not (actor.via in ("cli", "system") or actor.has(Role.SYS_ADMIN)):
        raise PermissionDenied("清理模型调用日志须由系统管理员操作。")
    days = max(int(settings.call_log_retention_days), 180)
    cutoff = utcnow() - timedelta(days=days)
    count = session.execute(
        select(func.count(ModelCall.id)).where(ModelCall.ts < cutoff)
    ).scalar_one()
    session.execute(delete(ModelCall).where(ModelCall.ts < cutoff))
    audit.record(
        session,
        "model.purge_log",
        actor=actor,
        object_type="model_call",
        summary=f"清理 {days} 天前的模型调用日志 {count} 条（截至 {cutoff:%Y-%m-%d}）",
    )
    return int(count)

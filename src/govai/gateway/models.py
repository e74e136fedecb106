"""Tables of the model gateway: configured providers, sensitive words and the call log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from govai.storage.base import Base, utcnow


class ModelProvider(Base):
    """A configured model provider. The API key is never stored: only the variable naming it.

    ``approved``: a provider that sends a key (``api_key_env`` set) is called only once the
    security administrator has approved where the key goes; changing ``base_url`` or
    ``api_key_env`` withdraws the approval (see the listeners below).
    """

    __tablename__ = "govai_model_provider"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    base_url: Mapped[str] = mapped_column(String(500), default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    api_key_env: Mapped[str] = mapped_column(String(100), default="")
    max_level: Mapped[int] = mapped_column(Integer, default=0)
    is_local: Mapped[bool] = mapped_column(Boolean, default=False)
    timeout_seconds: Mapped[float] = mapped_column(Float, default=60.0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


def _withdraw_approval(target: ModelProvider, value: Any, oldvalue: Any, _initiator: Any) -> None:
    """Where the key is sent, or which key, changed: the old approval no longer covers it."""
    if oldvalue not in (NO_VALUE, NEVER_SET) and value != oldvalue:
        target.approved = False


event.listen(ModelProvider.base_url, "set", _withdraw_approval, active_history=True)
event.listen(ModelProvider.api_key_env, "set", _withdraw_approval, active_history=True)


class SensitiveWord(Base):
    """A screened word. ``action``: block (refuse) or review (let through, flag for a person)."""

    __tablename__ = "govai_sensitive_word"
    __table_args__ = (UniqueConstraint("list_name", "word", name="uq_govai_sensitive_word"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_name: Mapped[str] = mapped_column(String(64), default="default")
    word: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(16), default="block")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ModelCall(Base):
    """One model call as it went out (masked) and came back; kept ≥ 180 days."""

    __tablename__ = "govai_model_call"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    produce_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64), default="")
    org_id: Mapped[int | None] = mapped_column(Integer)
    scenario: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(200), default="")
    template: Mapped[str] = mapped_column(String(100), default="")
    template_version: Mapped[str] = mapped_column(String(32), default="")
    level: Mapped[int] = mapped_column(Integer, default=0)
    masked_input: Mapped[str] = mapped_column(Text, default="")
    output: Mapped[str] = mapped_column(Text, default="")
    evidence_ids: Mapped[str] = mapped_column(Text, default="[]")
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(32), default="ok")
    error: Mapped[str] = mapped_column(Text, default="")

"""The record of every question asked: what was asked, what was answered or refused, on what
evidence, and what the citation check found. Refusals are the "unanswered questions" a knowledge
editor works from; ``produce_id`` links an answer to its model-call log row and AIGC label."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govai.storage.base import Base, utcnow


class QaExchange(Base):
    __tablename__ = "qa_exchange"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    kb_id: Mapped[int] = mapped_column(Integer, index=True)
    org_id: Mapped[int | None] = mapped_column(Integer)
    asker: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    search_query: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    refused: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reason: Mapped[str] = mapped_column(String(32), default="")
    provider: Mapped[str] = mapped_column(String(64), default="")
    produce_id: Mapped[str] = mapped_column(String(64), default="")
    citations: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    check: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)

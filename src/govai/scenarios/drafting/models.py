"""A 公文 draft as stored: the facts it was drafted from, the spec a person edits, and what the
machine said about it (citations, grounding and structure warnings, the model call's labels)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from govai.storage.base import Base, utcnow


class DocDraft(Base):
    """One draft. ``spec`` is the ``spec.json`` of ``govai draft`` (the fields of
    :func:`govai.documents.gongwen_spec.spec_from_dict`), kept as edited even while it does not
    yet lay out; ``aigc`` is the implicit label of the model call that wrote the first text,
    written into every export of the draft."""

    __tablename__ = "doc_draft"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("govai_org.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(Integer, index=True)
    author: Mapped[str] = mapped_column(String(64))
    doc_type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300), default="")
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    text: Mapped[str] = mapped_column(Text, default="")
    citations: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    kb: Mapped[str] = mapped_column(String(64), default="")
    provider: Mapped[str] = mapped_column(String(64), default="")
    produce_id: Mapped[str] = mapped_column(String(64), default="")
    aigc: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    exports: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")

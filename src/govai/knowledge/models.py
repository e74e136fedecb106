"""Tables of the knowledge engine: knowledge bases, their documents and passages, and the
admin-edited part of the synonym lexicon.

The database is the source of truth. A passage stores its tokens (space-joined) so the lexical
index under ``GOVAI_HOME/indexes`` is a cache that can always be rebuilt without re-reading or
re-tokenising the files; ``KnowledgeBase.index_version`` is bumped in the same transaction as
every change, which is how a process notices its loaded index is stale.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govai.accounts.models import Organization
from govai.storage.base import Base, utcnow


class KnowledgeBase(Base):
    """A collection of documents owned by an organisation.

    ``public`` opens it to citizens (anonymous askers see its 公开 documents only); ``level`` is
    the default classification of documents imported without one.
    """

    __tablename__ = "kb_base"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    org_id: Mapped[int] = mapped_column(ForeignKey("govai_org.id"), index=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    level: Mapped[int] = mapped_column(Integer, default=0)
    index_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    org: Mapped[Organization] = relationship()


class KbDocument(Base):
    """One document with its provenance. ``key`` is stable within the knowledge base (the JSONL
    ``id`` or the file name): importing the same key again replaces the document."""

    __tablename__ = "kb_document"
    __table_args__ = (UniqueConstraint("kb_id", "key", name="uq_kb_document_kb_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kb_id: Mapped[int] = mapped_column(ForeignKey("kb_base.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(300))
    doc_number: Mapped[str] = mapped_column(String(100), default="")
    issuer: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="现行有效")
    region: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[int] = mapped_column(Integer, default=0)
    source_name: Mapped[str] = mapped_column(String(300), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    passage_count: Mapped[int] = mapped_column(Integer, default=0)
    char_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64), default="")


class KbPassage(Base):
    """A retrievable unit: one article (条), or a heading section, or an FAQ pair."""

    __tablename__ = "kb_passage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kb_id: Mapped[int] = mapped_column(Integer, index=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("kb_document.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    clause: Mapped[str] = mapped_column(String(200), default="")
    chapter: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    tokens: Mapped[str] = mapped_column(Text, default="")


class LexiconGroup(Base):
    """A synonym group added by an administrator (canonical term first), layered on top of the
    lexicon shipped with govai."""

    __tablename__ = "kb_lexicon_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    terms: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="")

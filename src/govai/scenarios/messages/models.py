"""Tables of the messages scenario: citizen messages and hotline work orders, the versioned
dispatch models trained on them, staff corrections of a routing, and raised alerts.

Times a citizen gave (留言时间, 答复时间) are stored, like every time in govai, as naive UTC; the
import converts the Beijing local time of an export. ``Message.department`` is where the message
is routed: set by a confident dispatch suggestion or by a person; ``dispatch_status`` says which.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govai.accounts.models import Organization
from govai.storage.base import Base, utcnow

# dispatch_status values
NEW = "new"  # no suggestion yet (no active model)
ROUTED = "routed"  # a suggestion at or above the confidence floor was applied
QUEUED = "queued"  # below the floor: waits in the human dispatch queue
ASSIGNED = "assigned"  # a person confirmed or chose the department
DISPATCH_STATUSES = (NEW, ROUTED, QUEUED, ASSIGNED)

# reply_status values
NO_REPLY = ""
DRAFT = "draft"  # an AI draft waiting for a person
PUBLISHED = "published"  # approved (or written) by a person and sent


class Message(Base):
    """One citizen message or work order, owned by the organisation that received it."""

    __tablename__ = "msg_message"
    __table_args__ = (UniqueConstraint("org_id", "external_id", name="uq_msg_message_org_ext"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("govai_org.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="import")
    author: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    dislikes: Mapped[int] = mapped_column(Integer, default=0)
    place: Mapped[str] = mapped_column(String(200), default="")
    sentiment: Mapped[str] = mapped_column(String(16), default="")
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)

    department: Mapped[str] = mapped_column(String(100), default="", index=True)
    dispatch_status: Mapped[str] = mapped_column(String(16), default=NEW, index=True)
    suggestion: Mapped[str] = mapped_column(String(100), default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    top: Mapped[list[list[object]]] = mapped_column(JSON, default=list)
    model_id: Mapped[int | None] = mapped_column(Integer)
    assigned_by: Mapped[str] = mapped_column(String(64), default="")

    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(DateTime)
    reply_status: Mapped[str] = mapped_column(String(16), default=NO_REPLY)
    reply_draft: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    org: Mapped[Organization] = relationship()


class DispatchModel(Base):
    """One trained version of a named dispatch model, with its evaluation. Versions are never
    overwritten; ``active`` marks the one predictions use (the newest, unless rolled back)."""

    __tablename__ = "msg_dispatch_model"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_msg_dispatch_model_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    evaluation: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    training: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class DispatchCorrection(Base):
    """A person's routing of a message that differs from (or confirms) the suggestion; the next
    training of the model adds these as labelled examples."""

    __tablename__ = "msg_dispatch_correction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("msg_message.id"), index=True)
    model_name: Mapped[str] = mapped_column(String(64), default="", index=True)
    suggested: Mapped[str] = mapped_column(String(100), default="")
    chosen: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500), default="")
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Alert(Base):
    """A surge or a new hot problem, raised for a person to confirm or dismiss."""

    __tablename__ = "msg_alert"
    __table_args__ = (
        UniqueConstraint("org_id", "kind", "key", "period_start", name="uq_msg_alert_key_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("govai_org.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # surge | new_problem
    key: Mapped[str] = mapped_column(String(300))  # "类别:城乡建设", "地点:丽发新城", problem text
    period: Mapped[str] = mapped_column(String(8), default="day")
    period_start: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expected: Mapped[float] = mapped_column(Float, default=0.0)
    p_value: Mapped[float] = mapped_column(Float, default=1.0)
    summary: Mapped[str] = mapped_column(Text, default="")
    suggestion: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(100), default="")
    extra_handlers: Mapped[int] = mapped_column(Integer, default=0)
    message_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    evidence: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str] = mapped_column(String(500), default="")
    webhook: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

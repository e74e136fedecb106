"""Tables of the approval scenario: the service catalogue with its rule files, applications
with their stage events, the files and notices attached to them, and the holiday table.

An application's personal data (``applicant``, the files) is shown only to the people who handle
its item and to the applicant holding its number and query code. ``ApplicationEvent`` rows are
the process log the dashboards read: one row per stage change, never edited.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govai.storage.base import Base, utcnow

# Application.status values
SUBMITTED = "submitted"  # received, pre-check not yet done
NEEDS_CORRECTION = "needs_correction"  # 补正: waits for the applicant
UNDER_REVIEW = "under_review"  # accepted (受理), waits for a person's decision
APPROVED = "approved"
DENIED = "denied"  # 不予许可 / 不予办理 after acceptance
NOT_ACCEPTED = "not_accepted"  # 不予受理
OPEN_STATUSES = (SUBMITTED, NEEDS_CORRECTION, UNDER_REVIEW)
STATUS_LABELS = {
    SUBMITTED: "已提交",
    NEEDS_CORRECTION: "待补正",
    UNDER_REVIEW: "审查中",
    APPROVED: "已办结（准予）",
    DENIED: "已办结（不予）",
    NOT_ACCEPTED: "不予受理",
}


class CatalogItem(Base):
    """One service item (办事事项): its published description as imported or written
    (``data``, see :func:`govai.approval.catalog.item_to_dict`) and the department's rule file,
    if it wrote one."""

    __tablename__ = "apv_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    department: Mapped[str] = mapped_column(String(200), index=True)
    item_type: Mapped[str] = mapped_column(String(32), default="公共服务")
    org_id: Mapped[int | None] = mapped_column(ForeignKey("govai_org.id"), index=True)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(32), default="")
    auto_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    rules_yaml: Mapped[str] = mapped_column(Text, default="")
    rules_version: Mapped[str] = mapped_column(String(32), default="")
    rules_updated_by: Mapped[str] = mapped_column(String(64), default="")
    rules_updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Application(Base):
    """One application for a service item, from submission to decision."""

    __tablename__ = "apv_application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    query_code: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(ForeignKey("apv_item.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="console")
    applicant: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    fields: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    materials: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(24), default=SUBMITTED, index=True)
    precheck: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    precheck_outcome: Mapped[str] = mapped_column(String(24), default="")
    corrections: Mapped[int] = mapped_column(Integer, default=0)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    overturned: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    limit_days: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    extensions: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    suspensions: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    item: Mapped[CatalogItem] = relationship()


class ApplicationEvent(Base):
    """One stage change of an application: the process log (append-only)."""

    __tablename__ = "apv_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("apv_application.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # 申请 预审 补正 受理 审查 决定 送达
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    by: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class ApplicationFile(Base):
    """A file an applicant uploaded for one material."""

    __tablename__ = "apv_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("apv_application.id"), index=True)
    material: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Notice(Base):
    """A notice (受理通知书, 补正材料通知书 …) made for an application: a draft (AI-labelled)
    until a person issues it."""

    __tablename__ = "apv_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("apv_application.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    doc_number: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | issued
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    issued_by: Mapped[str] = mapped_column(String(64), default="")
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)


class Holiday(Base):
    """A day whose working status the administrator set (a year chinesecalendar does not know
    yet, or a local adjustment); it overrides the package."""

    __tablename__ = "apv_holiday"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(64), default="")
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

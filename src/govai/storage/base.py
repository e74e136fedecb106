"""Declarative base shared by every engine's tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


BEIJING = timedelta(hours=8)


def utcnow() -> datetime:
    """Naive UTC now: stored the same way by SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def beijing(ts: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A stored (naive UTC) timestamp as Beijing time (UTC+8) text for people; "" for None."""
    if ts is None:
        return ""
    return (ts + BEIJING).strftime(fmt)

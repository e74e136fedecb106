"""Relational storage: SQLAlchemy 2 models and Alembic migrations (SQLite or PostgreSQL)."""

from govai.storage.base import Base, utcnow
from govai.storage.db import Database

__all__ = ["Base", "Database", "utcnow"]

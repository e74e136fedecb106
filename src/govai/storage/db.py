"""Engine, sessions and migrations.

SQLite (the embedded default) runs in WAL mode with foreign keys on, and every transaction of
:meth:`Database.session` begins with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the
busy timeout instead of failing half-way; the audit chain relies on appends being serialised.
:meth:`Database.read` sessions begin deferred and take no write lock, so a long read (verifying
the audit chain, a report) never holds up writers. PostgreSQL serialises audit appends with a
row lock on the chain head (see :mod:`govai.governance.audit`).

Durability on SQLite is ``synchronous=NORMAL``, SQLite's recommendation for WAL mode: a commit
is not synced to disk by itself but at the next checkpoint, so a crash of the process loses
nothing committed, while a power cut or operating-system crash may lose the last commits
before it (the database stays consistent). Syncing every commit (``FULL``) would put a disk
flush on every answer's log write; the operator guide states the policy and points to
PostgreSQL where it is not acceptable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from govai.errors import ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    """One database: an engine plus a session factory."""

    def __init__(self, url: str, *, connect_args: dict[str, Any] | None = None) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            _ensure_sqlite_dir(url)
            args = {"check_same_thread": False, "timeout": 30, **(connect_args or {})}
            self.engine: Engine = create_engine(url, connect_args=args)
            _configure_sqlite(self.engine)
        else:
            try:
                self.engine = create_engine(
                    url, pool_pre_ping=True, connect_args=connect_args or {}
                )
            except Exception as exc:  # bad dialect names, missing drivers
                raise ConfigError(
                    f"无法使用数据库地址：{exc}。请检查 GOVAI_DATABASE_URL，"
                    "PostgreSQL 的格式为 postgresql+psycopg://用户@主机:5432/库名。"
                ) from None
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(govai_read=True), expire_on_commit=False
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: never takes SQLite's write lock and is never committed.

        Closing (not rolling back) ends the transaction and leaves loaded objects readable."""
        with self._read_sessions() as session:
            yield session

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic."""
        from alembic import command

        command.upgrade(alembic_config(self), revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def has_schema(self) -> bool:
        return "govai_user" in inspect(self.engine).get_table_names()

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(db: Database) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = db.engine
    return cfg


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get("govai_read", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

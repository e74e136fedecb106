"""Pytest fixtures for govai and for projects that extend it (registered as a pytest plugin).

- ``govai_settings``: settings over a temporary ``GOVAI_HOME``. The database is SQLite in that
  folder, or — when ``GOVAI_TEST_DATABASE_URL`` is set — a fresh schema of that PostgreSQL
  database, dropped after the test.
- ``platform``: a :class:`~govai.platform.Platform` over those settings, migrated to head.
- ``demo_platform``: the same with the demo organisations, one account per role, the word list
  and knowledge bases (not the demo messages: ``govai.demo.load_demo_messages`` adds them).
- ``client``: an in-process HTTP client for the web app over ``demo_platform``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from govai.accounts.principal import cli_principal
from govai.demo import load_demo
from govai.platform import Platform
from govai.settings import Settings
from govai.storage.db import Database

TEST_DB_ENV = "GOVAI_TEST_DATABASE_URL"


def _postgres_schema_url(base_url: str) -> tuple[str, str]:
    schema = "t_" + uuid.uuid4().hex[:16]
    engine = create_engine(base_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        pytest.fail(f"{TEST_DB_ENV}={base_url} is set but PostgreSQL is not reachable: {exc}")
    finally:
        engine.dispose()
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def _drop_schema(base_url: str, schema: str) -> None:
    engine = create_engine(base_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


def test_database_kind() -> str:
    return "postgresql" if os.environ.get(TEST_DB_ENV) else "sqlite"


@pytest.fixture(autouse=True, scope="session")
def _cheap_argon2() -> Iterator[None]:
    """Real Argon2id with the lowest cost parameters, so each demo account hashes in ~1 ms."""
    from argon2 import PasswordHasher

    from govai.accounts import passwords

    previous = passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    passwords.use_hasher(previous)


@pytest.fixture
def govai_settings(tmp_path: Path) -> Iterator[Settings]:
    base = os.environ.get(TEST_DB_ENV, "")
    values: dict[str, Any] = {"home": str(tmp_path / "home")}
    schema = ""
    if base:
        values["database_url"], schema = _postgres_schema_url(base)
    settings = Settings.load({}).replace(**values)
    yield settings
    if schema:
        _drop_schema(base, schema)


@pytest.fixture
def platform(govai_settings: Settings) -> Iterator[Platform]:
    plat = Platform.open(govai_settings)
    plat.db.migrate()
    yield plat
    plat.close()


@pytest.fixture
def demo_platform(platform: Platform) -> Platform:
    load_demo(platform, cli_principal("pytest"), messages=False)
    return platform


@pytest.fixture
def client(demo_platform: Platform) -> Iterator[Any]:
    from starlette.testclient import TestClient

    from govai.web.app import create_app

    with TestClient(create_app(demo_platform), base_url="http://127.0.0.1") as tc:
        yield tc


__all__ = ["TEST_DB_ENV", "Database", "test_database_kind"]


@pytest.fixture
def fake_llm() -> Iterator[Any]:
    """A running :class:`~govai.testing.fake_openai.FakeOpenAI` server (``.base_url``,
    ``.queue_reply(...)``, ``.requests``)."""
    from govai.testing.fake_openai import FakeOpenAI

    with FakeOpenAI() as server:
        yield server

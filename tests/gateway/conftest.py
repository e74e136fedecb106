from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from govai.accounts import service as accounts
from govai.accounts.principal import Principal, cli_principal
from govai.classification import Level
from govai.gateway import ModelGateway
from govai.gateway import service as providers
from govai.gateway.models import ModelCall
from govai.gateway.providers import ProviderFactory, base, register_provider_kind
from govai.governance.models import AuditEntry
from govai.platform import Platform
from govai.testing.fake_openai import FakeOpenAI

OPERATOR = cli_principal("pytest")


@pytest.fixture
def gateway(demo_platform: Platform) -> ModelGateway:
    return ModelGateway(demo_platform.db, demo_platform.settings)


def principal(platform: Platform, username: str) -> Principal:
    with platform.db.session() as session:
        return accounts.principal_for(accounts.get_user(session, username), via="session")


@pytest.fixture
def staff(demo_platform: Platform) -> Principal:
    return principal(demo_platform, "staff")


def add_remote(
    platform: Platform,
    fake: FakeOpenAI,
    name: str = "remote",
    *,
    level: Level = Level.PUBLIC,
    local: bool = False,
    timeout: float = 5.0,
    api_key_env: str = "",
    approve: bool = True,
) -> str:
    with platform.db.session() as session:
        providers.add_provider(
            session,
            OPERATOR,
            providers.NewProvider(
                name, "openai", fake.base_url, "fake-model", api_key_env, local, timeout
            ),
        )
        if level is not Level.PUBLIC:
            providers.set_provider_level(session, OPERATOR, name, level)
        if approve and api_key_env:
            providers.approve_provider(session, OPERATOR, name)
    return name


@pytest.fixture
def remote(demo_platform: Platform, fake_llm: FakeOpenAI) -> str:
    """An internet provider allowed up to 内部, served by the fake."""
    return add_remote(demo_platform, fake_llm, level=Level.INTERNAL)


def calls(platform: Platform) -> list[ModelCall]:
    with platform.db.session() as session:
        return list(session.execute(select(ModelCall).order_by(ModelCall.id)).scalars())


def call_audits(platform: Platform) -> list[AuditEntry]:
    with platform.db.session() as session:
        query = select(AuditEntry).where(AuditEntry.action == "model.call")
        return list(session.execute(query.order_by(AuditEntry.seq)).scalars())


def masked_messages(call: ModelCall) -> list[dict[str, Any]]:
    return list(json.loads(call.masked_input)["messages"])


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


AddKind = Callable[[str, ProviderFactory], str]


@pytest.fixture
def add_kind(demo_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> AddKind:
    """``add_kind(kind, factory)`` registers a provider kind for this test only, through the
    public hook, and configures a provider of that name; returns the name."""
    monkeypatch.setattr(base, "_KINDS", dict(base._KINDS))

    def add(kind: str, factory: ProviderFactory) -> str:
        register_provider_kind(kind, factory)
        with demo_platform.db.session() as session:
            providers.add_provider(session, OPERATOR, providers.NewProvider(kind, kind))
        return kind

    return add

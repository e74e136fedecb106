"""The demo catalogue stored with its rule files (loaded by the demo), and helpers to act as demo
accounts and to write applications, shared by the approval scenario's tests."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from govai.accounts import service as accounts
from govai.accounts.models import User
from govai.accounts.principal import Principal, cli_principal
from govai.platform import Platform
from govai.scenarios.approval import catalog

OPERATOR = cli_principal("pytest")
TODAY = date(2025, 3, 3)  # a Monday
NOW = datetime(2025, 3, 3, 2, 0)  # 10:00 in Beijing
UNEMPLOYMENT = "SF-SYBX-001"
ALLOWANCE = "SF-GLJT-001"
ZHANG = {"name": "张三", "id_number": "110105198003070012"}


@pytest.fixture
def stored(demo_platform: Platform) -> Platform:
    """The demo catalogue with its rule files, and the 民政局 the allowance belongs to: both
    come with the demo (``load_demo_catalog``); no applications yet."""
    with demo_platform.db.read() as session:
        for code in (UNEMPLOYMENT, ALLOWANCE):
            assert catalog.ruleset_of(catalog.get_item(session, code)) is not None
    return demo_platform


def who(platform: Platform, username: str) -> Principal:
    """The principal of a demo account, as if logged in to the console."""
    with platform.db.read() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        return accounts.principal_for(user, via="session")


def unemployment(**fields: object) -> dict[str, object]:
    """A 失业保险金 application of 张三 with only the ID card; ``fields`` override the facts."""
    base: dict[str, object] = {
        "contribution_months": 130,
        "separation_reason": "劳动合同期满终止",
        "separation_date": "2025-02-10",
        "registered_unemployed": True,
        "reemployed": False,
        "receiving_pension": False,
    }
    base.update(fields)
    return {"applicant": ZHANG, "fields": base, "materials": [{"name": "居民身份证"}]}

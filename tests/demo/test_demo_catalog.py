"""The demo catalogue: loaded with the demo, its items linked to the demo departments and their
rule files enabled, also where the catalogue was imported before those departments existed."""

from __future__ import annotations

from sqlalchemy import select

from govai.accounts.principal import cli_principal
from govai.approval.catalog import read_catalog_yaml
from govai.demo import CATALOG_FILE, load_demo
from govai.platform import Platform
from govai.scenarios.approval import catalog
from govai.scenarios.approval.models import CatalogItem

OPERATOR = cli_principal("pytest")


def _items(platform: Platform) -> dict[str, tuple[str, bool, bool]]:
    """code → (department, linked to an organisation, has a rule file)."""
    with platform.db.read() as session:
        rows = session.execute(select(CatalogItem)).scalars()
        return {r.code: (r.department, r.org_id is not None, bool(r.rules_yaml)) for r in rows}


def test_the_demo_has_its_catalogue(demo_platform: Platform) -> None:
    assert _items(demo_platform) == {
        "SF-SYBX-001": ("示范市人力资源和社会保障局", True, True),
        "SF-GLJT-001": ("示范市民政局", True, True),
        "SF-GJJTQ-001": ("示范市住房公积金管理中心", True, True),
        "SF-JZZ-001": ("示范市公安局", True, True),
    }
    with demo_platform.db.read() as session:
        assert catalog.get_item(session, "SF-GLJT-001").auto_approval  # 秒批 allowed


def test_a_catalogue_imported_before_the_departments_is_linked(platform: Platform) -> None:
    with platform.db.session() as session:
        catalog.import_items(session, OPERATOR, read_catalog_yaml(CATALOG_FILE).items, source="x")
    assert {linked for _, linked, _ in _items(platform).values()} == {False}
    load_demo(platform, OPERATOR, messages=False)
    assert {(linked, rules) for _, linked, rules in _items(platform).values()} == {(True, True)}

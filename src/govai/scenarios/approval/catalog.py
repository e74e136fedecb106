"""The service catalogue in the database: import, rule files, the auto-approval switch, search,
and the working-day calendar with the administrator's holiday table.

Who may do what:

- the catalogue is public information: anyone may read and search it;
- the shell operator and the system administrator import catalogues (``govai catalog import``);
- the department administrator of the department an item belongs to (its ``org_id``, matched by
  name on import) writes its rule file and allows or forbids auto-approval. A rule file is saved
  only when it loads and its own tests pass against the item, so a rule that contradicts its
  examples never reaches an applicant;
- the system administrator keeps the holiday table (``govai calendar set``).

Every change is audited.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govai.accounts.models import Organization
from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.accounts.service import subtree_ids
from govai.approval.catalog import item_from_dict, item_to_dict
from govai.approval.catalog_search import CatalogHit, CatalogSearch
from govai.approval.items import ServiceItem
from govai.approval.rules import RuleSet, parse_rules
from govai.approval.ruletests import run_rule_test
from govai.approval.workdays import CalendarOverride, WorkCalendar
from govai.errors import NotFound, PermissionDenied, ValidationError
from govai.governance import audit
from govai.scenarios.approval.models import CatalogItem, Holiday
from govai.storage.base import utcnow

__all__ = [
    "CatalogSummary",
    "calendar",
    "get_item",
    "holidays",
    "import_items",
    "online_items",
    "ruleset_of",
    "search",
    "service_item",
    "set_auto_approval",
    "set_holiday",
    "set_rules",
]

MAX_RULE_FILE = 200_000
MIN_COVERAGE = 0.3
"""Share of a question's topic words an item must match to be offered."""


def _trusted(actor: Principal) -> bool:
    return actor.via in ("cli", "system")


def require_catalog_admin(actor: Principal) -> None:
    if not (_trusted(actor) or actor.has(Role.SYS_ADMIN)):
        raise PermissionDenied("只有系统管理员可以导入办事事项目录和维护节假日表。")


def can_manage_item(session: Session, actor: Principal, row: CatalogItem) -> bool:
    """The department administrator of the item's department (or one above it)."""
    if _trusted(actor):
        return True
    if not actor.has(Role.DEPT_ADMIN) or actor.org_id is None or row.org_id is None:
        return False
    return row.org_id in subtree_ids(session, actor.org_id)


# ---------------------------------------------------------------- import


@dataclass
class CatalogSummary:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    matched_orgs: int = 0
    departments_without_org: set[str] = field(default_factory=set)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "matched_orgs": self.matched_orgs,
            "departments_without_org": sorted(self.departments_without_org),
        }


def import_items(
    session: Session, actor: Principal, items: Iterable[ServiceItem], *, source: str
) -> CatalogSummary:
    """Create or update catalogue items by code; rule files and the auto-approval switch a
    department set are kept (a re-import updates only the published description)."""
    require_catalog_admin(actor)
    orgs = {name: id_ for id_, name in session.execute(select(Organization.id, Organization.name))}
    existing = {row.code: row for row in session.execute(select(CatalogItem)).scalars()}
    summary = CatalogSummary(source)
    for item in items:
        data = item_to_dict(item)
        org_id = orgs.get(item.department)
        if org_id is None:
            summary.departments_without_org.add(item.department)
        else:
            summary.matched_orgs += 1
        row = existing.get(item.code)
        if row is None:
            row = CatalogItem(code=item.code, auto_approval=item.auto_approval)
            session.add(row)
            existing[item.code] = row
            summary.created += 1
        elif row.data == data and row.org_id == org_id:
            summary.unchanged += 1
            continue
        else:
            summary.updated += 1
        row.name = item.name[:300]
        row.department = item.department[:200]
        row.item_type = item.item_type[:32]
        row.org_id = org_id
        row.data = data
        row.source = (item.source or source)[:32]
        row.active = True
    audit.record(
        session,
        "catalog.import",
        actor=actor,
        object_type="catalog",
        object_id=source[:64],
        summary=(
            f"导入办事事项目录 {source}：新增 {summary.created}，更新 {summary.updated}，"
            f"未变 {summary.unchanged}"
        ),
    )
    return summary


# ---------------------------------------------------------------- reading


def get_item(session: Session, code: str) -> CatalogItem:
    row = session.execute(select(CatalogItem).where(CatalogItem.code == code)).scalar_one_or_none()
    if row is None or not row.active:
        raise NotFound(f"没有编码为 {code} 的办事事项（或已停用），请按事项名称或要办的事查找。")
    return row


def online_items(session: Session) -> list[CatalogItem]:
    """The active items with a rule file: those a citizen can be guided through and
    pre-checked online, by department and name."""
    return list(
        session.execute(
            select(CatalogItem)
            .where(CatalogItem.active, CatalogItem.rules_yaml != "")
            .order_by(CatalogItem.department, CatalogItem.name)
        ).scalars()
    )


def service_item(row: CatalogItem) -> ServiceItem:
    """The stored item as the engines see it, with the department's auto-approval switch."""
    item = item_from_dict(row.data)
    if item.auto_approval != row.auto_approval:
        item = replace(item, auto_approval=row.auto_approval)
    return item


_RULES_CACHE: dict[tuple[str, str, str], RuleSet] = {}
_RULES_LOCK = threading.Lock()


def ruleset_of(row: CatalogItem) -> RuleSet | None:
    """The item's compiled rule file (cached by item, version and text), or None."""
    if not row.rules_yaml.strip():
        return None
    key = (row.code, row.rules_version, row.rules_yaml)
    with _RULES_LOCK:
        cached = _RULES_CACHE.get(key)
    if cached is not None:
        return cached
    rules = parse_rules(row.rules_yaml, f"{row.code}.yaml")
    with _RULES_LOCK:
        if len(_RULES_CACHE) > 256:
            _RULES_CACHE.clear()
        _RULES_CACHE[key] = rules
    return rules


# ---------------------------------------------------------------- department changes


def set_rules(session: Session, actor: Principal, code: str, text: str) -> RuleSet:
    """Save the item's rule file after it loads and its tests pass (see the module notes)."""
    row = get_item(session, code)
    if not can_manage_item(session, actor, row):
        raise PermissionDenied(
            f"只有“{row.department}”的部门管理员可以修改事项“{row.name}”的规则。"
        )
    if len(text) > MAX_RULE_FILE:
        raise ValidationError(f"规则文件不能超过 {MAX_RULE_FILE // 1000} KB。")
    rules = parse_rules(text, f"{code}.yaml")
    if rules.item != code:
        raise ValidationError(f"规则文件写的事项编码是 {rules.item}，与事项 {code} 不符。")
    if not rules.tests:
        raise ValidationError("规则文件须带 tests（至少一个示例申请及其预期结果）才能启用。")
    item = service_item(row)
    failed = [
        case for case in (run_rule_test(rules, t, item) for t in rules.tests) if not case.passed
    ]
    if failed:
        details = "；".join(f"{c.name}：{'，'.join(c.failures)}" for c in failed[:5])
        raise ValidationError(
            f"规则文件的 {len(failed)} 个示例未通过，未保存：{details}",
            failed=[c.name for c in failed],
        )
    row.rules_yaml = text
    row.rules_version = rules.version[:32]
    row.rules_updated_by = actor.username
    row.rules_updated_at = utcnow()
    audit.record(
        session,
        "catalog.rules",
        actor=actor,
        object_type="catalog_item",
        object_id=code,
        summary=(
            f"更新事项“{row.name}”的规则文件（版本 {rules.version}，"
            f"示例 {len(rules.tests)} 个通过）"
        ),
    )
    return rules


def set_auto_approval(session: Session, actor: Principal, code: str, allowed: bool) -> CatalogItem:
    """Allow or forbid approval without a person; it takes effect only for applications whose
    every condition the rule file checks by machine."""
    row = get_item(session, code)
    if not can_manage_item(session, actor, row):
        raise PermissionDenied(
            f"只有“{row.department}”的部门管理员可以设置事项“{row.name}”的自动审批。"
        )
    if allowed and not row.rules_yaml.strip():
        raise ValidationError(
            "该事项还没有规则文件：只有全部条件都能由机器核验的事项才能自动审批。"
        )
    row.auto_approval = allowed
    audit.record(
        session,
        "catalog.auto_approval",
        actor=actor,
        object_type="catalog_item",
        object_id=code,
        summary=f"{'允许' if allowed else '停止'}事项“{row.name}”自动审批（无人干预）",
    )
    return row


# ---------------------------------------------------------------- search

_SEARCH_CACHE: dict[tuple[object, ...], CatalogSearch] = {}
_SEARCH_LOCK = threading.Lock()


def _index(session: Session) -> CatalogSearch:
    """The search index of the active items, rebuilt only when the catalogue has changed."""
    count, last = session.execute(
        select(func.count(CatalogItem.id), func.max(CatalogItem.updated_at)).where(
            CatalogItem.active
        )
    ).one()
    key = (str(session.get_bind().engine.url), count, last)
    with _SEARCH_LOCK:
        index = _SEARCH_CACHE.get(key)
    if index is None:
        rows = session.execute(select(CatalogItem).where(CatalogItem.active)).scalars()
        index = CatalogSearch(service_item(row) for row in rows)
        with _SEARCH_LOCK:
            _SEARCH_CACHE.clear()
            _SEARCH_CACHE[key] = index
    return index


def search(session: Session, question: str, k: int = 10) -> list[CatalogHit]:
    """The service items matching a citizen's description of their situation, best first."""
    question = question.strip()
    if not question:
        raise ValidationError("请用一句话描述您要办的事，例如“失业了想领失业金”。")
    if len(question) > 500:
        raise ValidationError("描述不能超过 500 个字。")
    index = _index(session)
    # an item that matched none of the question's topic words (only 领取, 办理 …) is no answer
    return index.search(question, k, min_coverage=MIN_COVERAGE)


# ---------------------------------------------------------------- calendar


_CALENDARS: dict[tuple[CalendarOverride, ...], WorkCalendar] = {}
_CALENDARS_LOCK = threading.Lock()


def calendar(session: Session) -> WorkCalendar:
    """chinesecalendar's working days with the holiday table's rows over them: one calendar per
    content of the table, kept, so that the working days of a year are counted once, not once
    for each application."""
    rows = session.execute(
        select(Holiday.day, Holiday.is_workday, Holiday.name).order_by(Holiday.day)
    )
    key = tuple(CalendarOverride(day, bool(workday), name) for day, workday, name in rows)
    with _CALENDARS_LOCK:
        cached = _CALENDARS.get(key)
    if cached is None:
        cached = WorkCalendar(key)
        with _CALENDARS_LOCK:
            if len(_CALENDARS) > 8:
                _CALENDARS.clear()
            _CALENDARS[key] = cached
    return cached


def holidays(session: Session) -> list[Holiday]:
    """The holiday table, by day."""
    return list(session.execute(select(Holiday).order_by(Holiday.day)).scalars())


def set_holiday(
    session: Session, actor: Principal, day: date, *, is_workday: bool, name: str = ""
) -> Holiday:
    """Set one day of the holiday table (overrides chinesecalendar)."""
    require_catalog_admin(actor)
    row = session.get(Holiday, day) or Holiday(day=day)
    row.is_workday = is_workday
    row.name = name.strip()[:64]
    row.updated_by = actor.username
    session.add(row)
    audit.record(
        session,
        "calendar.set",
        actor=actor,
        object_type="holiday",
        object_id=day.isoformat(),
        summary=f"{day.isoformat()} 设为{'工作日' if is_workday else '休息日'} {row.name}".strip(),
    )
    return row


def remove_holiday(session: Session, actor: Principal, day: date) -> None:
    require_catalog_admin(actor)
    row = session.get(Holiday, day)
    if row is None:
        raise NotFound(f"节假日表中没有 {day.isoformat()}。")
    session.delete(row)
    audit.record(
        session,
        "calendar.remove",
        actor=actor,
        object_type="holiday",
        object_id=day.isoformat(),
        summary=f"删除节假日表中的 {day.isoformat()}",
    )

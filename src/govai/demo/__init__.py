"""Demo content for a fictional city (示范市): organisations, one account per role, word list,
two knowledge bases, a service catalogue of four items with their rule files, and (with the
citizen messages) two months of applications for those items (:mod:`govai.demo.applications`).

Everything here is written by the project, except the four national regulations in ``kb/``
(official texts, which 著作权法 第五条 leaves free to use). The passwords are printed by
``make demo`` and are for a local trial only: change or disable these accounts before real use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from govai.accounts import service as accounts
from govai.accounts.models import User
from govai.accounts.principal import Principal
from govai.gateway import words as wordlists
from govai.knowledge import service as kb_service
from govai.knowledge.importer import import_files
from govai.platform import Platform


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    org_code: str
    role: str
    password: str


ORGS: tuple[tuple[str, str, str, str | None], ...] = (
    # code, name, kind, parent code
    ("prov", "示范省", "province", None),
    ("city", "示范市", "city", "prov"),
    ("city-hrss", "示范市人力资源和社会保障局", "department", "city"),
    ("city-hpf", "示范市住房公积金管理中心", "department", "city"),
    ("city-12345", "示范市12345政务服务便民热线", "department", "city"),
    ("city-dsj", "示范市政务服务和数据管理局", "department", "city"),
    ("city-zjj", "示范市住房和城乡建设局", "department", "city"),
    ("city-sthj", "示范市生态环境局", "department", "city"),
    ("city-jtj", "示范市交通运输局", "department", "city"),
    ("city-jyj", "示范市教育局", "department", "city"),
    ("city-swj", "示范市商务局", "department", "city"),
    ("city-wjw", "示范市卫生健康委员会", "department", "city"),
    ("city-mzj", "示范市民政局", "department", "city"),
    ("city-gaj", "示范市公安局", "department", "city"),
    ("east", "示范市东城区", "county", "city"),
    ("east-hrss", "东城区人力资源和社会保障局", "department", "east"),
)

DEMO_PASSWORD = "Demo@2026gov"

ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("staff", "王窗口", "city-hrss", "staff", DEMO_PASSWORD),
    DemoAccount("reviewer", "李审核", "city-hrss", "reviewer", DEMO_PASSWORD),
    DemoAccount("deptadmin", "张部门管理员", "city-hrss", "dept_admin", DEMO_PASSWORD),
    DemoAccount("sysadmin", "赵系统管理员", "city-dsj", "sys_admin", DEMO_PASSWORD),
    DemoAccount("secadmin", "钱安全保密管理员", "city-dsj", "sec_admin", DEMO_PASSWORD),
    DemoAccount("auditor", "孙安全审计员", "city-dsj", "auditor", DEMO_PASSWORD),
    DemoAccount("east-staff", "周区县窗口", "east-hrss", "staff", DEMO_PASSWORD),
    DemoAccount("hotline", "吴接线员", "city-12345", "staff", DEMO_PASSWORD),
    DemoAccount("env-staff", "郑环保", "city-sthj", "staff", DEMO_PASSWORD),
    # the departments of the demo catalogue's other items: a window clerk and a reviewer each
    DemoAccount("mz-staff", "冯民政窗口", "city-mzj", "staff", DEMO_PASSWORD),
    DemoAccount("mz-reviewer", "陈民政审核", "city-mzj", "reviewer", DEMO_PASSWORD),
    DemoAccount("gaj-staff", "褚户政窗口", "city-gaj", "staff", DEMO_PASSWORD),
    DemoAccount("gaj-reviewer", "卫户政审核", "city-gaj", "reviewer", DEMO_PASSWORD),
    DemoAccount("gjj-staff", "蒋公积金窗口", "city-hpf", "staff", DEMO_PASSWORD),
    DemoAccount("gjj-reviewer", "沈公积金审核", "city-hpf", "reviewer", DEMO_PASSWORD),
)


def load_demo(platform: Platform, actor: Principal, *, messages: bool = True) -> list[DemoAccount]:
    """Create the demo organisations, accounts, word list, knowledge bases, service catalogue
    and (unless ``messages`` is false: tests that do not need them skip training a model and
    writing two months of applications) citizen messages and applications; existing ones are
    left as they are."""
    with platform.db.session() as session:
        existing = {o.code for o in accounts.list_orgs(session)}
        for code, name, kind, parent in ORGS:
            if code not in existing:
                accounts.create_org(
                    session, actor, code=code, name=name, kind=kind, parent_code=parent
                )
        usernames = set(session.execute(select(User.username)).scalars())
        for acc in ACCOUNTS:
            if acc.username not in usernames:
                accounts.create_user(
                    session,
                    actor,
                    accounts.NewUser(
                        acc.username, acc.display_name, acc.org_code, (acc.role,), acc.password
                    ),
                    platform.settings,
                )
    load_demo_words(platform, actor)
    load_demo_knowledge(platform, actor)
    load_demo_catalog(platform, actor)
    if messages:
        from govai.demo.applications import load_demo_applications

        load_demo_messages(platform, actor)
        load_demo_applications(platform, actor)
    return list(ACCOUNTS)


# A small demo word list (list "demo"): block words stop a model call, review words flag it.
DEMO_WORDS: tuple[tuple[str, str], ...] = (
    ("办假证", "block"),
    ("代开发票", "block"),
    ("赌博网站", "block"),
    ("上访", "review"),
    ("集体维权", "review"),
)


def load_demo_words(platform: Platform, actor: Principal) -> None:
    """Create the demo sensitive words; existing ones are left as they are."""
    with platform.db.session() as session:
        existing = {w.word for w in wordlists.list_words(session, "demo")}
        for word, action in DEMO_WORDS:
            if word not in existing:
                wordlists.add_word(session, actor, word, list_name="demo", action=action)


KB_DIR = Path(__file__).parent / "kb"
# (name, title, org, public, level, files): real national regulations (public domain: 著作权法
# 第五条) and a few local documents written by the project for the demo city 示范市.
DEMO_KBS: tuple[tuple[str, str, str, bool, str, tuple[str, ...]], ...] = (
    (
        "policy",
        "示范市政策问答",
        "city",
        True,
        "公开",
        (
            "zhufang-gongjijin.md",
            "shiye-baoxian.md",
            "juzhuzheng.md",
            "shehui-jiuzhu.md",
            "示范市住房公积金提取常见问题.csv",
            "gongjijin-tiqu-2012.md",
        ),
    ),
    (
        "hotline-guide",
        "12345热线工作规程",
        "city-12345",
        False,
        "内部",
        ("rexian-gongdan-guicheng.md",),
    ),
)


def load_demo_knowledge(platform: Platform, actor: Principal) -> None:
    """Create the demo knowledge bases and import their files; existing ones are left alone."""
    for name, title, org, public, level, files in DEMO_KBS:
        with platform.db.session() as session:
            if any(s.kb.name == name for s in kb_service.summaries(session, actor)):
                continue
            kb_service.create_kb(
                session, actor, kb_service.NewKnowledgeBase(name, title, org, public, level)
            )
        import_files(platform.db, actor, name, [KB_DIR / f for f in files])


CATALOG_FILE = Path(__file__).parent / "catalog" / "items.yaml"
RULES_DIR = Path(__file__).parent / "rules"


def load_demo_catalog(platform: Platform, actor: Principal) -> None:
    """Import the demo service catalogue (``catalog/items.yaml``) and enable every rule file in
    ``rules/`` (each names its item on its ``item:`` line). Skipped when the demo items already
    exist with their departments; an item imported before its department's organisation existed
    is imported again to link it. A rule file is written only where an item has none, so a
    department's own changes are kept."""
    from govai.approval.catalog import read_catalog_yaml
    from govai.scenarios.approval import catalog
    from govai.scenarios.approval.models import CatalogItem

    read = read_catalog_yaml(CATALOG_FILE)
    codes = {item.code for item in read.items}
    with platform.db.session() as session:
        existing = {
            code: (org_id, rules != "")
            for code, org_id, rules in session.execute(
                select(CatalogItem.code, CatalogItem.org_id, CatalogItem.rules_yaml).where(
                    CatalogItem.code.in_(codes)
                )
            )
        }
        if set(existing) == codes and all(org_id for org_id, _ in existing.values()):
            return
        catalog.import_items(session, actor, read.items, source="demo")
        for path in sorted(RULES_DIR.glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            code = next(
                line.split(":", 1)[1].strip()
                for line in text.splitlines()
                if line.startswith("item:")
            )
            if not existing.get(code, (None, False))[1]:
                catalog.set_rules(session, actor, code, text)


MESSAGES_DIR = Path(__file__).parent / "messages"
MESSAGES_ORG = "city-12345"
DEMO_TODAY = date(2026, 11, 14)  # the last day of recent.csv: shifted to today when loaded


def load_demo_messages(platform: Platform, actor: Principal, *, today: date | None = None) -> None:
    """Citizen messages written by the project (see ``messages/README.md``): routed history,
    a dispatch model trained on it, this fortnight's messages dispatched by that model, and an
    alert scan for today. Dates are shifted so the demo's last day is ``today``. Skipped when
    the 12345 centre already has messages."""
    from govai.scenarios.messages import alerts, service
    from govai.scenarios.messages.intake import read_messages
    from govai.scenarios.messages.models import Message
    from govai.tabular import read_table

    today = today or alerts.today()
    shift = timedelta(days=(today - DEMO_TODAY).days)
    with platform.db.session() as session:
        org = accounts.get_org(session, MESSAGES_ORG)
        if session.execute(select(Message.id).where(Message.org_id == org.id).limit(1)).first():
            return
    history = _shifted(read_messages(read_table(MESSAGES_DIR / "history.csv")), shift)
    recent = _shifted(read_messages(read_table(MESSAGES_DIR / "recent.csv")), shift)
    model = str(platform.settings.dispatch_model) or "default"
    with platform.db.session() as session:
        service.import_rows(session, platform.settings, actor, history, org_code=MESSAGES_ORG)
        rows = [service.TrainingRow(r.text, r.label, r.title) for r in history.rows]
        service.train_model(session, actor, model, rows, source="示范市历史留言（演示）")
    with platform.db.session() as session:
        service.import_rows(
            session, platform.settings, actor, recent, org_code=MESSAGES_ORG, model=model
        )
    with platform.db.session() as session:
        alerts.scan(session, platform.settings, actor, on=today)


def _shifted(read: Any, shift: timedelta) -> Any:
    read.rows = [
        replace(
            r,
            time=r.time + shift if r.time else None,
            reply=_shift_signature(r.reply, r.reply_time, shift),
            reply_time=r.reply_time + shift if r.reply_time else None,
        )
        for r in read.rows
    ]
    return read


_SIGNED_ON = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*$")


def _shift_signature(reply: str, replied: datetime | None, shift: timedelta) -> str:
    """The demo replies end with the department and the date of their 答复时间: that date moves
    with 答复时间, or a supervisor would read a reply signed weeks before or after it was sent.
    A reply that does not end with its own day is left as written."""
    match = _SIGNED_ON.search(reply)
    if match is None or replied is None or not shift:
        return reply
    year, month, day = (int(g) for g in match.groups())
    if (year, month, day) != (replied.year, replied.month, replied.day):
        return reply
    moved = replied.date() + shift
    return f"{reply[: match.start()]}{moved.year}年{moved.month}月{moved.day}日"

"""Demo content for a fictional city (示范市): organisations, one account per role, word list,
and two knowledge bases.

Everything here is written by the project, except the four national regulations in ``kb/``
(official texts, which 著作权法 第五条 leaves free to use). The passwords are printed by
``make demo`` and are for a local trial only: change or disable these accounts before real use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
)


def load_demo(platform: Platform, actor: Principal) -> list[DemoAccount]:
    """Create the demo organisations and accounts; existing ones are left as they are."""
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

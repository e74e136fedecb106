"""Knowledge bases: who may see and manage them, creating them, and the synonym lexicon.

Access rules, decided here once for the CLI, the API and the console:

- **Seeing** (search and ask): the shell operator sees everything; an anonymous citizen sees
  knowledge bases marked ``public`` and only their 公开 documents; a signed-in user sees public
  knowledge bases, those of their own organisation's line (its ancestors, itself and below) and,
  as system administrator, all — always capped at the user's clearance (``User.clearance``).
- **Managing** (import, retire, delete documents): staff and department administrators of the
  owning organisation or above it; system administrators everywhere.
- **Creating** a knowledge base: department administrators within their subtree; system
  administrators anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.accounts.service import ancestor_ids, get_org, subtree_ids
from govai.classification import Level
from govai.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    UnknownKnowledgeBase,
    ValidationError,
)
from govai.governance import audit
from govai.knowledge.models import KbDocument, KbPassage, KnowledgeBase, LexiconGroup
from govai.knowledge.text import Lexicon
from govai.storage.base import utcnow
from govai.validation import clean_text

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
RESERVED_NAMES = frozenset({"lexicon", "new", "import", "search"})  # console paths under /kb/


# ---------------------------------------------------------------- access


def _trusted(actor: Principal) -> bool:
    return actor.via in ("cli", "system")


def _line_of(session: Session, org_id: int) -> set[int]:
    """An organisation with its ancestors and everything below it."""
    return subtree_ids(session, org_id) | ancestor_ids(session, org_id)


def clearance_for(actor: Principal) -> Level:
    """The highest level of material ``actor`` may retrieve."""
    if _trusted(actor):
        return Level.SECRET
    if actor.user_id is None:
        return Level.PUBLIC
    return actor.clearance


def can_see(session: Session, actor: Principal, kb: KnowledgeBase) -> bool:
    if _trusted(actor) or kb.public or actor.has(Role.SYS_ADMIN):
        return True
    if actor.org_id is None:
        return False
    return kb.org_id in _line_of(session, actor.org_id)


def can_manage(session: Session, actor: Principal, kb: KnowledgeBase) -> bool:
    if _trusted(actor) or actor.has(Role.SYS_ADMIN):
        return True
    if not actor.has(Role.STAFF, Role.DEPT_ADMIN) or actor.org_id is None:
        return False
    return actor.org_id in ancestor_ids(session, kb.org_id)


def visible_kbs(session: Session, actor: Principal) -> list[KnowledgeBase]:
    rows = session.execute(select(KnowledgeBase).order_by(KnowledgeBase.name)).scalars()
    return [kb for kb in rows if can_see(session, actor, kb)]


def get_kb(session: Session, name: str, actor: Principal, *, manage: bool = False) -> KnowledgeBase:
    """The knowledge base ``name`` if ``actor`` may see it (and manage it, when asked)."""
    kb = session.execute(
        select(KnowledgeBase).where(KnowledgeBase.name == name)
    ).scalar_one_or_none()
    if kb is None or not can_see(session, actor, kb):
        names = "、".join(k.name for k in visible_kbs(session, actor)) or "（无）"
        raise UnknownKnowledgeBase(
            f"没有名为 {name!r} 的知识库，或您无权使用。可用的知识库：{names}。"
            "用 `govai kb list` 查看，`govai kb create` 新建。",
            kb=name,
        )
    if manage and not can_manage(session, actor, kb):
        raise PermissionDenied(
            f"您无权维护知识库“{kb.title}”。知识库由所属机构的工作人员、部门管理员或系统管理员维护。"
        )
    return kb


# ---------------------------------------------------------------- knowledge bases


@dataclass(frozen=True)
class NewKnowledgeBase:
    name: str
    title: str
    org_code: str
    public: bool = False
    level: Level | str = Level.INTERNAL
    description: str = ""


def create_kb(session: Session, actor: Principal, new: NewKnowledgeBase) -> KnowledgeBase:
    name = new.name.strip().lower()
    if not _NAME.match(name):
        raise ValidationError(
            f"知识库名称 {new.name!r} 不合规：请用 2–63 位小写字母、数字、点、下划线或连字符，"
            "以字母或数字开头（它也是 /v1/chat/completions 的 model 名）。",
            name=new.name,
        )
    if name in RESERVED_NAMES:
        raise ValidationError(f"知识库名称 {name!r} 为系统保留，请换一个名称。", name=new.name)
    title = clean_text(new.title, "知识库标题", 200)
    description = clean_text(new.description, "知识库说明", 2000, required=False)
    org = get_org(session, new.org_code)
    if not _trusted(actor) and not actor.has(Role.SYS_ADMIN):
        scope = subtree_ids(session, actor.org_id) if actor.org_id else set()
        if not actor.has(Role.DEPT_ADMIN) or org.id not in scope:
            raise PermissionDenied("您无权为该机构新建知识库。请联系部门管理员或系统管理员。")
    level = Level.parse(new.level)
    if new.public and level != Level.PUBLIC:
        raise ValidationError("面向公众开放的知识库，默认密级必须为“公开”。")
    exists = session.execute(select(KnowledgeBase.id).where(KnowledgeBase.name == name)).first()
    if exists:
        raise Conflict(f"知识库 {name!r} 已存在。", name=name)
    kb = KnowledgeBase(
        name=name,
        title=title,
        description=description,
        org_id=org.id,
        public=new.public,
        level=int(level),
    )
    session.add(kb)
    session.flush()
    audit.record(
        session,
        "kb.create",
        actor=actor,
        object_type="kb",
        object_id=name,
        summary=f"新建知识库 {name}（{title}，{org.name}，{'公众可用' if new.public else '内部'}）",
    )
    return kb


def delete_kb(session: Session, actor: Principal, name: str) -> None:
    kb = get_kb(session, name, actor, manage=True)
    if not (_trusted(actor) or actor.has(Role.SYS_ADMIN, Role.DEPT_ADMIN)):
        raise PermissionDenied("删除知识库需要部门管理员或系统管理员。")
    doc_ids = select(KbDocument.id).where(KbDocument.kb_id == kb.id)
    session.execute(delete(KbPassage).where(KbPassage.document_id.in_(doc_ids)))
    session.execute(delete(KbDocument).where(KbDocument.kb_id == kb.id))
    session.delete(kb)
    audit.record(
        session, "kb.delete", actor=actor, object_type="kb", object_id=name, summary="删除知识库"
    )


def touch(session: Session, kb: KnowledgeBase) -> None:
    """Mark the knowledge base changed: loaded indexes of it are stale from now on."""
    session.execute(
        update(KnowledgeBase)
        .where(KnowledgeBase.id == kb.id)
        .values(index_version=KnowledgeBase.index_version + 1, updated_at=utcnow())
    )


@dataclass(frozen=True)
class KbSummary:
    kb: KnowledgeBase
    documents: int
    passages: int


def summaries(session: Session, actor: Principal) -> list[KbSummary]:
    counts = dict(
        session.execute(select(KbDocument.kb_id, func.count()).group_by(KbDocument.kb_id)).all()
    )
    passages = dict(
        session.execute(
            select(KbDocument.kb_id, func.sum(KbDocument.passage_count)).group_by(KbDocument.kb_id)
        ).all()
    )
    return [
        KbSummary(kb, counts.get(kb.id, 0), int(passages.get(kb.id) or 0))
        for kb in visible_kbs(session, actor)
    ]


def list_documents(
    session: Session, actor: Principal, name: str, *, limit: int = 200, offset: int = 0
) -> list[KbDocument]:
    kb = get_kb(session, name, actor)
    query = select(KbDocument).where(KbDocument.kb_id == kb.id)
    if not can_manage(session, actor, kb):
        query = query.where(KbDocument.level <= int(clearance_for(actor)))
    return list(
        session.execute(query.order_by(KbDocument.title).limit(limit).offset(offset)).scalars()
    )


# ---------------------------------------------------------------- lexicon


def lexicon(session: Session) -> Lexicon:
    """The lexicon in force: the one shipped with govai plus the groups admins added."""
    rows = session.execute(select(LexiconGroup.terms).order_by(LexiconGroup.id)).scalars()
    return _layered(tuple(rows))


@lru_cache(maxsize=8)
def _layered(groups: tuple[str, ...]) -> Lexicon:
    """Built once per set of admin groups: layering re-cleans every built-in group, which
    would otherwise cost each search a few milliseconds."""
    return Lexicon.builtin().with_groups(g.split() for g in groups)


def _require_lexicon_admin(actor: Principal) -> None:
    if not (_trusted(actor) or actor.has(Role.SYS_ADMIN, Role.DEPT_ADMIN)):
        raise PermissionDenied("维护同义词表需要部门管理员或系统管理员。")


def add_lexicon_group(session: Session, actor: Principal, terms: list[str]) -> LexiconGroup:
    _require_lexicon_admin(actor)
    cleaned = [clean_text(t, "同义词", 50) for t in terms if t.strip()]
    if len(cleaned) < 2:
        raise ValidationError(
            "同义词组至少需要两个词：第一个为规范用语，其余为别称，例如“社会保险 社保”。"
        )
    if any(" " in t or "\u3000" in t for t in cleaned):
        raise ValidationError("同义词中不能含空格。")
    group = LexiconGroup(terms=" ".join(dict.fromkeys(cleaned)), created_by=actor.username)
    session.add(group)
    session.flush()
    audit.record(
        session,
        "kb.lexicon.add",
        actor=actor,
        object_type="lexicon",
        object_id=group.id,
        summary=f"新增同义词组：{group.terms}",
    )
    return group


def remove_lexicon_group(session: Session, actor: Principal, group_id: int) -> None:
    _require_lexicon_admin(actor)
    group = session.get(LexiconGroup, group_id)
    if group is None:
        raise NotFound(f"没有编号为 {group_id} 的同义词组。运行 `govai kb lexicon list` 查看。")
    audit.record(
        session,
        "kb.lexicon.remove",
        actor=actor,
        object_type="lexicon",
        object_id=group_id,
        summary=f"删除同义词组：{group.terms}",
    )
    session.delete(group)


def lexicon_groups(session: Session) -> list[LexiconGroup]:
    return list(session.execute(select(LexiconGroup).order_by(LexiconGroup.id)).scalars())

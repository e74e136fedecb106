"""Sensitive-word lists: managed by the security administrator (安全保密管理员, 三员分立) or the
shell operator; every change is audited."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.errors import NotFound, PermissionDenied, ValidationError
from govai.gateway.models import SensitiveWord
from govai.gateway.screening import ACTIONS, Screener
from govai.governance import audit
from govai.validation import clean_text

MAX_WORD_LEN = 200
MAX_LIST_NAME_LEN = 64  # the column widths of govai_sensitive_word
MAX_CATEGORY_LEN = 64
ACTION_LABELS = {"block": "拦截", "review": "人工复核"}


def _require_sec_admin(actor: Principal) -> None:
    if actor.via in ("cli", "system") or actor.has(Role.SEC_ADMIN):
        return
    raise PermissionDenied("敏感词库由安全保密管理员维护，您无权修改。")


def _check_action(action: str) -> str:
    if action not in ACTIONS:
        raise ValidationError(
            f"未知的处置方式 {action!r}，可选：block（拦截）、review（人工复核）。"
        )
    return action


def check_word(word: str) -> str:
    """A cleaned word, or ValidationError saying why it cannot be a screened word."""
    word = clean_text(word, "敏感词", MAX_WORD_LEN)
    if len(word) < 2:
        raise ValidationError("敏感词至少 2 个字符（单字误伤太多）。")
    return word


def check_list_name(list_name: str) -> str:
    """A cleaned list name, or ValidationError (the console form reaches here unvalidated)."""
    return clean_text(list_name, "词库名", MAX_LIST_NAME_LEN)


def check_category(category: str) -> str:
    return clean_text(category, "分类", MAX_CATEGORY_LEN, required=False)


def _find(session: Session, list_name: str, word: str) -> SensitiveWord | None:
    return session.execute(
        select(SensitiveWord).where(
            SensitiveWord.list_name == list_name, SensitiveWord.word == word
        )
    ).scalar_one_or_none()


def _put(session: Session, list_name: str, word: str, action: str, category: str) -> str:
    """Insert or change one word; 'added', 'changed' or 'unchanged'.

    A change is a new row, so the gateway's cache key (:func:`words_fingerprint`) notices it."""
    row = _find(session, list_name, word)
    if row is not None:
        if row.action == action and row.category == category:
            return "unchanged"
        session.delete(row)
        session.flush()
    session.add(SensitiveWord(list_name=list_name, word=word, action=action, category=category))
    session.flush()
    return "added" if row is None else "changed"


def add_word(
    session: Session,
    actor: Principal,
    word: str,
    *,
    list_name: str = "default",
    action: str = "block",
    category: str = "",
) -> str:
    _require_sec_admin(actor)
    word, action = check_word(word), _check_action(action)
    list_name, category = check_list_name(list_name), check_category(category)
    outcome = _put(session, list_name, word, action, category)
    if outcome != "unchanged":
        audit.record(
            session,
            "words.add",
            actor=actor,
            object_type="sensitive_word",
            object_id=f"{list_name}:{word}",
            summary=f"敏感词库 {list_name}：{'新增' if outcome == 'added' else '修改'}“{word}”"
            f"（{ACTION_LABELS[action]}）",
        )
    return outcome


def remove_word(
    session: Session, actor: Principal, word: str, *, list_name: str = "default"
) -> None:
    _require_sec_admin(actor)
    list_name = check_list_name(list_name)
    row = _find(session, list_name, word.strip())
    if row is None:
        raise NotFound(f"词库 {list_name} 中没有“{word.strip()}”。运行 `govai words list` 查看。")
    session.delete(row)
    audit.record(
        session,
        "words.remove",
        actor=actor,
        object_type="sensitive_word",
        object_id=f"{list_name}:{row.word}",
        summary=f"敏感词库 {list_name}：删除“{row.word}”",
    )


def list_words(session: Session, list_name: str | None = None) -> list[SensitiveWord]:
    query = select(SensitiveWord).order_by(SensitiveWord.list_name, SensitiveWord.word)
    if list_name:
        list_name = check_list_name(list_name)
        query = query.where(SensitiveWord.list_name == list_name)
    return list(session.execute(query).scalars())


@dataclass
class ImportReport:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    bad_lines: list[tuple[int, str, str]] = field(default_factory=list)  # (line no, line, why)


def import_words(
    session: Session,
    actor: Principal,
    text: str,
    *,
    list_name: str = "default",
    action: str = "block",
) -> ImportReport:
    """One word per line; blank lines and lines starting with ``#`` are skipped; a line that
    cannot be a word is reported, the others are imported."""
    _require_sec_admin(actor)
    _check_action(action)
    list_name = check_list_name(list_name)
    report = ImportReport()
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            word = check_word(line)
        except ValidationError as exc:
            report.bad_lines.append((number, raw, exc.message))
            continue
        if word in seen:
            continue
        seen.add(word)
        outcome = _put(session, list_name, word, action, "")
        setattr(report, outcome, getattr(report, outcome) + 1)
    audit.record(
        session,
        "words.import",
        actor=actor,
        object_type="sensitive_word",
        object_id=list_name,
        summary=f"敏感词库 {list_name} 导入（{ACTION_LABELS[action]}）：新增 {report.added}，"
        f"修改 {report.changed}，未变 {report.unchanged}，错误行 {len(report.bad_lines)}",
    )
    return report


def words_fingerprint(session: Session) -> tuple[object, ...]:
    """Changes whenever a word is added, removed or changed: a change is a new row with a new
    ``created_at``, a removal changes the count or the id sum."""
    row = session.execute(
        select(
            func.count(SensitiveWord.id),
            func.coalesce(func.sum(SensitiveWord.id), 0),
            func.max(SensitiveWord.created_at),
        )
    ).one()
    return tuple(row)


def load_screener(session: Session) -> Screener:
    rows = session.execute(select(SensitiveWord.word, SensitiveWord.action)).all()
    return Screener((w, a) for w, a in rows)

"""Organisations, users, logins, sessions and API tokens.

Every function that changes state appends an audit entry in the caller's transaction, so the
change and its record commit together. Permission checks on *who may do what to whom* live here
(not in the web layer), so the CLI, the API and the console enforce the same rules.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from govai.accounts.models import ApiToken, LoginSession, Organization, User, UserRole
from govai.accounts.passwords import (
    check_strength,
    hash_password,
    needs_rehash,
    verify_password,
)
from govai.accounts.principal import Principal
from govai.accounts.roles import ADMIN_TRIAD, DEPT_GRANTABLE, Role, parse_roles
from govai.classification import Level
from govai.errors import (
    AccountLocked,
    AuthenticationError,
    Conflict,
    InvalidCredentials,
    NotFound,
    PermissionDenied,
    SessionExpired,
    ValidationError,
)
from govai.governance import audit
from govai.governance.models import AuditEntry
from govai.settings import Settings
from govai.storage.base import beijing, utcnow
from govai.storage.db import Database
from govai.validation import clean_text

ORG_KINDS: dict[str, str] = {
    "province": "省",
    "city": "市",
    "county": "区县",
    "department": "部门",
}


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- organisations


def create_org(
    session: Session,
    actor: Principal,
    *,
    code: str,
    name: str,
    kind: str,
    parent_code: str | None = None,
) -> Organization:
    code = clean_text(code, "机构编码", 64)
    name = clean_text(name, "机构名称", 200)
    if kind not in ORG_KINDS:
        choices = "、".join(f"{k}（{v}）" for k, v in ORG_KINDS.items())
        raise ValidationError(f"未知的机构类型 {kind!r}，可选：{choices}。")
    parent = get_org(session, parent_code) if parent_code else None
    if parent is None and session.execute(select(Organization.id).limit(1)).first():
        raise ValidationError("已有根机构，新机构须指定上级机构。")
    if parent is not None:
        _require_org_admin(session, actor, parent)
    if session.execute(select(Organization).where(Organization.code == code)).scalar_one_or_none():
        raise Conflict(f"机构编码 {code} 已存在。")
    _check_sibling_name(session, parent.id if parent else None, name)
    org = Organization(code=code, name=name, kind=kind, parent_id=parent.id if parent else None)
    session.add(org)
    session.flush()
    audit.record(
        session,
        "org.create",
        actor=actor,
        object_type="org",
        object_id=org.code,
        summary=f"新建机构 {name}（{ORG_KINDS[kind]}）"
        + (f"，上级 {parent.name}" if parent else ""),
    )
    return org


def rename_org(session: Session, actor: Principal, code: str, new_name: str) -> Organization:
    org = get_org(session, code)
    _require_org_admin(session, actor, org, rename=True)
    new_name = clean_text(new_name, "机构名称", 200)
    if new_name != org.name:
        _check_sibling_name(session, org.parent_id, new_name)
    old = org.name
    org.name = new_name
    audit.record(
        session,
        "org.update",
        actor=actor,
        object_type="org",
        object_id=org.code,
        summary=f"机构更名：{old} → {new_name}",
    )
    return org


def get_org(session: Session, code: str) -> Organization:
    org = session.execute(
        select(Organization).where(Organization.code == code)
    ).scalar_one_or_none()
    if org is None:
        raise NotFound(f"没有编码为 {code!r} 的机构。运行 `govai org list` 查看现有机构。")
    return org


def list_orgs(session: Session) -> list[Organization]:
    return list(session.execute(select(Organization).order_by(Organization.id)).scalars())


def subtree_ids(session: Session, org_id: int) -> set[int]:
    """The organisation and all below it."""
    children: dict[int | None, list[int]] = {}
    for oid, parent in session.execute(select(Organization.id, Organization.parent_id)):
        children.setdefault(parent, []).append(oid)
    found, stack = set(), [org_id]
    while stack:
        oid = stack.pop()
        if oid not in found:
            found.add(oid)
            stack.extend(children.get(oid, []))
    return found


def ancestor_ids(session: Session, org_id: int) -> set[int]:
    """The organisation and all above it."""
    ids = {org_id}
    node = session.get(Organization, org_id)
    while node is not None and node.parent_id is not None:
        ids.add(node.parent_id)
        node = session.get(Organization, node.parent_id)
    return ids


def org_path(session: Session, org: Organization) -> str:
    names, node = [], org
    while node is not None:
        names.append(node.name)
        node = node.parent  # type: ignore[assignment]
    return " / ".join(reversed(names))


def org_scope(session: Session, actor: Principal, whole_tree: Role) -> set[int] | None:
    """The organisations ``actor`` administers: ``None`` for the whole tree (the shell operator,
    or the holder of ``whole_tree`` — SYS_ADMIN for organisations, SEC_ADMIN for accounts), the
    own subtree for a department admin, nothing for anyone else. The one source of these rules
    for the service checks below and for what the console offers."""
    if actor.via in ("cli", "system") or actor.has(whole_tree):
        return None
    if actor.has(Role.DEPT_ADMIN) and actor.org_id:
        return subtree_ids(session, actor.org_id)
    return set()


def can_rename_org(scope: set[int] | None, actor: Principal, org_id: int) -> bool:
    """A department admin manages the organisations below their own, not their own."""
    return scope is None or (org_id in scope and org_id != actor.org_id)


def _require_org_admin(
    session: Session, actor: Principal, org: Organization, *, rename: bool = False
) -> None:
    """System admins manage the whole tree. A department admin may add organisations under their
    own and rename those below it, but not change their own organisation."""
    scope = org_scope(session, actor, Role.SYS_ADMIN)
    allowed = can_rename_org(scope, actor, org.id) if rename else scope is None or org.id in scope
    if not allowed:
        raise PermissionDenied("您无权管理该机构。机构由系统管理员或上级机构的部门管理员维护。")


def _check_sibling_name(session: Session, parent_id: int | None, name: str) -> None:
    clash = session.execute(
        select(Organization.code).where(
            Organization.parent_id.is_(None)
            if parent_id is None
            else Organization.parent_id == parent_id,
            Organization.name == name,
        )
    ).first()
    if clash:
        raise Conflict(f"同一上级机构下已有名为“{name}”的机构（编码 {clash[0]}）。")


# ---------------------------------------------------------------- users


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str
    org_code: str
    roles: tuple[str, ...]
    password: str


def _check_role_grant(
    session: Session, actor: Principal, org: Organization, roles: Iterable[Role]
) -> None:
    """Security admins grant any role; department admins only staff/reviewer in their subtree."""
    scope = org_scope(session, actor, Role.SEC_ADMIN)
    if scope is None:
        return
    if actor.has(Role.DEPT_ADMIN) and actor.org_id:
        if org.id not in scope:
            raise PermissionDenied("部门管理员只能管理本机构及下级机构的账号。")
        extra = set(roles) - DEPT_GRANTABLE
        if extra:
            names = "、".join(r.label for r in sorted(extra))
            raise PermissionDenied(f"部门管理员不能授予{names}角色，请联系安全保密管理员。")
        return
    raise PermissionDenied("您无权管理账号。账号由安全保密管理员或部门管理员维护。")


def create_user(session: Session, actor: Principal, new: NewUser, settings: Settings) -> User:
    username = clean_text(new.username, "用户名", 64)
    if any(c.isspace() for c in username):
        raise ValidationError("用户名不能含空白字符。")
    if username in ("public", "system") or username.startswith("cli"):
        raise ValidationError(f"用户名 {username!r} 为系统保留。")
    roles = parse_roles(new.roles)
    if not roles:
        raise ValidationError("账号至少需要一个角色。")
    org = get_org(session, new.org_code)
    _check_role_grant(session, actor, org, roles)
    check_strength(new.password, settings.password_min_length)
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise Conflict(f"用户名 {username} 已存在。")
    user = User(
        username=username,
        display_name=clean_text(new.display_name, "姓名", 100, required=False) or username,
        org_id=org.id,
        password_hash=hash_password(new.password),
        role_rows=[UserRole(role=r.value) for r in sorted(roles)],
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        "user.create",
        actor=actor,
        object_type="user",
        object_id=username,
        summary=f"新建账号 {username}（{user.display_name}），机构 {org.name}，"
        f"角色 {'、'.join(r.label for r in sorted(roles))}",
    )
    return user


def get_user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"没有用户名为 {username!r} 的账号。")
    return user


def list_users(session: Session, actor: Principal | None = None) -> list[User]:
    """Every account, or only those ``actor`` administers."""
    query = select(User).order_by(User.id)
    scope = org_scope(session, actor, Role.SEC_ADMIN) if actor is not None else None
    if scope is not None:
        query = query.where(User.org_id.in_(scope))
    return list(session.execute(query).scalars())


def visible_user(session: Session, actor: Principal, username: str) -> User:
    """The account, if ``actor`` administers it; else PermissionDenied."""
    user = get_user(session, username)
    scope = org_scope(session, actor, Role.SEC_ADMIN)
    if scope is not None and user.org_id not in scope:
        raise PermissionDenied("部门管理员只能管理本机构及下级机构的账号。")
    return user


def set_roles(session: Session, actor: Principal, username: str, roles: Iterable[str]) -> User:
    user = get_user(session, username)
    parsed = parse_roles(tuple(roles))
    if not parsed:
        raise ValidationError("账号至少需要一个角色。")
    old = user.roles
    current = {Role(r) for r in old}
    # The grant check covers the roles the account holds now, not only the ones that change:
    # a department admin may not touch an account that holds a role they could not grant.
    _check_role_grant(session, actor, user.org, current | set(parsed))
    if actor.user_id == user.id and Role.SEC_ADMIN in {Role(r) for r in old} - parsed:
        raise ValidationError("不能撤销自己的安全保密管理员角色。")
    user.role_rows = [UserRole(role=r.value) for r in sorted(parsed)]
    audit.record(
        session,
        "user.roles",
        actor=actor,
        object_type="user",
        object_id=username,
        summary=f"角色变更：{'、'.join(Role(r).label for r in sorted(old)) or '无'} → "
        f"{'、'.join(r.label for r in sorted(parsed))}",
    )
    return user


def set_active(session: Session, actor: Principal, username: str, active: bool) -> User:
    user = get_user(session, username)
    _check_role_grant(session, actor, user.org, {Role(r) for r in user.roles})
    if actor.user_id == user.id and not active:
        raise ValidationError("不能停用自己的账号。")
    user.is_active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
    else:
        _revoke_sessions(session, user.id)
    audit.record(
        session,
        "user.enable" if active else "user.disable",
        actor=actor,
        object_type="user",
        object_id=username,
        summary=("启用" if active else "停用") + f"账号 {username}",
    )
    return user


def set_password(
    session: Session,
    actor: Principal,
    username: str,
    password: str,
    settings: Settings,
    *,
    current: str | None = None,
) -> User:
    user = get_user(session, username)
    if actor.user_id == user.id:
        if current is None or not verify_password(user.password_hash, current):
            raise InvalidCredentials("当前密码不正确。")
    else:
        _check_role_grant(session, actor, user.org, {Role(r) for r in user.roles})
    check_strength(password, settings.password_min_length)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins, user.locked_until = 0, None
    _revoke_sessions(session, user.id)
    audit.record(
        session,
        "user.password",
        actor=actor,
        object_type="user",
        object_id=username,
        summary=f"{'修改' if actor.user_id == user.id else '重置'}账号 {username} 的密码",
    )
    return user


def principal_for(
    user: User, *, via: str, ip: str = "", session_id: str = "", csrf_token: str = ""
) -> Principal:
    return Principal(
        username=user.username,
        user_id=user.id,
        display_name=user.display_name,
        org_id=user.org_id,
        roles=frozenset(Role(r) for r in user.roles),
        via=via,
        ip=ip,
        session_id=session_id,
        csrf_token=csrf_token,
        clearance=Level(user.clearance),
    )


# ---------------------------------------------------------------- login and sessions


def _recent_failures(
    session: Session, settings: Settings, username: str
) -> tuple[int, datetime | None]:
    """Failed logins for ``username`` since the last success, unlock, password reset or lockout
    within the lockout window, and when a lockout in that window ends (None if not locked).

    Read from the audit trail, so an unknown username is counted and locked exactly like a real
    one: the answers do not tell an attacker which usernames exist.
    """
    window = timedelta(minutes=settings.login_lockout_minutes)
    since = utcnow() - window
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.ts)
        .where(
            AuditEntry.ts >= since,
            AuditEntry.object_type == "user",
            AuditEntry.object_id == username[:128],
            AuditEntry.action.in_(_LOGIN_EVENTS),
        )
        .order_by(AuditEntry.seq)
    ).all()
    failures, locked_until = 0, None
    for action, ts in rows:
        if action == "login.failure":
            failures += 1
        else:
            failures = 0
            locked_until = ts + window if action == "login.lockout" else None
    return failures, locked_until


_LOGIN_EVENTS = ("login.failure", "login.lockout", "login.success", "user.unlock", "user.password")


def _lockout_message(until: datetime) -> str:
    return (
        f"连续登录失败次数过多，账号已锁定至 {beijing(until, '%Y-%m-%d %H:%M')}。"
        "请稍后再试，或联系安全保密管理员解锁（`govai user unlock`）。"
    )


def authenticate(
    session: Session,
    settings: Settings,
    username: str,
    password: str,
    *,
    ip: str = "",
    password_ok: bool | None = None,
    checked_hash: str | None = None,
) -> User:
    """Check a password, with lockout after ``login_max_failures`` failures in a row.

    :func:`login` verifies the password *before* opening this write transaction (Argon2 takes
    tens of milliseconds; no lock is held meanwhile) and passes ``password_ok`` with the hash it
    checked against. Every path — unknown user, locked, disabled, wrong or right password — costs
    one Argon2 verification and unknown users lock like real ones. Failures are recorded and
    audited by the caller committing this transaction even though an error is raised.
    """
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if password_ok is None:
        checked_hash = user.password_hash if user else None
        password_ok = verify_password(checked_hash, password)
    if user is not None and checked_hash != user.password_hash:
        password_ok = False  # the password changed while we were checking
    now = utcnow()
    name = username[:64] or "?"
    who = principal_for(user, via="anonymous", ip=ip) if user else Principal(name, ip=ip)

    def record(action: str, summary: str) -> None:
        audit.record(
            session, action, actor=who, object_type="user", object_id=name, summary=summary
        )

    failures, locked_until = _recent_failures(session, settings, username)
    if user is not None and user.locked_until and user.locked_until > now:
        locked_until = max(user.locked_until, locked_until or user.locked_until)
    if locked_until and locked_until > now:
        record("login.locked", "登录被拒：账号已锁定")
        raise AccountLocked(_lockout_message(locked_until))
    if user is None or not user.is_active or not password_ok:
        failures += 1
        reason = (
            "账号不存在" if user is None else ("账号已停用" if not user.is_active else "密码错误")
        )
        summary = f"登录失败：{reason}（连续第 {failures} 次）"
        if user is not None:
            user.failed_logins = failures
        if failures >= settings.login_max_failures:
            until = now + timedelta(minutes=settings.login_lockout_minutes)
            if user is not None:
                user.locked_until, user.failed_logins = until, 0
            record("login.lockout", summary + f"，锁定 {settings.login_lockout_minutes} 分钟")
            raise AccountLocked(
                f"连续登录失败 {settings.login_max_failures} 次，账号已锁定 "
                f"{settings.login_lockout_minutes} 分钟。"
            )
        record("login.failure", summary)
        raise InvalidCredentials("用户名或密码错误。")
    user.failed_logins, user.locked_until = 0, None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def unlock(session: Session, actor: Principal, username: str) -> User:
    user = get_user(session, username)
    _check_role_grant(session, actor, user.org, {Role(r) for r in user.roles})
    user.failed_logins, user.locked_until = 0, None
    audit.record(
        session,
        "user.unlock",
        actor=actor,
        object_type="user",
        object_id=username,
        summary=f"解锁账号 {username}",
    )
    return user


def login(
    db: Database, settings: Settings, username: str, password: str, *, ip: str = ""
) -> LoginResult:
    """Authenticate and start a session. A failed attempt is committed (failure count, lockout,
    audit entry) before the error propagates, so nothing about it is lost."""
    with db.read() as session:
        checked = session.execute(
            select(User.password_hash).where(User.username == username)
        ).scalar_one_or_none()
    ok = verify_password(checked, password)  # outside any write transaction
    with db.sessions() as session:
        try:
            user = authenticate(
                session, settings, username, password, ip=ip, password_ok=ok, checked_hash=checked
            )
            result = start_session(session, user, ip=ip)
        except AuthenticationError:
            session.commit()
            raise
        session.commit()
        return result


def resume(db: Database, settings: Settings, token: str, *, ip: str = "") -> Principal:
    """:func:`resume_session` in its own transaction; an expiry is committed before it raises."""
    with db.sessions() as session:
        try:
            principal = resume_session(session, settings, token, ip=ip)
        except AuthenticationError:
            session.commit()
            raise
        session.commit()
        return principal


@dataclass(frozen=True)
class LoginResult:
    token: str  # goes in the cookie; only its hash is stored
    principal: Principal


def start_session(session: Session, user: User, *, ip: str = "") -> LoginResult:
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        id=_sha256(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32), ip=ip[:64]
    )
    session.add(row)
    principal = principal_for(
        user, via="session", ip=ip, session_id=row.id, csrf_token=row.csrf_token
    )
    audit.record(
        session,
        "login.success",
        actor=principal,
        object_type="user",
        object_id=user.username,
        summary=f"登录成功（{ip or '本机'}）",
    )
    return LoginResult(token, principal)


def resume_session(session: Session, settings: Settings, token: str, *, ip: str = "") -> Principal:
    """The principal for a session cookie; raises :class:`SessionExpired` when idle or too old."""
    row = session.get(LoginSession, _sha256(token)) if token else None
    if row is None or row.revoked:
        raise SessionExpired("登录已失效，请重新登录。")
    now = utcnow()
    idle = timedelta(minutes=settings.session_idle_minutes)
    if now - row.last_seen_at > idle or now - row.created_at > timedelta(
        hours=settings.session_max_hours
    ):
        row.revoked = True
        user = session.get(User, row.user_id)
        audit.record(
            session,
            "session.expire",
            object_type="user",
            object_id=user.username if user else str(row.user_id),
            summary="会话超时，已退出登录",
        )
        raise SessionExpired("长时间未操作，登录已超时，请重新登录。")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        row.revoked = True
        raise SessionExpired("账号已停用，请联系管理员。")
    if now - row.last_seen_at > timedelta(seconds=30):  # avoid a write on every request
        row.last_seen_at = now
    return principal_for(user, via="session", ip=ip, session_id=row.id, csrf_token=row.csrf_token)


def end_session(session: Session, principal: Principal) -> None:
    row = session.get(LoginSession, principal.session_id)
    if row is not None and not row.revoked:
        row.revoked = True
        audit.record(
            session,
            "logout",
            actor=principal,
            object_type="user",
            object_id=principal.username,
            summary="退出登录",
        )


def _revoke_sessions(session: Session, user_id: int) -> None:
    for row in session.execute(
        select(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked.is_(False))
    ).scalars():
        row.revoked = True


# ---------------------------------------------------------------- API tokens

TOKEN_PREFIX = "govai_"
MAX_TOKEN_DAYS = 3650


def create_token(
    session: Session, actor: Principal, username: str, name: str, *, days: int | None = None
) -> tuple[ApiToken, str]:
    """A new API token; the plain value is returned once and never stored."""
    user = get_user(session, username)
    if actor.user_id != user.id:
        _check_role_grant(session, actor, user.org, {Role(r) for r in user.roles})
    name = clean_text(name, "令牌名称", 100)
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(f"有效天数应在 1 到 {MAX_TOKEN_DAYS} 之间；长期有效请留空。")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=_sha256(plain),
        prefix=plain[: len(TOKEN_PREFIX) + 6],
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "token.create",
        actor=actor,
        object_type="api_token",
        object_id=str(row.id),
        summary=f"为 {username} 创建 API 令牌「{row.name}」",
    )
    return row, plain


def revoke_token(session: Session, actor: Principal, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"没有编号为 {token_id} 的 API 令牌。")
    user = session.get(User, row.user_id)
    assert user is not None
    if actor.user_id != user.id:
        _check_role_grant(session, actor, user.org, {Role(r) for r in user.roles})
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            session,
            "token.revoke",
            actor=actor,
            object_type="api_token",
            object_id=str(row.id),
            summary=f"吊销 {user.username} 的 API 令牌「{row.name}」",
        )
    return row


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    return list(
        session.execute(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
        ).scalars()
    )


def authenticate_token(session: Session, plain: str, *, ip: str = "") -> Principal:
    row = (
        session.execute(
            select(ApiToken).where(ApiToken.token_hash == _sha256(plain))
        ).scalar_one_or_none()
        if plain.startswith(TOKEN_PREFIX)
        else None
    )
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at and row.expires_at < now):
        raise SessionExpired("API 令牌无效、已过期或已吊销。")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise SessionExpired("API 令牌所属账号已停用。")
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
    return principal_for(user, via="token", ip=ip)


__all__ = [
    "ADMIN_TRIAD",
    "ORG_KINDS",
    "LoginResult",
    "NewUser",
    "authenticate",
    "authenticate_token",
    "create_org",
    "create_token",
    "create_user",
    "end_session",
    "get_org",
    "get_user",
    "list_orgs",
    "list_tokens",
    "list_users",
    "login",
    "org_path",
    "org_scope",
    "principal_for",
    "rename_org",
    "resume",
    "resume_session",
    "revoke_token",
    "set_active",
    "set_password",
    "set_roles",
    "start_session",
    "subtree_ids",
    "unlock",
    "visible_user",
]

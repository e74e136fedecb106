"""Plain data for templates and JSON built from the account models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from govai.accounts import service as accounts
from govai.accounts.models import Organization, User
from govai.accounts.principal import Principal
from govai.accounts.roles import ASSIGNABLE, DEPT_GRANTABLE, Role
from govai.governance.models import AuditEntry
from govai.storage.base import BEIJING, beijing, utcnow


@dataclass(frozen=True)
class OrgRow:
    code: str
    name: str
    kind: str
    kind_label: str
    parent_code: str | None
    depth: int
    in_scope: bool  # the caller may add organisations and accounts here
    renamable: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "parent": self.parent_code,
            "depth": self.depth,
        }


def org_tree(
    session: Session, principal: Principal, whole_tree: Role = Role.SYS_ADMIN
) -> list[OrgRow]:
    """All organisations depth-first, each marked with what ``principal`` may do there
    (:func:`accounts.org_scope`: ``whole_tree`` is SYS_ADMIN for organisations, SEC_ADMIN for
    accounts)."""
    orgs = accounts.list_orgs(session)
    by_parent: dict[int | None, list[Organization]] = {}
    for org in orgs:
        by_parent.setdefault(org.parent_id, []).append(org)
    codes = {org.id: org.code for org in orgs}
    scope = accounts.org_scope(session, principal, whole_tree)
    rows: list[OrgRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for org in by_parent.get(parent, []):
            rows.append(
                OrgRow(
                    org.code,
                    org.name,
                    org.kind,
                    accounts.ORG_KINDS.get(org.kind, org.kind),
                    codes.get(org.parent_id) if org.parent_id else None,
                    depth,
                    scope is None or org.id in scope,
                    accounts.can_rename_org(scope, principal, org.id),
                )
            )
            walk(org.id, depth + 1)

    walk(None, 0)
    return rows


def grantable_roles(principal: Principal) -> list[Role]:
    if principal.has(Role.SEC_ADMIN):
        return list(ASSIGNABLE)
    return [r for r in ASSIGNABLE if r in DEPT_GRANTABLE]


def user_json(user: User) -> dict[str, Any]:
    locked = bool(user.locked_until and user.locked_until > utcnow())
    return {
        "username": user.username,
        "display_name": user.display_name,
        "org": user.org.code,
        "org_name": user.org.name,
        "roles": sorted(user.roles),
        "is_active": user.is_active,
        "locked": locked,
        "last_login_at": beijing(user.last_login_at) or None,
    }


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "ts": (entry.ts + BEIJING).isoformat(timespec="seconds") + "+08:00",
        "time": beijing(entry.ts),
        "ts_utc": entry.ts.isoformat(timespec="seconds") + "Z",
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "ip": entry.ip,
        "hash": entry.hash,
    }

"""Roles and who may hold them.

等保 三员分立: the system administrator (configuration), the security administrator (users, roles,
word lists, model levels) and the security auditor (reads the audit trail, changes nothing) are
three different people — no account may hold two of these three roles.
"""

from __future__ import annotations

from enum import StrEnum

from govai.errors import RoleConflict, ValidationError


class Role(StrEnum):
    PUBLIC = "public"  # an anonymous citizen: no account, never stored
    STAFF = "staff"
    REVIEWER = "reviewer"
    DEPT_ADMIN = "dept_admin"
    SYS_ADMIN = "sys_admin"
    SEC_ADMIN = "sec_admin"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.PUBLIC: "公众",
    Role.STAFF: "工作人员",
    Role.REVIEWER: "审核人员",
    Role.DEPT_ADMIN: "部门管理员",
    Role.SYS_ADMIN: "系统管理员",
    Role.SEC_ADMIN: "安全保密管理员",
    Role.AUDITOR: "安全审计员",
}

ADMIN_TRIAD: frozenset[Role] = frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN, Role.AUDITOR})
ASSIGNABLE: tuple[Role, ...] = tuple(r for r in Role if r is not Role.PUBLIC)
# A department admin may grant only these, and only inside their own organisation subtree.
DEPT_GRANTABLE: frozenset[Role] = frozenset({Role.STAFF, Role.REVIEWER})


def parse_roles(values: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> frozenset[Role]:
    """Validate a set of role names for one account, enforcing 三员分立."""
    roles: set[Role] = set()
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            role = Role(value)
        except ValueError:
            role = next((r for r, label in ROLE_LABELS.items() if label == value), None)  # type: ignore[assignment]
            if role is None:
                choices = "、".join(f"{r.value}（{r.label}）" for r in ASSIGNABLE)
                raise ValidationError(f"未知的角色 {value!r}，可选：{choices}。") from None
        if role is Role.PUBLIC:
            raise ValidationError("“公众”是匿名访问者，不能分配给账号。")
        roles.add(role)
    triad = sorted(roles & ADMIN_TRIAD)
    if len(triad) > 1:
        names = "、".join(r.label for r in triad)
        raise RoleConflict(
            f"三员分立：系统管理员、安全保密管理员、安全审计员须由不同的人担任，"
            f"一个账号不能同时拥有{names}。",
            roles=[r.value for r in triad],
        )
    return frozenset(roles)

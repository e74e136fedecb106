"""The console's navigation: one registry of (label, path, roles).

The home page and the header show an item only when its route exists and the caller's role may
use it, so a scenario that is not installed is simply absent. A later scenario adds its page
with :func:`register_nav`, next to the route it registers::

    register_nav(NavItem("模型服务", "/admin/models", frozenset({Role.SYS_ADMIN})))

``roles`` empty means every logged-in user; ``public=True`` means anonymous visitors too.
``tests/web/test_nav.py`` checks that each item's roles agree with its route's policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from govai.accounts.principal import Principal
from govai.accounts.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: frozenset[Role] = frozenset()
    public: bool = False
    description: str = ""

    def visible_to(self, principal: Principal) -> bool:
        if self.public:
            return True
        if principal.user_id is None:
            return False
        return not self.roles or principal.has(*self.roles)


NAV: list[NavItem] = [
    NavItem(
        "机构管理",
        "/admin/orgs",
        frozenset({Role.SYS_ADMIN, Role.DEPT_ADMIN}),
        description="维护省/市/区县/部门组织机构树",
    ),
    NavItem(
        "用户管理",
        "/admin/users",
        frozenset({Role.SEC_ADMIN, Role.DEPT_ADMIN}),
        description="新建账号、分配角色、启用停用、解锁与重置密码",
    ),
    NavItem(
        "审计日志",
        "/audit",
        frozenset({Role.AUDITOR}),
        description="查询审计记录，校验哈希链完整性",
    ),
    NavItem("我的账号", "/account", description="修改密码，管理 API 令牌"),
]


def register_nav(item: NavItem) -> None:
    """Add (or replace, by path) a navigation item; 我的账号 stays last."""
    for i, existing in enumerate(NAV):
        if existing.path == item.path:
            NAV[i] = item
            return
    at = next((i for i, existing in enumerate(NAV) if existing.path == "/account"), len(NAV))
    NAV.insert(at, item)


def nav_for(principal: Principal, existing_paths: Iterable[str]) -> list[NavItem]:
    paths = set(existing_paths)
    return [item for item in NAV if item.path in paths and item.visible_to(principal)]

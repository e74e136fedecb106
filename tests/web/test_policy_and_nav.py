"""The policy registry refuses undeclared routes; the navigation follows the policies."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends

from govai.accounts.principal import ANONYMOUS, Principal
from govai.accounts.roles import Role
from govai.platform import Platform
from govai.web.app import create_app
from govai.web.nav import NAV, NavItem, nav_for, register_nav
from govai.web.policy import AnyUser, Policy, UndeclaredPolicy, allow, collect_policies

from .conftest import ClientFactory


def test_a_route_without_policy_cannot_be_built(demo_platform: Platform) -> None:
    app = create_app(demo_platform)
    stray = APIRouter()

    @stray.get("/admin/stray")
    def stray_page() -> dict[str, str]:
        return {}

    app.include_router(stray)
    with pytest.raises(UndeclaredPolicy, match="GET /admin/stray"):
        collect_policies(app)


def _nested(principal: Annotated[Principal, Depends(allow(Role.AUDITOR))]) -> str:
    return principal.username


def test_policies_declared_in_any_form_are_registered(demo_platform: Platform) -> None:
    app = create_app(demo_platform)
    extra = APIRouter(prefix="/x")

    @extra.get("/decorator", dependencies=[Depends(allow(Role.SEC_ADMIN))])
    def by_decorator() -> dict[str, str]:
        return {}

    @extra.get("/param")
    def by_param(principal: AnyUser) -> dict[str, str]:
        return {}

    @extra.post("/nested")
    def by_nested(name: Annotated[str, Depends(_nested)]) -> dict[str, str]:
        return {}

    app.include_router(extra)
    described = {key: p.describe() for key, p in collect_policies(app).items()}
    assert described[("GET", "/x/decorator")] == "allow(sec_admin)"
    assert described[("GET", "/x/param")] == "ANY_USER"
    assert described[("POST", "/x/nested")] == "allow(auditor)"


def test_allow_needs_roles() -> None:
    with pytest.raises(ValueError):
        allow()


def test_policy_permits() -> None:
    auditor = Principal("a", user_id=1, roles=frozenset({Role.AUDITOR}))
    assert Policy(public=True).permits(ANONYMOUS)
    assert not Policy().permits(ANONYMOUS)
    assert Policy().permits(auditor)
    assert Policy(roles=frozenset({Role.AUDITOR})).permits(auditor)
    assert not Policy(roles=frozenset({Role.SEC_ADMIN})).permits(auditor)


@pytest.mark.parametrize("item", NAV, ids=[i.path for i in NAV])
def test_nav_roles_match_the_route_policy(app_client: ClientFactory, item: NavItem) -> None:
    policies: dict[tuple[str, str], Policy] = app_client().app.state.policies
    policy = policies[("GET", item.path)]
    assert item.public == policy.public
    assert item.roles == policy.roles


NAV_BY_ROLE = {
    "staff": [
        "知识库",
        "群众留言",
        "热点问题",
        "风险预警",
        "答复质量",
        "舆情简报",
        "办件审批",
        "流程分析",
        "文书起草",
        "公文校对",
        "我的账号",
    ],
    "reviewer": [
        "知识库",
        "群众留言",
        "热点问题",
        "风险预警",
        "答复质量",
        "舆情简报",
        "办件审批",
        "流程分析",
        "文书起草",
        "公文校对",
        "我的账号",
    ],
    "deptadmin": [
        "机构管理",
        "用户管理",
        "知识库",
        "群众留言",
        "热点问题",
        "风险预警",
        "答复质量",
        "舆情简报",
        "办件审批",
        "流程分析",
        "文书起草",
        "公文校对",
        "我的账号",
    ],
    "sysadmin": [
        "机构管理",
        "模型服务",
        "知识库",
        "群众留言",
        "热点问题",
        "风险预警",
        "答复质量",
        "舆情简报",
        "办件审批",
        "流程分析",
        "节假日表",
        "我的账号",
    ],
    "secadmin": ["用户管理", "模型服务", "敏感词", "知识库", "我的账号"],
    "auditor": ["审计日志", "知识库", "我的账号"],
}


@pytest.mark.parametrize(("who", "labels"), NAV_BY_ROLE.items())
def test_home_shows_only_what_the_role_may_use(
    app_client: ClientFactory, who: str, labels: list[str]
) -> None:
    html = app_client(who).get("/").text
    for item in NAV:
        assert (f">{item.label}<" in html) == (item.label in labels), (who, item.label)


def test_anonymous_home_has_no_admin_links(app_client: ClientFactory) -> None:
    html = app_client().get("/").text
    assert "登录" in html
    assert not any(f">{item.label}<" in html for item in NAV)


def test_nav_hides_items_whose_route_does_not_exist() -> None:
    sec = Principal("s", user_id=1, roles=frozenset({Role.SEC_ADMIN}))
    item = NavItem("示例页面", "/admin/example", frozenset({Role.SEC_ADMIN}))
    saved = list(NAV)
    register_nav(item)
    try:
        assert item not in nav_for(sec, {"/admin/users"})
        assert item in nav_for(sec, {"/admin/example"})
        replaced = NavItem("示例页面二", "/admin/example", frozenset({Role.SEC_ADMIN}))
        register_nav(replaced)
        assert [i.label for i in NAV if i.path == "/admin/example"] == ["示例页面二"]
    finally:
        NAV[:] = saved  # the real pages' items stay registered for the tests that follow

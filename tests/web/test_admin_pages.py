"""/admin/orgs and /admin/users: the console shows the service's rules, keeps input on refusal
and never writes half of a change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from govai.accounts.models import Organization, User
from govai.demo import DEMO_PASSWORD
from govai.platform import Platform
from govai.storage.base import utcnow

from .conftest import ClientFactory, login


def _user(platform: Platform, username: str) -> User | None:
    with platform.db.session() as session:
        return session.execute(select(User).where(User.username == username)).scalar()


def _org(platform: Platform, code: str) -> Organization | None:
    with platform.db.session() as session:
        return session.execute(select(Organization).where(Organization.code == code)).scalar()


# ------------------------------------------------------------------ organisations


def test_org_tree_is_indented_by_depth(app_client: ClientFactory) -> None:
    html = app_client("sysadmin").get("/admin/orgs").text
    assert '<td class="depth-0">示范省</td>' in html
    assert '<td class="depth-1">示范市</td>' in html
    assert '<td class="depth-3">东城区人力资源和社会保障局</td>' in html
    assert html.index("示范市东城区") < html.index("东城区人力资源和社会保障局")


def test_sysadmin_creates_and_renames_an_org(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("sysadmin")
    response = client.post(
        "/admin/orgs",
        data={
            "code": "city-wlj",
            "name": "示范市文化和旅游局",
            "kind": "department",
            "parent": "city",
            "csrf_token": client.csrf,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get("/admin/orgs").text
    assert "已新建机构「示范市文化和旅游局」" in page
    assert '<td class="depth-2">示范市文化和旅游局</td>' in page
    client.post(
        "/admin/orgs/city-wlj/rename",
        data={"name": "示范市文化广电和旅游局", "csrf_token": client.csrf},
    )
    org = _org(demo_platform, "city-wlj")
    assert org is not None and org.name == "示范市文化广电和旅游局"


def test_org_create_error_keeps_input(app_client: ClientFactory, demo_platform: Platform) -> None:
    client = app_client("sysadmin")
    response = client.post(
        "/admin/orgs",
        data={
            "code": "city-hrss",
            "name": "重复的局",
            "kind": "department",
            "parent": "city",
            "csrf_token": client.csrf,
        },
    )
    assert response.status_code == 409
    assert "机构编码 city-hrss 已存在" in response.text
    assert 'value="重复的局"' in response.text


def test_dept_admin_manages_only_below_own_org(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("deptadmin")  # 示范市人力资源和社会保障局
    page = client.get("/admin/orgs").text
    # their own org is a parent they may add under, but not theirs to rename (the service's rule)
    assert 'action="/admin/orgs/city-hrss/rename"' not in page
    assert '<option value="city-hrss">' in page
    assert 'action="/admin/orgs/city-hpf/rename"' not in page
    parent_city = '<option value="city">　示范市</option>'
    assert parent_city not in page  # may not create under the city itself
    assert parent_city in app_client("sysadmin").get("/admin/orgs").text
    refused = client.post(
        "/admin/orgs",
        data={
            "code": "x-sub",
            "name": "越权科室",
            "kind": "department",
            "parent": "city",
            "csrf_token": client.csrf,
        },
    )
    assert refused.status_code == 403 and "无权管理该机构" in refused.text
    assert _org(demo_platform, "x-sub") is None
    rename = client.post(
        "/admin/orgs/city-hpf/rename", data={"name": "改名", "csrf_token": client.csrf}
    )
    assert rename.status_code == 403
    org = _org(demo_platform, "city-hpf")
    assert org is not None and org.name == "示范市住房公积金管理中心"
    ok = client.post(
        "/admin/orgs",
        data={
            "code": "hrss-ke",
            "name": "就业科",
            "kind": "department",
            "parent": "city-hrss",
            "csrf_token": client.csrf,
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303 and _org(demo_platform, "hrss-ke") is not None
    assert 'action="/admin/orgs/hrss-ke/rename"' in client.get("/admin/orgs").text


# ------------------------------------------------------------------ users


def _create(client, **fields: object):  # type: ignore[no-untyped-def]
    data = {"display_name": "", "password": "Init@2026pass", "csrf_token": client.csrf, **fields}
    return client.post("/admin/users", data=data, follow_redirects=False)


def test_secadmin_creates_a_user_who_can_log_in(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("secadmin")
    response = _create(
        client,
        username="newbie",
        display_name="新同事",
        org="city-hpf",
        roles=["staff", "reviewer"],
    )
    assert response.status_code == 303
    listing = client.get("/admin/users").text
    assert "已新建账号 newbie" in listing and "新同事" in listing
    assert "示范市住房公积金管理中心" in listing
    user = _user(demo_platform, "newbie")
    assert user is not None and user.roles == {"staff", "reviewer"}
    login(app_client(), "newbie", "Init@2026pass")


def test_role_conflict_is_shown_in_the_form_with_input_kept(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("secadmin")
    response = _create(
        client,
        username="twohats",
        display_name="兼任者",
        org="city-dsj",
        roles=["sys_admin", "auditor"],
    )
    assert response.status_code == 422
    assert "三员分立" in response.text
    assert 'value="twohats"' in response.text and 'value="兼任者"' in response.text
    assert 'value="sys_admin" checked' in response.text
    assert 'value="auditor" checked' in response.text
    assert _user(demo_platform, "twohats") is None


def test_weak_password_and_duplicates_are_refused(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("secadmin")
    weak = _create(client, username="weak", org="city-hrss", roles=["staff"], password="short")
    assert weak.status_code == 422 and "密码至少需要" in weak.text
    dup = _create(client, username="staff", org="city-hrss", roles=["staff"])
    assert dup.status_code == 409 and "用户名 staff 已存在" in dup.text
    none = _create(client, username="norole", org="city-hrss")
    assert none.status_code == 422 and "至少需要一个角色" in none.text
    assert _user(demo_platform, "weak") is None and _user(demo_platform, "norole") is None


def test_dept_admin_sees_and_manages_only_their_subtree(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("deptadmin")
    listing = client.get("/admin/users").text
    assert "王窗口" in listing  # staff, same department
    assert "周区县窗口" not in listing  # east-staff, another department
    assert "赵系统管理员" not in listing
    assert 'value="sec_admin"' not in listing  # may only grant staff/reviewer
    assert client.get("/admin/users/east-staff").status_code == 403
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("active", {"active": "false"}),
        ("unlock", {}),
        ("password", {"password": "Hijack@2026x"}),
        ("roles", {"roles": ["reviewer"]}),
    ]
    for action, data in attempts:
        response = client.post(
            f"/admin/users/east-staff/{action}", data={**data, "csrf_token": client.csrf}
        )
        assert response.status_code == 403, action
        assert "本机构及下级机构" in response.text
    user = _user(demo_platform, "east-staff")
    assert user is not None and user.is_active and user.roles == {"staff"}
    login(app_client(), "east-staff")  # password unchanged
    other = _create(client, username="outsider", org="east-hrss", roles=["staff"])
    assert other.status_code == 403 and _user(demo_platform, "outsider") is None
    grant = client.post(
        "/admin/users/staff/roles", data={"roles": ["sec_admin"], "csrf_token": client.csrf}
    )
    assert grant.status_code == 403 and "不能授予安全保密管理员" in grant.text
    assert 'value="sec_admin" checked' not in grant.text  # dept admins are not offered it
    staff = _user(demo_platform, "staff")
    assert staff is not None and staff.roles == {"staff"}


def test_dept_admin_api_lists_only_their_subtree(app_client: ClientFactory) -> None:
    client = app_client("deptadmin")
    names = {u["username"] for u in client.get("/api/users").json()["items"]}
    assert names == {"staff", "reviewer", "deptadmin"}
    everyone = {u["username"] for u in app_client("secadmin").get("/api/users").json()["items"]}
    assert {"east-staff", "auditor"} <= everyone


def test_change_roles_conflict_keeps_checked_boxes(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    client = app_client("secadmin")
    response = client.post(
        "/admin/users/sysadmin/roles",
        data={"roles": ["sys_admin", "sec_admin"], "csrf_token": client.csrf},
    )
    assert response.status_code == 422 and "三员分立" in response.text
    assert 'value="sec_admin" checked' in response.text
    user = _user(demo_platform, "sysadmin")
    assert user is not None and user.roles == {"sys_admin"}
    ok = client.post(
        "/admin/users/staff/roles",
        data={"roles": ["staff", "reviewer"], "csrf_token": client.csrf},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    staff = _user(demo_platform, "staff")
    assert staff is not None and staff.roles == {"staff", "reviewer"}


def test_disable_enable_unlock_and_reset(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    admin = app_client("secadmin")
    victim = app_client("reviewer")
    disabled = admin.post(
        "/admin/users/reviewer/active",
        data={"active": "false", "csrf_token": admin.csrf},
        follow_redirects=True,
    )
    assert "账号已停用" in disabled.text and "启用账号" in disabled.text
    assert victim.get("/api/me").status_code == 401  # their session ended
    admin.post("/admin/users/reviewer/active", data={"active": "true", "csrf_token": admin.csrf})
    with demo_platform.db.session() as session:
        session.execute(
            update(User)
            .where(User.username == "reviewer")
            .values(locked_until=utcnow() + timedelta(minutes=10))
        )
    page = admin.get("/admin/users/reviewer").text
    assert "已锁定" in page and "解锁账号" in page
    unlocked = admin.post(
        "/admin/users/reviewer/unlock", data={"csrf_token": admin.csrf}, follow_redirects=True
    )
    assert "账号已解锁" in unlocked.text
    admin.post(
        "/admin/users/reviewer/password",
        data={"password": "Reset@2026pass", "csrf_token": admin.csrf},
    )
    login(app_client(), "reviewer", "Reset@2026pass")


def test_secadmin_cannot_disable_self(app_client: ClientFactory, demo_platform: Platform) -> None:
    client = app_client("secadmin")
    response = client.post(
        "/admin/users/secadmin/active", data={"active": "false", "csrf_token": client.csrf}
    )
    assert response.status_code == 422 and "不能停用自己的账号" in response.text
    user = _user(demo_platform, "secadmin")
    assert user is not None and user.is_active


def test_unknown_user_is_404(app_client: ClientFactory) -> None:
    response = app_client("secadmin").get("/admin/users/nobody")
    assert response.status_code == 404 and "nobody" in response.text
    assert DEMO_PASSWORD not in response.text

"""Every route × every role: the declared policy is what actually happens.

Allowed callers never get 401/403 (nor a redirect to the login page); logged-in callers who are
not allowed get 403; anonymous callers who are not allowed get 401 (API) or a redirect to /login.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from govai.accounts import service as accounts
from govai.accounts.models import ApiToken
from govai.accounts.principal import ANONYMOUS, Principal, cli_principal
from govai.accounts.roles import ASSIGNABLE, Role
from govai.demo import ACCOUNTS
from govai.platform import Platform
from govai.web.policy import Policy

from .conftest import ClientFactory

PRINCIPALS = ["public", *(acc.username for acc in ACCOUNTS)]
PARAM = re.compile(r"{(\w+)}")


def fill(path: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values[m.group(1)], path)


def _demo_values(platform: Platform) -> dict[str, str]:
    """Real demo objects for path parameters."""
    with platform.db.session() as session:
        token, _ = accounts.create_token(session, cli_principal("pytest"), "staff", "route test")
        token_id = session.execute(select(ApiToken.id).where(ApiToken.id == token.id)).scalar()
    return {
        "username": "staff",
        "code": "city-hrss",
        "token_id": str(token_id),
        "name": "extractive",  # a model provider; no knowledge base has this name (→ 404)
        "model": "policy",  # the demo's public knowledge base
        "group_id": "999999",
        "job_id": "no-such-job",
        "message_id": "999999",
        "alert_id": "999999",
        "application_id": "999999",
        "file_id": "999999",
        "notice_id": "999999",
        "draft_id": "999999",
        "n": "1",
    }


def _ordered(policies: dict[tuple[str, str], Policy]) -> list[tuple[str, str]]:
    """Logging out last, so it does not end the session the other routes use."""
    return sorted(policies, key=lambda key: (key == ("POST", "/logout"), key))


@pytest.mark.parametrize("who", PRINCIPALS)
def test_every_route_for_role(app_client: ClientFactory, demo_platform: Platform, who: str) -> None:
    client = app_client(None if who == "public" else who)
    policies: dict[tuple[str, str], Policy] = client.app.state.policies
    assert len(policies) >= 20
    values = _demo_values(demo_platform)
    if who == "public":
        principal = ANONYMOUS
        csrf = client.cookies.get("govai_csrf") or ""
        if not csrf:
            client.get("/login")
            csrf = client.cookies.get("govai_csrf") or ""
    else:
        me = client.get("/api/me").json()
        principal = Principal(me["username"], user_id=1, roles=frozenset(map(Role, me["roles"])))
        csrf = client.csrf
    checked = 0
    for method, path in _ordered(policies):
        policy = policies[(method, path)]
        url = fill(path, values)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            response = client.request(
                method,
                url,
                data={"csrf_token": csrf},
                headers={"X-CSRF-Token": csrf} if url.startswith("/api/") else {},
                follow_redirects=False,
            )
        allowed = policy.permits(principal)
        where = f"{who}: {method} {url} ({policy.describe()}) → {response.status_code}"
        to_login = response.headers.get("location", "").startswith("/login")
        if allowed:
            assert response.status_code not in (401, 403), where + response.text[:300]
            assert not (to_login and path not in ("/logout",)), where
        elif who == "public":
            if url.startswith("/api/"):
                assert response.status_code == 401, where
                assert response.json()["error"]["code"] == "not_authenticated"
            else:
                assert response.status_code == 303 and to_login, where
        else:
            assert response.status_code == 403, where
            if url.startswith("/api/"):
                assert response.json()["error"]["code"] == "permission_denied"
            else:
                assert "无权访问" in response.text
        checked += 1
    assert checked == len(policies)


def test_role_list_covers_every_assignable_role() -> None:
    assert {acc.role for acc in ACCOUNTS} == {r.value for r in ASSIGNABLE}


# The reviewed access table. A new route fails here until its policy is written down.
EXPECTED: dict[tuple[str, str], str] = {
    ("GET", "/"): "PUBLIC",
    ("GET", "/login"): "PUBLIC",
    ("POST", "/login"): "PUBLIC",
    ("POST", "/logout"): "ANY_USER",
    ("GET", "/account"): "ANY_USER",
    ("POST", "/account/password"): "ANY_USER",
    ("POST", "/account/tokens"): "ANY_USER",
    ("POST", "/account/tokens/{token_id}/revoke"): "ANY_USER",
    ("GET", "/admin/orgs"): "allow(dept_admin, sys_admin)",
    ("POST", "/admin/orgs"): "allow(dept_admin, sys_admin)",
    ("POST", "/admin/orgs/{code}/rename"): "allow(dept_admin, sys_admin)",
    ("GET", "/admin/users"): "allow(dept_admin, sec_admin)",
    ("POST", "/admin/users"): "allow(dept_admin, sec_admin)",
    ("GET", "/admin/users/{username}"): "allow(dept_admin, sec_admin)",
    ("POST", "/admin/users/{username}/roles"): "allow(dept_admin, sec_admin)",
    ("POST", "/admin/users/{username}/active"): "allow(dept_admin, sec_admin)",
    ("POST", "/admin/users/{username}/unlock"): "allow(dept_admin, sec_admin)",
    ("POST", "/admin/users/{username}/password"): "allow(dept_admin, sec_admin)",
    ("GET", "/admin/models"): "allow(sec_admin, sys_admin)",
    ("POST", "/admin/models"): "allow(sys_admin)",
    ("POST", "/admin/models/{name}/level"): "allow(sec_admin)",
    ("POST", "/admin/models/{name}/approve"): "allow(sec_admin)",
    ("POST", "/admin/models/{name}/enabled"): "allow(sys_admin)",
    ("POST", "/admin/models/{name}/remove"): "allow(sys_admin)",
    ("POST", "/admin/models/{name}/test"): "allow(sec_admin, sys_admin)",
    ("GET", "/admin/words"): "allow(sec_admin)",
    ("POST", "/admin/words"): "allow(sec_admin)",
    ("POST", "/admin/words/remove"): "allow(sec_admin)",
    ("POST", "/admin/words/import"): "allow(sec_admin)",
    ("GET", "/audit"): "allow(auditor)",
    ("GET", "/api/health"): "PUBLIC",
    ("GET", "/api/me"): "ANY_USER",
    ("GET", "/api/orgs"): "allow(dept_admin, sec_admin, sys_admin)",
    ("POST", "/api/orgs"): "allow(dept_admin, sys_admin)",
    ("GET", "/api/users"): "allow(dept_admin, sec_admin)",
    ("POST", "/api/users"): "allow(dept_admin, sec_admin)",
    ("GET", "/api/audit"): "allow(auditor)",
    # 智能问答 + 资料检索
    ("GET", "/chat"): "PUBLIC",
    ("GET", "/kb"): "ANY_USER",
    ("POST", "/kb"): "allow(dept_admin, sys_admin)",
    ("GET", "/kb/lexicon"): "allow(dept_admin, sys_admin)",
    ("POST", "/kb/lexicon"): "allow(dept_admin, sys_admin)",
    ("POST", "/kb/lexicon/{group_id}/remove"): "allow(dept_admin, sys_admin)",
    ("GET", "/kb/{name}"): "ANY_USER",
    ("POST", "/kb/{name}/import"): "allow(dept_admin, staff, sys_admin)",
    ("GET", "/kb/{name}/import/{job_id}"): "allow(dept_admin, staff, sys_admin)",
    ("POST", "/kb/{name}/delete"): "allow(dept_admin, sys_admin)",
    ("GET", "/kb/{name}/search"): "ANY_USER",
    ("POST", "/api/ask"): "PUBLIC",
    ("GET", "/api/kb"): "PUBLIC",
    ("GET", "/api/kb/{name}/search"): "PUBLIC",
    ("POST", "/api/kb/{name}/import"): "allow(dept_admin, staff, sys_admin)",
    ("GET", "/v1/models"): "PUBLIC",
    ("GET", "/v1/models/{model}"): "PUBLIC",
    ("POST", "/v1/chat/completions"): "PUBLIC",
    # 智能分办, 热点发现, 风险预警, 舆情简报
    ("GET", "/messages"): "allow(dept_admin, reviewer, staff, sys_admin)",
    ("POST", "/messages"): "allow(dept_admin, staff)",
    ("POST", "/messages/import"): "allow(dept_admin, staff)",
    ("GET", "/messages/{message_id}"): "allow(dept_admin, reviewer, staff, sys_admin)",
    ("POST", "/messages/{message_id}/assign"): "allow(dept_admin, staff)",
    ("POST", "/messages/{message_id}/reply/draft"): "allow(dept_admin, staff)",
    ("POST", "/messages/{message_id}/reply/publish"): "allow(dept_admin, staff)",
    ("POST", "/messages/{message_id}/reply/discard"): "allow(dept_admin, staff)",
    ("POST", "/api/messages"): "allow(dept_admin, staff)",
    ("GET", "/api/messages/{message_id}"): "allow(dept_admin, reviewer, staff, sys_admin)",
    ("GET", "/hotspots"): "allow(dept_admin, reviewer, staff, sys_admin)",
    ("GET", "/alerts"): "allow(dept_admin, reviewer, staff, sys_admin)",
    ("POST", "/alerts/scan"): "allow(dept_admin, staff)",
    ("POST", "/alerts/{alert_id}/decide"): "allow(dept_admin, staff)",
    ("GET", "/replies"): "allow(dept_admin, reviewer, staff, sys_admin)",
    ("GET", "/briefing"): "allow(dept_admin, reviewer, staff, sys_admin)",
    ("POST", "/api/approval/check"): "PUBLIC",
    ("POST", "/api/approval/applications"): "allow(dept_admin, staff)",
    ("POST", "/api/approval/track"): "PUBLIC",
    ("GET", "/services"): "PUBLIC",
    ("GET", "/services/{code}"): "PUBLIC",
    ("POST", "/services/{code}/apply"): "PUBLIC",
    ("POST", "/services/{code}/prefill"): "PUBLIC",
    ("GET", "/track"): "PUBLIC",
    ("POST", "/track"): "PUBLIC",
    ("POST", "/track/resubmit"): "PUBLIC",
    ("GET", "/applications"): "allow(dept_admin, reviewer, staff, sys_admin)",
    ("GET", "/applications/{application_id}"): "allow(dept_admin, reviewer, staff, sys_admin)",
    ("POST", "/applications/{application_id}/accept"): "allow(dept_admin, staff)",
    ("POST", "/applications/{application_id}/decide"): "allow(dept_admin, reviewer)",
    ("POST", "/applications/{application_id}/extend"): "allow(dept_admin, reviewer)",
    ("POST", "/applications/{application_id}/suspend"): "allow(dept_admin, reviewer)",
    ("POST", "/applications/{application_id}/resume"): "allow(dept_admin, reviewer)",
    ("GET", "/applications/{application_id}/files/{file_id}"): "allow(dept_admin, reviewer, staff)",
    ("POST", "/applications/{application_id}/notices"): "allow(dept_admin, reviewer, staff)",
    ("POST", "/applications/{application_id}/notices/{notice_id}/issue"): (
        "allow(dept_admin, reviewer, staff)"
    ),
    ("GET", "/applications/{application_id}/notices/{notice_id}"): (
        "allow(dept_admin, reviewer, staff)"
    ),
    ("GET", "/process"): "allow(dept_admin, reviewer, staff, sys_admin)",
    ("GET", "/static/vendor/plotly.min.js"): "PUBLIC",
    ("GET", "/catalog/{code}/rules"): "allow(dept_admin, sys_admin)",
    ("POST", "/catalog/{code}/rules"): "allow(dept_admin)",
    ("POST", "/catalog/{code}/auto-approval"): "allow(dept_admin)",
    ("GET", "/admin/calendar"): "allow(sys_admin)",
    ("POST", "/admin/calendar"): "allow(sys_admin)",
    ("POST", "/admin/calendar/remove"): "allow(sys_admin)",
    # 辅助文书起草 + 公文校对
    ("GET", "/drafting"): "allow(dept_admin, reviewer, staff)",
    ("POST", "/drafting"): "allow(dept_admin, reviewer, staff)",
    ("GET", "/drafting/{draft_id}"): "allow(dept_admin, reviewer, staff)",
    ("POST", "/drafting/{draft_id}"): "allow(dept_admin, reviewer, staff)",
    ("GET", "/drafting/{draft_id}/page/{n}.svg"): "allow(dept_admin, reviewer, staff)",
    ("GET", "/drafting/{draft_id}/download"): "allow(dept_admin, reviewer, staff)",
    ("POST", "/drafting/{draft_id}/proofread"): "allow(dept_admin, reviewer, staff)",
    ("GET", "/proofread"): "allow(dept_admin, reviewer, staff)",
    ("POST", "/proofread"): "allow(dept_admin, reviewer, staff)",
}


def test_policy_table_is_the_reviewed_one(app_client: ClientFactory) -> None:
    policies: dict[tuple[str, str], Policy] = app_client().app.state.policies
    assert {key: p.describe() for key, p in policies.items()} == EXPECTED


def test_auditor_has_no_write_routes_beyond_own_account(app_client: ClientFactory) -> None:
    """三员分立: the security auditor reads the trail and changes nothing else (asking a question,
    which anyone may do, changes nothing either; nor does applying for a service or tracking an
    application, which are a citizen's public pages)."""
    policies: dict[tuple[str, str], Policy] = app_client().app.state.policies
    auditor = Principal("auditor", user_id=1, roles=frozenset({Role.AUDITOR}))
    writes = sorted(
        path for (method, path), p in policies.items() if method != "GET" and p.permits(auditor)
    )
    assert writes == [
        "/account/password",
        "/account/tokens",
        "/account/tokens/{token_id}/revoke",
        "/api/approval/check",
        "/api/approval/track",
        "/api/ask",
        "/login",
        "/logout",
        "/services/{code}/apply",
        "/services/{code}/prefill",
        "/track",
        "/track/resubmit",
        "/v1/chat/completions",
    ]

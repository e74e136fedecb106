"""/admin/models: 三员分立 between configuring a provider and deciding its data level; the test
button goes through the real gateway to a (fake) OpenAI-compatible server."""

from __future__ import annotations

from typing import Any

import pytest

from govai.accounts.principal import cli_principal
from govai.classification import Level
from govai.gateway import service as providers
from govai.gateway.labels import EXPLICIT_LABEL
from govai.governance import audit
from govai.platform import Platform
from govai.testing.fake_openai import FakeOpenAI

from .conftest import ClientFactory, ConsoleClient


def _provider(platform: Platform, name: str) -> Any:
    with platform.db.session() as session:
        return next((c for c in providers.list_providers(session) if c.name == name), None)


def _audit_actions(platform: Platform, actor: str, prefix: str) -> list[str]:
    with platform.db.session() as session:
        rows, _ = audit.search(session, audit.AuditFilter(actor=actor, action=prefix))
        return [f"{e.action} {e.object_id} {e.summary}" for e in rows]


def _add(client: ConsoleClient, **fields: Any) -> Any:
    data = {
        "name": "fake",
        "kind": "openai",
        "base_url": "",
        "model": "fake-model",
        "api_key_env": "",
        "timeout": "",
        "csrf_token": client.csrf,
        **fields,
    }
    return client.post("/admin/models", data=data, follow_redirects=False)


def _seed(platform: Platform, name: str = "cloud", *, local: bool = False) -> None:
    with platform.db.session() as session:
        providers.add_provider(
            session,
            cli_principal("pytest"),
            providers.NewProvider(name, "openai", "http://127.0.0.1:9/v1", "m", is_local=local),
        )


def test_list_shows_builtin_and_key_variable_state_never_the_key(
    app_client: ClientFactory, demo_platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVAI_KEY_TEST_SET", "sk-secret-value-123")
    monkeypatch.delenv("GOVAI_KEY_TEST_UNSET", raising=False)
    with demo_platform.db.session() as session:
        for name, env in (("with-key", "GOVAI_KEY_TEST_SET"), ("no-key", "GOVAI_KEY_TEST_UNSET")):
            providers.add_provider(
                session,
                cli_principal("pytest"),
                providers.NewProvider(name, "openai", "http://10.0.0.1/v1", "qwen", env),
            )
    html = app_client("sysadmin").get("/admin/models").text
    builtin = html.split('id="provider-extractive"')[1].split("</tr>")[0]
    assert "内置" in builtin and "不可删除" in builtin and "/remove" not in builtin
    assert "涉密" in builtin and "本地" in builtin
    with_key = html.split('id="provider-with-key"')[1].split("</tr>")[0]
    assert "GOVAI_KEY_TEST_SET" in with_key and "已设置" in with_key
    assert "http://10.0.0.1/v1" in with_key and "qwen" in with_key and "非本地" in with_key
    assert "公开" in with_key and "启用" in with_key
    no_key = html.split('id="provider-no-key"')[1].split("</tr>")[0]
    assert "未设置" in no_key
    assert "sk-secret-value-123" not in html


def test_role_separation(app_client: ClientFactory, demo_platform: Platform) -> None:
    _seed(demo_platform)
    sysadmin, secadmin = app_client("sysadmin"), app_client("secadmin")
    # the system administrator configures, but may not decide the data level
    assert 'action="/admin/models/cloud/level"' not in sysadmin.get("/admin/models").text
    refused = sysadmin.post(
        "/admin/models/cloud/level", data={"level": "内部", "csrf_token": sysadmin.csrf}
    )
    assert refused.status_code == 403 and "无权访问" in refused.text
    # the security administrator decides the level, but may not configure providers
    page = secadmin.get("/admin/models").text
    assert 'action="/admin/models/cloud/level"' in page
    assert 'action="/admin/models"' not in page and "/admin/models/cloud/remove" not in page
    for path in ("/admin/models", "/admin/models/cloud/enabled", "/admin/models/cloud/remove"):
        response = secadmin.post(
            path, data={"name": "sneaky", "kind": "openai", "csrf_token": secadmin.csrf}
        )
        assert response.status_code == 403, path
    assert _provider(demo_platform, "sneaky") is None
    config = _provider(demo_platform, "cloud")
    assert config.enabled and config.max_level is Level.PUBLIC
    # everyone else may not even look
    for who in ("staff", "reviewer", "deptadmin", "auditor"):
        assert app_client(who).get("/admin/models").status_code == 403, who


def test_add_openai_provider_then_test_it_through_the_gateway(
    app_client: ClientFactory, demo_platform: Platform, fake_llm: FakeOpenAI
) -> None:
    client = app_client("sysadmin")
    added = _add(client, name="fake", base_url=fake_llm.base_url, is_local="true", timeout="5")
    assert added.status_code == 303
    page = client.get("/admin/models").text
    assert "已新增模型服务 fake（openai），密级上限：公开" in page
    config = _provider(demo_platform, "fake")
    assert config.is_local and config.timeout_seconds == 5.0 and config.model == "fake-model"
    fake_llm.queue_reply("我是测试用的模型。")
    tested = client.post("/admin/models/fake/test", data={"csrf_token": client.csrf})
    assert tested.status_code == 200
    result = tested.text.split('id="test-result"')[1].split("</section>")[0]
    assert "模型服务 fake 可用，耗时" in result and "毫秒" in result
    assert EXPLICIT_LABEL in result and "我是测试用的模型。" in result
    sent = fake_llm.chat_requests()
    assert len(sent) == 1 and providers.TEST_PROMPT in sent[0].body_text
    assert sent[0].json["model"] == "fake-model"
    actions = [a.split()[0] for a in _audit_actions(demo_platform, "sysadmin", "model.")]
    assert sorted(actions) == ["model.add", "model.call"]


def test_test_failure_shows_the_chinese_error(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    _seed(demo_platform, "unreachable")  # port 9: nothing listens
    client = app_client("secadmin")
    response = client.post("/admin/models/unreachable/test", data={"csrf_token": client.csrf})
    assert response.status_code >= 500
    result = response.text.split('id="test-result"')[1].split("</section>")[0]
    assert 'role="alert"' in result and "unreachable" in result
    assert "Traceback" not in response.text


def test_non_local_provider_cannot_be_secret(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    _seed(demo_platform, "cloud")
    client = app_client("secadmin")
    refused = client.post(
        "/admin/models/cloud/level", data={"level": "涉密", "csrf_token": client.csrf}
    )
    assert refused.status_code == 422
    assert "不是本地部署的模型，不能接收涉密数据（涉密不上网）" in refused.text
    form = refused.text.split('action="/admin/models/cloud/level"')[1].split("</form>")[0]
    assert '<option value="涉密" selected>' in form  # the choice is kept
    assert _provider(demo_platform, "cloud").max_level is Level.PUBLIC
    ok = client.post(
        "/admin/models/cloud/level",
        data={"level": "内部", "csrf_token": client.csrf},
        follow_redirects=True,
    )
    assert "模型服务 cloud 的密级上限已设为“内部”" in ok.text
    assert _provider(demo_platform, "cloud").max_level is Level.INTERNAL
    entries = _audit_actions(demo_platform, "secadmin", "model.level")
    assert len(entries) == 1 and "公开 → 内部" in entries[0]


def test_validation_errors_keep_input(app_client: ClientFactory, demo_platform: Platform) -> None:
    client = app_client("sysadmin")
    no_url = _add(client, name="qwen-cloud", model="qwen-max", api_key_env="QWEN_KEY")
    assert no_url.status_code == 422 and "openai 类型须给出" in no_url.text
    card = no_url.text.split('id="add"')[1]
    assert 'value="qwen-cloud"' in card and 'value="qwen-max"' in card
    assert 'value="QWEN_KEY"' in card
    key_itself = _add(
        client, name="leaky", base_url="http://x/v1", api_key_env="sk-abc123-def", is_local="true"
    )
    assert key_itself.status_code == 422 and "应为环境变量的名字" in key_itself.text
    assert "sk-abc123-def" in key_itself.text.split('id="add"')[1]  # kept in the form only
    assert 'name="is_local" value="true" checked' in key_itself.text
    bad_timeout = _add(client, name="slow", base_url="http://x/v1", timeout="一分钟")
    assert bad_timeout.status_code == 422 and "超时时间须为数字" in bad_timeout.text
    assert 'value="一分钟"' in bad_timeout.text
    duplicate = _add(client, name="extractive-2", kind="extractive")
    assert duplicate.status_code == 303
    again = _add(client, name="extractive-2", kind="extractive")
    assert again.status_code == 409 and "已存在" in again.text
    for name in ("qwen-cloud", "leaky", "slow"):
        assert _provider(demo_platform, name) is None


def test_disable_enable_and_remove(app_client: ClientFactory, demo_platform: Platform) -> None:
    _seed(demo_platform, "cloud")
    client = app_client("sysadmin")
    off = client.post(
        "/admin/models/cloud/enabled",
        data={"enabled": "false", "csrf_token": client.csrf},
        follow_redirects=True,
    )
    assert "已停用模型服务 cloud" in off.text
    assert not _provider(demo_platform, "cloud").enabled
    tested = client.post("/admin/models/cloud/test", data={"csrf_token": client.csrf})
    assert "已停用" in tested.text.split('id="test-result"')[1]
    client.post("/admin/models/cloud/enabled", data={"enabled": "true", "csrf_token": client.csrf})
    assert _provider(demo_platform, "cloud").enabled
    builtin = client.post("/admin/models/extractive/remove", data={"csrf_token": client.csrf})
    assert builtin.status_code == 422 and "不能删除" in builtin.text
    removed = client.post(
        "/admin/models/cloud/remove", data={"csrf_token": client.csrf}, follow_redirects=True
    )
    assert "已删除模型服务 cloud" in removed.text
    assert _provider(demo_platform, "cloud") is None
    actions = [a.split()[0] for a in _audit_actions(demo_platform, "sysadmin", "model.")]
    # the refused test call is logged too
    assert sorted(actions) == ["model.call", "model.disable", "model.enable", "model.remove"]
    unknown = client.post("/admin/models/ghost/remove", data={"csrf_token": client.csrf})
    assert unknown.status_code == 404 and "ghost" in unknown.text


def test_builtin_test_works_for_both_admins(app_client: ClientFactory) -> None:
    for who in ("sysadmin", "secadmin"):
        client = app_client(who)
        response = client.post("/admin/models/extractive/test", data={"csrf_token": client.csrf})
        assert response.status_code == 200, who
        assert "模型服务 extractive 可用" in response.text


def test_post_without_csrf_is_refused(app_client: ClientFactory, demo_platform: Platform) -> None:
    client = app_client("sysadmin")
    response = client.post(
        "/admin/models",
        data={"name": "nocsrf", "kind": "extractive"},
    )
    assert response.status_code == 403
    assert _provider(demo_platform, "nocsrf") is None


def test_a_keyed_provider_is_tested_only_after_the_security_admin_approves(
    app_client: ClientFactory,
    demo_platform: Platform,
    fake_llm: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOVAI_KEY_FAKE", "sk-secret-123")
    sysadmin, secadmin = app_client("sysadmin"), app_client("secadmin")
    settings = _add(sysadmin, name="leak", base_url=fake_llm.base_url, api_key_env="GOVAI_SECRET")
    assert settings.status_code == 422 and "govai 自身的配置项" in settings.text
    added = _add(sysadmin, name="fake", base_url=fake_llm.base_url, api_key_env="GOVAI_KEY_FAKE")
    assert added.status_code == 303
    page = sysadmin.get("/admin/models").text
    assert "须经安全保密管理员批准后才能调用" in page
    row = page.split('id="provider-fake"')[1].split("</tr>")[0]
    assert "待批准" in row and "/admin/models/fake/approve" not in row
    tested = sysadmin.post("/admin/models/fake/test", data={"csrf_token": sysadmin.csrf})
    assert tested.status_code == 403
    assert "govai model approve fake" in tested.text.split('id="test-result"')[1]
    assert fake_llm.chat_requests() == []
    refused = sysadmin.post("/admin/models/fake/approve", data={"csrf_token": sysadmin.csrf})
    assert refused.status_code == 403
    row = secadmin.get("/admin/models").text.split('id="provider-fake"')[1].split("</tr>")[0]
    assert 'action="/admin/models/fake/approve"' in row and "批准" in row
    approved = secadmin.post(
        "/admin/models/fake/approve", data={"csrf_token": secadmin.csrf}, follow_redirects=True
    )
    assert "已批准模型服务 fake" in approved.text
    row = approved.text.split('id="provider-fake"')[1].split("</tr>")[0]
    assert "待批准" not in row and "/approve" not in row
    assert len(_audit_actions(demo_platform, "secadmin", "model.approve")) == 1
    fake_llm.queue_reply("我是测试用的模型。")
    tested = sysadmin.post("/admin/models/fake/test", data={"csrf_token": sysadmin.csrf})
    assert tested.status_code == 200 and "我是测试用的模型。" in tested.text
    assert fake_llm.chat_requests()[-1].headers["authorization"] == "Bearer sk-secret-123"

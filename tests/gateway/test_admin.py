"""Provider configuration, word lists and the call-log retention: who may do what."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from govai.classification import Level
from govai.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ProviderNotApproved,
    ValidationError,
)
from govai.gateway import ModelGateway, ModelRequest
from govai.gateway import service as providers
from govai.gateway import words as wordlists
from govai.gateway.calllog import purge_call_log
from govai.gateway.models import ModelCall, ModelProvider
from govai.gateway.providers import (
    Chunk,
    ProviderCall,
    ProviderConfig,
    ProviderReply,
)
from govai.governance.models import AuditEntry
from govai.platform import Platform
from govai.storage.base import utcnow
from govai.testing.fake_openai import FakeOpenAI

from .conftest import OPERATOR, AddKind, calls, principal, user


def new(name: str = "deepseek", **kw: object) -> providers.NewProvider:
    values: dict[str, object] = {
        "kind": "openai",
        "base_url": "http://127.0.0.1:8001/v1",
        "model": "deepseek-chat",
    }
    values.update(kw)
    return providers.NewProvider(name, **values)  # type: ignore[arg-type]


def audit_actions(platform: Platform) -> list[str]:
    with platform.db.session() as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


def test_triad_roles_split_provider_configuration_and_levels(demo_platform: Platform) -> None:
    sysadmin = principal(demo_platform, "sysadmin")
    secadmin = principal(demo_platform, "secadmin")
    staff = principal(demo_platform, "staff")
    with demo_platform.db.session() as session:
        with pytest.raises(PermissionDenied):
            providers.add_provider(session, staff, new())
        with pytest.raises(PermissionDenied):
            providers.add_provider(session, secadmin, new())
        added = providers.add_provider(session, sysadmin, new(api_key_env="DEEPSEEK_API_KEY"))
        assert added.max_level is Level.PUBLIC  # a new provider starts at 公开
        with pytest.raises(PermissionDenied, match="安全保密管理员"):
            providers.set_provider_level(session, sysadmin, "deepseek", "内部")
        changed = providers.set_provider_level(session, secadmin, "deepseek", "内部")
        assert changed.max_level is Level.INTERNAL
    assert audit_actions(demo_platform)[-2:] == ["model.add", "model.level"]


def test_secret_level_only_for_local_providers(demo_platform: Platform) -> None:
    with demo_platform.db.session() as session:
        providers.add_provider(session, OPERATOR, new())
        providers.add_provider(session, OPERATOR, new("local", is_local=True))
        with pytest.raises(ValidationError, match="涉密不上网"):
            providers.set_provider_level(session, OPERATOR, "deepseek", "涉密")
        assert providers.set_provider_level(session, OPERATOR, "local", "涉密").max_level == 3


def test_bad_provider_configurations_are_explained(demo_platform: Platform) -> None:
    with demo_platform.db.session() as session:
        with pytest.raises(ValidationError, match="可选：extractive、openai"):
            providers.add_provider(session, OPERATOR, new(kind="claude"))
        with pytest.raises(ValidationError, match="环境变量的名字"):
            providers.add_provider(session, OPERATOR, new(api_key_env="sk-abc123-xyz"))
        with pytest.raises(ValidationError, match="--base-url"):
            providers.add_provider(session, OPERATOR, new(base_url=""))
        providers.add_provider(session, OPERATOR, new())
        with pytest.raises(Conflict):
            providers.add_provider(session, OPERATOR, new())


def test_builtin_is_listed_and_cannot_be_removed(demo_platform: Platform) -> None:
    with demo_platform.db.session() as session:
        providers.add_provider(session, OPERATOR, new())
        listed = providers.list_providers(session)
        assert [(c.name, c.builtin) for c in listed] == [("extractive", True), ("deepseek", False)]
        with pytest.raises(ValidationError, match="不能删除"):
            providers.remove_provider(session, OPERATOR, "extractive")
        providers.remove_provider(session, OPERATOR, "deepseek")
        assert [c.name for c in providers.list_providers(session)] == ["extractive"]


def test_builtin_level_can_be_lowered(demo_platform: Platform, gateway: ModelGateway) -> None:
    with demo_platform.db.session() as session:
        providers.set_provider_level(session, OPERATOR, "extractive", "内部")
    with pytest.raises(Exception, match="最高只能接收“内部”级"):
        gateway.complete(ModelRequest("qa", user("x"), level=Level.SENSITIVE), OPERATOR)


def test_provider_test_reports_latency_and_reply(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.queue_reply("我是测试模型。")
    result = providers.test_provider(gateway, principal(demo_platform, "sysadmin"), remote)
    assert result.reply == "「本内容由人工智能生成」\n我是测试模型。" and result.latency_ms >= 0
    assert calls(demo_platform)[0].scenario == "model.test"
    with pytest.raises(PermissionDenied):
        providers.test_provider(gateway, principal(demo_platform, "staff"), remote)


class EchoProvider:
    """A third-party provider kind, registered through the public hook."""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    def complete(self, call: ProviderCall) -> ProviderReply:
        return ProviderReply("回声：" + call.messages[-1]["content"], "echo-1")

    def stream(self, call: ProviderCall) -> Iterator[Chunk]:
        yield Chunk(self.complete(call).text)


def test_a_third_party_kind_registers_like_the_builtins(
    demo_platform: Platform, gateway: ModelGateway, add_kind: AddKind
) -> None:
    mine = add_kind("echo", EchoProvider)
    reply = gateway.complete(ModelRequest("qa", user("电话13912345678"), provider=mine), OPERATOR)
    assert reply.body == "回声：电话13912345678" and reply.model == "echo-1"
    assert "13912345678" not in calls(demo_platform)[0].masked_input


def test_words_are_managed_by_the_security_admin(demo_platform: Platform) -> None:
    with demo_platform.db.session() as session:
        with pytest.raises(PermissionDenied):
            wordlists.add_word(session, principal(demo_platform, "sysadmin"), "违禁品")
        secadmin = principal(demo_platform, "secadmin")
        assert wordlists.add_word(session, secadmin, "违禁品") == "added"
        assert wordlists.add_word(session, secadmin, "违禁品") == "unchanged"
        assert wordlists.add_word(session, secadmin, "违禁品", action="review") == "changed"
        assert [(w.word, w.action) for w in wordlists.list_words(session, "default")] == [
            ("违禁品", "review")
        ]
        with pytest.raises(ValidationError, match="至少 2 个字符"):
            wordlists.add_word(session, secadmin, "毒")
        with pytest.raises(ValidationError, match="block（拦截）"):
            wordlists.add_word(session, secadmin, "某词", action="delete")
        wordlists.remove_word(session, secadmin, "违禁品")
        with pytest.raises(NotFound, match="govai words list"):
            wordlists.remove_word(session, secadmin, "违禁品")
    assert audit_actions(demo_platform)[-3:] == ["words.add", "words.add", "words.remove"]


def test_import_reports_bad_lines_and_imports_the_rest(demo_platform: Platform) -> None:
    text = "# 示范词表\n违禁品\n\n  赌博网站  \n毒\n违禁品\n" + "长" * 201 + "\n"
    with demo_platform.db.session() as session:
        report = wordlists.import_words(session, OPERATOR, text, list_name="mine", action="block")
        assert (report.added, report.changed, report.unchanged) == (2, 0, 0)
        assert [(n, why[:6]) for n, _, why in report.bad_lines] == [
            (5, "敏感词至少 "),
            (7, "敏感词不能超"),
        ]
        assert sorted(w.word for w in wordlists.list_words(session, "mine")) == [
            "赌博网站",
            "违禁品",
        ]


def test_changed_words_take_effect_without_restart(
    demo_platform: Platform, gateway: ModelGateway
) -> None:
    request = ModelRequest("qa", user("这里有违禁品吗"))
    gateway.complete(request, OPERATOR)
    with demo_platform.db.session() as session:
        wordlists.add_word(session, OPERATOR, "违禁品")
    with pytest.raises(Exception, match="禁用词"):
        gateway.complete(request, OPERATOR)
    with demo_platform.db.session() as session:
        wordlists.add_word(session, OPERATOR, "违禁品", action="review")
    assert gateway.complete(request, OPERATOR).review_words == ["违禁品"]


def test_purge_keeps_the_retention_period(demo_platform: Platform, gateway: ModelGateway) -> None:
    for _ in range(2):
        gateway.complete(ModelRequest("qa", user("你好")), OPERATOR)
    with demo_platform.db.session() as session:
        old, recent = session.execute(select(ModelCall).order_by(ModelCall.id)).scalars()
        old.ts = utcnow() - timedelta(days=184)
        recent.ts = utcnow() - timedelta(days=182)  # inside the default 183 days
    with demo_platform.db.session() as session:
        with pytest.raises(PermissionDenied):
            purge_call_log(session, demo_platform.settings, principal(demo_platform, "staff"))
        assert purge_call_log(session, demo_platform.settings, OPERATOR) == 1
    assert [c.id for c in calls(demo_platform)] == [recent.id]
    assert audit_actions(demo_platform)[-1] == "model.purge_log"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"list_name": "长" * 65}, "词库名不能超过 64 个字符"),
        ({"list_name": "a\x00b"}, "词库名不能含控制字符"),
        ({"list_name": "  "}, "词库名不能为空"),
        ({"category": "类" * 65}, "分类不能超过 64 个字符"),
        ({"category": "a\x00b"}, "分类不能含控制字符"),
    ],
)
def test_word_list_name_and_category_are_validated_by_the_service(
    demo_platform: Platform, fields: dict[str, str], message: str
) -> None:
    """The columns are 64 wide and PostgreSQL refuses NUL: a 500 unless checked here."""
    with demo_platform.db.session() as session:
        with pytest.raises(ValidationError, match=message):
            wordlists.add_word(session, OPERATOR, "违禁品", **fields)
        if "list_name" in fields:
            with pytest.raises(ValidationError, match=message):
                wordlists.import_words(session, OPERATOR, "违禁品\n", **fields)
            with pytest.raises(ValidationError, match=message):
                wordlists.remove_word(session, OPERATOR, "违禁品", **fields)
        assert "违禁品" not in {w.word for w in wordlists.list_words(session)}
    with demo_platform.db.session() as session:
        assert wordlists.add_word(session, OPERATOR, "违禁品", category="类" * 64) == "added"


@pytest.mark.parametrize("env", ["GOVAI_DATABASE_URL", "govai_database_url", "GOVAI_SECRET"])
def test_a_govai_setting_cannot_be_named_as_a_key(demo_platform: Platform, env: str) -> None:
    """Its value would go out as a Bearer token to the address the administrator chose."""
    with demo_platform.db.session() as session:
        with pytest.raises(ValidationError, match="govai 自身的配置项") as refused:
            providers.add_provider(session, OPERATOR, new(api_key_env=env))
        assert "GOVAI_KEY_" in refused.value.message
        added = providers.add_provider(session, OPERATOR, new(api_key_env="GOVAI_KEY_DEEPSEEK"))
        assert added.api_key_env == "GOVAI_KEY_DEEPSEEK"


def test_a_provider_sending_a_key_is_called_only_once_the_security_admin_approves(
    demo_platform: Platform,
    gateway: ModelGateway,
    fake_llm: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOVAI_KEY_TEST", "sk-secret-123")
    sysadmin = principal(demo_platform, "sysadmin")
    secadmin = principal(demo_platform, "secadmin")
    keyed = new("keyed", base_url=fake_llm.base_url, api_key_env="GOVAI_KEY_TEST")
    with demo_platform.db.session() as session:
        added = providers.add_provider(session, sysadmin, keyed)
        assert added.needs_approval
        providers.add_provider(session, sysadmin, new("keyless", base_url=fake_llm.base_url))
    for call in (
        lambda: gateway.complete(ModelRequest("qa", user("你好"), provider="keyed"), sysadmin),
        lambda: gateway.stream(ModelRequest("qa", user("你好"), provider="keyed"), sysadmin),
        lambda: providers.test_provider(gateway, sysadmin, "keyed"),
        lambda: providers.test_provider(gateway, OPERATOR, "keyed"),
    ):
        with pytest.raises(ProviderNotApproved, match="govai model approve keyed"):
            call()
    assert fake_llm.chat_requests() == []  # the key never left
    refused = calls(demo_platform)
    assert [c.status for c in refused] == ["refused"] * 4
    assert "安全保密管理员批准" in refused[0].error
    with demo_platform.db.session() as session:
        with pytest.raises(PermissionDenied, match="安全保密管理员"):
            providers.approve_provider(session, sysadmin, "keyed")
        with pytest.raises(ValidationError, match="无需批准"):
            providers.approve_provider(session, secadmin, "extractive")
        assert providers.approve_provider(session, secadmin, "keyed").approved
    assert audit_actions(demo_platform)[-1] == "model.approve"
    fake_llm.queue_reply("我是示范模型。")
    assert "我是示范模型" in providers.test_provider(gateway, sysadmin, "keyed").reply
    assert fake_llm.chat_requests()[-1].headers["authorization"] == "Bearer sk-secret-123"
    fake_llm.queue_reply("无需密钥。")  # no key, nothing to approve
    assert "无需密钥" in providers.test_provider(gateway, sysadmin, "keyless").reply


@pytest.mark.parametrize(
    ("column", "value"), [("base_url", "http://attacker.example/v1"), ("api_key_env", "OTHER_KEY")]
)
def test_changing_where_or_which_key_withdraws_the_approval(
    demo_platform: Platform, column: str, value: str
) -> None:
    with demo_platform.db.session() as session:
        providers.add_provider(session, OPERATOR, new(api_key_env="DEEPSEEK_API_KEY"))
        providers.approve_provider(session, OPERATOR, "deepseek")
    with demo_platform.db.session() as session:  # a fresh session: the row is loaded, not cached
        row = session.execute(
            select(ModelProvider).where(ModelProvider.name == "deepseek")
        ).scalar_one()
        setattr(row, column, getattr(row, column))  # the same value keeps the approval
        session.flush()
        assert providers.get_provider(session, "deepseek").approved
    with demo_platform.db.session() as session:
        row = session.execute(
            select(ModelProvider).where(ModelProvider.name == "deepseek")
        ).scalar_one()
        session.expire(row)
        setattr(row, column, value)
    with demo_platform.db.session() as session:
        assert providers.get_provider(session, "deepseek").needs_approval


def test_a_removed_then_re_added_provider_starts_unapproved(demo_platform: Platform) -> None:
    with demo_platform.db.session() as session:
        providers.add_provider(session, OPERATOR, new(api_key_env="DEEPSEEK_API_KEY"))
        providers.approve_provider(session, OPERATOR, "deepseek")
        providers.remove_provider(session, OPERATOR, "deepseek")
    with demo_platform.db.session() as session:
        again = providers.add_provider(
            session, OPERATOR, new(base_url="http://elsewhere/v1", api_key_env="DEEPSEEK_API_KEY")
        )
        assert again.needs_approval

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from govai.accounts.principal import Principal
from govai.classification import Level
from govai.errors import (
    ClassificationRefused,
    ContentBlocked,
    GatewayError,
    ProviderBadResponse,
    ProviderError,
    ProviderTimeout,
    UnknownProvider,
)
from govai.gateway import Evidence, ModelGateway, ModelRequest, words
from govai.gateway import service as providers
from govai.gateway.models import ModelProvider
from govai.governance import audit
from govai.platform import Platform
from govai.testing.fake_openai import FakeOpenAI

from .conftest import OPERATOR, add_remote, call_audits, calls, masked_messages, user

EVIDENCE = [
    Evidence(
        "hpf-24",
        "职工离休、退休的，可以提取职工住房公积金账户内的存储余额。",
        "《住房公积金管理条例》第二十四条",
    )
]


def test_default_provider_answers_from_evidence_labelled_and_logged(
    demo_platform: Platform, gateway: ModelGateway, staff: Principal
) -> None:
    reply = gateway.complete(
        ModelRequest(
            "qa",
            user("我退休了，能提取公积金吗？"),
            evidence=EVIDENCE,
            template="qa",
            template_version="3",
        ),
        staff,
    )
    assert reply.text.startswith("「本内容由人工智能生成」\n")
    assert reply.body.endswith("〔《住房公积金管理条例》第二十四条〕")
    assert reply.provider == "extractive"
    assert reply.aigc["AIGC"]["ProduceID"] == reply.produce_id
    assert reply.evidence_ids == ["hpf-24"]
    [row] = calls(demo_platform)
    assert (row.status, row.username, row.scenario, row.produce_id) == (
        "ok",
        "staff",
        "qa",
        reply.produce_id,
    )
    assert (row.template, row.template_version) == ("qa", "3")
    assert json.loads(row.evidence_ids) == ["hpf-24"]
    [entry] = call_audits(demo_platform)
    assert entry.object_id == str(row.id) and entry.actor == "staff"


def test_call_log_keeps_only_masked_input(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.queue_reply("已为〔手机号1〕登记。")
    reply = gateway.complete(
        ModelRequest("qa", user("我的电话13912345678"), provider=remote), OPERATOR
    )
    assert reply.body == "已为13912345678登记。"
    [row] = calls(demo_platform)
    assert "13912345678" not in row.masked_input + row.output
    assert masked_messages(row)[0]["content"] == "我的电话〔手机号1〕"


def test_request_above_the_provider_level_is_refused_before_sending(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    with pytest.raises(ClassificationRefused) as err:
        gateway.complete(
            ModelRequest("qa", user("内部通报"), level=Level.SENSITIVE, provider=remote), OPERATOR
        )
    message = err.value.message
    assert "remote" in message and "内部" in message and "敏感" in message
    assert "govai model level remote 敏感" in message
    assert fake_llm.chat_requests() == []
    assert [c.status for c in calls(demo_platform)] == ["refused"]
    assert len(call_audits(demo_platform)) == 1


def test_secret_never_goes_to_a_non_local_provider(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    with demo_platform.db.session() as session:  # even if someone edits the table directly
        session.execute(update(ModelProvider).values(max_level=int(Level.SECRET)))
    with pytest.raises(ClassificationRefused, match="涉密不上网"):
        gateway.complete(
            ModelRequest("qa", user("x"), level=Level.SECRET, provider=remote), OPERATOR
        )
    assert fake_llm.chat_requests() == []


def test_secret_goes_to_a_local_provider_and_to_the_builtin(
    demo_platform: Platform, gateway: ModelGateway, fake_llm: FakeOpenAI
) -> None:
    local = add_remote(demo_platform, fake_llm, "vllm", local=True, level=Level.SECRET)
    gateway.complete(
        ModelRequest("qa", user("涉密材料"), level=Level.SECRET, provider=local), OPERATOR
    )
    gateway.complete(ModelRequest("qa", user("涉密材料"), level=Level.SECRET), OPERATOR)
    assert [c.provider for c in calls(demo_platform)] == ["vllm", "extractive"]
    assert len(fake_llm.chat_requests()) == 1


def test_unknown_provider_names_the_configured_ones(
    demo_platform: Platform, gateway: ModelGateway, fake_llm: FakeOpenAI
) -> None:
    add_remote(demo_platform, fake_llm, "deepseek")
    with pytest.raises(UnknownProvider) as err:
        gateway.complete(ModelRequest("qa", user("你好"), provider="qwen"), OPERATOR)
    assert err.value.message == (
        "没有名为 'qwen' 的模型服务。已配置：extractive、deepseek。用 `govai model add` 添加。"
    )
    assert [(c.status, c.provider) for c in calls(demo_platform)] == [("unknown_provider", "qwen")]


def test_disabled_provider_is_refused(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    with demo_platform.db.session() as session:
        providers.set_provider_enabled(session, OPERATOR, remote, False)
    with pytest.raises(GatewayError, match="已停用"):
        gateway.complete(ModelRequest("qa", user("你好"), provider=remote), OPERATOR)
    assert fake_llm.chat_requests() == []


def test_input_with_a_block_word_never_reaches_the_provider(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    with demo_platform.db.session() as session:
        words.add_word(session, OPERATOR, "违禁品")
    with pytest.raises(ContentBlocked, match="违禁品"):
        gateway.complete(ModelRequest("qa", user("哪里买违禁品"), provider=remote), OPERATOR)
    assert fake_llm.chat_requests() == []
    [row] = calls(demo_platform)
    assert row.status == "blocked_input" and "违禁品" in row.error


def test_reply_with_a_block_word_is_withheld(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    with demo_platform.db.session() as session:
        words.add_word(session, OPERATOR, "违禁品")
    fake_llm.queue_reply("可以去某处购买违禁品。")
    with pytest.raises(ContentBlocked, match="已被拦截"):
        gateway.complete(ModelRequest("qa", user("请问"), provider=remote), OPERATOR)
    [row] = calls(demo_platform)
    assert row.status == "blocked_output"
    assert row.output == "可以去某处购买违禁品。"  # kept as a record (第十四条)


def test_review_words_pass_but_are_flagged(
    demo_platform: Platform, gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    with demo_platform.db.session() as session:
        words.add_word(session, OPERATOR, "上访", action="review")
        words.add_word(session, OPERATOR, "拆迁", action="review")
    fake_llm.queue_reply("关于拆迁补偿，请咨询住建部门。")
    reply = gateway.complete(ModelRequest("qa", user("我要上访"), provider=remote), OPERATOR)
    assert reply.review_words == ["上访", "拆迁"]
    assert calls(demo_platform)[0].status == "review"
    assert "待复核词：上访、拆迁" in call_audits(demo_platform)[0].summary


@pytest.mark.parametrize(
    ("script", "error", "status"),
    [
        ({"status": 500}, ProviderBadResponse, "bad_response"),
        ({"status": 401}, ProviderBadResponse, "bad_response"),
        ({"raw_body": "<html>502 Bad Gateway</html>"}, ProviderBadResponse, "bad_response"),
        (
            {"raw_body": '{"id":"x","object":"chat.completion","choices":[]}'},
            ProviderBadResponse,
            "bad_response",
        ),
        ({"delay": 1.5}, ProviderTimeout, "timeout"),
    ],
)
def test_provider_faults_give_a_clear_error_and_one_log_row(
    demo_platform: Platform,
    gateway: ModelGateway,
    fake_llm: FakeOpenAI,
    script: dict[str, object],
    error: type[Exception],
    status: str,
) -> None:
    name = add_remote(demo_platform, fake_llm, "slow", timeout=0.5)
    fake_llm.queue_reply("不会送达", **script)  # type: ignore[arg-type]
    with pytest.raises(error) as err:
        gateway.complete(ModelRequest("qa", user("你好"), provider=name), OPERATOR)
    assert "模型服务 slow" in str(err.value)
    [row] = calls(demo_platform)
    assert row.status == status and row.error == str(err.value)
    assert len(call_audits(demo_platform)) == 1
    with demo_platform.db.session() as session:
        assert audit.verify(session).ok


def test_unreachable_provider(demo_platform: Platform, gateway: ModelGateway) -> None:
    with demo_platform.db.session() as session:
        providers.add_provider(
            session, OPERATOR, providers.NewProvider("gone", "openai", "http://127.0.0.1:9/v1", "m")
        )
    with pytest.raises(ProviderError, match="无法连接"):
        gateway.complete(ModelRequest("qa", user("你好"), provider="gone"), OPERATOR)
    assert calls(demo_platform)[0].status == "error"


def test_api_key_is_read_from_the_named_variable_and_never_stored(
    demo_platform: Platform,
    gateway: ModelGateway,
    fake_llm: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = add_remote(demo_platform, fake_llm, "keyed", api_key_env="GOVAI_KEY_TEST")
    request = ModelRequest("qa", user("你好"), provider=name)
    with pytest.raises(ProviderError, match="GOVAI_KEY_TEST"):
        gateway.complete(request, OPERATOR)
    monkeypatch.setenv("GOVAI_KEY_TEST", "sk-secret-123")
    gateway.complete(request, OPERATOR)
    assert fake_llm.chat_requests()[-1].headers["authorization"] == "Bearer sk-secret-123"
    with demo_platform.db.session() as session:
        dump = json.dumps([c.__dict__ for c in providers.list_providers(session)], default=str)
        rows = [audit_row.summary for audit_row in audit.search(session, audit.AuditFilter())[0]]
    assert "sk-secret" not in dump + "".join(rows)


def test_evidence_reaches_a_chat_model_with_citations(
    gateway: ModelGateway, remote: str, fake_llm: FakeOpenAI
) -> None:
    gateway.complete(
        ModelRequest(
            "qa",
            user("退休能提取吗"),
            evidence=EVIDENCE,
            provider=remote,
            temperature=0.1,
            max_tokens=50,
        ),
        OPERATOR,
    )
    sent = fake_llm.chat_requests()[0].json
    assert sent["messages"][0]["role"] == "system"
    assert "《住房公积金管理条例》第二十四条" in sent["messages"][0]["content"]
    assert sent["messages"][-1] == {"role": "user", "content": "退休能提取吗"}
    assert (sent["temperature"], sent["max_tokens"]) == (0.1, 50)


def test_demo_word_list_is_active(demo_platform: Platform, gateway: ModelGateway) -> None:
    with pytest.raises(ContentBlocked, match="办假证"):
        gateway.complete(ModelRequest("qa", user("哪里可以办假证")), OPERATOR)
    reply = gateway.complete(ModelRequest("qa", user("我想上访")), OPERATOR)
    assert reply.review_words == ["上访"]

"""表单预填 end to end: the real gateway and OpenAI client against the fake OpenAI server, the
demo 失业保险金 rule file, documents made in the test. What the model answers is scripted; what
it received is read back from the server."""

from __future__ import annotations

import io
import json
from typing import Any

import docx
import pytest
from pypdf import PdfWriter
from sqlalchemy import select

from govai.approval.rulemodel import FieldSpec
from govai.classification import Level
from govai.errors import ConfigError, GatewayError, ValidationError
from govai.gateway import ModelGateway
from govai.gateway import service as providers
from govai.gateway.labels import EXPLICIT_LABEL
from govai.gateway.models import ModelCall
from govai.platform import Platform
from govai.scenarios.approval import catalog
from govai.scenarios.approval.models import CatalogItem
from govai.scenarios.approval.prefill import (
    SCENARIO,
    TEXT_CHARS,
    Prefill,
    parse_values,
    prefill,
    provider_problem,
)
from govai.testing.fake_openai import FakeOpenAI

from .conftest import OPERATOR, TODAY, UNEMPLOYMENT, ZHANG

ID_NUMBER = str(ZHANG["id_number"])
CERTIFICATE = [
    "终止劳动合同证明书",
    f"兹证明张三（公民身份号码：{ID_NUMBER}）自2014年3月1日起在示范市某某机械有限公司工作，",
    "双方劳动合同于2025年2月10日期满终止，双方劳动关系自该日起终止。",
    "在本单位工作期间累计缴纳失业保险费130个月。",
    "示范市某某机械有限公司（盖章）  2025年2月10日",
]


def add_remote(platform: Platform, fake: FakeOpenAI, name: str, level: Level) -> str:
    with platform.db.session() as session:
        providers.add_provider(
            session,
            OPERATOR,
            providers.NewProvider(name, "openai", fake.base_url, "fake-model", "", False, 5.0),
        )
        if level is not Level.PUBLIC:
            providers.set_provider_level(session, OPERATOR, name, level)
    return name


@pytest.fixture
def remote(stored: Platform, fake_llm: FakeOpenAI) -> str:
    """An internet chat model allowed 内部 data, served by the fake."""
    return add_remote(stored, fake_llm, "remote", Level.INTERNAL)


def item(platform: Platform, code: str = UNEMPLOYMENT) -> CatalogItem:
    with platform.db.read() as session:
        return catalog.get_item(session, code)


def run(platform: Platform, filename: str, data: bytes, provider: str) -> Prefill:
    gateway = ModelGateway(platform.db, platform.settings)
    return prefill(
        gateway, OPERATOR, item(platform), filename, data, provider=provider, today=TODAY
    )


def word_file(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # a page with no text layer, as a scan has
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def user_text(request: dict[str, Any]) -> str:
    return str(next(m["content"] for m in request["messages"] if m["role"] == "user"))


def prefill_calls(platform: Platform) -> list[ModelCall]:
    with platform.db.read() as session:
        query = select(ModelCall).where(ModelCall.scenario == SCENARIO).order_by(ModelCall.id)
        return list(session.execute(query).scalars())


# ---------------------------------------------------------------- documents that are read


def test_a_word_document_fills_the_form_and_the_id_number_never_leaves(
    stored: Platform, remote: str, fake_llm: FakeOpenAI
) -> None:
    def model(request: dict[str, Any]) -> str:
        text = user_text(request)
        assert "期满终止" in text and "〔身份证号1〕" in text  # the gateway masked it
        return json.dumps(
            {
                "contribution_months": 130,
                "separation_reason": "劳动合同期满终止",
                "separation_date": "2025年2月10日",
                "registered_unemployed": "否",
                "id_number": "〔身份证号1〕",  # the applicant's identity: not a form field
                "employer": "示范市某某机械有限公司",  # not a field at all
            },
            ensure_ascii=False,
        )

    fake_llm.queue_reply(model)
    result = run(stored, "终止劳动合同证明书.docx", word_file(CERTIFICATE), remote)

    assert result.values == {
        "contribution_months": "130",
        "separation_reason": "劳动合同期满终止",
        "separation_date": "2025-02-10",
        "registered_unemployed": "否",
    }
    assert result.skipped == [] and result.notes == []
    assert result.label.startswith(EXPLICIT_LABEL) and "逐项核对" in result.label
    [sent] = fake_llm.chat_requests()
    assert ID_NUMBER not in sent.body_text
    assert sent.json["temperature"] == 0
    system = str(sent.json["messages"][0]["content"])
    for listed in ("contribution_months", "终止或者解除劳动关系日期", "本人辞职", "YYYY-MM-DD"):
        assert listed in system
    assert "id_number" not in system  # facts from the login are not asked for
    [call] = prefill_calls(stored)
    assert (call.produce_id, call.provider, call.status) == (result.produce_id, remote, "ok")


def test_values_the_rule_file_refuses_are_skipped_with_a_note(
    stored: Platform, remote: str, fake_llm: FakeOpenAI
) -> None:
    answer = {
        "累计缴费月数": "130",  # a label is taken for its field
        "separation_reason": "辞职",  # not one of the choices: never mapped to 本人辞职
        "separation_date": "下个月",
        "reemployed": "还没有",
        "registered_unemployed": True,
    }
    fake_llm.queue_reply(
        "<think>看看文件……</think>好的：\n```json\n"
        + json.dumps(answer, ensure_ascii=False)
        + "\n```"
    )
    text = "\n".join(CERTIFICATE).encode("gb18030")  # saved by a Windows editor
    result = run(stored, "证明.txt", text, remote)

    assert result.values == {"contribution_months": "130", "registered_unemployed": "是"}
    assert len(result.skipped) == 3
    reason, day, work = result.skipped
    assert "“中断就业原因”为“辞职”" in reason and "本人辞职" in reason
    assert "“终止或者解除劳动关系日期”为“下个月”，不是有效日期" in day
    assert "“已重新就业”为“还没有”" in work and "“是”或“否”" in work
    assert all(note.endswith("未预填，请自行填写。") for note in result.skipped)
    assert "期满终止" in user_text(fake_llm.chat_requests()[0].json)  # GB18030 was read


def test_a_long_document_is_sent_in_part_with_a_note(
    stored: Platform, remote: str, fake_llm: FakeOpenAI
) -> None:
    fake_llm.queue_reply("{}")
    long = "\n".join([*CERTIFICATE, "附：工作经历说明。" * 1000]).encode()
    result = run(stored, "证明.md", long, remote)
    assert result.values == {}
    assert len(user_text(fake_llm.chat_requests()[0].json)) <= TEXT_CHARS + 10
    assert any(f"前 {TEXT_CHARS} 字" in note for note in result.notes)
    assert any("没有找到申请表需要填写的内容" in note for note in result.notes)


# ---------------------------------------------------------------- documents that are refused


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("扫描件.pdf", scanned_pdf()),
        ("照片.jpg", b"\xff\xd8\xff\xe0"),
        ("只有图片.docx", word_file([])),
    ],
)
def test_a_scan_a_photo_or_an_empty_document_is_refused_before_any_call(
    stored: Platform, remote: str, fake_llm: FakeOpenAI, filename: str, data: bytes
) -> None:
    with pytest.raises(ValidationError) as err:
        run(stored, filename, data, remote)
    assert "没有可读取的文字" in err.value.message
    assert "直接填写" in err.value.message
    assert fake_llm.requests == []


def test_an_old_word_file_names_the_formats_read(stored: Platform, remote: str) -> None:
    with pytest.raises(ValidationError) as err:
        run(stored, "证明.doc", b"\xd0\xcf\x11\xe0", remote)
    assert "另存为 .docx" in err.value.message and ".pdf" in err.value.message


def test_an_item_without_a_rule_file_has_nothing_to_fill(stored: Platform, remote: str) -> None:
    row = CatalogItem(code="TEST-001", name="无规则事项", rules_yaml="")
    gateway = ModelGateway(stored.db, stored.settings)
    with pytest.raises(ValidationError, match="没有可以预填的内容"):
        prefill(gateway, OPERATOR, row, "a.txt", b"x", provider=remote, today=TODAY)


# ---------------------------------------------------------------- the provider


def test_no_provider_or_the_extractive_one_says_which_setting_to_change(
    stored: Platform, fake_llm: FakeOpenAI
) -> None:
    data = "\n".join(CERTIFICATE).encode()
    with pytest.raises(ConfigError, match="approval_prefill_provider"):
        run(stored, "证明.txt", data, "")
    with pytest.raises(GatewayError) as err:
        run(stored, "证明.txt", data, "extractive")
    assert "只摘录" in err.value.message and "approval_prefill_provider" in err.value.message
    public = add_remote(stored, fake_llm, "public-only", Level.PUBLIC)
    with stored.db.read() as session:
        assert "govai model level public-only 内部" in provider_problem(session, public)
        assert "没有名为 'qwen' 的模型服务" in provider_problem(session, "qwen")
    # the gateway's own refusals: a key the security administrator has not approved, a
    # disabled provider — reported before any upload, not on the call
    with stored.db.session() as session:
        providers.add_provider(
            session,
            OPERATOR,
            providers.NewProvider("keyed", "openai", fake_llm.base_url, "m", "KEYED_API_KEY"),
        )
        providers.set_provider_level(session, OPERATOR, "keyed", Level.INTERNAL)
    with stored.db.read() as session:
        assert "govai model approve keyed" in provider_problem(session, "keyed")
    with stored.db.session() as session:
        providers.set_provider_enabled(session, OPERATOR, "keyed", False)
    with stored.db.read() as session:
        assert "已停用" in provider_problem(session, "keyed")
    assert fake_llm.requests == []


# ---------------------------------------------------------------- reading answers


@pytest.fixture
def specs(stored: Platform) -> list[FieldSpec]:
    rules = catalog.ruleset_of(item(stored))
    assert rules is not None
    return [s for s in rules.fields if s.source == "fields"]


def test_an_enum_differing_only_in_width_or_spaces_is_the_choice(specs: list[FieldSpec]) -> None:
    answer = {
        "separation_reason": "用人单位提出、双方协商一致 解除劳动合同",
        "contribution_months": "１３０",
    }
    body = json.dumps(answer, ensure_ascii=False)
    result = parse_values(body, specs, TODAY)
    assert result.values == {
        "separation_reason": "用人单位提出、双方协商一致解除劳动合同",
        "contribution_months": "130",
    }


def test_an_answer_that_is_not_json_fills_nothing(specs: list[FieldSpec]) -> None:
    result = parse_values("文件里写的是劳动合同期满终止。", specs, TODAY)
    assert result.values == {} and result.skipped == []
    assert result.notes == ["模型没有按要求给出结果，未预填任何内容，请对照文件直接填写。"]

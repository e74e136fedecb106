"""辅助文书起草 end to end through the real gateway over the demo platform: the offline
extractive provider (the type's template with the knowledge base's clauses as its 依据) and a
scripted fake model (its [n] turned into sources), grounding warnings for 已废止 policies, the
stored draft, its edits, exports with exactly one AIGC label, and who may see what."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from govai.accounts.principal import Principal, cli_principal
from govai.accounts.roles import Role
from govai.classification import Level
from govai.documents.doctypes import KINDS, facts_from_dict
from govai.errors import NotFound, PermissionDenied, ValidationError
from govai.gateway import ModelGateway
from govai.gateway import service as providers
from govai.gateway.labels import AIGC_KEY
from govai.governance.models import AuditEntry
from govai.knowledge.retrieval import Retriever
from govai.platform import Platform
from govai.scenarios.drafting import service
from govai.scenarios.drafting.models import DocDraft
from govai.testing.fake_openai import FakeOpenAI

OPERATOR = cli_principal("pytest")
STAFF = Principal(
    username="staff1",
    user_id=9001,
    org_id=None,
    roles=frozenset({Role.STAFF}),
    via="session",
    clearance=Level.INTERNAL,
)
OTHER = Principal(
    username="staff2",
    user_id=9002,
    org_id=424242,
    roles=frozenset({Role.STAFF}),
    via="session",
    clearance=Level.INTERNAL,
)
AUDITOR = Principal(username="audit1", user_id=9003, roles=frozenset({Role.AUDITOR}), via="session")

REQUEST: dict[str, Any] = {
    "type": "请示",
    "issuer": "示范市住房公积金管理中心",
    "subject": "调整退休职工住房公积金提取办理流程",
    "purpose": "为方便职工退休后提取住房公积金，减少群众跑腿",
    "recipients": ["示范市人民政府"],
    "points": ["退休职工凭身份证即可申请销户提取", "提取资金3个工作日内到账"],
    "dates": ["2027年1月1日起施行"],
    "contact": "张敏，0571-12345678",
}


@pytest.fixture
def gateway(demo_platform: Platform) -> ModelGateway:
    return ModelGateway(demo_platform.db, demo_platform.settings)


@pytest.fixture
def retriever(demo_platform: Platform) -> Retriever:
    return Retriever(demo_platform.db, demo_platform.settings)


def _docx_parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")}


def test_extractive_request_cites_the_knowledge_base_and_ends_as_a_request(
    demo_platform: Platform, gateway: ModelGateway, retriever: Retriever
) -> None:
    drafted = service.draft_document(
        demo_platform.db,
        gateway,
        STAFF,
        facts_from_dict(REQUEST),
        retriever=retriever,
        kb="policy",
    )
    assert drafted.provider == "extractive"
    assert drafted.title.endswith("的请示") and "退休职工住房公积金" in drafted.title
    lines = drafted.body.splitlines()
    assert (
        lines[-1] in ("妥否，请批示。", "以上请示妥否，请批示。") or "妥否，请批示" in drafted.body
    )
    # the knowledge base's clause is the 依据, with its source and status
    assert drafted.citations, drafted.body
    assert all(c["status"] == "现行有效" for c in drafted.citations)
    assert "〔《住房公积金管理条例》" in drafted.body
    for point in REQUEST["points"]:
        assert point in drafted.body
    assert drafted.spec["note"] == "联系人及电话：张敏，0571-12345678"  # 附注 (GB/T 9704 7.3.6)
    assert not [w for w in drafted.warnings if "已废止" in w]
    # stored, with the spec that lays out, and audited
    with demo_platform.db.read() as session:
        row = session.get(DocDraft, drafted.id)
        assert row is not None and row.author == "staff1" and row.provider == "extractive"
        assert row.spec["recipients"] == "示范市人民政府"
        spec = service.spec_of(row)
        assert spec.type == "请示" and spec.title == drafted.title
        actions = [
            e.action for e in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
        ]
    assert "draft.create" in actions


def test_every_type_drafts_offline_and_lays_out(
    demo_platform: Platform, gateway: ModelGateway
) -> None:
    for doc_type in KINDS:
        facts = facts_from_dict({**REQUEST, "type": doc_type, "reference": "2026年第5次常务会议"})
        drafted = service.draft_document(demo_platform.db, gateway, STAFF, facts)
        with demo_platform.db.session() as session:
            data, layout = service.export_docx(session, STAFF, drafted.id)
        assert layout.pages >= 1, doc_type
        assert data[:2] == b"PK"


def test_exports_carry_both_labels_once_however_often_exported(
    demo_platform: Platform, gateway: ModelGateway
) -> None:
    drafted = service.draft_document(demo_platform.db, gateway, STAFF, facts_from_dict(REQUEST))
    for n in (1, 2):
        with demo_platform.db.session() as session:
            data, _ = service.export_docx(session, STAFF, drafted.id)
        parts = _docx_parts(data)
        custom = parts["docProps/custom.xml"]
        assert custom.count(f'name="{AIGC_KEY}"') == 1
        assert drafted.produce_id in custom
        headers = "".join(v for k, v in parts.items() if k.startswith("word/header"))
        assert "本文稿由人工智能辅助起草" in headers
        with demo_platform.db.read() as session:
            assert session.get(DocDraft, drafted.id).exports == n  # type: ignore[union-attr]


def test_key_points_do_not_pull_in_policies_off_the_topic(
    demo_platform: Platform, gateway: ModelGateway, retriever: Retriever
) -> None:
    """ "按月足额发放" alone finds 住房公积金 clauses; a 失业保险金 notice must not cite them."""
    facts = facts_from_dict(
        {
            "type": "通知",
            "issuer": "示范市人力资源和社会保障局",
            "subject": "做好2027年失业保险金发放工作",
            "purpose": "为保障失业人员基本生活",
            "recipients": "各区人力资源和社会保障局",
            "points": ["按月足额发放", "加强资金监管"],
        }
    )
    drafted = service.draft_document(
        demo_platform.db, gateway, STAFF, facts, retriever=retriever, kb="policy"
    )
    sources = [c["source"] for c in drafted.citations]
    assert any(s.startswith("《失业保险条例》") for s in sources), sources
    assert not [s for s in sources if "住房公积金" in s or "居住证" in s], sources


def test_a_repealed_policy_named_in_the_facts_is_warned_about(
    demo_platform: Platform, gateway: ModelGateway, retriever: Retriever
) -> None:
    facts = facts_from_dict(
        {
            **REQUEST,
            "purpose": "根据《示范市住房公积金提取管理办法》，方便职工提取住房公积金",
        }
    )
    drafted = service.draft_document(
        demo_platform.db, gateway, STAFF, facts, retriever=retriever, kb="policy"
    )
    repealed = [w for w in drafted.warnings if "已废止" in w]
    assert repealed and "《示范市住房公积金提取管理办法》" in repealed[0]


def test_policy_lookup_matches_titles_with_or_without_the_issuers_prefix(
    demo_platform: Platform,
) -> None:
    with demo_platform.db.read() as session:
        lookup = service.policy_lookup(session, STAFF)
        found = lookup(
            ["示范市住房公积金提取管理办法", "住房公积金管理条例", "住房公积金提取管理办法"]
        )
    assert found == {
        "示范市住房公积金提取管理办法": "已废止",
        "住房公积金提取管理办法": "已废止",
    }


def test_a_chat_model_draft_has_its_numbers_turned_into_sources(
    demo_platform: Platform,
    gateway: ModelGateway,
    retriever: Retriever,
    fake_llm: FakeOpenAI,
) -> None:
    with demo_platform.db.session() as session:
        providers.add_provider(
            session,
            OPERATOR,
            providers.NewProvider(
                "remote", "openai", fake_llm.base_url, "fake-model", "", False, 5.0
            ),
        )
        # a 公文 draft is 内部 by default: the security administrator's decision to allow it
        providers.set_provider_level(session, OPERATOR, "remote", Level.INTERNAL)

    def reply(request: dict[str, Any]) -> str:
        system = "\n".join(m["content"] for m in request["messages"] if m["role"] == "system")
        numbers = re.findall(r"^\[(\d+)\]", system, flags=re.M)
        first = numbers[0] if numbers else "1"
        return (
            "**关于调整退休职工住房公积金提取办理流程的请示**\n\n"
            "示范市人民政府：\n\n"
            f"为方便职工退休后提取住房公积金，根据有关规定[{first}]，现请示如下：\n"
            "## 一、请示事项\n"
            "退休职工凭身份证即可申请销户提取。[7]\n"
            "妥否，请批示。\n\n"
            "示范市住房公积金管理中心\n2026年11月21日"
        )

    fake_llm.queue_reply(reply)
    drafted = service.draft_document(
        demo_platform.db,
        gateway,
        STAFF,
        facts_from_dict(REQUEST),
        retriever=retriever,
        kb="policy",
        provider="remote",
    )
    assert drafted.provider == "remote"
    assert drafted.title == "关于调整退休职工住房公积金提取办理流程的请示"
    assert not drafted.body.startswith("示范市人民政府")  # the 主送 line is the layout's
    assert "一、请示事项" in drafted.body and "**" not in drafted.body and "##" not in drafted.body
    assert "〔《" in drafted.body and drafted.citations
    assert "【所引资料编号 7 不存在，请核实】" in drafted.body
    assert "2026年11月21日" not in drafted.body  # the 成文日期 is the layout's
    sent = fake_llm.chat_requests()[-1]
    system = "\n".join(m["content"] for m in sent.json["messages"] if m["role"] == "system")
    assert "妥否，请批示" in system


def test_edits_must_lay_out_and_are_audited(demo_platform: Platform, gateway: ModelGateway) -> None:
    drafted = service.draft_document(demo_platform.db, gateway, STAFF, facts_from_dict(REQUEST))
    bad = {**drafted.spec, "date": "2026-13-40"}
    with demo_platform.db.session() as session, pytest.raises(ValidationError, match="成文日期"):
        service.update_spec(session, STAFF, drafted.id, bad)
    good = {
        **drafted.spec,
        "title": "关于简化退休职工住房公积金提取手续的请示",
        "doc_number": "示公积金〔2026〕3号",
    }
    with demo_platform.db.session() as session:
        service.update_spec(session, STAFF, drafted.id, good)
    with demo_platform.db.read() as session:
        row = session.get(DocDraft, drafted.id)
        assert row is not None and row.title == "关于简化退休职工住房公积金提取手续的请示"
        assert row.spec["doc_number"] == "示公积金〔2026〕3号"
        assert row.updated_by == "staff1"


def test_drafts_are_seen_by_their_author_and_organisation_only(
    demo_platform: Platform, gateway: ModelGateway
) -> None:
    drafted = service.draft_document(demo_platform.db, gateway, STAFF, facts_from_dict(REQUEST))
    with demo_platform.db.session() as session:
        assert service.get_draft(session, STAFF, drafted.id).id == drafted.id
        with pytest.raises(NotFound):
            service.get_draft(session, OTHER, drafted.id)
        with pytest.raises(NotFound):
            service.export_docx(session, OTHER, drafted.id)
        assert drafted.id not in [d.id for d in service.list_drafts(session, OTHER)]
        assert drafted.id in [d.id for d in service.list_drafts(session, STAFF)]
        with pytest.raises(PermissionDenied):
            service.list_drafts(session, AUDITOR)
    with pytest.raises(PermissionDenied):
        service.draft_document(demo_platform.db, gateway, AUDITOR, facts_from_dict(REQUEST))

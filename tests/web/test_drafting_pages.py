"""辅助文书起草 and 公文校对 in the console over the demo platform: every 文种 drafts through the
form with the offline extractive provider and comes back as a page with its previews and a
labelled .docx; edits are saved or refused with the input kept; drafts stay inside their
organisation; uploads are proofread, and what is not a .docx is refused in Chinese."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import docx
import pytest
from sqlalchemy import select

from govai.accounts.principal import cli_principal
from govai.classification import Level
from govai.concurrency import ComputeSlots
from govai.documents.doctypes import KINDS
from govai.documents.gongwen import GongwenLayout, layout_gongwen
from govai.documents.gongwen_preview import preview_pages
from govai.documents.gongwen_spec import DocumentSpec
from govai.gateway import service as providers
from govai.gateway.labels import AIGC_KEY
from govai.governance.models import AuditEntry
from govai.platform import Platform
from govai.scenarios.drafting import service
from govai.scenarios.drafting.models import DocDraft
from govai.testing.fake_openai import FakeOpenAI
from govai.web.routes import drafting

from .conftest import ClientFactory, ConsoleClient

OPERATOR = cli_principal("pytest")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HRSS = "示范市人力资源和社会保障局"
GOV = "示范市人民政府"
MEETING = "2026年11月18日上午，市长李明在市政府第一会议室主持召开市政府第45次常务会议"

# Facts a drafter of each type would type in: the 15 types of 《党政机关公文处理工作条例》第八条.
FACTS: dict[str, dict[str, str]] = {
    "决议": {
        "issuer": "示范市人民代表大会常务委员会",
        "subject": "批准2026年示范市市本级预算调整方案",
        "purpose": "市人民政府提请审议2026年市本级预算调整方案，会议听取了市财政局局长的说明",
        "points": "批准市人民政府提出的2026年市本级预算调整方案\n"
        "要求市人民政府严格执行调整后的预算",
        "reference": "示范市第十六届人民代表大会常务委员会第二十三次会议",
    },
    "决定": {
        "issuer": GOV,
        "subject": "表彰2026年度安全生产工作先进单位和先进个人",
        "purpose": "2026年全市安全生产形势总体稳定，涌现出一批先进典型",
        "points": "授予示范市交通运输局等10个单位“安全生产工作先进单位”称号\n"
        "授予王立新等20名同志“安全生产工作先进个人”称号",
        "reference": MEETING,
    },
    "命令": {
        "issuer": GOV,
        "subject": "公布《示范市城市供水管理办法》",
        "reference": "《示范市城市供水管理办法》已经2026年11月18日市人民政府第45次常务会议通过",
        "dates": "自2027年1月1日起施行",
    },
    "公报": {
        "issuer": "示范市统计局",
        "subject": "示范市2025年国民经济和社会发展统计",
        "points": "全市地区生产总值3256.8亿元，比上年增长5.6%\n"
        "城镇新增就业5.2万人，城镇调查失业率5.1%\n居民人均可支配收入48620元，增长5.3%",
        "reference": "示范市统计局、国家统计局示范调查队2026年3月发布",
    },
    "公告": {
        "issuer": GOV,
        "subject": "调整示范市最低工资标准",
        "purpose": "根据《最低工资规定》，经省人民政府批准",
        "points": "月最低工资标准由2280元调整为2390元\n小时最低工资标准由22元调整为23元",
        "dates": "2027年1月1日起执行",
    },
    "通告": {
        "issuer": "示范市公安局",
        "subject": "元旦期间中心城区部分道路实施交通管制",
        "purpose": "为保障元旦跨年活动安全有序",
        "points": "人民广场周边道路禁止机动车通行\n过境车辆绕行环城路",
        "dates": "2026年12月31日20时至2027年1月1日2时",
        "contact": "交警支队指挥中心，0571-12345678",
    },
    "意见": {
        "issuer": GOV,
        "subject": "进一步优化营商环境",
        "purpose": "为深入贯彻《优化营商环境条例》，持续激发市场主体活力",
        "recipients": "各区人民政府，市政府各部门",
        "points": "推行企业开办全程网上办理，1个工作日内办结\n"
        "工程建设项目审批时间压减至60个工作日以内\n建立涉企政策直达快享机制",
    },
    "通知": {
        "issuer": HRSS,
        "subject": "做好2027年元旦春节期间根治欠薪工作",
        "purpose": "为切实维护农民工工资报酬权益，确保农民工按时足额拿到工资",
        "recipients": "各区人力资源和社会保障局，局属各单位",
        "points": "开展工程建设领域欠薪问题专项排查\n畅通12345热线等欠薪线索反映渠道\n"
        "对恶意欠薪的依法移送公安机关",
        "dates": "2027年1月10日前报送工作总结",
        "contact": "劳动保障监察支队 张敏，0571-12345678",
    },
    "通报": {
        "issuer": HRSS,
        "subject": "2026年第三季度窗口服务质量检查情况",
        "recipients": "各区人力资源和社会保障局，局属各单位",
        "points": "28个窗口中26个达到优良标准\n东城区社保窗口存在群众等候时间过长的问题",
        "reference": "2026年9月对全市28个人社服务窗口开展的暗访检查",
    },
    "报告": {
        "issuer": HRSS,
        "subject": "2026年就业工作情况",
        "purpose": "按照市政府关于报送年度重点工作完成情况的要求",
        "recipients": GOV,
        "points": "城镇新增就业5.2万人，完成年度目标的104%\n发放创业担保贷款3.6亿元",
        "contact": "就业促进处 李华，0571-87654321",
    },
    "请示": {
        "issuer": "示范市住房公积金管理中心",
        "subject": "调整退休职工住房公积金提取办理流程",
        "purpose": "为方便职工退休后提取住房公积金，减少群众跑腿",
        "recipients": GOV,
        "points": "退休职工凭身份证即可申请销户提取\n提取资金3个工作日内到账",
        "dates": "2027年1月1日起施行",
        "contact": "张敏，0571-12345678",
    },
    "批复": {
        "issuer": GOV,
        "subject": "同意东城区设立人力资源服务产业园",
        "recipients": "示范市东城区人民政府",
        "points": "同意在东城区设立人力资源服务产业园\n产业园建设资金由东城区自行筹措",
        "reference": "你区《关于设立东城区人力资源服务产业园的请示》（东政〔2026〕31号）",
    },
    "议案": {
        "issuer": GOV,
        "subject": "《示范市就业促进条例（草案）》",
        "purpose": "为促进就业，完善就业服务和管理",
        "recipients": "示范市人民代表大会常务委员会",
        "reference": "2026年11月18日市人民政府第45次常务会议",
    },
    "函": {
        "issuer": HRSS,
        "subject": "商请安排2027年职业技能培训补贴资金",
        "purpose": "为落实职业技能提升行动，做好2027年职业技能培训工作",
        "recipients": "示范市财政局",
        "points": "2027年计划培训2.5万人次\n需安排补贴资金3750万元",
        "contact": "职业能力建设处 王强，0571-87001234",
    },
    "纪要": {
        "issuer": GOV,
        "subject": "市政府第45次常务会议",
        "points": "会议同意《示范市城市供水管理办法》，由市政府令公布施行\n"
        "会议要求各部门做好元旦春节期间安全生产工作",
        "reference": MEETING,
        "attendees": "李明、王芳、张强、刘洋",
    },
}
FACTS["令"] = FACTS["命令"]
assert set(FACTS) == set(KINDS)


def _draft(client: ConsoleClient, doc_type: str, **extra: str) -> int:
    response = client.post(
        "/drafting",
        data={"type": doc_type, **FACTS[doc_type], **extra, "csrf_token": client.csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:2000]
    match = re.fullmatch(r"/drafting/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def _parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}


def _text(xml: str) -> str:
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def _row(platform: Platform, draft_id: int) -> DocDraft:
    with platform.db.read() as session:
        row = session.get(DocDraft, draft_id)
        assert row is not None
        session.expunge(row)
        return row


def _store_spec(platform: Platform, draft_id: int, **changes: Any) -> None:
    """Change a stored spec without the edit form (as an older release or a script might)."""
    with platform.db.session() as session:
        row = session.get(DocDraft, draft_id)
        assert row is not None
        row.spec = {**row.spec, **changes}


def _audit_actions(platform: Platform, draft_id: int) -> list[str]:
    with platform.db.read() as session:
        return [
            e.action
            for e in session.execute(
                select(AuditEntry)
                .where(AuditEntry.object_type == "doc_draft", AuditEntry.object_id == str(draft_id))
                .order_by(AuditEntry.seq)
            ).scalars()
        ]


@pytest.mark.parametrize("doc_type", list(KINDS))
def test_every_type_drafts_previews_and_downloads_with_its_labels(
    app_client: ClientFactory, demo_platform: Platform, doc_type: str
) -> None:
    staff = app_client("staff")
    draft_id = _draft(staff, doc_type)
    row = _row(demo_platform, draft_id)
    assert row.provider == "extractive" and row.org_id is not None
    assert row.doc_type == doc_type and row.facts["subject"] == FACTS[doc_type]["subject"]

    page = staff.get(f"/drafting/{draft_id}")
    assert page.status_code == 200
    html = page.text
    assert service.AI_LABEL in html
    assert "这是人工智能辅助生成的初稿" in html  # the flash after drafting
    expected_pages = layout_gongwen(service.spec_of(row)).pages
    images = re.findall(rf'<img src="/drafting/{draft_id}/page/(\d+)\.svg"', html)
    assert images == [str(n) for n in range(1, expected_pages + 1)]
    for n in images:
        svg = staff.get(f"/drafting/{draft_id}/page/{n}.svg")
        assert svg.status_code == 200
        assert svg.headers["content-type"] == "image/svg+xml"
        assert svg.text.lstrip().startswith(("<svg", "<?xml")) and "</svg>" in svg.text
    assert staff.get(f"/drafting/{draft_id}/page/{expected_pages + 1}.svg").status_code == 404
    if row.title:
        assert row.title in html

    for _ in (1, 2):  # a second export still carries exactly one implicit label
        download = staff.get(f"/drafting/{draft_id}/download")
        assert download.status_code == 200
        assert download.headers["content-type"] == DOCX
        assert "attachment" in download.headers["content-disposition"]
        parts = _parts(download.content)
        headers = [_text(xml) for name, xml in parts.items() if name.startswith("word/header")]
        assert headers and all(service.AI_LABEL in text for text in headers)
        custom = parts["docProps/custom.xml"]
        assert custom.count(f'name="{AIGC_KEY}"') == 1
        assert row.produce_id and row.produce_id in custom
        body = _text(parts["word/document.xml"])
        assert FACTS[doc_type]["issuer"] in body
    assert _row(demo_platform, draft_id).exports == 2
    assert _audit_actions(demo_platform, draft_id) == [
        "draft.create",
        "draft.export",
        "draft.export",
    ]


def test_the_form_offers_the_types_the_bases_and_the_organisation(
    app_client: ClientFactory,
) -> None:
    html = app_client("east-staff").get("/drafting").text
    options = re.findall(r'<option value="([^"]+)" data-use="([^"]+)"', html)
    assert [t for t, _ in options] == [name for name, kind in KINDS.items() if name == kind.type]
    assert len(options) == 15
    assert dict(options)["请示"] == KINDS["请示"].use
    # the issuer is the person's organisation in full, the government it belongs to included
    assert 'name="issuer" value="示范市东城区人力资源和社会保障局"' in html
    assert '<option value="policy"' in html  # the demo's public knowledge base
    assert '<option value="extractive"' in html
    assert "尚无文稿" in html


def test_a_draft_grounded_in_a_knowledge_base_shows_what_it_cites(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    staff = app_client("staff")
    draft_id = _draft(
        staff,
        "通知",
        issuer="示范市住房公积金管理中心",
        subject="做好退休职工住房公积金提取工作",
        points="退休职工可以申请提取住房公积金",
        kb="policy",
    )
    row = _row(demo_platform, draft_id)
    assert row.kb == "policy" and row.citations
    page = staff.get(f"/drafting/{draft_id}").text
    assert f"引用 {len(row.citations)} 处资料" in page  # the message after drafting
    cited = re.search(r'<section class="card" id="citations">(.*?)</section>', page, re.S)
    assert cited and "《住房公积金管理条例》" in cited.group(1)
    assert len(re.findall(r"<li>", cited.group(1))) == len(row.citations)


def test_a_refused_form_keeps_what_was_typed(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    staff = app_client("staff")
    typed = {**FACTS["通知"], "subject": "", "csrf_token": staff.csrf, "type": "通知"}
    response = staff.post("/drafting", data=typed)
    assert response.status_code == 422
    assert "事由" in response.text and "不能为空" in response.text
    assert "开展工程建设领域欠薪问题专项排查" in response.text  # the points are kept
    assert 'value="各区人力资源和社会保障局，局属各单位"' in response.text
    bad_type = staff.post("/drafting", data={**typed, "subject": "测试", "type": "简报"})
    assert bad_type.status_code == 422 and "不是法定文种" in bad_type.text
    unknown_kb = staff.post("/drafting", data={**typed, "subject": "测试", "kb": "nope"})
    assert unknown_kb.status_code == 422 and "知识库“nope”不存在" in unknown_kb.text
    with demo_platform.db.read() as session:
        assert session.execute(select(DocDraft)).first() is None


def test_a_failing_model_is_a_chinese_message_with_the_form_kept(
    app_client: ClientFactory, demo_platform: Platform, fake_llm: FakeOpenAI
) -> None:
    with demo_platform.db.session() as session:
        providers.add_provider(
            session,
            OPERATOR,
            providers.NewProvider("remote", "openai", fake_llm.base_url, "fake-model", "", True),
        )
        providers.set_provider_level(session, OPERATOR, "remote", Level.INTERNAL)
    for _ in range(5):
        fake_llm.queue_reply(status=500)
    staff = app_client("staff")
    response = staff.post(
        "/drafting",
        data={"type": "通知", **FACTS["通知"], "provider": "remote", "csrf_token": staff.csrf},
    )
    assert response.status_code == 502
    (message,) = re.findall(r'<p class="error" role="alert">(.*?)</p>', response.text)
    assert message.startswith("模型服务 remote 返回错误")
    assert "开展工程建设领域欠薪问题专项排查" in response.text
    assert '<option value="remote" selected>' in response.text
    assert fake_llm.chat_requests(), "the model was called"
    with demo_platform.db.read() as session:
        assert session.execute(select(DocDraft)).first() is None


def test_editing_saves_or_refuses_with_the_input_kept(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    staff = app_client("staff")
    draft_id = _draft(staff, "请示")
    before = _row(demo_platform, draft_id)
    form = {
        "issuer": "示范市住房公积金管理中心",
        "doc_number": "示公积金〔2026〕12号",
        "title": "示范市住房公积金管理中心关于简化退休提取手续的请示",
        "recipients": GOV,
        "body": before.spec["body"] + "\r\n以上请示妥否，请批示。",
        "attachments": "退休提取办理流程图\n办事指南",
        "signatory": "张三",
        "date": "2026年13月45日",
        "note": before.spec.get("note", ""),
        "copy_to": "",
        "printer": "示范市住房公积金管理中心办公室",
        "print_date": "2026-11-21",
        "csrf_token": staff.csrf,
    }
    refused = staff.post(f"/drafting/{draft_id}", data=form)
    assert refused.status_code == 422
    assert "修改未保存" in refused.text and "成文日期" in refused.text
    assert "不是有效日期" in refused.text
    assert 'value="2026年13月45日"' in refused.text  # the input kept, not the stored date
    assert 'value="示范市住房公积金管理中心关于简化退休提取手续的请示"' in refused.text
    assert _row(demo_platform, draft_id).spec == before.spec  # nothing stored

    bad_number = staff.post(
        f"/drafting/{draft_id}",
        data={**form, "date": "2026-11-21", "doc_number": "示政发[2026]第05号"},
    )
    assert bad_number.status_code == 422 and "发文字号" in bad_number.text

    saved = staff.post(f"/drafting/{draft_id}", data={**form, "date": "2026-11-21"})
    assert saved.status_code == 200 and "修改已保存" in saved.text
    row = _row(demo_platform, draft_id)
    assert row.title == form["title"]
    assert row.spec["date"] == "2026-11-21" and row.spec["doc_number"] == "示公积金〔2026〕12号"
    assert row.spec["attachments"] == ["退休提取办理流程图", "办事指南"]
    assert row.spec["signatory"] == ["张三"]
    assert "\r" not in row.spec["body"] and row.spec["body"].endswith("以上请示妥否，请批示。")
    assert "copy_to" not in row.spec  # an emptied field leaves the element out
    assert f'<h1 id="draft-title">{form["title"]}</h1>' in saved.text
    assert "draft.edit" in _audit_actions(demo_platform, draft_id)
    parts = _parts(staff.get(f"/drafting/{draft_id}/download").content)
    assert "示公积金〔2026〕12号" in _text(parts["word/document.xml"])
    assert "附件：1.退休提取办理流程图" in _text(parts["word/document.xml"])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "关于简化\x00退休提取手续的请示", "标题不能含控制字符"),
        ("body", "一、简化手续\n退休职工凭身份证\x00即可申请。", "正文含有控制字符"),
        ("attachments", "办事指南\n流程图\x0b", "附件含有控制字符"),
        ("issuer", "示范市住房公积金管理中心" * 20, "发文机关不能超过 200 个字符"),
    ],
)
def test_an_edit_with_what_the_docx_would_drop_or_too_long_is_refused(
    app_client: ClientFactory, demo_platform: Platform, field: str, value: str, message: str
) -> None:
    """As the drafting form refuses its facts: nothing is stored and the input is kept."""
    staff = app_client("staff")
    draft_id = _draft(staff, "请示")
    before = _row(demo_platform, draft_id)
    form = {**drafting.spec_form(before.spec), field: value, "csrf_token": staff.csrf}
    response = staff.post(f"/drafting/{draft_id}", data=form)
    assert response.status_code == 422
    (error,) = re.findall(r'<p class="error" role="alert">(.*?)</p>', response.text)
    assert error.startswith("修改未保存：") and message in error
    assert _row(demo_platform, draft_id).spec == before.spec
    assert value in response.text  # the input kept, as typed
    # the form as it was, with a tab in the body (a .docx holds a tab), saves
    fixed = {**drafting.spec_form(before.spec), "csrf_token": staff.csrf}
    fixed["body"] += "\n附\t表"
    assert staff.post(f"/drafting/{draft_id}", data=fixed).status_code == 200
    assert _row(demo_platform, draft_id).spec["body"].endswith("附\t表")


BLANKS = re.compile(r"文稿中尚有 (\d+) 处【请填写：…】需要补充：(.*?)</li>")


def test_the_page_counts_the_blanks_to_fill_as_the_message_after_drafting_does(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    staff = app_client("staff")
    draft_id = _draft(staff, "通知", recipients="", contact="")
    page = staff.get(f"/drafting/{draft_id}").text
    (flash,) = re.findall(r"尚有 (\d+) 处【请填写】需要补充", page)
    (count, listed) = BLANKS.findall(page)[0]
    assert int(flash) == int(count) >= 2 and "【请填写：主送机关】" in listed
    # the same blank a second time is still one blank to fill, listed once
    form = {**drafting.spec_form(_row(demo_platform, draft_id).spec), "csrf_token": staff.csrf}
    form["body"] += "\n请于【请填写：主送机关】收文后组织实施。"
    saved = staff.post(f"/drafting/{draft_id}", data=form).text
    (again, listed_again) = BLANKS.findall(saved)[0]
    assert again == count and sorted(listed_again.split("、")) == sorted(listed.split("、"))


class _CountedSlots(ComputeSlots):
    """The app's compute slots, counting the threads inside one."""

    inside = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with super().held():
            self.inside += 1
            try:
                yield
            finally:
                self.inside -= 1


def test_the_draft_is_laid_out_in_a_compute_slot_like_its_images(
    app_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Laying out is compute (:mod:`govai.concurrency`): the page waits its turn as the
    questions and searches do, and holds no slot while the model or the database is waited on."""
    staff = app_client("staff")
    draft_id = _draft(staff, "通知")
    slots = _CountedSlots()
    staff.app.state.compute = slots  # type: ignore[attr-defined]
    in_slot: list[bool] = []

    def layout(spec: DocumentSpec) -> GongwenLayout:
        in_slot.append(slots.inside == 1)
        return layout_gongwen(spec)

    monkeypatch.setattr(drafting, "layout_gongwen", layout)
    assert staff.get(f"/drafting/{draft_id}").status_code == 200
    assert staff.get(f"/drafting/{draft_id}/page/1.svg").status_code == 200
    assert in_slot == [True]


def test_a_stored_spec_that_does_not_lay_out_shows_why_instead_of_previews(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    staff = app_client("staff")
    draft_id = _draft(staff, "通知")
    _store_spec(demo_platform, draft_id, body="")
    page = staff.get(f"/drafting/{draft_id}")
    assert page.status_code == 200
    assert "文稿目前无法排版" in page.text and "正文" in page.text
    assert f"/drafting/{draft_id}/page/" not in page.text
    assert staff.get(f"/drafting/{draft_id}/page/1.svg").status_code == 422


def test_drafts_stay_inside_their_organisation(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    staff = app_client("staff")
    draft_id = _draft(staff, "通知")
    title = _row(demo_platform, draft_id).title
    # a reviewer of the same bureau opens and proofreads it
    reviewer = app_client("reviewer")
    assert title in reviewer.get("/drafting").text
    assert reviewer.get(f"/drafting/{draft_id}").status_code == 200
    # another bureau's staff: as if it did not exist
    other = app_client("env-staff")
    assert title not in other.get("/drafting").text
    for path in ("", "/page/1.svg", "/download"):
        response = other.get(f"/drafting/{draft_id}{path}")
        assert response.status_code == 404, path
        assert "没有编号为" in response.text
    for path in ("", "/proofread"):
        response = other.post(
            f"/drafting/{draft_id}{path}",
            data={"title": "改标题", "body": "改正文", "issuer": "x", "csrf_token": other.csrf},
        )
        assert response.status_code == 404, path
    assert _row(demo_platform, draft_id).title == title
    assert _row(demo_platform, draft_id).exports == 0


@pytest.mark.parametrize("draft_id", ["99999999999999999999999", str(2**31)])
def test_a_draft_number_beyond_the_databases_integers_is_a_bad_parameter(
    app_client: ClientFactory, draft_id: str
) -> None:
    """Not a 500 from the driver (SQLite overflows past 2**63, PostgreSQL's integer at 2**31)."""
    staff = app_client("staff")
    for method, path in (
        ("GET", ""),
        ("POST", ""),
        ("GET", "/page/1.svg"),
        ("GET", "/download"),
        ("POST", "/proofread"),
    ):
        response = staff.request(
            method, f"/drafting/{draft_id}{path}", data={"csrf_token": staff.csrf, "body": "x"}
        )
        assert response.status_code == 422, (method, path)
        assert "请求参数不正确" in response.text and "draft_id" in response.text, (method, path)
    largest = staff.get(f"/drafting/{2**31 - 1}")
    assert largest.status_code == 404 and "没有编号为" in largest.text


@pytest.mark.parametrize("who", ["auditor", "sysadmin", "secadmin"])
def test_roles_outside_the_drafters_are_refused(
    app_client: ClientFactory, demo_platform: Platform, who: str
) -> None:
    staff = app_client("staff")
    draft_id = _draft(staff, "函")
    client = app_client(who)
    home = client.get("/").text
    assert ">文书起草<" not in home and ">公文校对<" not in home
    for path in (
        "/drafting",
        f"/drafting/{draft_id}",
        f"/drafting/{draft_id}/download",
        "/proofread",
    ):
        response = client.get(path)
        assert response.status_code == 403 and "无权访问" in response.text, path
    for path in (
        "/drafting",
        f"/drafting/{draft_id}",
        f"/drafting/{draft_id}/proofread",
        "/proofread",
    ):
        response = client.post(path, data={"csrf_token": client.csrf, **FACTS["函"]})
        assert response.status_code == 403, path
    assert _row(demo_platform, draft_id).exports == 0


def _planted_docx() -> bytes:
    """A 通知 typed in a word processor, with a 发文字号 written the wrong way and 的的."""
    document = docx.Document()
    for text in (
        "示范市人力资源和社会保障局文件",
        "示政发[2026]第05号",
        "示范市人力资源和社会保障局关于做好2027年元旦春节期间根治欠薪工作的通知",
        "各区人力资源和社会保障局：",
        "为切实维护农民工合法权益，现就做好的的有关工作通知如下：",
        "一、开展专项排查",
        "各区要对在建工程项目逐一排查。",
        "示范市人力资源和社会保障局",
        "2026年11月21日",
    ):
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_proofreading_an_upload_shows_the_findings(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    staff = app_client("staff")
    page = staff.get("/proofread")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    response = staff.post(
        "/proofread",
        data={"csrf_token": staff.csrf},
        files={"file": ("欠薪通知.docx", _planted_docx(), DOCX)},
    )
    assert response.status_code == 200
    html = response.text
    assert "校对结果：欠薪通知.docx" in html
    findings = re.findall(r'<tr class="finding (\w+)">(.*?)</tr>', html, re.S)
    texts = [re.sub(r"<[^>]+>", "", row) for _, row in findings]
    assert any("示政发[2026]第05号" in t and "示政发〔2026〕5号" in t for t in texts)
    assert any("重复字词" in t and "的的" in t for t in texts)
    severities = [s for s, _ in findings]
    assert severities == sorted(severities, key=lambda s: s != "error")  # errors first
    counts = dict(re.findall(r"<li(?: class=\"none\")?>(\S+) <strong>(\d+)</strong></li>", html))
    assert int(counts["发文字号"]) >= 1 and int(counts["重复字词"]) >= 1
    assert sum(int(c) for c in counts.values()) == len(findings)
    for header in ("位置", "问题", "依据", "修改建议"):
        assert f"<th>{header}</th>" in html
    with demo_platform.db.read() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "draft.proofread")
        ).scalar_one()
    assert "欠薪通知.docx" in entry.summary


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("通知.txt", "示政发[2026]第05号".encode(), "不是 .docx 文件"),
        ("通知.docx", b"", "是空文件"),
        ("通知.docx", "这不是一个 Word 文件".encode(), "内容不是 Word 文档"),
        # Word saves a .docx with an opening password as an OLE file, as it saves a .doc
        ("加密通知.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024), "设置了打开密码"),
    ],
)
def test_what_is_not_a_docx_is_refused_in_chinese(
    app_client: ClientFactory, name: str, data: bytes, message: str
) -> None:
    staff = app_client("staff")
    response = staff.post(
        "/proofread", data={"csrf_token": staff.csrf}, files={"file": (name, data, "text/plain")}
    )
    assert response.status_code == 422
    assert message in response.text and 'role="alert"' in response.text
    assert 'id="proofread-upload"' in response.text  # the upload form is still there


def test_an_upload_too_large_is_refused(
    app_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "MAX_DOCX", 1024)
    staff = app_client("staff")
    response = staff.post(
        "/proofread",
        data={"csrf_token": staff.csrf},
        files={"file": ("大文件.docx", _planted_docx(), DOCX)},
    )
    assert response.status_code == 422 and "过大" in response.text


def test_proofreading_a_draft_proofreads_its_export(
    app_client: ClientFactory, demo_platform: Platform
) -> None:
    staff = app_client("staff")
    draft_id = _draft(staff, "通知")
    body = _row(demo_platform, draft_id).spec["body"]
    _store_spec(demo_platform, draft_id, body=body + "\n请各单位做好的的相关工作。")
    response = staff.post(f"/drafting/{draft_id}/proofread", data={"csrf_token": staff.csrf})
    assert response.status_code == 200
    assert 'id="proofread"' in response.text and "校对结果" in response.text
    rows = re.findall(r'<tr class="finding \w+">(.*?)</tr>', response.text, re.S)
    assert any("的的" in re.sub(r"<[^>]+>", "", r) for r in rows)
    assert _audit_actions(demo_platform, draft_id) == ["draft.create", "draft.export"]
    with demo_platform.db.read() as session:
        proofread = session.execute(
            select(AuditEntry).where(AuditEntry.action == "draft.proofread")
        ).scalar_one()
    assert proofread.object_id == f"{_row(demo_platform, draft_id).title}.docx"


def test_a_drafts_pages_are_drawn_once_for_all_its_images_and_again_after_an_edit(
    app_client: ClientFactory, demo_platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []

    def counted(spec: DocumentSpec, *, ai_label: str | None = None) -> list[str]:
        drawn.append(spec.title)
        return preview_pages(spec, ai_label=ai_label)

    monkeypatch.setattr(drafting, "preview_pages", counted)
    drafting.page_images.cache_clear()
    staff = app_client("staff")
    draft_id = _draft(staff, "请示")
    row = _row(demo_platform, draft_id)
    form = {**drafting.spec_form(row.spec), "csrf_token": staff.csrf}
    items = (f"{n}. " + f"第{n}项工作要按期完成并报送情况。" * 4 for n in range(1, 31))
    form["body"] += "\n" + "\n".join(items)
    assert staff.post(f"/drafting/{draft_id}", data=form).status_code == 200
    pages = layout_gongwen(service.spec_of(_row(demo_platform, draft_id))).pages
    assert pages >= 3

    first = [staff.get(f"/drafting/{draft_id}/page/{n}.svg").text for n in range(1, pages + 1)]
    assert len(drawn) == 1  # not once per image
    assert first[0] == staff.get(f"/drafting/{draft_id}/page/1.svg").text and len(drawn) == 1

    retitled = {**form, "title": "示范市住房公积金管理中心关于简化退休提取手续的请示"}
    assert staff.post(f"/drafting/{draft_id}", data=retitled).status_code == 200
    page_one = staff.get(f"/drafting/{draft_id}/page/1.svg").text
    assert len(drawn) == 2 and drawn[-1] == retitled["title"]
    fresh = preview_pages(service.spec_of(_row(demo_platform, draft_id)), ai_label=service.AI_LABEL)
    assert page_one == fresh[0] != first[0]  # the edited draft, not the drawing kept before
    # a colleague elsewhere still cannot read the drawing the cache holds
    assert app_client("env-staff").get(f"/drafting/{draft_id}/page/1.svg").status_code == 404

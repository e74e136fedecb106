"""The 15 公文 types' drafting knowledge: every type's offline template from realistic facts
(title, structure, headings, closing, facts and cited grounds in their place, no structure
warnings, and a .docx laid out from it), the facts' validation, the chat-model prompt, the
parsing of messy model output, and the structure warnings on both sides of each rule."""

from __future__ import annotations

import io
import re
from typing import Any

import docx
import pytest

from govai.documents.doctypes import (
    DIRECTIONS,
    KINDS,
    DraftFacts,
    facts_from_dict,
    kind_of,
    parse_model_draft,
    structure_warnings,
    system_prompt,
    template_draft,
    user_message,
)
from govai.documents.gongwen import write_gongwen
from govai.documents.gongwen_elements import heading_level
from govai.documents.gongwen_spec import DOC_TYPES, spec_from_dict
from govai.errors import ValidationError
from govai.gateway.labels import EXPLICIT_LABEL
from govai.knowledge.provenance import chinese_number

BASIS = (
    "申请补贴的单位应当提交资金使用计划和绩效目标"
    "〔《示范市财政专项资金管理办法》第十二条（现行有效）〕"
)

FACTS: dict[str, dict[str, Any]] = {
    "请示": {
        "type": "请示",
        "issuer": "示范市示范区人民政府",
        "subject": "追加2027年冬季清洁取暖补贴资金",
        "purpose": "今冬以来我区气温持续偏低，清洁取暖用户较上年增加1.2万户，补贴资金缺口较大",
        "recipients": ["示范市人民政府"],
        "points": [
            "追加补贴资金1800万元，用于1.2万户新增清洁取暖用户的运行补贴",
            "资金由区财政局统一拨付，专款专用",
        ],
        "dates": ["2026年12月20日前下达资金"],
        "contact": "张明，0000-12345678",
    },
    "报告": {
        "type": "报告",
        "issuer": "示范市应急管理局",
        "subject": "2026年度安全生产工作",
        "purpose": "按照市政府年度工作部署",
        "recipients": "示范市人民政府",
        "points": "全年开展隐患排查1.2万次，整改隐患3400处\n生产安全事故起数同比下降12%；"
        "部分企业主体责任落实不到位",
        "dates": "2027年3月底前完成重点行业专项整治",
    },
    "通知": {
        "type": "通知",
        "issuer": "示范市人民政府办公室",
        "subject": "做好2027年冬季清洁取暖工作",
        "purpose": "保障群众温暖过冬",
        "recipients": "各区人民政府，市政府各部门",
        "points": ["各区要摸清清洁取暖用户底数，建立工作台账", "市财政局要及时拨付补贴资金"],
        "dates": ["2026年12月31日前报送工作台账"],
        "contact": "李华，0000-87654321",
    },
    "函": {
        "type": "函",
        "issuer": "示范市住房和城乡建设局",
        "subject": "商请提供2026年新建住宅小区供热面积数据",
        "purpose": "为编制2027年供热专项规划",
        "recipients": ["示范市统计局"],
        "points": ["请提供各区2026年新建住宅小区的供热面积", "是否有分月数据？"],
        "dates": ["2026年12月15日前函复"],
        "contact": "赵云，0000-22223333",
    },
    "批复": {
        "type": "批复",
        "issuer": "示范市人民政府",
        "subject": "同意追加2027年冬季清洁取暖补贴资金",
        "recipients": ["示范市示范区人民政府"],
        "reference": "示范市示范区人民政府关于追加2027年冬季清洁取暖补贴资金的请示"
        "（示区政〔2026〕31号）",
        "points": ["同意追加补贴资金1800万元", "资金由市财政局按规定程序下达"],
        "dates": ["2027年4月30日前报送资金使用情况"],
    },
    "意见": {
        "type": "意见",
        "issuer": "示范市人民政府",
        "subject": "加快发展养老服务业",
        "purpose": "积极应对人口老龄化",
        "recipients": ["各区人民政府", "市政府各部门"],
        "points": ["完善居家社区养老服务网络", "推进医养结合", "加强养老服务人才队伍建设"],
        "dates": ["2027年底前实现街道综合养老服务中心全覆盖"],
    },
    "通报": {
        "type": "通报",
        "issuer": "示范市人民政府办公室",
        "subject": "2026年第三季度政务服务质量检查中发现的问题",
        "recipients": ["各区人民政府"],
        "reference": "2026年9月，市政务服务管理办公室对全市32个政务服务中心开展了质量检查",
        "points": ["部分窗口未落实一次性告知制度", "个别事项办理超过承诺时限"],
        "dates": ["2026年12月10日前报送整改情况"],
    },
    "公告": {
        "type": "公告",
        "issuer": "示范市人民政府",
        "subject": "2027年元旦期间城区禁止燃放烟花爆竹",
        "purpose": "为保障公共安全和人民群众生命财产安全",
        "points": [
            "2026年12月31日至2027年1月3日，城区范围内禁止燃放烟花爆竹",
            "违反规定的，由公安机关依法处罚",
        ],
        "dates": ["本公告自发布之日起施行"],
    },
    "通告": {
        "type": "通告",
        "issuer": "示范市公安局",
        "subject": "示范大道部分路段封闭施工期间实行交通管制",
        "purpose": "示范大道综合改造工程即将开工",
        "points": ["示范大道人民路至建设路段封闭施工", "过往车辆请绕行解放路"],
        "dates": ["2027年1月5日至2027年6月30日"],
        "contact": "交通管理支队，0000-11112222",
    },
    "决定": {
        "type": "决定",
        "issuer": "示范市人民政府",
        "subject": "表彰2026年度安全生产先进单位",
        "purpose": "为激励先进，推动全市安全生产形势持续稳定向好",
        "reference": "市人民政府第15次常务会议",
        "points": [
            "授予示范区应急管理局等10个单位“2026年度安全生产先进单位”称号",
            "希望受表彰的单位珍惜荣誉，再接再厉",
        ],
        "dates": ["2027年1月15日前完成奖励资金发放"],
    },
    "决议": {
        "type": "决议",
        "issuer": "示范市第十七届人民代表大会第三次会议",
        "subject": "示范市人民政府工作报告",
        "purpose": "报告实事求是，提出的2027年目标任务切实可行",
        "points": ["批准这个报告", "号召全市人民为完成2027年各项目标任务而努力奋斗"],
    },
    "命令": {
        "type": "命令",
        "issuer": "示范市人民政府",
        "subject": "公布《示范市城市绿化管理办法》",
        "reference": "《示范市城市绿化管理办法》已经2026年11月20日市人民政府第12次常务会议通过",
        "dates": ["2027年1月1日"],
    },
    "令": {
        "type": "令",
        "issuer": "示范市人民政府",
        "subject": "公布示范市生活垃圾分类管理办法",
        "reference": "示范市生活垃圾分类管理办法",
        "dates": ["2027年3月1日起施行"],
    },
    "公报": {
        "type": "公报",
        "issuer": "中国共产党示范市第十三届委员会",
        "subject": "中国共产党示范市第十三届委员会第五次全体会议",
        "reference": "中国共产党示范市第十三届委员会第五次全体会议于2026年11月20日在示范市举行",
        "points": [
            "全会审议通过了《中共示范市委关于制定国民经济和社会发展第十五个五年规划的建议》",
            "全会号召，全市各级党组织和广大党员干部要团结一心，奋力开创高质量发展新局面",
        ],
    },
    "议案": {
        "type": "议案",
        "issuer": "示范市人民政府",
        "subject": "《示范市养老服务条例（草案）》",
        "purpose": "为规范养老服务，保障老年人合法权益",
        "recipients": ["示范市人民代表大会常务委员会"],
        "reference": "2026年11月20日市人民政府第12次常务会议",
        "points": ["草案共6章48条，主要规定了居家社区养老、机构养老和医养结合"],
        "dates": ["建议于2027年7月1日起施行"],
    },
    "纪要": {
        "type": "纪要",
        "issuer": "示范市人民政府",
        "subject": "冬季清洁取暖工作专题会议",
        "reference": "2026年11月18日，副市长王强在市政府第三会议室主持召开冬季清洁取暖工作专题会议",
        "points": [
            "会议同意追加示范区补贴资金1800万元",
            "会议要求市城管局牵头开展供热质量专项检查",
        ],
        "dates": ["2026年12月15日前完成专项检查"],
        "attendees": ["王强", "李华", "张明"],
    },
}
LETTER_CLOSINGS = {"特此函告。", "请予函复。", "特此函复。"}


def facts(doc_type: str, **changes: Any) -> DraftFacts:
    return facts_from_dict({**FACTS[doc_type], **changes})


def heading_number(line: str) -> int | None:
    match = re.match(r"^（?([一二三四五六七八九十]+|\d+)", line)
    assert match, line
    return chinese_number(match.group(1))


def assert_headings_in_order(body: str) -> None:
    """Levels deepen one at a time and each level counts 1, 2, 3… under its parent."""
    counts = [0] * 5
    depth = 0
    for line in body.splitlines():
        level = heading_level(line)
        if not level:
            continue
        assert level <= depth + 1, f"层次跳级：{line}"
        assert heading_number(line) == counts[level] + 1, f"序号不连续：{line}"
        counts[level] += 1
        counts[level + 1 :] = [0] * (4 - level)
        depth = level


def core(text: str) -> str:
    return text.strip().rstrip("。；？")


# -- the types -----------------------------------------------------------------------------------


def test_kinds_cover_the_15_types_and_their_formats() -> None:
    assert set(KINDS) == set(DOC_TYPES)
    assert len({id(k) for k in KINDS.values()}) == 15
    assert KINDS["令"] is KINDS["命令"]
    formats = {t: k.format for t, k in KINDS.items()}
    assert formats.pop("命令") == formats.pop("令") == "order"
    assert formats.pop("纪要") == "minutes"
    assert formats.pop("函") == "letter"
    assert set(formats.values()) == {"standard"}
    for kind in KINDS.values():
        assert kind.use.startswith("适用于") and kind.structure
        assert kind.direction in DIRECTIONS
        assert kind.title_pattern.endswith(kind.type)
    assert KINDS["请示"].direction == KINDS["报告"].direction == "上行文"
    assert KINDS["函"].direction == "平行文"
    assert KINDS["公告"].direction == "公布性"
    assert KINDS["请示"].closing == "妥否，请批示。"
    assert KINDS["批复"].closing == "此复。"


def test_an_unknown_type_lists_the_valid_ones() -> None:
    with pytest.raises(ValidationError) as err:
        kind_of("请示报告")
    assert "“请示报告”不是法定文种" in err.value.message
    assert "命令（令）" in err.value.message and "纪要" in err.value.message
    assert kind_of(" 令 ").type == "命令"


# -- the offline templates -----------------------------------------------------------------------


@pytest.mark.parametrize("doc_type", list(FACTS))
def test_every_type_drafts_a_complete_template(doc_type: str) -> None:
    f = facts(doc_type)
    kind = kind_of(doc_type)
    draft = template_draft(f, [BASIS])
    ending = "令" if kind.type == "命令" else kind.type
    assert draft.title.endswith(ending), draft.title
    assert "关于关于" not in draft.title
    assert not re.search(rf"的{kind.type}.*的{kind.type}$", draft.title)
    lines = draft.body.splitlines()
    assert lines and all(line.strip() == line and line for line in lines)
    assert_headings_in_order(draft.body)
    if kind.type == "函":
        assert lines[-1] in LETTER_CLOSINGS
    elif kind.closing:
        assert lines[-1].endswith(kind.closing), lines[-1]
    for point in f.points:
        assert core(point) in draft.body, point
    for date in f.dates:
        assert core(date) in draft.body, date
    assert structure_warnings(f.type, draft.title, draft.body) == []
    assert draft.placeholders == tuple(
        dict.fromkeys(re.findall(r"【请填写：[^】]*】", draft.recipients + draft.body + draft.note))
    )


@pytest.mark.parametrize("doc_type", list(FACTS))
def test_the_grounds_come_where_the_type_states_them(doc_type: str) -> None:
    """The cited sentence stands in the opening, before the first item, with its source."""
    draft = template_draft(facts(doc_type), [BASIS])
    lines = draft.body.splitlines()
    at = next(i for i, line in enumerate(lines) if BASIS in line)
    first_heading = next((i for i, line in enumerate(lines) if heading_level(line)), len(lines))
    assert at < first_heading
    assert BASIS + "。" in draft.body  # the cited sentence is closed after its source
    without = template_draft(facts(doc_type))
    assert "有关规定：" not in without.body and "〔《" not in without.body


@pytest.mark.parametrize("doc_type", list(FACTS))
def test_every_template_lays_out(doc_type: str) -> None:
    f = facts(doc_type)
    draft = template_draft(f, [BASIS])
    spec: dict[str, Any] = {
        "type": f.type,
        "issuer": f.issuer,
        "title": draft.title,
        "body": draft.body,
        "date": "2026-11-21",
        "note": draft.note,
    }
    fmt = kind_of(f.type).format
    if draft.recipients and fmt not in ("order", "minutes"):
        spec["recipients"] = draft.recipients
    if fmt == "order":
        spec |= {"signatory": ["张伟"], "signatory_title": "市长", "doc_number": "第12号"}
    if fmt == "minutes":
        spec["attendees"] = f.attendees
    if kind_of(f.type).direction == "上行文":
        spec["signatory"] = ["刘强"]
    out = io.BytesIO()
    layout = write_gongwen(spec_from_dict(spec), out)
    assert layout.pages >= 1
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(out.getvalue())).paragraphs)
    assert draft.title in text
    assert draft.body.splitlines()[-1] in text


def test_the_request_puts_its_reason_before_its_matters_and_contact_in_the_note() -> None:
    draft = template_draft(facts("请示"), [BASIS])
    lines = draft.body.splitlines()
    # the reason, the cited grounds as a paragraph of their own, then the transition
    assert lines[0].startswith("今冬以来我区气温持续偏低")
    assert lines[0].endswith(f"根据有关规定：{BASIS}。")
    assert lines[1] == "现将有关事项请示如下："
    assert lines[2].startswith("一、追加补贴资金1800万元")
    assert lines[4] == "三、时间安排。2026年12月20日前下达资金。"
    assert draft.note == "联系人及电话：张明，0000-12345678"
    assert "0000-12345678" not in draft.body
    assert draft.recipients == "示范市人民政府"
    assert draft.title == "示范市示范区人民政府关于追加2027年冬季清洁取暖补贴资金的请示"


@pytest.mark.parametrize("doc_type", ["请示", "通知", "函"])
def test_a_missing_contact_is_left_for_staff(doc_type: str) -> None:
    given = template_draft(facts(doc_type))
    assert not any("联系人" in p for p in given.placeholders)
    missing = template_draft(facts(doc_type, contact=""))
    assert "【请填写：联系人姓名和电话】" in missing.placeholders
    where = missing.note if doc_type == "请示" else missing.body
    assert "【请填写：联系人姓名和电话】" in where


def test_complete_facts_leave_no_gap_and_sparse_facts_leave_named_gaps() -> None:
    assert template_draft(facts("通知")).placeholders == ()
    sparse = template_draft(
        facts_from_dict({"type": "请示", "issuer": "示范区人民政府", "subject": "申请追加资金"})
    )
    assert sparse.placeholders == (
        "【请填写：主送机关】",
        "【请填写：请示缘由（背景、依据和必要性）】",
        "【请填写：具体数额、范围和期限】",
        "【请填写：联系人姓名和电话】",
    )
    assert "恳请批准追加资金。" in sparse.body  # the one 请示事项 is the subject
    assert structure_warnings("请示", sparse.title, sparse.body) == []
    announcement = template_draft(
        facts_from_dict({"type": "公告", "issuer": "示范市人民政府", "subject": "启用新印章"})
    )
    assert announcement.recipients == ""  # published, addressed to no one
    assert announcement.placeholders == ("【请填写：公告事项】",)


def test_the_report_never_asks_and_without_points_gives_the_report_sections() -> None:
    draft = template_draft(facts("报告"))
    assert draft.body.splitlines()[0] == (
        "按照市政府年度工作部署，现将2026年度安全生产工作有关情况报告如下："
    )
    bare = template_draft(facts("报告", points=[], dates=[]))
    headings = [line for line in bare.body.splitlines() if heading_level(line)]
    assert headings == ["一、基本情况", "二、存在的问题", "三、下一步工作打算"]
    assert "请批" not in bare.body and "请示" not in bare.body


def test_the_notice_opens_with_purpose_and_grounds_and_closes_with_contact() -> None:
    lines = template_draft(facts("通知"), [BASIS]).body.splitlines()
    assert lines[0] == f"依据有关规定：{BASIS}。"
    assert lines[1] == "为保障群众温暖过冬，现就做好2027年冬季清洁取暖工作有关事项通知如下："
    assert lines[4] == "三、时间要求。2026年12月31日前报送工作台账。"
    assert lines[-2:] == ["联系人及电话：李华，0000-87654321。", "特此通知。"]


def test_a_notice_issuing_a_document_hands_it_on() -> None:
    draft = template_draft(
        facts_from_dict(
            {
                "type": "通知",
                "issuer": "示范市人民政府办公室",
                "subject": "印发示范市冬季清洁取暖工作方案",
                "purpose": "经市人民政府同意",
                "recipients": "各区人民政府",
            }
        )
    )
    assert draft.title == "示范市人民政府办公室关于印发示范市冬季清洁取暖工作方案的通知"
    assert draft.body == (
        "经市人民政府同意，现将《示范市冬季清洁取暖工作方案》印发给你们，请结合实际认真贯彻落实。"
    )
    assert structure_warnings("通知", draft.title, draft.body) == []


def test_a_letter_closes_by_what_it_does() -> None:
    asking = template_draft(facts("函"))
    assert "有关问题函询如下：" in asking.body
    assert asking.body.endswith("请予函复。")
    informing = template_draft(
        facts("函", subject="2027年统计调查计划安排", points=["2027年起按季度开展调查"])
    )
    assert "现就2027年统计调查计划安排有关事项函告如下：" in informing.body
    assert informing.body.endswith("特此函告。")
    reply = template_draft(
        facts(
            "函",
            issuer="示范市统计局",
            subject="提供2026年新建住宅小区供热面积数据",
            reference="示范市住房和城乡建设局关于商请提供2026年新建住宅小区供热面积数据的函 "
            "示建函〔2026〕45号",
            points=["2026年全市新建住宅小区供热面积为320万平方米"],
        )
    )
    assert reply.title == "示范市统计局关于提供2026年新建住宅小区供热面积数据的复函"
    assert reply.body.startswith(
        "你单位《关于商请提供2026年新建住宅小区供热面积数据的函》（示建函〔2026〕45号）收悉。"
    )
    assert reply.body.endswith("特此函复。")


def test_the_reply_quotes_the_request_and_closes_with_ci_fu() -> None:
    draft = template_draft(facts("批复"), [BASIS])
    assert draft.body.startswith(
        "你单位《关于追加2027年冬季清洁取暖补贴资金的请示》（示区政〔2026〕31号）收悉。"
        f"根据有关规定：{BASIS}。经研究，批复如下："
    )
    assert draft.body.endswith("\n此复。")
    decided = template_draft(facts("批复", points=[], dates=[], reference=""))
    assert decided.body.splitlines()[1] == "同意追加2027年冬季清洁取暖补贴资金。"
    assert "【请填写：来文标题和文号】" in decided.placeholders


def test_the_opinion_has_its_three_parts_unless_the_points_bring_their_own() -> None:
    draft = template_draft(facts("意见"))
    headings = [line for line in draft.body.splitlines() if heading_level(line) == 1]
    assert headings == ["一、总体要求", "二、主要任务", "三、保障措施"]
    assert "（二）推进医养结合。" in draft.body
    assert "（二）明确时间安排。2027年底前实现街道综合养老服务中心全覆盖。" in draft.body
    own = template_draft(
        facts(
            "意见",
            points=[
                "一、总体要求",
                "(一)坚持政府引导",
                "坚持市场主导",
                "二、主要任务",
                "推进医养结合",
            ],
        )
    )
    assert own.body.splitlines()[1:] == [
        "一、总体要求",
        "（一）坚持政府引导",
        "（二）坚持市场主导。",
        "二、主要任务",
        "（一）推进医养结合。",
        "三、时间安排。2027年底前实现街道综合养老服务中心全覆盖。",
    ]


def test_the_bulletin_reports_the_event_problems_and_demands() -> None:
    draft = template_draft(facts("通报"))
    lines = draft.body.splitlines()
    assert lines[1:4] == ["一、基本情况", FACTS["通报"]["reference"] + "。", "二、存在的问题"]
    assert "三、下一步要求" in lines
    praise = template_draft(facts("通报", subject="表彰2026年度防汛抗旱先进集体"))
    assert "二、主要做法和成效" in praise.body.splitlines()


def test_the_order_promulgates_with_its_date_of_effect() -> None:
    given = template_draft(facts("命令"))
    assert given.body == (
        "《示范市城市绿化管理办法》已经2026年11月20日市人民政府第12次常务会议通过，现予公布，"
        "自2027年1月1日起施行。"
    )
    assert given.title == "示范市人民政府关于公布《示范市城市绿化管理办法》的命令"
    named = template_draft(facts("令"))
    assert named.body.startswith("《示范市生活垃圾分类管理办法》已经【请填写：")
    assert named.body.endswith("自2027年3月1日起施行。")
    assert template_draft(facts("令", dates=[])).body.endswith("自【请填写：施行日期】起施行。")


def test_the_minutes_open_with_the_meeting_and_leave_attendance_to_the_layout() -> None:
    draft = template_draft(facts("纪要"))
    lines = draft.body.splitlines()
    assert lines[0] == FACTS["纪要"]["reference"] + "。"
    assert lines[1] == "现将会议议定事项纪要如下："
    assert "出席" not in draft.body and "李华" not in draft.body
    assert draft.title == "冬季清洁取暖工作专题会议纪要"
    topic = template_draft(facts("纪要", subject="研究冬季清洁取暖工作", reference=""))
    assert topic.title == "关于研究冬季清洁取暖工作的会议纪要"
    assert "会议研究了冬季清洁取暖工作。" in topic.body


def test_the_resolution_motion_and_communique_follow_their_forms() -> None:
    resolution = template_draft(facts("决议")).body.splitlines()
    assert resolution[:3] == [
        "示范市第十七届人民代表大会第三次会议审议了示范市人民政府工作报告。",
        "会议认为，报告实事求是，提出的2027年目标任务切实可行。",
        "会议决定：",
    ]
    motion = template_draft(facts("议案"))
    assert motion.title == "示范市人民政府关于提请审议《示范市养老服务条例（草案）》的议案"
    assert motion.body.startswith(
        "为规范养老服务，保障老年人合法权益，示范市人民政府起草了《示范市养老服务条例（草案）》，"
        "已经2026年11月20日市人民政府第12次常务会议讨论通过。"
    )
    communique = template_draft(facts("公报")).body.splitlines()
    assert communique[0] == FACTS["公报"]["reference"] + "。"
    assert not any(heading_level(line) for line in communique)  # a communiqué is prose


def test_titles_do_not_repeat_what_the_subject_already_says() -> None:
    cases = {
        ("请示", "示范市示范区人民政府关于追加补贴资金的请示"): (
            "示范市示范区人民政府关于追加补贴资金的请示"
        ),
        ("请示", "关于追加补贴资金的请示"): "示范市示范区人民政府关于追加补贴资金的请示",
        ("议案", "提请审议《示范市养老服务条例（草案）》"): (
            "示范市人民政府关于提请审议《示范市养老服务条例（草案）》的议案"
        ),
        ("纪要", "冬季清洁取暖工作专题会议纪要"): "冬季清洁取暖工作专题会议纪要",
        ("命令", "公布《示范市城市绿化管理办法》的命令"): (
            "示范市人民政府关于公布《示范市城市绿化管理办法》的命令"
        ),
    }
    for (doc_type, subject), title in cases.items():
        assert template_draft(facts(doc_type, subject=subject)).title == title


def test_points_bring_their_own_numbers_and_a_lone_point_stays_plain() -> None:
    numbered = template_draft(
        facts("通知", points=["一、加强组织领导", "二、压实工作责任", "强化督促检查"], dates=[])
    )
    assert numbered.body.splitlines()[1:4] == [
        "一、加强组织领导",
        "二、压实工作责任",
        "（一）强化督促检查。",
    ]
    single = template_draft(facts("决定", points=["授予示范区应急管理局先进单位称号"], dates=[]))
    assert single.body.splitlines()[1] == "授予示范区应急管理局先进单位称号。"


def test_a_point_starting_with_a_decimal_is_a_sentence_not_a_heading() -> None:
    draft = template_draft(facts("通知", points=["1.5亿元资金已到位", "2.5万人次受益"], dates=[]))
    assert draft.body.splitlines()[1:3] == ["一、1.5亿元资金已到位。", "二、2.5万人次受益。"]


def test_points_numbered_in_chinese_count_on_past_ten_and_ninety_nine() -> None:
    ten = template_draft(facts("通知", points=["十、加强组织领导", "压实工作责任"]))
    lines = ten.body.splitlines()
    assert lines[lines.index("十、加强组织领导") + 2].startswith("十一、时间要求。")
    last = template_draft(facts("通知", points=["九十九、加强组织领导"]))
    assert "九十九、加强组织领导" in last.body and "时间要求。" in last.body


# -- facts ---------------------------------------------------------------------------------------


def test_facts_from_strings_and_lists_are_the_same() -> None:
    from_lists = facts_from_dict(
        {
            "type": "通知",
            "issuer": " 示范市人民政府办公室 ",
            "subject": "做好冬季清洁取暖工作",
            "recipients": ["各区人民政府", "市政府各部门："],
            "points": ["建立台账", "及时拨付资金"],
            "dates": ["12月31日前报送"],
            "attendees": ["王强", " 李华 "],
        }
    )
    from_text = facts_from_dict(
        {
            "type": "通知",
            "issuer": "示范市人民政府办公室",
            "subject": "做好冬季清洁取暖工作\n",
            "recipients": "各区人民政府，市政府各部门：",
            "points": "- 建立台账\n\n- 及时拨付资金",
            "dates": "12月31日前报送；",
            "attendees": "王强、李华",
        }
    )
    assert from_lists == from_text
    assert from_text.points == ("建立台账", "及时拨付资金")
    assert from_text.attendees == "王强、李华"
    assert facts_from_dict({**FACTS["报告"]}).points == (
        "全年开展隐患排查1.2万次，整改隐患3400处",
        "生产安全事故起数同比下降12%",
        "部分企业主体责任落实不到位",
    )
    assert facts_from_dict({**FACTS["报告"], "purpose": "第一句。\n第二句。"}).purpose == (
        "第一句。第二句。"
    )


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"colour": "红"}, "colour", ["未知字段：colour", "subject"]),
        ({"subject": "  "}, "subject", ["事由不能为空"]),
        ({"issuer": ""}, "issuer", ["发文机关不能为空"]),
        ({"type": "简报"}, "type", ["不是法定文种", "纪要"]),
        ({"subject": 12}, "subject", ["事由", "应为文字"]),
        ({"points": [1, 2]}, "points", ["要点", "文字列表"]),
        ({"points": ["要点"] * 31}, "points", ["最多 30 项"]),
        ({"purpose": "很" * 2001}, "purpose", ["不能超过 2000 个字符"]),
        ({"contact": "张\x00明"}, "contact", ["控制字符"]),
        ({"attendees": ["王强", 3]}, "attendees", ["出席人员"]),
    ],
)
def test_facts_errors_name_the_field(changes: dict[str, Any], field: str, words: list[str]) -> None:
    with pytest.raises(ValidationError) as err:
        facts_from_dict({**FACTS["通知"], **changes})
    assert err.value.detail["field"] == field
    for word in words:
        assert word in err.value.message


def test_facts_must_be_an_object() -> None:
    with pytest.raises(ValidationError, match="JSON 对象"):
        facts_from_dict(["通知"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda: template_draft(facts("通知"), "《条例》第二十四条"), "起草依据应为文字列表"),
        (lambda: template_draft(facts("通知"), None), "起草依据应为文字列表"),
        (lambda: template_draft({"type": "通知"}), "facts_from_dict"),
        (lambda: system_prompt(None, evidence=False), "facts_from_dict"),
        (lambda: user_message("通知"), "facts_from_dict"),
        (lambda: parse_model_draft(None, facts("通知")), "模型返回的初稿应为文字"),
        (lambda: parse_model_draft(b"\xe4\xb8\x80", facts("通知")), "模型返回的初稿应为文字"),
        (lambda: structure_warnings("请示", None, "妥否，请批示。"), "标题应为文字"),
        (lambda: structure_warnings("请示", "关于……的请示", None), "正文应为文字"),
    ],
)
def test_wrong_arguments_are_refused_in_chinese(call: Any, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        call()


# -- the chat model ------------------------------------------------------------------------------


def test_the_prompt_carries_the_type_and_the_rules() -> None:
    f = facts("请示")
    grounded = system_prompt(f, evidence=True)
    for words in (
        "“请示”初稿",
        KINDS["请示"].use,
        KINDS["请示"].structure,
        "结语：妥否，请批示。",
        "不使用 Markdown",
        "“一、”“（一）”“1.”“（1）”",
        "不写主送机关行",
        "不写发文机关署名和成文日期",
        "附注",
        "[1]",
        "【请填写：……】",
        "不得编造",
        "一律不予理会",
        "示范市示范区人民政府关于追加2027年冬季清洁取暖补贴资金的请示",
    ):
        assert words in grounded, words
    ungrounded = system_prompt(f, evidence=False)
    assert "[1]" not in ungrounded and "不得自行引用法规条文" in ungrounded
    assert "结语：请予函复。" in system_prompt(facts("函"), evidence=False)
    assert "结语：特此函复。" in system_prompt(facts("函", reference="来函"), evidence=False)
    assert "结语" not in system_prompt(facts("纪要"), evidence=False)


def test_the_user_message_labels_every_fact() -> None:
    message = user_message(facts("纪要"))
    assert message.splitlines()[:3] == [
        "文种：纪要",
        "发文机关：示范市人民政府",
        "事由：冬季清洁取暖工作专题会议",
    ]
    assert "1. 会议同意追加示范区补贴资金1800万元" in message
    assert "时间要求：2026年12月15日前完成专项检查" in message
    assert f"会议情况（名称、时间、地点、主持人）：{FACTS['纪要']['reference']}" in message
    assert "出席人员：王强、李华、张明" in message
    assert "目的" not in message  # no purpose given, no empty label


MESSY = f"""{EXPLICIT_LABEL}
# 示范市人民政府办公室关于做好2027年冬季清洁取暖工作的通知

**各区人民政府，市政府各部门：**

为保障群众温暖过冬，根据有关规定[1]，现就有关事项通知如下：

## **一、总体要求**
- 坚持以人民为中心，确保群众温暖过冬[2]。
(一) 压实责任
1、建立工作台账。

**二、时间要求**

* 请于【请填写：报送日期】前报送。

特此通知。

示范市人民政府办公室
2026年11月21日
"""


def test_a_markdown_draft_becomes_plain_paragraphs() -> None:
    draft = parse_model_draft(MESSY, facts("通知", recipients=[]))
    assert draft.title == "示范市人民政府办公室关于做好2027年冬季清洁取暖工作的通知"
    assert draft.recipients == "各区人民政府，市政府各部门"
    assert draft.body.splitlines() == [
        "为保障群众温暖过冬，根据有关规定[1]，现就有关事项通知如下：",
        "一、总体要求",
        "坚持以人民为中心，确保群众温暖过冬[2]。",
        "（一）压实责任",
        "1.建立工作台账。",
        "二、时间要求",
        "请于【请填写：报送日期】前报送。",
        "特此通知。",
    ]
    assert draft.placeholders == ("【请填写：报送日期】",)
    assert structure_warnings("通知", draft.title, draft.body) == []


def test_a_labelled_title_a_seal_and_a_chinese_date_are_taken_out() -> None:
    reply = """标题：《关于做好冬季清洁取暖工作的通知》
主送机关：各区人民政府
一. 总体要求
各区要做好准备。
特此通知。
示范市人民政府办公室（印章）
二〇二六年十一月二十一日
【本文由AI生成，仅供参考】"""
    draft = parse_model_draft(reply, facts("通知"))
    assert draft.title == "关于做好冬季清洁取暖工作的通知"
    assert draft.recipients == "各区人民政府，市政府各部门"  # the facts' 主送 wins
    assert draft.body == "一、总体要求\n各区要做好准备。\n特此通知。"


def test_without_a_title_line_the_template_title_is_used() -> None:
    reply = "```\n各区人民政府：\n现就有关事项通知如下：\n一、加强组织领导。\n```"
    draft = parse_model_draft(reply, facts("通知"))
    assert draft.title == template_draft(facts("通知")).title
    assert draft.body == "现就有关事项通知如下：\n一、加强组织领导。"


def test_a_request_keeps_its_closing_and_moves_its_contact_to_the_note() -> None:
    reply = (
        "关于追加2027年冬季清洁取暖补贴资金的请示\n\n示范市人民政府：\n"
        "因用户增加，补贴资金缺口较大[1]。\n恳请追加补贴资金1800万元。\n妥否，请批示。\n"
        "（联系人：张明，电话：0000-12345678）\n示范市示范区人民政府\n2026年11月21日"
    )
    draft = parse_model_draft(reply, facts("请示"))
    assert draft.title == "关于追加2027年冬季清洁取暖补贴资金的请示"
    assert draft.body.splitlines()[-1] == "妥否，请批示。"
    assert draft.note == "联系人：张明，电话：0000-12345678"
    assert "[1]" in draft.body
    assert structure_warnings("请示", draft.title, draft.body) == []


def test_body_lines_that_look_like_a_signoff_elsewhere_stay() -> None:
    reply = (
        "关于做好冬季清洁取暖工作的通知\n现就有关事项通知如下：\n"
        "一、2026年11月21日起开始供暖。\n二、示范市住房和城乡建设局负责督查。\n特此通知。"
    )
    draft = parse_model_draft(reply, facts("通知"))
    assert draft.body.splitlines()[1:3] == [
        "一、2026年11月21日起开始供暖。",
        "二、示范市住房和城乡建设局负责督查。",
    ]


# -- structure warnings --------------------------------------------------------------------------


def test_a_title_must_end_in_its_type() -> None:
    assert structure_warnings("通知", "关于做好冬季清洁取暖工作的通知", "正文。") == []
    [warning] = structure_warnings("通知", "关于做好冬季清洁取暖工作", "正文。")
    assert "未以文种“通知”结尾" in warning and "7.3.1" in warning
    [mixed] = structure_warnings("报告", "关于追加资金的请示报告", "正文。\n特此报告。")
    assert "混用" in mixed
    assert structure_warnings("令", "示范市人民政府令", "现予公布。") == []
    assert structure_warnings("命令", "", "现予公布。") == []  # the order format needs no title
    assert structure_warnings("纪要", "", "会议议定事项如下：") == []
    assert "标题为空" in structure_warnings("通知", "", "正文。")[0]
    assert structure_warnings("函", "关于提供数据的复函", "特此函复。") == []


@pytest.mark.parametrize(
    "closing",
    [
        "妥否，请批示。",
        "当否，请批示。",
        "可否，请批示。",
        "以上请示，请批复。",
        "妥否，请批示。[2]",
    ],
)
def test_a_request_closes_by_asking(closing: str) -> None:
    body = f"因用户增加，资金缺口较大。\n恳请追加补贴资金1800万元。\n{closing}"
    assert structure_warnings("请示", "关于追加资金的请示", body) == []


def test_a_request_without_its_closing_is_flagged() -> None:
    body = "因用户增加，资金缺口较大。\n恳请追加补贴资金1800万元。\n特此报告。"
    [warning] = structure_warnings("请示", "关于追加资金的请示", body)
    assert "妥否，请批示" in warning


def test_a_request_about_several_matters_is_flagged_but_a_structured_one_is_not() -> None:
    several = (
        "现将有关事项请示如下：\n一、关于追加清洁取暖补贴资金的问题\n恳请追加1800万元。\n"
        "二、关于调整区级机构编制的问题\n恳请增加编制5名。\n妥否，请批示。"
    )
    [warning] = structure_warnings("请示", "关于有关事项的请示", several)
    assert "一文一事" in warning and "第十五条" in warning
    named = "一、请示事项一\n追加资金。\n二、请示事项二\n调整编制。\n妥否，请批示。"
    assert "一文一事" in structure_warnings("请示", "关于有关事项的请示", named)[0]
    one = (
        "一、基本情况\n用户增加1.2万户。\n二、请示事项\n恳请追加补贴资金1800万元。\n"
        "三、关于资金使用的说明\n专款专用。\n妥否，请批示。"
    )
    assert structure_warnings("请示", "关于追加资金的请示", one) == []


def test_a_report_that_asks_for_approval_is_flagged() -> None:
    body = "今年完成隐患整改3400处。\n恳请市政府批准追加经费。\n特此报告。"
    assert "恳请市政府批准" in structure_warnings("报告", "关于安全生产工作的报告", body)[0]
    asking = "今年完成隐患整改3400处。\n以上报告，妥否，请批示。"
    [warning] = structure_warnings("报告", "关于安全生产工作的报告", asking)
    assert "夹带请示事项（“妥否，请”）" in warning and "第十五条" in warning
    assert structure_warnings("报告", "关于经费的报告", "请批准追加经费。\n特此报告。")
    describing = "全年受理企业申请批准事项120件，均已办结。\n整改方案已报请批准后实施。\n特此报告。"
    assert structure_warnings("报告", "关于审批工作的报告", describing) == []


def test_a_reply_closes_with_ci_fu_and_a_notice_need_not_close() -> None:
    assert structure_warnings("批复", "关于同意追加资金的批复", "同意。\n此复。") == []
    assert structure_warnings("批复", "关于同意追加资金的批复", "同意。\n特此批复。") == []
    [warning] = structure_warnings("批复", "关于同意追加资金的批复", "同意。")
    assert "此复" in warning
    assert structure_warnings("通知", "关于召开会议的通知", "请准时参加。") == []

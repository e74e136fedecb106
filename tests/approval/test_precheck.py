"""The pre-check: its JSON contract, each outcome and why, 一次性告知 of everything to correct,
materials decided by the answers, a malformed application, and the property that nothing is
approved while a person still has something to decide or a material is missing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govai.approval.expr_lib import UNKNOWN
from govai.approval.items import MaterialSpec, ServiceItem
from govai.approval.materials import Finding
from govai.approval.precheck import (
    BASIS_CORRECTION,
    BASIS_REFUSAL,
    RIGHT_OF_REVIEW,
    parse_application,
    precheck,
)
from govai.approval.rules import DEMO_RULES_DIR, RuleSet, load_rules, parse_rules
from govai.approval.ruletests import demo_items
from govai.errors import ValidationError

TODAY = date(2025, 3, 3)
ITEMS = demo_items()
SHIYE = load_rules(DEMO_RULES_DIR / "shiye-baoxianjin.yaml")
GAOLING = load_rules(DEMO_RULES_DIR / "gaoling-jintie.yaml")
ELDER = "370102194003150021"  # 84 on TODAY
YOUNG = "370102194503040056"  # 80 tomorrow
WORKER = "110105198003070012"
GAOLING_MATERIALS = ["居民身份证", "户口簿", "本人银行账户信息"]


def shiye_app(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "contribution_months": 36,
        "separation_reason": "用人单位解除劳动合同",
        "separation_date": "2025-02-20",
        "registered_unemployed": True,
        "reemployed": False,
        "receiving_pension": False,
    }
    base.update(fields)
    materials = base.pop("materials", ["居民身份证", "终止或者解除劳动关系的证明"])
    return {
        "applicant": {"name": "张三", "id_number": WORKER},
        "fields": base,
        "materials": materials,
    }


def gaoling_app(id_number: str = ELDER, materials: list[Any] | None = None, **fields: Any) -> dict:
    values: dict[str, Any] = {"registered_in_city": True, "receiving_elsewhere": False}
    values.update(fields)
    return {
        "applicant": {"name": "李秀英", "id_number": id_number},
        "fields": values,
        "materials": GAOLING_MATERIALS if materials is None else materials,
    }


def test_the_result_has_exactly_the_documented_keys() -> None:
    result = precheck(ITEMS["SF-SYBX-001"], SHIYE, shiye_app(), TODAY).to_dict()
    assert set(result) == {
        "item",
        "outcome",
        "missing_materials",
        "unmet_conditions",
        "reasons",
        "legal_basis",
        "deadline",
    }
    assert result["item"] == "SF-SYBX-001"


def test_approved_only_when_allowed_and_every_condition_machine_checked() -> None:
    result = precheck(ITEMS["SF-GLJT-001"], GAOLING, gaoling_app(), TODAY)
    assert result.outcome == "approved"
    assert result.missing_materials == () and result.unmet_conditions == ()
    assert "符合：年满80周岁" in result.reasons[0]
    assert "《示范市高龄津贴发放办法》第三条" in result.legal_basis
    assert result.values["monthly_allowance"] == 100
    assert {c.status for c in result.checks} == {"passed"}
    # the same application where the department has not allowed auto-approval
    item = replace(ITEMS["SF-GLJT-001"], auto_approval=False)
    held = precheck(item, GAOLING, gaoling_app(), TODAY)
    assert held.outcome == "needs_review"
    assert "本事项未开通自动审批，由工作人员审核决定。" in held.reasons


def test_a_manual_condition_sends_a_complete_application_to_a_person() -> None:
    item = replace(ITEMS["SF-SYBX-001"], auto_approval=True)
    result = precheck(item, SHIYE, shiye_app(), TODAY)
    assert result.outcome == "needs_review"
    assert any("有求职要求" in r for r in result.reasons)
    assert "《失业保险条例》第十四条第三项" in result.legal_basis


def test_denied_states_reasons_basis_and_the_right_to_review() -> None:
    result = precheck(ITEMS["SF-GLJT-001"], GAOLING, gaoling_app(YOUNG), TODAY)
    assert result.outcome == "denied"
    assert [c.id for c in result.unmet_conditions] == ["age80"]
    assert result.reasons[0] == (
        "申请人现年79周岁，未满80周岁；将于2025年3月4日年满80周岁，届时可以申请。"
    )
    assert result.reasons[-1] == RIGHT_OF_REVIEW
    assert result.legal_basis[0] == "《中华人民共和国老年人权益保障法》第三十三条"
    assert BASIS_REFUSAL not in result.legal_basis  # 行政给付, not a licence


def test_correction_lists_every_missing_material_and_fixable_condition_at_once() -> None:
    app = shiye_app(
        registered_unemployed=False,
        by_agent=True,
        separation_date="2026-01-01",
        materials=[],
    )
    del app["fields"]["contribution_months"]
    result = precheck(ITEMS["SF-SYBX-001"], SHIYE, app, TODAY)
    assert result.outcome == "needs_correction"
    assert [m.name for m in result.missing_materials] == [
        "居民身份证",
        "终止或者解除劳动关系的证明",
        "授权委托书",
        "受托人居民身份证",
    ]
    assert {c.id for c in result.unmet_conditions} == {
        "field.contribution_months",
        "separation_date_valid",
        "registered",
    }
    assert all(c.fixable for c in result.unmet_conditions)
    assert len(result.reasons) == 7  # one per item to correct, nothing held back
    assert "《失业保险条例》第十六条第二款" in result.legal_basis
    assert any("2026年1月1日晚于今天" in r for r in result.reasons)


def test_unfixable_failure_wins_over_missing_materials_which_are_still_listed() -> None:
    app = shiye_app(contribution_months=6, registered_unemployed=False, materials=["居民身份证"])
    result = precheck(ITEMS["SF-SYBX-001"], SHIYE, app, TODAY)
    assert result.outcome == "denied"
    assert [m.name for m in result.missing_materials] == ["终止或者解除劳动关系的证明"]
    assert {c.id: c.fixable for c in result.unmet_conditions} == {
        "contribution": False,
        "registered": True,
    }
    assert result.reasons == (
        "失业前累计缴纳失业保险费6个月，不满1年（12个月），不符合领取失业保险金的条件。",
        RIGHT_OF_REVIEW,
    )


def test_unknown_facts_are_not_guessed() -> None:
    result = precheck(ITEMS["SF-SYBX-001"], SHIYE, shiye_app(separation_reason="其他"), TODAY)
    assert result.outcome == "needs_review"
    involuntary = next(c for c in result.checks if c.condition.id == "involuntary")
    assert involuntary.status == "unknown"
    assert result.values["involuntary"] is UNKNOWN
    assert "involuntary" not in result.report()["values"]  # unknown is not shown as a value


def test_missing_required_fields_are_asked_for() -> None:
    app = gaoling_app()
    del app["fields"]["registered_in_city"]
    result = precheck(ITEMS["SF-GLJT-001"], GAOLING, app, TODAY)
    assert result.outcome == "needs_correction"
    (unmet,) = result.unmet_conditions
    assert unmet.id == "field.registered_in_city" and unmet.fixable
    assert unmet.reason == "未填写“具有示范市户籍”（老人是否具有示范市户籍？），请补充。"
    hukou = next(c for c in result.checks if c.condition.id == "hukou")
    assert hukou.status == "unknown" and hukou.missing == ("具有示范市户籍",)


def test_conditional_materials_follow_the_answers() -> None:
    item = ITEMS["SF-GJJTQ-001"]
    rules = load_rules(DEMO_RULES_DIR / "gongjijin-tiqu.yaml")
    renting = {"case": "租赁住房", "monthly_rent": 2000, "household_income": 10000}
    app = {"applicant": {"id_number": WORKER}, "fields": renting, "materials": ["居民身份证"]}
    result = precheck(item, rules, app, TODAY)
    assert [m.name for m in result.missing_materials] == ["房屋租赁合同和租金缴纳凭证"]
    app["fields"] = {"case": "离休、退休"}
    app["materials"] = ["居民身份证", "离休、退休证明"]
    result = precheck(item, rules, app, TODAY)
    assert result.missing_materials == ()
    assert any("注销职工住房公积金账户" in r for r in result.reasons)


def test_without_a_rule_file_materials_are_checked_and_conditions_go_to_a_person() -> None:
    item = replace(ITEMS["SF-GLJT-001"], auto_approval=True)
    result = precheck(item, None, gaoling_app(materials=["居民身份证"]), TODAY)
    assert result.outcome == "needs_correction"
    assert [m.name for m in result.missing_materials] == ["户口簿", "本人银行账户信息"]
    result = precheck(item, None, gaoling_app(), TODAY)
    assert result.outcome == "needs_review"  # never approved without rules
    assert "受理条件需人工审查：" + item.conditions_text in result.reasons
    assert "是否需要提交“授权委托书”需人工判断，适用情形：委托他人代为申请的。" in result.reasons
    bare = ServiceItem("X-1", "某事项", "示范市民政局", materials=(MaterialSpec("申请表"),))
    result = precheck(bare, None, {"materials": ["申请表"]}, TODAY)
    assert result.reasons[0] == "本事项未配置规则文件，受理条件需人工审查。"


def test_free_text_conditional_material_without_a_rule_goes_to_a_person() -> None:
    extra = MaterialSpec("监护关系证明", need="conditional", condition="由监护人代为申请的")
    item = replace(ITEMS["SF-GLJT-001"], materials=(*ITEMS["SF-GLJT-001"].materials, extra))
    result = precheck(item, GAOLING, gaoling_app(), TODAY)
    assert result.outcome == "needs_review"
    assert "是否需要提交“监护关系证明”需人工判断，适用情形：由监护人代为申请的。" in result.reasons
    submitted = gaoling_app(materials=[*GAOLING_MATERIALS, "监护关系证明"])
    assert precheck(item, GAOLING, submitted, TODAY).outcome == "approved"


def test_licence_items_cite_the_administrative_licensing_law() -> None:
    text = """\
item: L-1
name: 某许可
version: "1"
fields:
  qualified: {type: bool, label: 具备资质}
  paid: {type: bool, label: 已缴费}
materials: [申请书]
conditions:
  - id: qualified
    title: 具备资质
    check: qualified
    basis: 某法第十条
    reason: 不具备资质。
    fixable: false
  - id: paid
    title: 已缴费
    check: paid
    basis: 某法第十一条
    reason: 尚未缴费。
    fixable: true
"""
    rules = parse_rules(text)
    item = ServiceItem(
        "L-1",
        "某许可",
        "示范市生态环境局",
        item_type="行政许可",
        materials=(MaterialSpec("申请书"),),
        auto_approval=True,
    )
    correction = precheck(item, rules, {"fields": {"qualified": True, "paid": False}}, TODAY)
    assert correction.outcome == "needs_correction"
    assert correction.legal_basis[-1] == BASIS_CORRECTION
    assert [m.name for m in correction.missing_materials] == ["申请书"]
    denial = precheck(item, rules, {"fields": {"qualified": False, "paid": True}}, TODAY)
    assert denial.outcome == "denied" and BASIS_REFUSAL in denial.legal_basis
    ok = {"fields": {"qualified": True, "paid": True}, "materials": ["申请书"]}
    assert precheck(item, rules, ok, TODAY).outcome == "approved"


def test_material_file_types_expiry_and_names_are_checked() -> None:
    materials = [
        {"name": "居民身份证", "file": "sfz.docx", "holder": "李秀英"},
        {"name": "户口簿", "file": "hkb.pdf", "valid_until": "2025-03-02"},
        {"name": "本人银行账户信息", "file": "yhk.jpg", "holder": "王五"},
    ]
    result = precheck(ITEMS["SF-GLJT-001"], GAOLING, gaoling_app(materials=materials), TODAY)
    assert result.outcome == "needs_correction"
    assert {(m.name, m.code) for m in result.missing_materials} == {
        ("居民身份证", "file_type_not_allowed"),
        ("户口簿", "material_expired"),
        ("本人银行账户信息", "name_mismatch"),
    }
    still_valid = [{"name": "户口簿", "valid_until": TODAY.isoformat()}]
    app = gaoling_app(materials=["居民身份证", "本人银行账户信息", *still_valid])
    assert precheck(ITEMS["SF-GLJT-001"], GAOLING, app, TODAY).outcome == "approved"


def test_an_extra_paper_is_a_note_and_a_loosely_named_one_needs_a_person() -> None:
    app = gaoling_app(materials=[*GAOLING_MATERIALS, "体检报告"])
    result = precheck(ITEMS["SF-GLJT-001"], GAOLING, app, TODAY)
    assert result.outcome == "approved"
    assert any("体检报告" in n for n in result.notes)
    app = gaoling_app(materials=["居民身份证", "户口簿", "本人银行账户"])
    result = precheck(ITEMS["SF-GLJT-001"], GAOLING, app, TODAY)
    assert result.outcome == "needs_review"
    assert any("本人银行账户信息" in r and "核对" in r for r in result.reasons)


def test_findings_from_the_caller_are_merged() -> None:
    fixable = Finding("file_content_mismatch", "户口簿", "户口簿的文件不是 PDF。", True, "办事指南")
    result = precheck(
        ITEMS["SF-GLJT-001"], GAOLING, gaoling_app(), TODAY, material_findings=[fixable]
    )
    assert result.outcome == "needs_correction"
    assert result.missing_materials[0].code == "file_content_mismatch"
    final = Finding("seal_doubtful", "户口簿", "户口簿印章存疑。", False, "办事指南")
    result = precheck(
        ITEMS["SF-GLJT-001"], GAOLING, gaoling_app(), TODAY, material_findings=[final]
    )
    assert result.outcome == "needs_review" and "户口簿印章存疑。" in result.reasons


def test_deadline_is_given_or_computed_by_a_hook() -> None:
    item = ITEMS["SF-GLJT-001"]
    fixed = precheck(item, GAOLING, gaoling_app(), TODAY, deadline=date(2025, 3, 31))
    assert fixed.to_dict()["deadline"] == "2025-03-31"
    seen: list[tuple[str, str, date]] = []

    def hook(it: ServiceItem, outcome: str, today: date) -> date:
        seen.append((it.code, outcome, today))
        return today + timedelta(days=5)

    computed = precheck(item, GAOLING, gaoling_app(YOUNG), TODAY, deadline=hook)
    assert seen == [("SF-GLJT-001", "denied", TODAY)]
    assert computed.deadline == date(2025, 3, 8)
    assert precheck(item, GAOLING, gaoling_app(), TODAY).to_dict()["deadline"] is None


def test_rules_of_another_item_are_refused() -> None:
    with pytest.raises(ValidationError, match="属于事项 SF-SYBX-001，不能用于事项 SF-GLJT-001"):
        precheck(ITEMS["SF-GLJT-001"], SHIYE, gaoling_app(), TODAY)


@pytest.mark.parametrize(
    ("application", "words"),
    [
        ([], "申请数据应为 JSON 对象"),
        ({"field": {}}, "未知的键 field"),
        ({"fields": []}, "申请表信息 fields 应为 JSON 对象"),
        ({"applicant": "张三"}, "申请人信息 applicant 应为 JSON 对象"),
        ({"materials": "身份证"}, "材料清单 materials 应为列表"),
        ({"materials": [3]}, "第 1 份材料应为对象"),
        ({"materials": [{"file": "a.pdf"}]}, "第 1 份材料缺少名称 name"),
        ({"materials": ["a", {"name": "b", "file": 3}]}, "第 2 份材料（b）的 file 应为文件名文本"),
    ],
)
def test_a_malformed_application_is_refused_in_chinese(application: Any, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        precheck(ITEMS["SF-GLJT-001"], GAOLING, application, TODAY)
    assert words in caught.value.message


def test_every_problem_of_an_application_is_listed_together() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_application({"x": 1, "fields": 2, "materials": [{"name": ""}, 5]})
    assert len(caught.value.detail["problems"]) == 4


def test_bad_values_are_corrections_not_errors() -> None:
    app = gaoling_app(id_number="370102194003150022", registered_in_city="可能")
    result = precheck(ITEMS["SF-GLJT-001"], GAOLING, app, TODAY)
    assert result.outcome == "needs_correction"
    assert {c.id for c in result.unmet_conditions} == {
        "field.id_number",
        "field.registered_in_city",
    }


# ---------------------------------------------------------------------------------------------
# the property: no approval while a person must decide or a material is missing

MANUAL = """
  - id: look
    title: 人工核实
    manual: true
    basis: 《示范市高龄津贴发放办法》第六条
"""
GAOLING_WITH_MANUAL = parse_rules(
    (DEMO_RULES_DIR / "gaoling-jintie.yaml")
    .read_text(encoding="utf-8")
    .replace("\ntests:", MANUAL + "\ntests:")
)
IDS = [ELDER, YOUNG, "370102192011050048", "370102194003150022", "12345", ""]
VALUES = st.sampled_from([True, False, "是", "否", None, "也许", 1])
MATERIALS = [
    "居民身份证",
    "户口簿",
    "本人银行账户信息",
    "授权委托书",
    "代办人居民身份证",
    "体检报告",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    id_number=st.sampled_from(IDS),
    hukou=VALUES,
    elsewhere=VALUES,
    by_agent=VALUES,
    materials=st.lists(st.sampled_from(MATERIALS), unique=True),
    auto=st.booleans(),
    manual=st.booleans(),
)
def test_approved_never_with_a_manual_condition_or_a_missing_material(
    id_number: str,
    hukou: Any,
    elsewhere: Any,
    by_agent: Any,
    materials: list[str],
    auto: bool,
    manual: bool,
) -> None:
    rules: RuleSet = GAOLING_WITH_MANUAL if manual else GAOLING
    fields = {"registered_in_city": hukou, "receiving_elsewhere": elsewhere, "by_agent": by_agent}
    app = {"applicant": {"id_number": id_number}, "fields": fields, "materials": materials}
    item = replace(ITEMS["SF-GLJT-001"], auto_approval=auto)
    result = precheck(item, rules, app, TODAY)
    if result.outcome != "approved":
        return
    assert auto and not manual
    assert all(not c.condition.manual for c in result.checks)
    assert {c.status for c in result.checks} <= {"passed", "not_applicable"}
    assert result.missing_materials == () and result.unmet_conditions == ()
    required = {"居民身份证", "户口簿", "本人银行账户信息"}
    if by_agent in (True, "是", 1):
        required |= {"授权委托书", "代办人居民身份证"}
    assert required <= set(materials)


def test_a_condition_that_cannot_be_computed_goes_to_a_person() -> None:
    text = """\
item: C-1
name: 某补贴
version: "1"
fields:
  income: {type: number, label: 家庭收入}
  members: {type: number, label: 家庭人口}
conditions:
  - id: per_head
    title: 人均收入低于标准
    check: income / members < 1000
    basis: 某办法第三条
    reason: 人均收入{income / members}元，不低于1000元。
    fixable: false
"""
    rules = parse_rules(text)
    item = ServiceItem("C-1", "某补贴", "示范市民政局", auto_approval=True)
    result = precheck(item, rules, {"fields": {"income": 3000, "members": 0}}, TODAY)
    assert result.outcome == "needs_review"
    (check,) = result.checks
    assert check.status == "error" and "无法自动判断" in check.message
    assert precheck(item, rules, {"fields": {"income": 3000, "members": 4}}, TODAY).outcome == (
        "approved"
    )
    denied = precheck(item, rules, {"fields": {"income": 8000, "members": 4}}, TODAY)
    assert denied.reasons[0] == "人均收入2000元，不低于1000元。"

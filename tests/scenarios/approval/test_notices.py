"""Notices of the approval scenario over a real database: each kind in 公文 layout from the
application and its pre-check, numbered per department, kind and year, AI-labelled as a draft
and issued unlabelled by a person of the item's department."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import docx
import pytest
from sqlalchemy import select

from govai.errors import Conflict, NotFound, PermissionDenied, ValidationError
from govai.gateway.labels import EXPLICIT_LABEL
from govai.governance.models import AuditEntry
from govai.platform import Platform
from govai.scenarios.approval import applications as apps
from govai.scenarios.approval import catalog
from govai.scenarios.approval import notices as nt
from govai.scenarios.approval.models import DENIED, NEEDS_CORRECTION, UNDER_REVIEW, Notice

from .conftest import NOW, TODAY, UNEMPLOYMENT, unemployment, who

ISSUE_DAY = date(2025, 3, 4)


def _text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def _parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}


def _headers(data: bytes) -> str:
    return "".join(v for k, v in _parts(data).items() if k.startswith("word/header"))


def _aigc_properties(data: bytes) -> int:
    custom = _parts(data).get("docProps/custom.xml", "")
    return len(re.findall(r'<property [^>]*name="[^"]*AIGC[^"]*"', custom))


def _submit(stored: Platform, application: dict[str, object]) -> int:
    with stored.db.session() as session:
        row = apps.submit(
            session, who(stored, "staff"), UNEMPLOYMENT, application, today=TODAY, now=NOW
        )
        return row.id


def _draft(stored: Platform, app_id: int, kind: str, username: str = "staff") -> tuple[int, str]:
    with stored.db.session() as session:
        notice = nt.draft_notice(
            session, who(stored, username), app_id, kind, settings=stored.settings, today=TODAY
        )
        return notice.id, notice.doc_number


def _data(stored: Platform, notice_id: int) -> Notice:
    with stored.db.read() as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        session.expunge(notice)
        return notice


def test_correction_notice_tells_everything_at_once(stored: Platform) -> None:
    application = unemployment(registered_unemployed=False, separation_date="2025-03-20")
    application["materials"] = []
    app_id = _submit(stored, application)
    with stored.db.read() as session:
        row = apps.get_application(session, who(stored, "staff"), app_id)
        assert row.status == NEEDS_CORRECTION
        report = dict(row.precheck)
        number = row.number
    missing = report["missing_materials"]
    unmet = report["unmet_conditions"]
    assert len(missing) == 2 and len(unmet) == 2  # type: ignore[arg-type]

    notice_id, doc_number = _draft(stored, app_id, "correction")
    assert doc_number == "示人社办补〔2025〕1号"
    text = _text(_data(stored, notice_id).data)
    assert "补正材料通知书" in text and "张三" in text and number in text
    for entry in [*missing, *unmet]:  # type: ignore[misc]
        assert entry["reason"].rstrip("。") in text
        if entry["basis"]:
            assert entry["basis"] in text
    for material in missing:  # type: ignore[attr-defined]
        assert material["name"] in text
    assert "请于收到本通知后补正" in text
    assert "你于2025年3月3日提交" in text  # dates in Arabic numerals
    # not a licence: the 行政许可法 article on corrections is not claimed for it
    assert "第三十二条" not in text


def test_licence_items_name_the_licensing_law(stored: Platform) -> None:
    with stored.db.session() as session:
        item = catalog.get_item(session, UNEMPLOYMENT)
        item.data = {**item.data, "item_type": "行政许可"}
    app_id = _submit(stored, unemployment())
    notice_id, doc_number = _draft(stored, app_id, "correction")
    assert doc_number == "示人社许补〔2025〕1号"
    text = _text(_data(stored, notice_id).data)
    assert "《中华人民共和国行政许可法》第三十二条第一款第四项" in text

    refused = _submit(stored, unemployment(contribution_months=8))
    with stored.db.session() as session:
        apps.decide(session, who(stored, "reviewer"), refused, approve=False, reason="缴费不满1年")
    notice_id, doc_number = _draft(stored, refused, "refusal")
    assert doc_number == "示人社许不准〔2025〕1号"
    text = _text(_data(stored, notice_id).data)
    assert "不予行政许可决定书" in text and "决定不予行政许可" in text
    assert "第三十八条第二款" in text
    assert "自收到本决定书之日起60日内" in text


def test_numbers_run_per_department_kind_and_year(stored: Platform) -> None:
    first, second = _submit(stored, unemployment()), _submit(stored, unemployment())
    one_id, one = _draft(stored, first, "correction")
    _, two = _draft(stored, second, "correction")
    assert (one, two) == ("示人社办补〔2025〕1号", "示人社办补〔2025〕2号")
    # re-drafting replaces the draft and keeps its number
    again_id, again = _draft(stored, first, "correction")
    assert (again_id, again) == (one_id, one)
    with stored.db.read() as session:
        drafts = session.execute(
            select(Notice).where(Notice.application_id == first, Notice.status == nt.DRAFT)
        ).all()
        assert len(drafts) == 1
    # once issued, a new correction notice for the same application takes the next number
    with stored.db.session() as session:
        nt.issue_notice(session, who(stored, "staff"), one_id, today=ISSUE_DAY)
    new_id, new = _draft(stored, first, "correction")
    assert new_id != one_id and new == "示人社办补〔2025〕3号"
    # another kind has its own sequence
    accepted = _submit(
        stored, {**unemployment(), "materials": ["居民身份证", "终止或者解除劳动关系的证明"]}
    )
    assert _draft(stored, accepted, "acceptance")[1] == "示人社办受〔2025〕1号"
    assert nt.doc_number_prefix("示范市民政局", "approval", False) == "示民办准"
    assert nt.doc_number_prefix("东城区人力资源和社会保障局", "acceptance", True) == "东人社许受"


def test_a_draft_is_labelled_and_the_issued_notice_is_not(stored: Platform) -> None:
    app_id = _submit(
        stored, {**unemployment(), "materials": ["居民身份证", "终止或者解除劳动关系的证明"]}
    )
    notice_id, _ = _draft(stored, app_id, "acceptance")
    draft = _data(stored, notice_id)
    assert draft.status == nt.DRAFT and not draft.issued_by
    assert EXPLICIT_LABEL in _headers(draft.data)
    assert _aigc_properties(draft.data) == 1
    text = _text(draft.data)
    assert "受理通知书" in text and "2025年3月10日" in text  # five working days
    assert "《失业保险条例》第十四条" in text
    assert "查询码" in text  # the 附注 tells how to track

    reviewer = who(stored, "reviewer")
    with stored.db.session() as session:
        issued = nt.issue_notice(session, reviewer, notice_id, today=ISSUE_DAY)
        assert issued.status == nt.ISSUED and issued.issued_by == "reviewer"
    issued = _data(stored, notice_id)
    assert issued.issued_at is not None
    assert "人工智能" not in _headers(issued.data) and _aigc_properties(issued.data) == 0
    assert "AIGC" not in "".join(_parts(issued.data).values())
    assert "2025年3月4日" in _text(issued.data)  # dated the day a person issued it
    with stored.db.session() as session, pytest.raises(Conflict, match="不能重复签发"):
        nt.issue_notice(session, reviewer, notice_id)
    with stored.db.read() as session:
        actions = [
            e.action
            for e in session.execute(
                select(AuditEntry).where(AuditEntry.object_type == "notice")
            ).scalars()
        ]
        assert actions == ["notice.draft", "notice.issue"]


def test_a_refusal_states_the_reasons_and_the_right_of_review(stored: Platform) -> None:
    app_id = _submit(stored, unemployment(contribution_months=8))
    with stored.db.session() as session:
        row = apps.decide(
            session, who(stored, "reviewer"), app_id, approve=False, reason="经核实缴费不满1年"
        )
        assert row.status == DENIED
    notice_id, doc_number = _draft(stored, app_id, "refusal", username="reviewer")
    assert doc_number == "示人社办不准〔2025〕1号"
    text = _text(_data(stored, notice_id).data)
    assert "不予办理通知书" in text and "决定不予办理" in text
    assert "经核实缴费不满1年" in text
    assert "累计缴纳失业保险费8个月" in text  # the pre-check's reason it rests on
    assert "60日内向示范市人民政府申请行政复议" in text
    assert "6个月内向有管辖权的人民法院提起行政诉讼" in text
    assert "行政复议法" in text and "行政诉讼法" in text


def test_only_the_items_department_drafts_and_issues(stored: Platform) -> None:
    app_id = _submit(stored, unemployment())
    notice_id, _ = _draft(stored, app_id, "correction")
    for outsider in ("east-staff", "hotline"):  # a district office, another department
        with stored.db.session() as session, pytest.raises(NotFound):
            nt.draft_notice(
                session, who(stored, outsider), app_id, "correction", settings=stored.settings
            )
        with stored.db.session() as session, pytest.raises(NotFound):
            nt.issue_notice(session, who(stored, outsider), notice_id)
    # the system administrator sees the application starred, but neither drafts nor reads notices
    sysadmin = who(stored, "sysadmin")
    with stored.db.session() as session, pytest.raises(PermissionDenied, match="无权处理"):
        nt.draft_notice(session, sysadmin, app_id, "correction", settings=stored.settings)
    with stored.db.session() as session, pytest.raises(NotFound):
        nt.issue_notice(session, sysadmin, notice_id)
    assert _data(stored, notice_id).status == nt.DRAFT


def test_a_kind_that_does_not_fit_the_status_is_refused(stored: Platform) -> None:
    app_id = _submit(stored, unemployment())
    for kind in ("acceptance", "approval", "refusal", "non_acceptance"):
        with (
            stored.db.session() as session,
            pytest.raises(Conflict, match=r"不能出具.*补正材料通知书"),
        ):
            nt.draft_notice(session, who(stored, "staff"), app_id, kind, settings=stored.settings)
    with stored.db.session() as session, pytest.raises(ValidationError, match="可选"):
        nt.draft_notice(session, who(stored, "staff"), app_id, "receipt", settings=stored.settings)
    # a draft whose application moved on cannot be issued
    notice_id, _ = _draft(stored, app_id, "correction")
    with stored.db.read() as session:
        row = apps.get_application(session, who(stored, "staff"), app_id)
        number, code = row.number, row.query_code
    with stored.db.session() as session:
        row = apps.resubmit(
            session, number, code, materials=["终止或者解除劳动关系的证明"], today=TODAY
        )
        assert row.status == UNDER_REVIEW
    with stored.db.session() as session, pytest.raises(Conflict, match="重新起草"):
        nt.issue_notice(session, who(stored, "staff"), notice_id)

"""The approval scenario over a real database: the demo catalogue and rule files stored, an
application pre-checked, sent back for correction, resubmitted, reviewed and decided, with the
process log, the time limit in working days, auto-approval where allowed, tracking by number and
query code, and who may do what."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from govai.approval.rulefile import DEMO_RULES_DIR
from govai.errors import Conflict, NotFound, PermissionDenied, ValidationError
from govai.governance.models import AuditEntry
from govai.platform import Platform
from govai.scenarios.approval import applications as apps
from govai.scenarios.approval import catalog
from govai.scenarios.approval.models import (
    APPROVED,
    NEEDS_CORRECTION,
    NOT_ACCEPTED,
    UNDER_REVIEW,
    ApplicationEvent,
)

from .conftest import (
    ALLOWANCE,
    NOW,
    OPERATOR,
    TODAY,
    UNEMPLOYMENT,
    ZHANG,
    unemployment,
    who,
)


def test_correction_resubmission_review_and_decision(stored: Platform) -> None:
    staff, reviewer = who(stored, "staff"), who(stored, "reviewer")
    with stored.db.session() as session:
        row = apps.submit(session, staff, UNEMPLOYMENT, unemployment(), today=TODAY, now=NOW)
        number, code, app_id = row.number, row.query_code, row.id
        assert number == "SQ2025030300001" and len(code) == 6
        assert row.status == NEEDS_CORRECTION and row.corrections == 1
        missing = [m["name"] for m in row.precheck["missing_materials"]]  # type: ignore[union-attr]
        assert missing == ["终止或者解除劳动关系的证明"]

    with stored.db.read() as session:
        seen = apps.track(session, number, code)
        assert seen["status_label"] == "待补正"
        assert [m["name"] for m in seen["missing_materials"]] == ["终止或者解除劳动关系的证明"]
        assert "以工作人员审核结果为准" in seen["label"]
        with pytest.raises(NotFound):
            apps.track(session, number, "000000" if code != "000000" else "111111")

    with stored.db.session() as session:
        row = apps.resubmit(
            session,
            number,
            code,
            materials=[{"name": "终止劳动关系证明.pdf"}],
            today=TODAY,
            now=NOW,
        )
        # the loose name did not match: still missing, the applicant is told again
        assert row.status == NEEDS_CORRECTION and row.corrections == 2
        row = apps.resubmit(
            session,
            number,
            code,
            materials=[{"name": "终止或者解除劳动关系的证明", "file": "zm.pdf"}],
            today=TODAY,
            now=NOW,
        )
        assert row.status == UNDER_REVIEW and row.accepted_on == TODAY
        assert row.precheck_outcome == "needs_review"  # 求职要求 is checked by a person
        assert row.limit_days == 5
        assert row.due_on == date(2025, 3, 10)  # five working days after Monday 3 March

    # a window clerk does not decide
    with stored.db.session() as session, pytest.raises(PermissionDenied):
        apps.decide(session, staff, app_id, approve=True, reason="")
    with stored.db.session() as session, pytest.raises(ValidationError, match="须写明理由"):
        apps.decide(session, reviewer, app_id, approve=False, reason=" ")
    with stored.db.session() as session:
        row = apps.decide(session, reviewer, app_id, approve=True, reason="已核实求职要求")
        assert row.status == APPROVED and not row.overturned
    with stored.db.session() as session, pytest.raises(Conflict):
        apps.decide(session, reviewer, app_id, approve=False, reason="再来一次")

    with stored.db.read() as session:
        kinds = [
            (e.stage, e.kind)
            for e in session.execute(
                select(ApplicationEvent)
                .where(ApplicationEvent.application_id == app_id)
                .order_by(ApplicationEvent.id)
            ).scalars()
        ]
        assert kinds[0] == ("申请", "submitted")
        assert kinds.count(("补正", "correction_requested")) == 2
        assert kinds.count(("补正", "resubmitted")) == 2
        assert ("受理", "accepted") in kinds and kinds[-1] == ("决定", "approved")
        audited = session.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.object_id == number)
        ).scalar_one()
        assert audited == 4  # submit, two resubmissions, the decision


def test_auto_approval_only_where_allowed(stored: Platform) -> None:
    allowance = {
        "applicant": {"name": "李秀英", "id_number": "370102194003150021"},
        "fields": {"registered_in_city": True, "receiving_elsewhere": False},
        "materials": ["居民身份证", "户口簿", "本人银行账户信息"],
    }
    with stored.db.session() as session:
        row = apps.submit(session, None, ALLOWANCE, allowance, channel="online", today=TODAY)
        assert row.status == APPROVED and row.decided_by == apps.SYSTEM
        assert row.due_on == TODAY
    with stored.db.session() as session:
        catalog.set_auto_approval(session, OPERATOR, ALLOWANCE, False)
    with stored.db.session() as session:
        row = apps.submit(session, None, ALLOWANCE, allowance, channel="online", today=TODAY)
        assert row.status == UNDER_REVIEW and row.precheck_outcome == "needs_review"
    # no rule file: auto-approval cannot even be switched on
    with stored.db.session() as session:
        row_item = catalog.get_item(session, ALLOWANCE)
        row_item.rules_yaml = ""
    with stored.db.session() as session, pytest.raises(ValidationError, match="规则文件"):
        catalog.set_auto_approval(session, OPERATOR, ALLOWANCE, True)


def test_an_ineligible_applicant_is_refused_by_a_person(stored: Platform) -> None:
    reviewer = who(stored, "reviewer")
    with stored.db.session() as session:
        row = apps.submit(
            session, None, UNEMPLOYMENT, unemployment(contribution_months=8), today=TODAY
        )
        # the machine proposes, it does not refuse
        assert row.status == UNDER_REVIEW and row.precheck_outcome == "denied"
        assert any("行政复议" in r for r in row.precheck["reasons"])  # type: ignore[union-attr]
        app_id = row.id
    with stored.db.session() as session:
        row = apps.decide(
            session, reviewer, app_id, approve=False, reason="缴费不满1年", not_accepted=True
        )
        assert row.status == NOT_ACCEPTED and not row.overturned


def test_accepting_against_the_precheck_is_an_overturn(stored: Platform) -> None:
    staff = who(stored, "staff")
    with stored.db.session() as session:
        row = apps.submit(session, staff, UNEMPLOYMENT, unemployment(), today=TODAY)
        app_id = row.id
    with stored.db.session() as session, pytest.raises(ValidationError, match="理由"):
        apps.accept(session, staff, app_id, reason="")
    with stored.db.session() as session:
        row = apps.accept(session, staff, app_id, reason="证明已在窗口当场核验原件", today=TODAY)
        assert row.status == UNDER_REVIEW and row.overturned


def test_only_the_items_department_handles_it(stored: Platform) -> None:
    with stored.db.session() as session:
        row = apps.submit(session, None, UNEMPLOYMENT, unemployment(), today=TODAY)
        app_id = row.id
    hotline, east = who(stored, "hotline"), who(stored, "east-staff")
    with stored.db.read() as session:
        for outsider in (hotline, east):
            with pytest.raises(NotFound):
                apps.get_application(session, outsider, app_id)
            assert apps.list_applications(session, outsider)[1] == 0
        sysadmin = who(stored, "sysadmin")
        seen = apps.get_application(session, sysadmin, app_id)
        assert not apps.may_see_personal(session, sysadmin, seen)
        starred = apps.applicant_view(seen, personal=False)
        assert starred["id_number"] != ZHANG["id_number"] and "*" in str(starred["id_number"])
    with stored.db.session() as session, pytest.raises(PermissionDenied):
        apps.submit(session, hotline, UNEMPLOYMENT, unemployment(), today=TODAY)
    with stored.db.session() as session, pytest.raises(PermissionDenied):
        catalog.set_rules(session, who(stored, "staff"), UNEMPLOYMENT, "item: x")


def test_a_rule_file_whose_tests_fail_is_not_saved(stored: Platform) -> None:
    path = DEMO_RULES_DIR / "gaoling-jintie.yaml"
    broken = path.read_text(encoding="utf-8").replace(
        "age(id_number) >= 80", "age(id_number) >= 90"
    )
    with stored.db.session() as session, pytest.raises(ValidationError, match="未通过"):
        catalog.set_rules(session, OPERATOR, ALLOWANCE, broken)
    with stored.db.read() as session:
        assert ">= 80" in catalog.get_item(session, ALLOWANCE).rules_yaml


def test_malformed_applications_are_refused_whole(stored: Platform) -> None:
    with stored.db.session() as session, pytest.raises(ValidationError, match="materials"):
        apps.submit(session, None, UNEMPLOYMENT, {"materials": "身份证"}, today=TODAY)
    with stored.db.session() as session, pytest.raises(NotFound):
        apps.submit(session, None, "NO-SUCH-ITEM", {}, today=TODAY)


def test_time_limits_extend_and_stop(stored: Platform) -> None:
    reviewer = who(stored, "reviewer")
    with stored.db.session() as session:
        row = apps.submit(
            session,
            None,
            UNEMPLOYMENT,
            {**unemployment(), "materials": ["居民身份证", "终止或者解除劳动关系的证明"]},
            today=TODAY,
        )
        app_id = row.id
        assert row.due_on == date(2025, 3, 10)
    with stored.db.session() as session:
        row = apps.extend(
            session, reviewer, app_id, days=10, reason="情况复杂", approved_by="王局长"
        )
        assert row.due_on == date(2025, 3, 24)
    with stored.db.session() as session, pytest.raises(ValidationError):
        apps.suspend(session, reviewer, app_id, reason="")
    with stored.db.session() as session:
        apps.suspend(session, reviewer, app_id, reason="专家评审", start=date(2025, 3, 11))
    with stored.db.session() as session:
        row = apps.resume(session, reviewer, app_id, end=date(2025, 3, 13))
        assert row.due_on == date(2025, 3, 27)  # three working days not counted
    with stored.db.session() as session:
        row = apps.get_application(session, reviewer, app_id)
        row.suspensions = []
        row.due_on = date(2025, 3, 24)
    with stored.db.read() as session:
        row = apps.get_application(session, reviewer, app_id)
        state = apps.deadline_status(row, catalog.calendar(session), date(2025, 3, 20))
        assert state is not None and state.status == "near_due"
        state = apps.deadline_status(row, catalog.calendar(session), date(2025, 3, 25))
        assert state is not None and state.status == "overdue"


def test_dates_in_the_facts_are_stored_as_text(stored: Platform) -> None:
    application = unemployment(separation_date=date(2025, 2, 10))
    with stored.db.session() as session:
        row = apps.submit(session, None, UNEMPLOYMENT, application, today=TODAY)
        assert row.fields["separation_date"] == "2025-02-10"
        assert row.status == NEEDS_CORRECTION

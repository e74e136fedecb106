"""The messages scenario over a real database: import, train, dispatch, the human queue,
corrections feeding the next training, who sees what (and whose personal data)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from govai.accounts.principal import Principal
from govai.errors import NotFound, PermissionDenied, ValidationError
from govai.governance.models import AuditEntry
from govai.platform import Platform
from govai.scenarios.messages import service
from govai.scenarios.messages.models import (
    ASSIGNED,
    NEW,
    QUEUED,
    ROUTED,
    DispatchCorrection,
    DispatchModel,
    Message,
)

from .conftest import HOUSING, OPERATOR, SCHOOLS, TRANSPORT, labelled_rows, write_export

Who = Callable[[str], Principal]


def _train(platform: Platform, tmp_path: Path, name: str = "default") -> service.TrainResult:
    path = write_export(tmp_path / "history.csv", labelled_rows())
    rows = service.training_rows_from_table(path, "留言详情", "一级分类", "留言主题")
    with platform.db.session() as session:
        result = service.train_model(session, OPERATOR, name, rows, source=path.name)
        session.expunge(result.model)
    return result


def _import(platform: Platform, path: Path, **kwargs: object) -> service.ImportReport:
    with platform.db.session() as session:
        return service.import_file(
            session,
            platform.settings,
            OPERATOR,
            path,
            org_code="city-12345",
            **kwargs,  # type: ignore[arg-type]
        )


def _audit(platform: Platform, action: str) -> int:
    with platform.db.read() as session:
        return int(
            session.execute(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
            ).scalar_one()
        )


def test_training_stores_versions_with_their_evaluation(
    demo_platform: Platform, tmp_path: Path
) -> None:
    first = _train(demo_platform, tmp_path)
    assert first.model.version == 1
    assert set(first.model.labels) == {HOUSING, TRANSPORT, SCHOOLS}
    assert first.evaluation.macro_f1 > 0.8  # distinct vocabularies: easy, but not free
    second = _train(demo_platform, tmp_path)
    with demo_platform.db.read() as session:
        versions = {m.version: m.active for m in session.execute(select(DispatchModel)).scalars()}
        active = service.get_model(session, "default")
    assert versions == {1: False, 2: True}
    assert active.version == second.model.version == 2
    assert active.training["used"] == 90 and active.evaluation["macro_f1"] == pytest.approx(
        second.evaluation.macro_f1
    )
    assert _audit(demo_platform, "dispatch.train") == 2


def test_import_dispatches_confident_messages_and_queues_the_rest(
    demo_platform: Platform, tmp_path: Path
) -> None:
    _train(demo_platform, tmp_path)
    new = [
        ("东城区电梯又坏了", "小区电梯坏了没人修，物业不管，老人上下楼很困难", ""),
        ("公交太少", "早上公交车班次太少，等车等了四十分钟", ""),
    ]
    path = write_export(tmp_path / "new.csv", new, label=False, first_id=5000)
    report = _import(demo_platform, path)
    assert (report.created, report.updated, report.errors) == (2, 0, [])
    assert (report.routed, report.queued) == (2, 0)
    with demo_platform.db.read() as session:
        by_id = {m.external_id: m for m in session.execute(select(Message)).scalars()}
    assert by_id["5000"].dispatch_status == ROUTED and by_id["5000"].department == HOUSING
    assert by_id["5001"].department == TRANSPORT
    assert by_id["5000"].confidence >= demo_platform.settings.dispatch_min_confidence
    top = by_id["5000"].top
    assert top[0][0] == HOUSING and len(top) == 3
    assert sum(p for _, p in top) <= 1.0 + 1e-6
    assert by_id["5000"].sentiment in {"negative", "neutral", "positive"}

    # importing the same export again updates, never duplicates
    again = _import(demo_platform, path)
    assert (again.created, again.updated) == (0, 2)
    assert _audit(demo_platform, "messages.import") == 2

    # below the confidence floor a message waits in the queue, with its suggestion kept
    strict = demo_platform.settings.replace(dispatch_min_confidence=1.01)
    path = write_export(tmp_path / "more.csv", new[:1], label=False, first_id=6000)
    with demo_platform.db.session() as session:
        report = service.import_file(session, strict, OPERATOR, path, org_code="city-12345")
    assert (report.routed, report.queued) == (0, 1)
    with demo_platform.db.read() as session:
        queued = session.execute(select(Message).where(Message.external_id == "6000")).scalar_one()
    assert (queued.dispatch_status, queued.department, queued.suggestion) == (QUEUED, "", HOUSING)


def test_an_import_naming_a_model_that_does_not_exist_stores_nothing(
    demo_platform: Platform, tmp_path: Path
) -> None:
    path = write_export(tmp_path / "new.csv", labelled_rows()[:2], label=False)
    with pytest.raises(NotFound, match="没有名为 'defualt' 的分办模型"):
        _import(demo_platform, path, model="defualt")
    with demo_platform.db.read() as session:
        assert session.execute(select(func.count()).select_from(Message)).scalar_one() == 0


def test_without_a_model_messages_wait_undispatched(
    demo_platform: Platform, tmp_path: Path
) -> None:
    path = write_export(tmp_path / "new.csv", labelled_rows()[:2], label=False)
    report = _import(demo_platform, path)
    assert (report.created, report.routed, report.queued) == (2, 0, 0)
    with demo_platform.db.read() as session:
        statuses = set(session.execute(select(Message.dispatch_status)).scalars())
    assert statuses == {NEW}


def test_a_historical_export_keeps_its_routing(demo_platform: Platform, tmp_path: Path) -> None:
    _train(demo_platform, tmp_path)
    path = write_export(tmp_path / "old.csv", labelled_rows()[:3])
    _import(demo_platform, path)
    with demo_platform.db.read() as session:
        rows = list(session.execute(select(Message)).scalars())
    assert {(m.department, m.dispatch_status, m.assigned_by) for m in rows} == {
        (HOUSING, ASSIGNED, "import")
    }


def test_a_correction_is_recorded_and_joins_the_next_training(
    demo_platform: Platform, tmp_path: Path, as_user: Who
) -> None:
    _train(demo_platform, tmp_path)
    path = write_export(
        tmp_path / "new.csv",
        [("校门口道路", "学校门口的道路坑洼不平，校车进出很危险", "")],
        label=False,
    )
    _import(demo_platform, path)
    hotline = as_user("hotline")
    with demo_platform.db.session() as session:
        message = session.execute(select(Message)).scalar_one()
        suggested = message.suggestion
        chosen = SCHOOLS if suggested != SCHOOLS else TRANSPORT
        with pytest.raises(ValidationError, match="不在可选列表中"):
            service.assign(session, hotline, message.id, "示范市不存在局", departments=[HOUSING])
        service.assign(session, hotline, message.id, chosen, reason="学校周边由教育局牵头")
    with demo_platform.db.read() as session:
        correction = session.execute(select(DispatchCorrection)).scalar_one()
        message = session.execute(select(Message)).scalar_one()
        assert (correction.suggested, correction.chosen, correction.by) == (
            suggested,
            chosen,
            "hotline",
        )
        assert (message.department, message.dispatch_status) == (chosen, ASSIGNED)
        assert len(service.correction_rows(session, "default")) == 1
    retrained = _train(demo_platform, tmp_path)
    assert retrained.corrections == 1
    assert retrained.model.training["corrections"] == 1
    assert _audit(demo_platform, "dispatch.assign") == 1


def test_who_sees_which_messages_and_whose_personal_data(
    demo_platform: Platform, tmp_path: Path, as_user: Who
) -> None:
    _train(demo_platform, tmp_path)
    rows = [
        ("东城区电梯坏了", "电梯坏了物业不修，我的电话13912345678，请联系我", ""),
        ("公交班次太少", "公交车班次太少，等车四十分钟", ""),
    ]
    _import(demo_platform, write_export(tmp_path / "n.csv", rows, label=False))
    with demo_platform.db.session() as session:
        ids = {m.title: m.id for m in session.execute(select(Message)).scalars()}
        service.assign(session, OPERATOR, ids["东城区电梯坏了"], HOUSING)
        service.assign(session, OPERATOR, ids["公交班次太少"], TRANSPORT)

    with demo_platform.db.read() as session:
        # the receiving 12345 centre sees everything, in full
        views, total = service.list_messages(session, as_user("hotline"))
        assert total == 2
        lift = next(v for v in views if v.id == ids["东城区电梯坏了"])
        assert "13912345678" in lift.text and lift.author == "U00000"

        # the environment bureau sees neither (routed elsewhere, received by a sibling)
        assert service.list_messages(session, as_user("env-staff"))[1] == 0
        with pytest.raises(NotFound):
            service.get_message(session, as_user("env-staff"), ids["公交班次太少"])

        # a reviewer of the human-resources bureau (a sibling of the 12345 centre) sees only
        # what is routed to that bureau: nothing here
        assert service.list_messages(session, as_user("reviewer"))[1] == 0

        # the system administrator sees all, but personal data starred
        sys_views = {v.id: v for v in service.list_messages(session, as_user("sysadmin"))[0]}
        starred = sys_views[ids["东城区电梯坏了"]]
        assert "13912345678" not in starred.text and "139****5678" in starred.text
        assert starred.author != "U00000" and not starred.personal

        # the auditor and the security administrator see no messages at all
        for username in ("auditor", "secadmin"):
            with pytest.raises(PermissionDenied):
                service.list_messages(session, as_user(username))


def test_creating_a_message_checks_input_and_dispatches(
    demo_platform: Platform, tmp_path: Path, as_user: Who
) -> None:
    _train(demo_platform, tmp_path)
    hotline = as_user("hotline")
    with demo_platform.db.session() as session:
        with pytest.raises(ValidationError, match="不能都为空"):
            service.create_message(
                session, demo_platform.settings, hotline, service.NewMessage(title=" ", text="")
            )
        made = service.create_message(
            session,
            demo_platform.settings,
            hotline,
            service.NewMessage(
                title="红绿灯太短", text="路口红绿灯时间太短，老人过不去马路", external_id="T1"
            ),
        )
        assert made.org.code == "city-12345" and made.channel == "console"
        assert made.suggestion == TRANSPORT and made.received_at is not None
        with pytest.raises(ValidationError, match="已存在"):
            service.create_message(
                session,
                demo_platform.settings,
                hotline,
                service.NewMessage(title="重复", text="重复", external_id="T1"),
            )
    with demo_platform.db.session() as session, pytest.raises(PermissionDenied):
        service.create_message(
            session,
            demo_platform.settings,
            as_user("env-staff"),
            service.NewMessage(title="x", text="y", org_code="city-12345"),
        )


def test_an_unreadable_model_never_loses_the_messages(
    demo_platform: Platform, tmp_path: Path
) -> None:
    _train(demo_platform, tmp_path)
    with demo_platform.db.session() as session:
        session.execute(select(DispatchModel)).scalar_one().data = b"not a model"
    path = write_export(tmp_path / "new.csv", labelled_rows()[:2], label=False)
    report = _import(demo_platform, path)
    assert (report.created, report.routed, report.queued) == (2, 0, 0)
    assert len(report.warnings) == 1 and "重新训练" in report.warnings[0]
    with demo_platform.db.read() as session:
        assert set(session.execute(select(Message.dispatch_status)).scalars()) == {NEW}

"""The reply workflow over a real database and the real gateway (offline extractive provider):
draft from past replies, a person edits and sends, placeholders block sending, the diff and the
audit trail are kept, only the message's handlers reply, and the quality list puts weak replies
first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from govai.accounts.principal import Principal
from govai.errors import Conflict, NotFound, PermissionDenied, ValidationError
from govai.gateway import ModelGateway
from govai.gateway.labels import EXPLICIT_LABEL
from govai.governance.models import AuditEntry
from govai.platform import Platform
from govai.scenarios.messages import replying, service
from govai.scenarios.messages.models import DRAFT, PUBLISHED, Message

from .conftest import OPERATOR, TRANSPORT, labelled_rows, write_export

Who = Callable[[str], Principal]
TODAY = date(2026, 11, 14)
GOOD_REPLY = (
    "网友：您好！您反映的东城区公交线路班次太少的问题已收悉，现答复如下：经调查核实，"
    "12路公交高峰时段发车间隔为20分钟。根据《示范市公共交通条例》第十二条，"
    "市交通运输局已责令公交公司自12月1日起将高峰间隔缩短至10分钟。"
    "如有疑问，请拨打0000-12345678咨询。感谢您的支持！示范市交通运输局 2026年11月10日"
)


@pytest.fixture
def routed(demo_platform: Platform, tmp_path: Path) -> list[int]:
    """The labelled test messages imported as already routed (a historical export); the ids of
    the transport bureau's, in the order of :func:`labelled_rows` (0: 东城区公交线路问题 about
    bus frequency, 5: 东城区出租车问题 about bus frequency too)."""
    path = write_export(tmp_path / "history.csv", labelled_rows())
    with demo_platform.db.session() as session:
        service.import_file(session, demo_platform.settings, OPERATOR, path, org_code="city-12345")
        rows = session.execute(
            select(Message.id).where(Message.department == TRANSPORT).order_by(Message.id)
        ).scalars()
        return list(rows)


def _gateway(platform: Platform) -> ModelGateway:
    return ModelGateway(platform.db, platform.settings)


def _audits(platform: Platform, action: str) -> int:
    with platform.db.read() as session:
        return int(
            session.execute(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
            ).scalar_one()
        )


def test_draft_edit_and_send(demo_platform: Platform, routed: list[int], as_user: Who) -> None:
    hotline = as_user("hotline")
    first = routed[0]
    with demo_platform.db.session() as session:
        replying.publish(session, hotline, first, GOOD_REPLY)
    with demo_platform.db.read() as session:
        sent = session.get(Message, first)
        assert sent is not None and sent.reply_status == PUBLISHED
        assert sent.reply == GOOD_REPLY  # written by a person: no AI note
        assert replying.past_replies(session, hotline) is not None

    second = routed[5]
    message, draft = replying.draft(demo_platform.db, _gateway(demo_platform), hotline, second)
    assert message.reply_status == DRAFT
    assert draft.text.startswith(EXPLICIT_LABEL)
    assert "【请填写：调查核实的情况】" in draft.text
    assert any(s["reply"] == GOOD_REPLY for s in message.reply_draft["similar"])  # type: ignore[union-attr]
    assert any(c["kind"] == "past_reply" for c in draft.citations)
    assert _audits(demo_platform, "message.reply_draft") == 1

    # the draft as it came is refused: its placeholders are still there
    with pytest.raises(ValidationError, match="待填写"), demo_platform.db.session() as session:
        replying.publish(session, hotline, second, draft.text)

    edited = (
        draft.body.replace("【请填写：调查核实的情况】", "东城区3路公交高峰间隔为25分钟")
        .replace("【请填写：已采取或将采取的措施、办理时限】", "已加密班次")
        .replace("【请填写：联系电话】", "0000-12345678")
    )
    with demo_platform.db.session() as session:
        replying.publish(session, hotline, second, edited)
    with demo_platform.db.read() as session:
        sent = session.get(Message, second)
        assert sent is not None and sent.reply_status == PUBLISHED
        assert sent.reply.endswith(replying.AI_ASSISTED_NOTE)
        assert EXPLICIT_LABEL not in sent.reply
        kept = sent.reply_draft
        assert kept["edited"] is True and "+经调查核实，东城区3路公交高峰间隔为25分钟" in str(
            kept["diff"]
        )
        assert kept["published_by"] == "hotline" and kept["produce_id"] == draft.produce_id
    assert _audits(demo_platform, "message.reply_publish") == 2

    with pytest.raises(Conflict), demo_platform.db.session() as session:
        replying.publish(session, hotline, second, "再答复一次")
    with pytest.raises(Conflict):
        replying.draft(demo_platform.db, _gateway(demo_platform), hotline, second)


def test_discarding_a_draft(demo_platform: Platform, routed: list[int], as_user: Who) -> None:
    hotline = as_user("hotline")
    target = routed[2]
    replying.draft(demo_platform.db, _gateway(demo_platform), hotline, target)
    with demo_platform.db.session() as session:
        message = replying.discard(session, hotline, target)
        assert message.reply_status == "" and message.reply_draft == {}
    with pytest.raises(Conflict, match="没有待审核"), demo_platform.db.session() as session:
        replying.discard(session, hotline, target)
    assert _audits(demo_platform, "message.reply_discard") == 1


def test_only_the_handlers_of_a_message_reply(
    demo_platform: Platform, routed: list[int], as_user: Who
) -> None:
    target = routed[0]
    # a bureau the message is not routed to does not even see it
    with pytest.raises(NotFound), demo_platform.db.session() as session:
        replying.publish(session, as_user("env-staff"), target, GOOD_REPLY)
    # a reviewer may read messages but not reply to them
    with pytest.raises(PermissionDenied), demo_platform.db.session() as session:
        replying.publish(session, as_user("reviewer"), target, GOOD_REPLY)
    with pytest.raises(ValidationError, match="不能为空"), demo_platform.db.session() as session:
        replying.publish(session, as_user("hotline"), target, "  ")
    assert _audits(demo_platform, "message.reply_publish") == 0


def test_weak_replies_come_first(demo_platform: Platform, routed: list[int], as_user: Who) -> None:
    hotline = as_user("hotline")
    weak_id = routed[1]
    with demo_platform.db.session() as session:
        replying.publish(session, hotline, routed[0], GOOD_REPLY)
        replying.publish(session, hotline, weak_id, "您的留言已收悉，我们将转交相关部门处理。")
    with demo_platform.db.read() as session:
        weak, scored = replying.weak_replies(session, hotline)
        assert scored == 2
        assert weak[0].message.id == weak_id
        assert weak[0].quality.overall < weak[1].quality.overall
        assert weak[0].quality.reasons["completeness"]
        only_weak, _ = replying.weak_replies(session, hotline, below=0.5)
        assert [w.message.id for w in only_weak] == [weak_id]
        # the auditor sees no messages at all
        with pytest.raises(PermissionDenied):
            replying.weak_replies(session, as_user("auditor"))

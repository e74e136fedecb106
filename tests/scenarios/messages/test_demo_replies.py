"""The demo's past replies (history.csv 答复意见/答复时间): they arrive as published replies with
their times shifted like the messages', and the reply-quality evaluation finds the weak ones the
demo wrote on purpose (see ``govai/demo/messages/README.md``)."""

from __future__ import annotations

import csv
import statistics
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from govai.analytics.reply_quality import assess_reply
from govai.demo import DEMO_TODAY, MESSAGES_DIR, load_demo_messages
from govai.platform import Platform
from govai.scenarios.messages.intake import BEIJING
from govai.scenarios.messages.models import PUBLISHED, Message

from .conftest import OPERATOR

TODAY = date(2027, 1, 20)  # 67 days after the demo's last day: not a whole number of weeks
SHIFT = timedelta(days=(TODAY - DEMO_TODAY).days)

# Written as the replies were written, not read off the scorer's output.
WEAK = {
    # boilerplate only: 您的留言已收悉，我们将转交相关部门处理
    "187586",
    "189738",
    "189910",
    "190331",
    # the answer to another question
    "190655",
    "191414",
    # thin and more than 20 working days late
    "190601",
    "190705",
    "190874",
    "191067",
}
MEDIOCRE = {
    "187040",
    "187043",
    "187103",
    "187269",
    "188998",
    "189196",
    "189256",
    "189516",
    "191573",
    "192239",
    "192308",
    "194186",
    "194294",
    "194553",
    "194953",
}


def _csv_replies() -> dict[str, dict[str, str]]:
    with (MESSAGES_DIR / "history.csv").open(encoding="utf-8", newline="") as f:
        return {row["留言编号"]: row for row in csv.DictReader(f) if row["答复意见"]}


def _local(text: str) -> datetime:
    return datetime.strptime(text, "%Y/%m/%d %H:%M:%S")


@pytest.fixture
def replied(demo_platform: Platform) -> dict[str, Message]:
    """The demo's messages that came with a reply, by 留言编号, loaded with a date shift."""
    load_demo_messages(demo_platform, OPERATOR, today=TODAY)
    with demo_platform.db.read() as session:
        rows = session.execute(select(Message).where(Message.external_id.is_not(None))).scalars()
        messages = {m.external_id: m for m in rows if m.external_id}
        session.expunge_all()
    return {key: m for key, m in messages.items() if m.reply}


def test_replies_arrive_published_with_shifted_times(replied: dict[str, Message]) -> None:
    written = _csv_replies()
    assert len(written) == 70
    assert set(replied) == set(written)
    for key, row in written.items():
        message = replied[key]
        assert message.reply_status == PUBLISHED
        # 答复时间 moves by the same days as 留言时间, times of day kept (stored as UTC)
        assert message.received_at == _local(row["留言时间"]) + SHIFT - BEIJING
        assert message.replied_at == _local(row["答复时间"]) + SHIFT - BEIJING
        assert message.replied_at > message.received_at
        # signed by the department the message was routed to, on the shifted 答复时间; the rest
        # of the text as written
        assert message.department == row["承办单位"]
        sent, signed = _local(row["答复时间"]) + SHIFT, _local(row["答复时间"])
        shifted = f"{row['承办单位']} {sent.year}年{sent.month}月{sent.day}日"
        original = f"{row['承办单位']} {signed.year}年{signed.month}月{signed.day}日"
        assert row["答复意见"].endswith(original)
        assert message.reply == row["答复意见"].removesuffix(original) + shifted


def test_reply_quality_ranks_the_deliberately_weak_replies_lowest(
    replied: dict[str, Message],
) -> None:
    good = set(replied) - WEAK - MEDIOCRE
    assert set(replied) >= WEAK | MEDIOCRE and len(good) == 45
    overall = {
        key: assess_reply(
            m.title,
            m.text,
            m.reply,
            m.received_at + BEIJING if m.received_at else None,
            m.replied_at + BEIJING if m.replied_at else None,
        ).overall
        for key, m in replied.items()
    }

    def mean(keys: set[str]) -> float:
        return statistics.mean(overall[k] for k in keys)

    assert mean(WEAK) < mean(MEDIOCRE) < mean(good)
    assert mean(good) - mean(WEAK) > 0.3
    weakest = sorted(overall, key=lambda k: overall[k])[:10]
    assert len(set(weakest) & (WEAK | MEDIOCRE)) >= 8, weakest
    # every department has good replies to learn from and weak ones to be shown
    departments = {m.department for m in replied.values()}
    assert len(departments) == 7
    for department in departments:
        mine = {k for k, m in replied.items() if m.department == department}
        assert mine & good and mine & (WEAK | MEDIOCRE), department


def test_a_demo_loaded_on_its_own_last_day_keeps_the_replies_as_written(
    demo_platform: Platform,
) -> None:
    load_demo_messages(demo_platform, OPERATOR, today=DEMO_TODAY)
    with demo_platform.db.read() as session:
        stored = session.execute(
            select(Message.external_id, Message.reply, Message.replied_at).where(
                Message.reply != ""
            )
        ).all()
    written = _csv_replies()
    assert {key: (reply, at) for key, reply, at in stored} == {
        key: (row["答复意见"], _local(row["答复时间"]) - BEIJING) for key, row in written.items()
    }

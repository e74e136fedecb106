"""The hot problems found in 附件3 of the Teddy Cup 2020 (4,326 real messages) include the two
that published solutions agree on, as clean groups: the mixing plant beside 丽发新城 and the
parking spaces sold with the flats of 伊景园滨河苑.

Reads /work/shared/data/teddycup2020c (or ``GOVAI_SHARED_DATA``) and skips when it is absent:
the data is evaluation material and is never copied into the repository.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from govai.analytics.hotspots import MessageRecord, Problem, find_problems
from govai.analytics.timeparse import parse_message_time

DATA = Path(os.environ.get("GOVAI_SHARED_DATA", "/work/shared/data")) / "teddycup2020c"
MESSAGES = DATA / "attachment3_hotspot_messages.csv"


@pytest.fixture(scope="module")
def messages() -> list[MessageRecord]:
    if not MESSAGES.exists():
        pytest.skip(f"附件3 not found at {MESSAGES} (set GOVAI_SHARED_DATA to its parent folder)")
    with MESSAGES.open(encoding="utf-8") as fh:
        return [
            MessageRecord(
                row["留言编号"],
                row["留言主题"],
                row["留言详情"],
                parse_message_time(row["留言时间"]),
                row["留言用户"],
                int(row["点赞数"] or 0),
                int(row["反对数"] or 0),
            )
            for row in csv.DictReader(fh)
        ]


@pytest.fixture(scope="module")
def top5(messages: list[MessageRecord]) -> list[Problem]:
    return find_problems(messages, top=5)


def test_every_time_is_read(messages: list[MessageRecord]) -> None:
    assert len(messages) == 4326
    assert all(m.time is not None for m in messages)


@pytest.mark.parametrize(
    ("place", "issue"), [("丽发新城|丽发小区", "搅拌"), ("伊景园|滨河苑", "车位")]
)
def test_the_agreed_problems_are_clean_groups_in_the_top_5(
    messages: list[MessageRecord], top5: list[Problem], place: str, issue: str
) -> None:
    by_id = {m.id: m for m in messages}

    def names_both(message_id: str) -> bool:
        m = by_id[message_id]
        return bool(re.search(place, m.title + m.text) and re.search(issue, m.title + m.text))

    best = max(top5, key=lambda p: sum(map(names_both, p.message_ids)))
    share = sum(map(names_both, best.message_ids)) / len(best.message_ids)
    assert len(best.message_ids) >= 20, best
    assert share >= 0.9, (best.place, share)
    assert re.search(place.split("|")[0][:2], best.place), best.place

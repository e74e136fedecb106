"""Message times in every layout found in the Teddy Cup exports (written here as our own
examples, not copied from the data) and the ones spreadsheets and people add."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from govai.analytics.timeparse import excel_serial_to_datetime, parse_message_time


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # the text cells of 附件2–4 and the test set: slashes, month/day/hour unpadded
        ("2019/3/7 15:42:09", datetime(2019, 3, 7, 15, 42, 9)),
        ("2019/12/15 20:03:51", datetime(2019, 12, 15, 20, 3, 51)),
        ("2019/10/4 7:06:30", datetime(2019, 10, 4, 7, 6, 30)),
        ("2019/5/21 0:17:44", datetime(2019, 5, 21, 0, 17, 44)),
        # an Excel date cell as pandas (and govai.tabular) writes it: the 129 odd ones of 附件3
        ("2019-08-13 00:00:00", datetime(2019, 8, 13)),
        ("2019-09-02 18:31:07", datetime(2019, 9, 2, 18, 31, 7)),
        # a 答复时间 of 附件4 without a time of day
        ("2018/6/19", datetime(2018, 6, 19)),
        # surrounding whitespace, as cells often have
        (" \n2019/3/7 15:42:09\t", datetime(2019, 3, 7, 15, 42, 9)),
        # what other exports and people write
        ("2019/10/18 14:44", datetime(2019, 10, 18, 14, 44)),
        ("2019-08-13T09:30:00", datetime(2019, 8, 13, 9, 30)),
        ("2019-08-13 09:30:00.250", datetime(2019, 8, 13, 9, 30)),
        ("2019-08-13T09:30:00+08:00", datetime(2019, 8, 13, 9, 30)),
        ("2019年8月13日 10:20", datetime(2019, 8, 13, 10, 20)),
        ("2019年8月13日10时20分5秒", datetime(2019, 8, 13, 10, 20, 5)),
        ("2019.8.13", datetime(2019, 8, 13)),
        ("20190813", datetime(2019, 8, 13)),
        ("２０１９/８/１３ ９:０５:００", datetime(2019, 8, 13, 9, 5)),
        # a date cell read without its format: an Excel serial number, as text or number
        ("43690.5", datetime(2019, 8, 13, 12)),
        (43690.5, datetime(2019, 8, 13, 12)),
        (43690, datetime(2019, 8, 13)),
    ],
)
def test_every_layout_is_read(value: str | float, expected: datetime) -> None:
    assert parse_message_time(value) == expected


def test_cells_that_are_already_times() -> None:
    # openpyxl gives a date cell as datetime (with microseconds) or date
    assert parse_message_time(datetime(2019, 8, 13, 9, 5, 1, 999)) == datetime(2019, 8, 13, 9, 5, 1)
    assert parse_message_time(date(2019, 8, 13)) == datetime(2019, 8, 13)
    # an aware time keeps its wall-clock reading
    beijing = timezone(timedelta(hours=8))
    assert parse_message_time(datetime(2019, 8, 13, 9, tzinfo=beijing)) == datetime(2019, 8, 13, 9)
    assert parse_message_time(datetime(2019, 8, 13, 1, tzinfo=UTC)) == datetime(2019, 8, 13, 1)


@pytest.mark.parametrize(
    "value",
    ["", "   ", None, "abc", "2019", "2019/2/30 10:00:00", "2019/8/13 25:00:00", "12", True],
)
def test_unreadable_values_are_none_not_errors(value: object) -> None:
    assert parse_message_time(value) is None  # type: ignore[arg-type]


def test_excel_serials() -> None:
    assert excel_serial_to_datetime(1) == datetime(1899, 12, 31)
    assert excel_serial_to_datetime(61) == datetime(1900, 3, 1)  # after Excel's 1900-02-29
    assert excel_serial_to_datetime(43831.75) == datetime(2020, 1, 1, 18)
    assert excel_serial_to_datetime(0) is None
    assert excel_serial_to_datetime(float("nan")) is None
    assert excel_serial_to_datetime(3_000_000) is None

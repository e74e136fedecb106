"""Message times as exports really write them.

Citizen-message exports mix several ways of writing one time. In the Teddy Cup 2020 files
(附件2–4 and the test set) most cells are text such as ``2019/2/28 11:25:05`` with month, day and
hour unpadded (``2019/9/17 4:25:00``); 129 cells of 附件3 (one of 附件4) are real Excel date cells,
which pandas and :func:`govai.tabular.cell_text` write as ``2019-08-01 00:00:00``; one 答复时间
of 附件4 has no time of day (``2018/4/24``). Other exports add what people type or spreadsheet
programs produce: minutes without seconds (``2019/10/18 14:44``), an ISO ``T`` and fractional
seconds, ``2019年8月1日 10:20``, dots (``2019.8.1``), compact ``20190801``, full-width digits, and
a date cell read without its format — an Excel serial number (``43678.5`` is 2019-08-01 12:00).

:func:`parse_message_time` reads all of them into a naive :class:`~datetime.datetime` and returns
``None`` for an empty or unreadable value, so an importer can report the row instead of failing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta

__all__ = ["excel_serial_to_datetime", "parse_message_time"]

# Excel's day 0 is 1899-12-30 for every serial after its fictitious 1900-02-29 (serial 60);
# message times are all far later, so the 1900 leap-year bug never matters here.
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31
# A bare number in a text cell is taken for a serial only in this range (1927-10-16 to
# 2173-10-14): a year such as "2019" or an id must not become a date.
_TEXT_SERIAL_RANGE = (10_000.0, 99_999.0)

_DATE_TIME = re.compile(
    r"""^\s*
    (?P<year>\d{4}) \s*[-/.年]\s* (?P<month>\d{1,2}) \s*[-/.月]\s* (?P<day>\d{1,2}) \s*日?
    (?:
        (?:\s+|\s*T\s*|\s*[,，]\s*|(?<=日))
        (?P<hour>\d{1,2}) \s*[:：时]\s* (?P<minute>\d{1,2})
        (?: \s*[:：分]\s* (?P<second>\d{1,2}) \s*秒? (?:[.,](?P<fraction>\d{1,6}))? )?
        \s*分?
    )?
    \s*(?:Z|[+-]\d{2}:?\d{2})?\s*$""",
    re.VERBOSE,
)
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2})(\d{2})(\d{2})?)?\s*$")
_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")


def excel_serial_to_datetime(serial: float) -> datetime | None:
    """The time an Excel serial number stands for (days since 1899-12-30, fraction = time of
    day), rounded to the second; ``None`` outside Excel's range 1–2,958,465."""
    if not math.isfinite(serial) or not 1 <= serial <= _EXCEL_MAX_SERIAL:
        return None
    seconds = round(serial * 86_400)
    return _EXCEL_EPOCH + timedelta(seconds=seconds)


def _build(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:  # 2019/2/30, 25:00 …
        return None


def parse_message_time(value: str | datetime | date | float | None) -> datetime | None:
    """A message's time from whatever the export holds, or ``None`` when there is none.

    Accepts a :class:`datetime` (returned without its time zone), a :class:`date` (midnight),
    an Excel serial number (int or float, or a text cell holding one between 10,000 and
    99,999), and text in every layout listed in the module docstring. Fractions of a second are
    dropped. Never raises for a bad value: an importer reports the row instead.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, int | float):
        return excel_serial_to_datetime(float(value))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    match = _DATE_TIME.match(text)
    if match:
        parts = match.groupdict()
        return _build(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
        )
    match = _COMPACT.match(text)
    if match:
        year, month, day, hour, minute, second = match.groups()
        return _build(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    if _NUMBER.match(text):
        number = float(text)
        low, high = _TEXT_SERIAL_RANGE
        if low <= number <= high:
            return excel_serial_to_datetime(number)
    return None

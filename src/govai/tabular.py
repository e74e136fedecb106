"""Reading the spreadsheets people export: CSV (UTF-8, UTF-8 with BOM, UTF-16 or GB18030, comma,
tab or semicolon separated) and Excel .xlsx, as a header plus rows of text cells.

Cells come back as text as the person would read them: an Excel date cell as
``2019-02-28 11:25:05``, a whole number without ``.0``, an empty cell as ``""``. Callers map
columns by header name with :func:`column_index`, which forgives surrounding spaces, a BOM and
full-width brackets.
"""

from __future__ import annotations

import csv
import io
import sys
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path, PurePath
from typing import Any

from govai.errors import SourceUnreadable

TABLE_SUFFIXES = (".csv", ".xlsx")
_UNSUPPORTED = {
    ".xls": "请用 Excel 或 WPS 打开后另存为 .xlsx 再导入",
    ".et": "请用 WPS 另存为 .xlsx 再导入",
    ".numbers": "请导出为 .xlsx 或 .csv 再导入",
}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a message body may be long


@dataclass
class Table:
    name: str
    header: list[str]
    rows: list[list[str]]  # each padded or cut to len(header)
    first_row: int = 2  # the spreadsheet row number of rows[0] (the header is row 1)

    def numbered(self) -> Iterator[tuple[int, list[str]]]:
        """(spreadsheet row number, cells) — the number a person sees in Excel."""
        for i, row in enumerate(self.rows):
            yield self.first_row + i, row


def decode_text(name: str, data: bytes) -> str:
    """Text in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (common on Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:  # cut short, or not UTF-16 after all
            raise SourceUnreadable(
                f"“{name}”以 UTF-16 标记开头，但内容不是完整的 UTF-16 文本；"
                "请另存为 UTF-8 编码后再导入。",
                file=name,
            ) from None
    if b"\x00" in data:
        raise SourceUnreadable(f"“{name}”不是文本文件，无法按文本读取。", file=name)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceUnreadable(
        f"“{name}”不是 UTF-8 或 GB18030 编码的文本，请另存为 UTF-8 编码后再导入。", file=name
    )


def header_key(value: object) -> str:
    """A header cell normalised for matching: no spaces or BOM, half-width brackets."""
    text = "" if value is None else str(value)
    text = text.replace("\ufeff", "").replace("（", "(").replace("）", ")")
    return "".join(text.split())


def column_index(header: Sequence[str], *names: str) -> int | None:
    """The index of the first column whose header matches one of ``names``, else None."""
    keys = [header_key(h) for h in header]
    for name in names:
        key = header_key(name)
        if key in keys:
            return keys.index(key)
    return None


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(path: Path) -> Table:
    """The first sheet of ``path`` (.csv or .xlsx); a clear Chinese error for anything else."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceUnreadable(
            f"无法读取文件“{path}”：{exc.strerror or exc}。", file=str(path)
        ) from None
    return read_table_bytes(path.name, data)


def read_table_bytes(name: str, data: bytes) -> Table:
    suffix = PurePath(name).suffix.lower()
    if suffix == ".csv":
        return _read_csv(name, data)
    if suffix == ".xlsx":
        return _read_xlsx(name, data)
    hint = _UNSUPPORTED.get(suffix, "请导出为 .csv 或 .xlsx 再导入")
    raise SourceUnreadable(f"不支持的表格格式“{suffix or name}”：{hint}。", file=name)


def _finish(name: str, raw: Iterator[Sequence[object]]) -> Table:
    header: list[str] | None = None
    rows: list[list[str]] = []
    first_row = 2
    number = 0
    for number, row in enumerate(raw, start=1):
        cells = [cell_text(v) for v in row]
        if header is None:
            if any(c.strip() for c in cells):
                header = [c.strip() for c in cells]
                first_row = number + 1
            continue
        while cells and not cells[-1].strip() and len(cells) > len(header):
            cells.pop()
        cells = (cells + [""] * len(header))[: len(header)]
        rows.append(cells)
    if header is None:
        raise SourceUnreadable(f"“{name}”是空表，没有表头和数据。", file=name)
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()  # trailing blank lines of a hand-edited sheet
    return Table(name, header, rows, first_row)


def _read_csv(name: str, data: bytes) -> Table:
    text = decode_text(name, data)
    # The separator is the one the header line uses most: sniffing whole rows is fooled by
    # the commas and semicolons inside Chinese message bodies.
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    try:
        return _finish(name, iter(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    except csv.Error as exc:
        raise SourceUnreadable(
            f"“{name}”不是有效的 CSV 文件（{exc}），请用 Excel 另存为 CSV 或 .xlsx 后再导入。",
            file=name,
        ) from None


def open_workbook(name: str, data: bytes) -> Any:
    """The .xlsx ``data`` as a read-only openpyxl workbook (values, not formulas); the caller
    closes it. A file that is not one raises :class:`SourceUnreadable` saying how to fix it."""
    import openpyxl

    try:
        with warnings.catch_warnings():  # style and extension notices say nothing about content
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SourceUnreadable(
            f"“{name}”不是有效的 Excel（.xlsx）文件（可能已损坏，或是改了扩展名的 .xls 文件），"
            "请用 WPS 或 Excel 打开后另存为 .xlsx 再导入。",
            file=name,
            reason=str(exc),
        ) from None


def _read_xlsx(name: str, data: bytes) -> Table:
    workbook = open_workbook(name, data)
    try:
        sheet = workbook.worksheets[0]
        return _finish(name, sheet.iter_rows(values_only=True))
    finally:
        workbook.close()

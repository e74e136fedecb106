"""Reading CSV and .xlsx exports: encodings, separators, Excel cells, row numbers, errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from govai.errors import SourceUnreadable
from govai.tabular import cell_text, column_index, decode_text, read_table, read_table_bytes

HEADER = "留言编号,留言主题,留言详情\n"


def test_csv_in_gb18030_with_commas_inside_quoted_bodies() -> None:
    data = (HEADER + '1,噪音扰民,"晚上施工，很吵；请处理"\n2,路灯不亮,路灯坏了\n').encode("gb18030")
    table = read_table_bytes("export.csv", data)
    assert table.header == ["留言编号", "留言主题", "留言详情"]
    assert table.rows[0] == ["1", "噪音扰民", "晚上施工，很吵；请处理"]
    assert [n for n, _ in table.numbered()] == [2, 3]


def test_tab_separated_with_bom_and_a_body_full_of_commas() -> None:
    text = "\ufeff留言编号\t留言详情\n7\t一，二，三，四\n"
    table = read_table_bytes("export.csv", text.encode("utf-8"))
    assert table.rows == [["7", "一，二，三，四"]]


def test_short_and_long_rows_are_padded_and_cut_and_trailing_blank_rows_dropped() -> None:
    table = read_table_bytes("x.csv", (HEADER + "1,只有主题\n2,a,b,c\n,,\n\n").encode())
    assert table.rows == [["1", "只有主题", ""], ["2", "a", "b"]]


def test_xlsx_cells_read_as_people_see_them(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["留言编号", "留言时间", "点赞数"])
    sheet.append([188006, datetime(2019, 8, 1, 10, 20, 5), 12.0])
    path = tmp_path / "附件.xlsx"
    book.save(path)
    table = read_table(path)
    assert table.rows == [["188006", "2019-08-01 10:20:05", "12"]]


def test_header_matching_forgives_spaces_and_bracket_width() -> None:
    header = [" 留言 主题", "点赞数（个）"]
    assert column_index(header, "留言主题") == 0
    assert column_index(header, "点赞数(个)") == 1
    assert column_index(header, "反对数") is None
    assert cell_text(None) == "" and cell_text(3.5) == "3.5"


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0", "另存为 .xlsx"),
        ("broken.xlsx", b"not a zip", "不是有效的 Excel"),
        ("empty.csv", b"\n\n", "空表"),
        ("binary.csv", b"a\x00b", "不是文本文件"),
    ],
)
def test_unreadable_files_get_a_chinese_reason(name: str, data: bytes, needle: str) -> None:
    with pytest.raises(SourceUnreadable, match=needle):
        read_table_bytes(name, data)


def test_missing_file_is_reported_not_raised_as_oserror(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match="无法读取文件"):
        read_table(tmp_path / "nope.csv")


def test_a_cut_utf16_file_is_refused_in_chinese() -> None:
    """A UTF-16 byte-order mark with an odd number of bytes after it (a file cut short) is a
    SourceUnreadable with the fix, not a UnicodeDecodeError."""
    data = "申请".encode("utf-16") + b"\x00"
    with pytest.raises(SourceUnreadable, match="UTF-16"):
        decode_text("申请.json", data)
    assert decode_text("ok.txt", "申请".encode("utf-16")) == "申请"

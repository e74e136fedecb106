"""Reading message exports: default column names, --map, odd times, bad rows reported."""

from __future__ import annotations

from datetime import datetime

import pytest

from govai.errors import ValidationError
from govai.scenarios.messages.intake import parse_mapping, read_messages, to_utc
from govai.tabular import read_table_bytes

EXPORT = (
    "留言编号,留言用户,留言主题,留言时间,留言详情,反对数,点赞数\n"
    '101,A0001,幸福里搅拌站夜间噪音,2019/2/28 11:25:05,"\n\t\t\t\t\t\n\t\t\t夜里施工  很吵",0,5\n'
    "102,A0002,路灯不亮,2019-08-01 00:00:00,路灯坏了一个月,1,0\n"
    "103,A0003,,2019年8月1日 10:20,只有详情没有主题,,\n"
    "104,A0004,时间写错,昨天下午,有内容,0,0\n"
    "105,A0005,,2019/8/2 9:00,,0,0\n"
    "106,A0006,点赞为负,2019/8/2 9:00,内容,0,-3\n"
)


def test_default_columns_clean_bodies_and_report_bad_rows() -> None:
    report = read_messages(read_table_bytes("附件3.csv", EXPORT.encode()))
    assert [r.external_id for r in report.rows] == ["101", "102", "103"]
    first = report.rows[0]
    assert first.text == "夜里施工 很吵"  # the export's \n\t runs collapsed
    assert first.time == datetime(2019, 2, 28, 11, 25, 5)
    assert (first.likes, first.dislikes) == (5, 0)
    assert report.rows[2].time == datetime(2019, 8, 1, 10, 20)
    errors = dict(report.errors)
    assert set(errors) == {5, 6, 7}  # spreadsheet row numbers (the header is row 1)
    assert "留言时间" in errors[5] and "无法识别" in errors[5]
    assert "都为空" in errors[6]
    assert "点赞数" in errors[7]
    assert report.columns["text"] == "留言详情"


def test_mapping_overrides_default_names() -> None:
    data = "工单号,诉求标题,诉求描述,受理时间\n9,漏水,楼上漏水,2020/1/6 12:09\n".encode()
    mapping = parse_mapping(["id=工单号", "title=诉求标题", "text=诉求描述"])
    report = read_messages(read_table_bytes("工单.csv", data), mapping)
    row = report.rows[0]
    assert (row.external_id, row.title, row.text) == ("9", "漏水", "楼上漏水")
    assert row.time == datetime(2020, 1, 6, 12, 9)  # 受理时间 is a default name for the time


def test_mapping_errors_name_the_fix() -> None:
    with pytest.raises(ValidationError, match="字段=列名"):
        parse_mapping(["text"])
    with pytest.raises(ValidationError, match="可用字段"):
        parse_mapping(["body=内容"])
    table = read_table_bytes("x.csv", "编号,内容\n1,a\n".encode())
    with pytest.raises(ValidationError, match="没有列“正文”"):
        read_messages(table, {"text": "正文"})
    with pytest.raises(ValidationError, match="--map text="):
        read_messages(read_table_bytes("x.csv", "编号,其他\n1,a\n".encode()))


def test_export_times_are_beijing_and_stored_as_utc() -> None:
    assert to_utc(datetime(2020, 1, 6, 8, 0)) == datetime(2020, 1, 6, 0, 0)
    assert to_utc(None) is None

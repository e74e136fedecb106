from datetime import date, datetime

import pytest

from govai.errors import ValidationError
from govai.knowledge.provenance import (
    Status,
    chinese_number,
    find_doc_number,
    find_issue_date,
    parse_date,
    parse_metadata,
    parse_status,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Status.CURRENT),
        ("", Status.CURRENT),
        ("  ", Status.CURRENT),
        ("现行有效", Status.CURRENT),
        ("有效", Status.CURRENT),
        ("现行", Status.CURRENT),
        ("current", Status.CURRENT),
        ("已修改", Status.AMENDED),
        ("修改", Status.AMENDED),
        ("Amended", Status.AMENDED),
        ("已废止", Status.REPEALED),
        ("废止", Status.REPEALED),
        ("失效", Status.REPEALED),
        ("已失效", Status.REPEALED),
        ("REPEALED", Status.REPEALED),
        ("尚未生效", Status.PENDING),
        ("未生效", Status.PENDING),
        ("not yet effective", Status.PENDING),
        ("not_yet_effective", Status.PENDING),
    ],
)
def test_parse_status_accepts_common_spellings(value: str | None, expected: Status) -> None:
    assert parse_status(value) is expected


def test_status_values_are_the_labels_people_see() -> None:
    assert [s.value for s in Status] == ["现行有效", "已修改", "已废止", "尚未生效"]
    assert f"{Status.REPEALED}" == "已废止"


def test_unknown_status_lists_the_four_choices() -> None:
    with pytest.raises(ValidationError) as info:
        parse_status("作废了吗")
    message = str(info.value)
    assert "作废了吗" in message
    for status in Status:
        assert status.value in message
    assert info.value.detail["choices"] == [s.value for s in Status]


@pytest.mark.parametrize(
    "value",
    [
        "2019-03-24",
        "2019/3/24",
        "2019.3.24",
        "2019年3月24日",
        "2019 年 3 月 24 日",
        "20190324",
        "2019-03-24T08:30:00",
        "2019-03-24 08:30:00+08:00",
        "二〇一九年三月二十四日",
        "２０１９年３月２４日",
        date(2019, 3, 24),
        datetime(2019, 3, 24, 23, 59),
    ],
)
def test_parse_date_accepts_the_spellings_of_chinese_documents(value: str | date) -> None:
    assert parse_date(value) == date(2019, 3, 24)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_date_is_none(value: str | None) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize("value", ["2019-02-30", "去年", "2019年13月1日", "24/03/2019", "2019"])
def test_bad_date_is_refused_with_the_accepted_format(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_date(value)
    assert value in str(info.value)
    assert "2019年3月24日" in str(info.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十四", 24),
        ("一百零三", 103),
        ("一百一十", 110),
        ("二百五十六", 256),
        ("一千二百", 1200),
        ("二〇一九", 2019),
        ("24", 24),
        ("２４", 24),
        ("第一", None),
        ("", None),
    ],
)
def test_chinese_number(text: str, value: int | None) -> None:
    assert chinese_number(text) == value


def test_doc_number_is_found_on_a_line_of_its_own() -> None:
    lines = ["国务院办公厅文件", "国办发〔2023〕12号", "国务院办公厅关于……的通知"]
    assert find_doc_number(lines) == "国办发〔2023〕12号"
    assert find_doc_number(["（人社部发[2020]12号）"]) == "人社部发[2020]12号"
    assert find_doc_number(["中华人民共和国国务院令", "第 350 号"]) == ""
    assert find_doc_number(["中华人民共和国国务院令 第350号"]) == "中华人民共和国国务院令第350号"
    # mentioned inside a sentence, it is a reference, not this document's number
    assert find_doc_number(["根据国办发〔2023〕12号文件要求，现通知如下："]) == ""


def test_issue_date_is_the_last_date_line() -> None:
    lines = ["国务院办公厅", "2023年5月6日", "（此件公开发布）"]
    assert find_issue_date(lines) == date(2023, 5, 6)
    assert find_issue_date(["二〇二三年五月六日"]) == date(2023, 5, 6)
    assert find_issue_date(["本办法自2023年5月6日起施行。"]) is None
    assert find_issue_date(["2023年2月30日"]) is None


def test_parse_metadata_validates_fields_under_english_or_chinese_names() -> None:
    values = parse_metadata(
        {
            "id": 12,
            "标题": "住房公积金管理条例",
            "文号": "国务院令第710号",
            "发文机关": " 国务院 ",
            "时效": "现行",
            "成文日期": "2019年3月24日",
            "effective_on": "2019-03-24",
            "密级": "internal",
            "region": "",
            "url": "https://example.invalid/",  # not a metadata field: ignored
            "text": "正文不是元数据",
        }
    )
    assert values == {
        "key": "12",
        "title": "住房公积金管理条例",
        "doc_number": "国务院令第710号",
        "issuer": "国务院",
        "status": Status.CURRENT,
        "issued_on": date(2019, 3, 24),
        "effective_on": date(2019, 3, 24),
        "classification": "内部",
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"doc_number": "号" * 101}, "文号（doc_number）不能超过 100 个字符（现为 101 个）"),
        ({"title": ["a"]}, "标题（title）应为文字"),
        ({"密级": "机密"}, "未知的数据密级"),
        ({"status": "作废中"}, "未知的时效状态"),
        ({"issued_on": "明天"}, "无法识别的日期"),
    ],
)
def test_parse_metadata_refuses_invalid_values(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_metadata(fields)

"""Material checks: identifiers by their standards' algorithms, presence, file types, validity,
names. Check characters in these tests are computed by the standards' formulas written out here
independently of the module (GB 11643: a18 = (12 - Σ ai·Wi mod 11) mod 11, Wi = 2^(i-1) mod 11;
GB 32100: C18 = 31 - Σ Ci·Wi mod 31 with the standard's weight table)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govai.approval.items import MaterialSpec
from govai.approval.materials import (
    check_credit_code,
    check_file_type,
    check_not_expired,
    check_presence,
    check_resident_id,
    check_same_name,
    detect_file_type,
    material_key,
    parse_date,
)

TODAY = date(2025, 6, 30)


def gb11643_check(first17: str) -> str:
    # positions i = 18..2 from the right carry weight 2^(i-1) mod 11
    total = sum(int(a) * (2 ** (17 - k) % 11) for k, a in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


GB32100_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
GB32100_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def gb32100_check(first17: str) -> str:
    total = sum(GB32100_CHARS.index(c) * w for c, w in zip(first17, GB32100_WEIGHTS, strict=True))
    value = 31 - total % 31
    return GB32100_CHARS[0 if value == 31 else value]


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.integers(110000, 659999))
    born = draw(st.dates(date(1900, 1, 1), TODAY))
    seq = draw(st.integers(0, 999))
    first17 = f"{region:06d}{born:%Y%m%d}{seq:03d}"
    return first17 + gb11643_check(first17)


# -- resident ID numbers ---------------------------------------------------------------------------


def test_standard_example_is_valid_with_birth_date_and_sex() -> None:
    result = check_resident_id("11010519491231002X", today=TODAY)
    assert result.ok
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "女"  # 17th digit 2: even
    assert result.findings() == []


def test_lower_case_x_full_width_digits_and_spaces_are_accepted() -> None:
    assert check_resident_id("110105 19491231 002x", today=TODAY).ok
    assert check_resident_id("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).ok


def test_constructed_numbers_male_and_female() -> None:
    male = "44030419900307123"  # 17th digit 3: odd
    female = "44030419900307124"
    for first17, sex in ((male, "男"), (female, "女")):
        number = first17 + gb11643_check(first17)
        result = check_resident_id(number, today=TODAY)
        assert (result.ok, result.sex, result.birth_date) == (True, sex, date(1990, 3, 7))


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("11010519491231002", "id_length", "18 位，填写的是 17 位"),
        ("110105491231002", "id_length", "第一代"),
        ("1101051949123100XX", "id_characters", "第 17 位是“X”"),
        ("11010519491231O02X", "id_characters", "第 15 位是“O”"),
        ("110105194902300026", "id_birth_date", "19490230"),
        ("110105189912310027", "id_birth_date", "早于 1900 年"),
        ("110105194912310021", "id_check_digit", "逐位核对"),
    ],
)
def test_each_failure_names_its_reason(number: str, code: str, words: str) -> None:
    result = check_resident_id(number, today=TODAY)
    assert not result.ok
    assert result.code == code
    assert words in result.reason_zh
    [finding] = result.findings("申请人身份证")
    assert (finding.code, finding.material, finding.fixable) == (code, "申请人身份证", True)
    assert "GB 11643" in finding.basis


def test_birth_date_after_today_is_refused() -> None:
    first17 = "44030420250701001"
    number = first17 + gb11643_check(first17)
    assert check_resident_id(number, today=date(2025, 7, 1)).ok
    late = check_resident_id(number, today=date(2025, 6, 30))
    assert (late.ok, late.code) == (False, "id_birth_date")
    assert "2025年7月1日" in late.reason_zh


@given(id_numbers())
def test_valid_numbers_pass(number: str) -> None:
    result = check_resident_id(number, today=TODAY)
    assert result.ok, result.reason_zh
    assert result.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


@given(id_numbers(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_wrong_digit_is_caught(number: str, position: int, shift: int) -> None:
    wrong = str((int(number[position]) + shift) % 10)
    changed = number[:position] + wrong + number[position + 1 :]
    assert not check_resident_id(changed, today=TODAY).ok


@given(id_numbers(), st.integers(0, 15))
def test_any_swap_of_neighbouring_digits_is_caught(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    assert not check_resident_id(swapped, today=TODAY).ok


# -- unified social credit codes -------------------------------------------------------------------


def test_credit_code_constructed_by_the_standard_formula() -> None:
    first17 = "91440300MA5DC0FT1"  # 工商 企业, 深圳 440300, an organisation code body
    code = first17 + gb32100_check(first17)
    assert check_credit_code(code).ok
    assert check_credit_code(code.lower()).ok
    assert check_credit_code("91350100M000100Y43").ok


@given(st.text(GB32100_CHARS, min_size=9, max_size=9), st.integers(110000, 659999))
def test_generated_credit_codes_pass_and_a_changed_character_fails(body: str, region: int) -> None:
    first17 = f"91{region}{body}"
    code = first17 + gb32100_check(first17)
    assert check_credit_code(code).ok
    other = GB32100_CHARS[(GB32100_CHARS.index(code[10]) + 7) % 31]
    changed = code[:10] + other + code[11:]
    result = check_credit_code(changed)
    assert (result.ok, result.code) == (False, "uscc_check_digit")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "uscc_length"),
        ("91350100M000100YI3", "uscc_characters"),  # I is not in the alphabet
        ("91AB0100M000100Y43", "uscc_characters"),  # region code not digits
        ("91350100M000100Y44", "uscc_check_digit"),
    ],
)
def test_credit_code_failures(code: str, reason: str) -> None:
    result = check_credit_code(code)
    assert (result.ok, result.code) == (False, reason)
    assert result.findings()[0].basis.startswith("GB 32100")


# -- presence --------------------------------------------------------------------------------------

SPECS = (
    MaterialSpec("居民身份证"),
    MaterialSpec("居民户口簿"),
    MaterialSpec("无犯罪记录证明"),
    MaterialSpec("《医师资格证书》"),
    MaterialSpec("出生医学证明"),
    MaterialSpec("授权委托书", need="conditional", condition="委托他人办理的"),
    MaterialSpec("营业执照", need="optional"),
)


def submit(*names: str) -> list[dict[str, str]]:
    return [{"name": n, "file": f"{k}.pdf"} for k, n in enumerate(names)]


def test_exact_names_match_and_nothing_is_missing() -> None:
    report = check_presence(SPECS[:5], submit(*(s.name for s in SPECS[:5])))
    assert report.missing == ()
    assert report.unlisted == ()
    assert report.findings == ()
    assert {m.how for m in report.matches} == {"exact"}


def test_tolerant_names_match_the_listed_material() -> None:
    report = check_presence(
        SPECS,
        submit("1、身份证复印件", "户口本（扫描件）", "医师资格证书 原件", "出生医学证明2份"),
    )
    assert {m.submitted: m.spec for m in report.matches} == {
        "1、身份证复印件": "居民身份证",
        "户口本（扫描件）": "居民户口簿",
        "医师资格证书 原件": "《医师资格证书》",
        "出生医学证明2份": "出生医学证明",
    }
    assert [s.name for s in report.missing] == ["无犯罪记录证明"]
    assert report.satisfied_by("居民身份证") == [0]


def test_several_pages_of_one_material_all_count_for_it() -> None:
    report = check_presence(SPECS[:1], submit("身份证（正面）", "身份证（反面）"))
    assert report.satisfied_by("居民身份证") == [0, 1]
    assert report.unlisted == ()


def test_unrelated_materials_are_not_matched() -> None:
    report = check_presence(SPECS[:5], submit("犯罪记录证明", "死亡医学证明", "照片"))
    assert report.matches == ()
    assert {s.name for s in report.missing} == {s.name for s in SPECS[:5]}
    assert report.unlisted == (0, 1, 2)
    unlisted = [f for f in report.findings if f.code == "material_unlisted"]
    assert [f.material for f in unlisted] == ["犯罪记录证明", "死亡医学证明", "照片"]


@pytest.mark.parametrize(
    ("listed", "submitted"),
    [
        ("居民身份证", "代办人身份证"),  # someone else's ID
        ("法定代表人身份证明", "法定代理人身份证明"),
        ("医师执业证书", "律师执业证书"),
        ("无犯罪记录证明", "犯罪记录证明"),
        ("出生医学证明", "死亡医学证明"),
    ],
)
def test_look_alike_names_of_other_materials_stay_apart(listed: str, submitted: str) -> None:
    report = check_presence([MaterialSpec(listed)], submit(submitted))
    assert report.matches == ()
    assert [s.name for s in report.missing] == [listed]


def test_a_name_fitting_two_listed_materials_is_left_for_a_person() -> None:
    specs = (MaterialSpec("身份证（申请人）"), MaterialSpec("身份证（代理人）"))
    report = check_presence(specs, submit("身份证"))
    assert report.matches == ()
    assert len(report.missing) == 2
    exact = check_presence(specs, submit("身份证（代理人）", "身份证"))
    assert {m.submitted: m.spec for m in exact.matches} == {
        "身份证（代理人）": "身份证（代理人）",
        "身份证": "身份证（申请人）",
    }


def test_conditional_material_is_required_only_when_it_applies() -> None:
    names = submit("居民身份证", "居民户口簿", "无犯罪记录证明", "医师资格证书", "出生医学证明")
    assert check_presence(SPECS, names).missing == ()
    report = check_presence(SPECS, names, applicable={"授权委托书"})
    assert [s.name for s in report.missing] == ["授权委托书"]
    [finding] = report.findings
    assert finding.code == "material_missing"
    assert "委托他人办理的" in finding.message_zh
    assert "第三十二条" in finding.basis


def test_optional_material_is_never_missing_and_matches_when_given() -> None:
    report = check_presence(SPECS[5:], submit("营业执照副本"))
    assert report.missing == ()
    assert report.satisfied_by("营业执照") == [0]


def test_material_key_strips_numbering_suffixes_and_brackets() -> None:
    assert material_key("（一）居民身份证复印件") == ("身份证", "身份证")
    assert material_key("申请人身份证明文件（含营业执照、授权委托书等）")[1] == "申请人身份证明文件"
    assert material_key("《医师资格证书》原件及复印件") == ("医师资格证书", "医师资格证书")


# -- file types ------------------------------------------------------------------------------------

PDF_ONLY = MaterialSpec("申请书", file_types=("pdf", "OFD"))
PHOTO = MaterialSpec("照片", file_types=("jpg", "png"))
PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


def zip_bytes(*members: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in members:
            zf.writestr(name, "<x/>")
    return buf.getvalue()


def test_allowed_extension_and_honest_content_pass() -> None:
    assert check_file_type(PDF_ONLY, "申请书.PDF", PDF_BYTES) == []
    assert check_file_type(PHOTO, "photo.jpeg", JPG_BYTES) == []
    assert check_file_type(PDF_ONLY, "申请书.ofd", zip_bytes("OFD.xml", "Doc_0/Document.xml")) == []
    assert check_file_type(MaterialSpec("任意"), "x.bin") == []


def test_extension_not_accepted() -> None:
    [finding] = check_file_type(PDF_ONLY, "申请书.docx")
    assert finding.code == "file_type_not_allowed"
    assert "PDF、OFD" in finding.message_zh
    assert ".docx" in finding.message_zh


def test_photo_renamed_to_pdf_is_caught() -> None:
    [finding] = check_file_type(PDF_ONLY, "scan.pdf", JPG_BYTES)
    assert finding.code == "file_content_mismatch"
    assert "JPG" in finding.message_zh


def test_empty_file() -> None:
    [finding] = check_file_type(PDF_ONLY, "申请书.pdf", b"")
    assert finding.code == "file_empty"


def test_real_files_on_disk(tmp_path: Path) -> None:
    word = tmp_path / "申请书.docx"
    document = docx.Document()
    document.add_paragraph("申请书")
    document.save(str(word))
    spec = MaterialSpec("申请书", file_types=("docx", "pdf"))
    assert check_file_type(spec, word.name, word) == []
    fake = tmp_path / "申请书.pdf"
    fake.write_bytes(word.read_bytes())
    [finding] = check_file_type(spec, fake.name, fake)
    assert finding.code == "file_content_mismatch"
    assert "Word" in finding.message_zh
    empty = tmp_path / "空.pdf"
    empty.write_bytes(b"")
    assert [f.code for f in check_file_type(spec, empty.name, empty)] == ["file_empty"]


def test_detect_file_type() -> None:
    assert detect_file_type(b"\x89PNG\r\n\x1a\n\x00") == "png"
    assert detect_file_type(PDF_BYTES) == "pdf"
    assert detect_file_type(b"PK\x03\x04", ["word/document.xml"]) == "docx"
    assert detect_file_type(b"PK\x03\x04", ["a.txt"]) == "zip"
    assert detect_file_type(b"hello") is None


# -- validity dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_until", "expired"),
    [
        (date(2025, 6, 29), True),
        (date(2025, 6, 30), False),  # valid through its last day
        ("2025年6月29日", True),
        ("2025.07.01", False),
        ("20250629", True),
        ("2015.06.29-2025.06.29", True),  # a 起止 range: the end counts
        ("2015年7月1日至2035年7月1日", False),
        ("长期", False),
        (None, False),
    ],
)
def test_expiry(valid_until: date | str | None, expired: bool) -> None:
    findings = check_not_expired("居民身份证", valid_until, today=TODAY)
    assert [f.code for f in findings] == (["material_expired"] if expired else [])


def test_unreadable_date_is_reported() -> None:
    [finding] = check_not_expired("营业执照", "明年三月", today=TODAY)
    assert finding.code == "date_unreadable"
    assert "明年三月" in finding.message_zh


def test_parse_date() -> None:
    assert parse_date("2025/2/28") == date(2025, 2, 28)
    assert parse_date("2025-02-30") is None
    assert parse_date("二〇二五年") is None


# -- the same person -------------------------------------------------------------------------------


def test_same_name_with_spacing_and_dots_agrees() -> None:
    names = {
        "身份证": "阿依古丽·买买提",
        "户口簿": "阿依古丽•买买提",
        "申请表": " 阿依古丽·买买提 ",
    }
    assert check_same_name(names) == []
    assert check_same_name({"身份证": "张 三", "申请表": "张三"}) == []


def test_the_odd_one_out_is_named() -> None:
    names = {"身份证": "张三", "户口簿": "张三", "结婚证": "张山", "照片": None}
    [finding] = check_same_name(names)
    assert (finding.code, finding.material) == ("name_mismatch", "结婚证")
    assert "张山" in finding.message_zh and "张三" in finding.message_zh


def test_compared_with_the_applicant_when_given() -> None:
    findings = check_same_name({"身份证": "张三", "户口簿": "张三"}, expected="李四")
    assert [f.material for f in findings] == ["身份证", "户口簿"]


def test_no_majority_gives_one_finding_listing_all() -> None:
    [finding] = check_same_name({"身份证": "张三", "户口簿": "李四"})
    assert finding.material == ""
    assert "张三" in finding.message_zh and "李四" in finding.message_zh

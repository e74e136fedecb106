"""Material checks that need no model: identifiers, presence, file type, validity, names.

Each check returns :class:`Finding` values the pre-check turns into the 一次性告知 list
(《中华人民共和国行政许可法》第三十二条: everything to correct, told at once), so the applicant
reads ``message_zh`` exactly as written here. ``fixable`` says whether the applicant can put it
right by 补正 (every finding here can; the field exists because the rule engine's findings share
the shape and some of its conditions cannot be fixed).

=========================  ============================================================
code                       meaning
=========================  ============================================================
id_length                  a resident ID number that is not 18 characters
id_characters              not 17 digits and a digit or X
id_birth_date              the birth date part is not a date, before 1900 or after today
id_check_digit             the GB 11643 check character does not match (a miscopied digit)
uscc_length                a credit code that is not 18 characters
uscc_characters            a character outside GB 32100's alphabet or a non-digit region code
uscc_check_digit           the GB 32100 check character does not match
material_missing           a required (or applicable conditional) material is not submitted
material_unlisted          a submitted material matches nothing in the item's list
file_type_not_allowed      the extension is not one the material accepts
file_content_mismatch      the bytes are not what the extension says (a renamed .jpg "pdf")
file_empty                 an empty file
material_expired           the validity end date is before today
date_unreadable            a validity date that cannot be read as a date
name_mismatch              materials name different people
=========================  ============================================================

Everything is deterministic: ``today`` is a parameter, never the clock.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from govai.approval.items import MaterialSpec
from govai.checkcodes import CREDIT_CODE_ALPHABET, credit_code_check_char, id_check_char

__all__ = [
    "BASIS_CREDIT_CODE",
    "BASIS_ID",
    "BASIS_MATERIAL_LIST",
    "CodeCheck",
    "Finding",
    "IdCheck",
    "MaterialMatch",
    "PresenceReport",
    "check_credit_code",
    "check_file_type",
    "check_not_expired",
    "check_presence",
    "check_resident_id",
    "check_same_name",
    "detect_file_type",
    "material_key",
    "parse_date",
]

BASIS_ID = "GB 11643-1999《公民身份号码》"
BASIS_CREDIT_CODE = "GB 32100-2015《法人和其他组织统一社会信用代码编码规则》"
BASIS_MATERIAL_LIST = (
    "《中华人民共和国行政许可法》第三十一条、第三十二条；本事项办事指南申请材料目录"
)
BASIS_FILE_TYPE = "本事项办事指南对材料格式的要求"
BASIS_VALIDITY = "申请材料应当真实、有效（《中华人民共和国行政许可法》第三十一条）"


@dataclass(frozen=True)
class Finding:
    """One problem with an application's materials, as the applicant is told it.

    ``material`` is the material's name ("" when the finding concerns several), ``basis`` the
    standard or rule it rests on.
    """

    code: str
    material: str
    message_zh: str
    fixable: bool
    basis: str


# -- resident ID numbers (GB 11643-1999) ----------------------------------------------------------

_EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True)
class IdCheck:
    """The outcome of checking a resident ID number.

    ``value`` is the number as checked (full-width digits made half-width, spaces removed, x
    upper-cased). ``birth_date`` and ``sex`` (男/女, from the parity of the 17th digit) are set
    only when the number is valid; ``code`` and ``reason_zh`` only when it is not.
    """

    value: str
    ok: bool
    code: str = ""
    reason_zh: str = ""
    birth_date: date | None = None
    sex: Literal["男", "女"] | None = None

    def findings(self, material: str = "居民身份证") -> list[Finding]:
        if self.ok:
            return []
        return [Finding(self.code, material, self.reason_zh, True, BASIS_ID)]


def _zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _clean_code(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def check_resident_id(value: str, *, today: date) -> IdCheck:
    """Check an 18-digit resident ID number: length, characters, birth date, check digit.

    The reasons name the first thing wrong, in that order, in words the applicant can act on.
    A check-digit failure does not reveal the expected character: the miscopied digit is
    usually elsewhere, and "fixing" the last one would hide it.
    """
    number = _clean_code(value)
    if len(number) != 18:
        hint = (
            "（15 位的第一代身份证号码已停止使用，请填写 18 位号码）" if len(number) == 15 else ""
        )
        return IdCheck(
            number,
            False,
            "id_length",
            f"身份证号码应为 18 位，填写的是 {len(number)} 位{hint}，请核对。",
        )
    for i, c in enumerate(number, start=1):
        if not ("0" <= c <= "9" or (i == 18 and c == "X")):
            return IdCheck(
                number,
                False,
                "id_characters",
                f"身份证号码前 17 位应为数字、第 18 位为数字或 X，第 {i} 位是“{c}”，请核对。",
            )
    y, m, d = int(number[6:10]), int(number[10:12]), int(number[12:14])
    try:
        born = date(y, m, d)
    except ValueError:
        return IdCheck(
            number,
            False,
            "id_birth_date",
            f"身份证号码第 7—14 位的出生日期“{number[6:14]}”不是有效日期，请核对。",
        )
    if born > today:
        return IdCheck(
            number,
            False,
            "id_birth_date",
            f"身份证号码中的出生日期 {_zh_date(born)} 晚于今天，请核对。",
        )
    if born < _EARLIEST_BIRTH:
        return IdCheck(
            number,
            False,
            "id_birth_date",
            f"身份证号码中的出生日期 {_zh_date(born)} 早于 1900 年，请核对。",
        )
    if id_check_char(number[:17]) != number[17]:
        return IdCheck(
            number,
            False,
            "id_check_digit",
            "身份证号码校验位不符，号码中可能有数字填错，请与身份证逐位核对后重新填写。",
        )
    sex: Literal["男", "女"] = "男" if int(number[16]) % 2 else "女"
    return IdCheck(number, True, birth_date=born, sex=sex)


# -- unified social credit codes (GB 32100-2015) ------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a unified social credit code."""

    value: str
    ok: bool
    code: str = ""
    reason_zh: str = ""

    def findings(self, material: str = "营业执照") -> list[Finding]:
        if self.ok:
            return []
        return [Finding(self.code, material, self.reason_zh, True, BASIS_CREDIT_CODE)]


def check_credit_code(value: str) -> CodeCheck:
    """Check an 18-character unified social credit code: length, alphabet, region, check."""
    code = _clean_code(value)
    if len(code) != 18:
        return CodeCheck(
            code,
            False,
            "uscc_length",
            f"统一社会信用代码应为 18 位，填写的是 {len(code)} 位，请核对营业执照或登记证书。",
        )
    for i, c in enumerate(code, start=1):
        if c not in CREDIT_CODE_ALPHABET:
            return CodeCheck(
                code,
                False,
                "uscc_characters",
                f"统一社会信用代码第 {i} 位是“{c}”，代码只含数字和除 I、O、S、V、Z 以外的"
                "大写字母，请核对。",
            )
    if not code[2:8].isdigit():
        return CodeCheck(
            code,
            False,
            "uscc_characters",
            f"统一社会信用代码第 3—8 位应为行政区划代码（6 位数字），"
            f"填写的是“{code[2:8]}”，请核对。",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        return CodeCheck(
            code,
            False,
            "uscc_check_digit",
            "统一社会信用代码校验位不符，代码中可能有字符填错，请与营业执照或登记证书逐位核对。",
        )
    return CodeCheck(code, True)


# -- presence: which submitted material satisfies which listed one --------------------------------

# Colloquial names people write for listed materials (one direction: to the listed form).
_SYNONYMS = (
    ("居民身份证", "身份证"),
    ("户口本", "户口簿"),
    ("居民户口簿", "户口簿"),
    ("社保卡", "社会保障卡"),
    ("相片", "照片"),
)
_LEADING_NUMBER = re.compile(
    r"^(?:材料|附件)?[0-9一二三四五六七八九十]+[、.．:：)）]\s*|^[（(][0-9一二三四五六七八九十]+[)）]\s*"
)
_COPY_SUFFIX = re.compile(
    r"(?:原件及复印件|原件和复印件|原件或复印件|复印件|原件|扫描件|影印件|复制件|电子件|电子版)$"
)
_COUNT_SUFFIX = re.compile(r"[0-9一二两三四五六七八九十]+(?:份|张|页)$")
_BRACKETED = re.compile(r"[（(【\[〔][^（）()【】\[\]〔〕]*[)）】\]〕]")
_DROP_CATEGORIES = ("P", "S", "Z", "C")  # punctuation, symbols, separators, controls


def _squeeze(text: str) -> str:
    kept = "".join(c for c in text if unicodedata.category(c)[0] not in _DROP_CATEGORIES)
    for colloquial, listed in _SYNONYMS:
        kept = kept.replace(colloquial, listed)
    while True:
        shorter = _COUNT_SUFFIX.sub("", _COPY_SUFFIX.sub("", kept))
        if shorter == kept or not shorter:
            return kept
        kept = shorter


@lru_cache(maxsize=8192)
def material_key(name: str) -> tuple[str, str]:
    """Two comparison keys for a material name, loose and looser.

    The first drops numbering ("1、"), spaces, punctuation (brackets but not their words, 《》),
    "复印件/原件/扫描件…" and "1份" endings; the second also drops whatever is in brackets
    ("身份证（正反面）" → "身份证"). Both map a few colloquial names to the listed ones
    (户口本 → 户口簿).
    """
    text = unicodedata.normalize("NFKC", name).strip()
    text = _LEADING_NUMBER.sub("", text)
    loose = _squeeze(text)
    looser = _squeeze(_BRACKETED.sub("", text)) or loose
    return loose, looser


MatchHow = Literal["exact", "normalised", "similar"]


@dataclass(frozen=True)
class MaterialMatch:
    """Submitted entry ``index`` (its name ``submitted``) satisfies the listed material ``spec``."""

    spec: str
    index: int
    submitted: str
    how: MatchHow


@dataclass(frozen=True)
class PresenceReport:
    """Which submitted entry satisfied which listed material, what is missing, what is extra.

    ``missing`` are the required materials and the applicable conditional ones nobody
    submitted; ``unlisted`` the indexes of submitted entries that match no listed material.
    """

    matches: tuple[MaterialMatch, ...]
    missing: tuple[MaterialSpec, ...]
    unlisted: tuple[int, ...]
    findings: tuple[Finding, ...]

    def satisfied_by(self, spec_name: str) -> list[int]:
        return [m.index for m in self.matches if m.spec == spec_name]


_MIN_SIMILAR_LEN = 3
_SIMILAR_THRESHOLD = 0.85  # 医师执业证书 / 律师执业证书 score 0.8
_CONTAIN_RATIO = 0.5
_TIE_MARGIN = 0.05
_NEGATIONS = frozenset("未无非不没")
_ROLE_MAX_AT = 5  # 法定代表人: a role word ends within the first six characters


def _role(key: str) -> str:
    """Whose material it is when the name starts with a person: 申请人, 代办人, 法定代表人…"""
    at = key.find("人")
    return key[: at + 1] if 0 <= at <= _ROLE_MAX_AT else ""


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


@lru_cache(maxsize=65536)  # the same few hundred names meet again in every application
def _similarity(a: str, b: str) -> float:
    """Conservative likeness of two looser keys; 0 below the bar, so unrelated names never meet.

    A name inside the other (身份证 in 身份证正反面) counts when it is at least 3 characters
    and half the longer one; otherwise the Dice coefficient of character pairs, which keeps
    出生医学证明 / 死亡医学证明 (0.6) and 医师执业证书 / 律师执业证书 (0.8) apart. Names
    that differ in a negation (无犯罪记录证明, 犯罪记录证明) or in whose document it is
    (代办人身份证, 居民身份证; 法定代表人身份证明, 法定代理人身份证明) never match.
    """
    if min(len(a), len(b)) < _MIN_SIMILAR_LEN:
        return 0.0
    if _NEGATIONS.intersection(a) != _NEGATIONS.intersection(b):
        return 0.0
    if _role(a) != _role(b):
        return 0.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if short in long_ and len(short) / len(long_) >= _CONTAIN_RATIO:
        return 0.8 + 0.2 * len(short) / len(long_)
    x, y = _bigrams(a), _bigrams(b)
    dice = 2 * len(x & y) / (len(x) + len(y))
    return dice if dice >= _SIMILAR_THRESHOLD else 0.0


def _best_similar(
    key: str, among: list[int], spec_keys: list[tuple[str, str]]
) -> tuple[float, int] | None:
    """(score, spec index) of the one listed material clearly most like ``key``, or None when
    nothing is alike or two fit about as well (then a person decides)."""
    scored = sorted(((_similarity(key, spec_keys[j][1]), j) for j in among), reverse=True)
    if not scored or scored[0][0] == 0.0:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < _TIE_MARGIN:
        return None
    return scored[0]


def _submitted_name(entry: Mapping[str, Any] | str) -> str:
    if isinstance(entry, str):
        return entry
    return str(entry.get("name") or "")


def check_presence(
    specs: Sequence[MaterialSpec],
    submitted: Sequence[Mapping[str, Any] | str],
    applicable: Collection[str] = (),
) -> PresenceReport:
    """Match submitted materials (``[{"name", "file"?}]``) to the item's list, tolerantly.

    Passes, each only over what is still unmatched: the exact name; the loose key; the looser
    key (see :func:`material_key`); then a conservative similarity, taken only when one listed
    material is clearly the best for the entry. A name that fits two listed materials equally
    is left unmatched for a person rather than guessed. Further entries with the same key as an
    already matched material (身份证正面, 身份证反面) count for it too. A conditional material
    is required when its name is in ``applicable`` (the caller decides which conditions hold).
    """
    names = [_submitted_name(e).strip() for e in submitted]
    keys = [material_key(n) for n in names]
    spec_names = [s.name.strip() for s in specs]
    spec_keys = [material_key(n) for n in spec_names]
    matched: dict[int, tuple[int, MatchHow]] = {}  # submitted index -> (spec index, how)
    taken: set[int] = set()

    passes: tuple[tuple[MatchHow, list[str], list[str]], ...] = (
        ("exact", names, spec_names),
        ("normalised", [k[0] for k in keys], [k[0] for k in spec_keys]),
        ("normalised", [k[1] for k in keys], [k[1] for k in spec_keys]),
    )
    for how, sub_keys, listed_keys in passes:
        if len(matched) == len(names):
            break
        index: dict[str, list[int]] = {}
        for j, k in enumerate(listed_keys):
            index.setdefault(k, []).append(j)
        for i, key in enumerate(sub_keys):
            if i in matched or not key:
                continue
            hits = [j for j in index.get(key, ()) if j not in taken]
            if len(hits) == 1:
                matched[i] = (hits[0], how)
                taken.add(hits[0])

    candidates: list[tuple[float, int, int]] = []
    for i, (_, looser) in enumerate(keys):
        if i in matched or not looser:
            continue
        best = _best_similar(looser, [j for j in range(len(specs)) if j not in taken], spec_keys)
        if best is not None:
            candidates.append((best[0], i, best[1]))
    for _, i, j in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if i not in matched and j not in taken:
            matched[i] = (j, "similar")
            taken.add(j)

    # further pages of a material already matched: 身份证（正面）and 身份证（反面）
    for i, (loose, looser) in enumerate(keys):
        if i in matched or not names[i]:
            continue
        for level, key in ((0, loose), (1, looser)):
            owners = [j for j in taken if spec_keys[j][level] == key]
            if len(owners) == 1:
                matched[i] = (owners[0], "normalised")
                break
        else:
            best = _best_similar(looser, sorted(taken), spec_keys)
            if best is not None:
                matched[i] = (best[1], "similar")

    wanted = set(applicable)
    missing = tuple(
        spec
        for j, spec in enumerate(specs)
        if j not in taken
        and (spec.need == "required" or (spec.need == "conditional" and spec.name in wanted))
    )
    unlisted = tuple(i for i in range(len(names)) if i not in matched)
    findings = [_missing_finding(spec) for spec in missing]
    findings.extend(_unlisted_finding(names[i]) for i in unlisted)
    matches = tuple(
        MaterialMatch(specs[j].name, i, names[i], how) for i, (j, how) in sorted(matched.items())
    )
    return PresenceReport(matches, missing, unlisted, tuple(findings))


def _missing_finding(spec: MaterialSpec) -> Finding:
    when = (
        f"（适用情形：{spec.condition}）" if spec.need == "conditional" and spec.condition else ""
    )
    return Finding(
        "material_missing",
        spec.name,
        f"缺少申请材料“{spec.name}”{when}，请补充提交。",
        True,
        BASIS_MATERIAL_LIST,
    )


def _unlisted_finding(name: str) -> Finding:
    shown = name or "（未填写名称的材料）"
    return Finding(
        "material_unlisted",
        name,
        f"提交的“{shown}”不在本事项的申请材料目录中；如它是目录中的某项材料，"
        "请按目录中的名称标注，否则无需提交。",
        True,
        BASIS_MATERIAL_LIST,
    )


# -- file types --------------------------------------------------------------------------------

_TYPE_ALIASES = {"jpeg": "jpg", "jpe": "jpg", "tiff": "tif"}
_TYPE_LABEL = {
    "pdf": "PDF",
    "jpg": "JPG 图片",
    "png": "PNG 图片",
    "gif": "GIF 图片",
    "bmp": "BMP 图片",
    "tif": "TIFF 图片",
    "docx": "Word 文档（.docx）",
    "xlsx": "Excel 表格（.xlsx）",
    "ofd": "OFD 版式文件",
    "zip": "ZIP 压缩包",
    "ole": "旧版 Office 文档（.doc/.xls）",
}
# types that share a container: an extension is honest when the content is of its family
_CONTENT_OK = {"doc": {"ole"}, "xls": {"ole"}, "ppt": {"ole"}, "wps": {"ole"}}


def _norm_type(ext: str) -> str:
    ext = ext.strip().lower().lstrip(".")
    return _TYPE_ALIASES.get(ext, ext)


def detect_file_type(head: bytes, zip_names: Iterable[str] | None = None) -> str | None:
    """The file type its first bytes show: pdf, jpg, png, gif, bmp, tif, ole, or for a ZIP
    container docx/xlsx/ofd (from ``zip_names``, its member names) or zip; None if unknown."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tif"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        members = set(zip_names or ())
        if "word/document.xml" in members:
            return "docx"
        if "xl/workbook.xml" in members:
            return "xlsx"
        if "OFD.xml" in members:
            return "ofd"
        return "zip"
    return None


def _sniff(content: bytes | Path) -> tuple[str | None, bool]:
    """(detected type, empty) of a file given as bytes or a path; reads only what it needs."""
    if isinstance(content, Path):
        with content.open("rb") as fh:
            head = fh.read(16)
        archive: Path | io.BytesIO = content
    else:
        head, archive = content[:16], io.BytesIO(content)
    if not head:
        return None, True
    names = None
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(archive) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            names = []
    return detect_file_type(head, names), False


def check_file_type(
    spec: MaterialSpec, filename: str, content: bytes | Path | None = None
) -> list[Finding]:
    """The file's extension is one ``spec.file_types`` accepts, and (given its bytes or a
    path) its content is what the extension says: a photo renamed to .pdf is caught here."""
    findings: list[Finding] = []
    ext = _norm_type(Path(filename).suffix)
    allowed = [_norm_type(t) for t in spec.file_types]
    shown = Path(filename).name or filename
    if allowed and ext not in allowed:
        wanted = "、".join(t.upper() for t in dict.fromkeys(allowed))
        got = f".{ext} 文件" if ext else "没有扩展名的文件"
        findings.append(
            Finding(
                "file_type_not_allowed",
                spec.name,
                f"材料“{spec.name}”须为 {wanted} 格式，上传的“{shown}”是{got}，"
                "请转换格式后重新上传。",
                True,
                BASIS_FILE_TYPE,
            )
        )
    if content is None:
        return findings
    detected, empty = _sniff(content)
    if empty:
        findings.append(
            Finding(
                "file_empty",
                spec.name,
                f"材料“{spec.name}”上传的文件“{shown}”是空文件，请重新上传。",
                True,
                BASIS_FILE_TYPE,
            )
        )
        return findings
    claimed = ext
    if claimed in _TYPE_LABEL or claimed in _CONTENT_OK:
        honest = detected == claimed or detected in _CONTENT_OK.get(claimed, set())
        if not honest:
            actual = _TYPE_LABEL.get(detected or "", "无法识别的格式")
            findings.append(
                Finding(
                    "file_content_mismatch",
                    spec.name,
                    f"材料“{spec.name}”的文件“{shown}”扩展名为 .{claimed}，但内容是{actual}，"
                    "文件可能已损坏或被改过扩展名，请重新导出后上传。",
                    True,
                    BASIS_FILE_TYPE,
                )
            )
    return findings


# -- dates and names ---------------------------------------------------------------------------

_LONG_TERM = ("长期", "长期有效", "永久", "永久有效", "无固定期限")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: date | str) -> date | None:
    """A date from ``date`` or text (2025-01-31, 2025.01.31, 2025/1/31, 2025年1月31日,
    20250131); None for text that is not one of these. 长期/永久 is not a date: see
    :func:`check_not_expired`."""
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    text = "".join(unicodedata.normalize("NFKC", value).split())
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def check_not_expired(
    material: str, valid_until: date | str | None, *, today: date
) -> list[Finding]:
    """The material is still valid on ``today``: its validity end (有效期至) is today or later.

    A document valid through a day is valid on that day. 长期/永久 never expires; no date at
    all is not a finding here (whether the date must be present is the rule file's business).
    """
    if valid_until is None:
        return []
    if isinstance(valid_until, str):
        text = "".join(unicodedata.normalize("NFKC", valid_until).split())
        if not text or text in _LONG_TERM:
            return []
        # a 起止 range such as 2015.03.01-2025.03.01: the end counts
        parts = re.split(r"[-—~至到]{1,2}(?=\d{4})", text)
        end = parse_date(parts[-1])
    else:
        end = parse_date(valid_until)
    if end is None:
        return [
            Finding(
                "date_unreadable",
                material,
                f"材料“{material}”的有效期“{valid_until}”无法识别，"
                "请按“2025年1月31日”的格式填写有效期截止日期。",
                True,
                BASIS_VALIDITY,
            )
        ]
    if end < today:
        return [
            Finding(
                "material_expired",
                material,
                f"材料“{material}”已于 {_zh_date(end)} 过期，请提交在有效期内的材料。",
                True,
                BASIS_VALIDITY,
            )
        ]
    return []


_NAME_DOTS = re.compile(r"[·•‧・･.．]")


def _person_key(name: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", name).split())
    return _NAME_DOTS.sub("·", text).casefold()


def check_same_name(
    names: Mapping[str, str | None], *, expected: str | None = None
) -> list[Finding]:
    """The materials name the same person.

    ``names`` maps a material to the person name read from it (None or "" when it has none).
    With ``expected`` (the applicant's name on the form) every material is compared with it;
    without, with the name most materials agree on, and when there is no majority one finding
    lists them all. Spaces, full-width forms and the dot in minority names (·/•/.) do not count
    as differences.
    """
    present = {m: n.strip() for m, n in names.items() if n and n.strip()}
    if not present:
        return []
    if expected and expected.strip():
        reference = expected.strip()
        whose = "申请人"
    else:
        counts = Counter(_person_key(n) for n in present.values())
        ranked = counts.most_common()
        if len(ranked) == 1:
            return []
        if ranked[0][1] == ranked[1][1]:
            listing = "、".join(f"“{m}”为“{n}”" for m, n in present.items())
            return [
                Finding(
                    "name_mismatch",
                    "",
                    f"各材料上的姓名不一致：{listing}。请提交同一人的材料；"
                    "如曾更改姓名，请一并提交户籍部门出具的姓名变更证明。",
                    True,
                    BASIS_VALIDITY,
                )
            ]
        reference = next(n for n in present.values() if _person_key(n) == ranked[0][0])
        whose = "其他材料"
    ref_key = _person_key(reference)
    return [
        Finding(
            "name_mismatch",
            material,
            f"材料“{material}”上的姓名“{name}”与{whose}姓名“{reference}”不一致。"
            "请提交本人的材料；如曾更改姓名，请一并提交户籍部门出具的姓名变更证明。",
            True,
            BASIS_VALIDITY,
        )
        for material, name in present.items()
        if _person_key(name) != ref_key
    ]

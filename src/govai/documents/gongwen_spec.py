"""What a 公文 says, before it is laid out: :class:`DocumentSpec` and its validation.

The fields follow the elements of 《党政机关公文处理工作条例》第九条 and GB/T 9704-2012 §7
(份号 … 印发日期). ``spec_from_dict`` reads the ``spec.json`` of ``govai draft`` (issue 6) and
refuses what cannot be laid out with a Chinese message naming the field and the valid form, so a
person fixing a spec file sees what to change. Form rules that a *draft* may break (heading
punctuation, repeated words …) are the proofreader's business, not this module's: here only what
the layout depends on is checked (the 15 types, the four formats, dates, the 发文字号 form).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

from govai.errors import ValidationError
from govai.knowledge.provenance import parse_date

Format = Literal["standard", "letter", "order", "minutes"]
FORMATS: tuple[str, ...] = get_args(Format)
FORMAT_NAMES = {
    "standard": "文件格式",
    "letter": "信函格式",
    "order": "命令（令）格式",
    "minutes": "纪要格式",
}

# 《党政机关公文处理工作条例》第八条: the 15 types; 命令 is also written 令.
DOC_TYPES: tuple[str, ...] = (
    "决议",
    "决定",
    "命令",
    "令",
    "公报",
    "公告",
    "通告",
    "意见",
    "通知",
    "通报",
    "报告",
    "请示",
    "批复",
    "议案",
    "函",
    "纪要",
)
# Upward documents (上行文): 《条例》第九条 — 上行文应当标注签发人姓名.
UPWARD_TYPES = frozenset({"请示", "报告"})

# GB/T 9704-2012 §7.2.5: year in full in 〔〕, sequence number without 第 and without leading zeros.
DOC_NUMBER_RE = re.compile(r"^\S+〔\d{4}〕[1-9]\d*号$")
ORDER_NUMBER_RE = re.compile(r"^第[1-9]\d*号$")
SECRECY_RE = re.compile(r"^(绝密|机密|秘密)(★.+)?$")
URGENCIES = ("特急", "加急")


@dataclass(frozen=True)
class Issuer:
    """发文机关: ``name`` is the full name used in the 署名; ``mark`` is the 发文机关标志 text
    (``示范市人民政府文件``, ``示范市人民政府令`` …)."""

    name: str
    mark: str


@dataclass(frozen=True)
class Attachment:
    """One attachment: its name as listed in 附件说明 and, optionally, its text, laid out on
    its own page(s) after the main document (GB/T 9704-2012 §7.3.7)."""

    name: str
    body: str | None = None


@dataclass(frozen=True)
class DocumentSpec:
    """Everything :func:`govai.documents.gongwen.write_gongwen` lays out.

    ``body`` is plain text, one paragraph per line; a paragraph may start with a heading number
    ``一、`` ``（一）`` ``1.`` ``（1）``. ``seal`` says whether the document will carry the issuing
    organ's 印章, which moves the 成文日期 (§7.3.5.1 vs §7.3.5.2). ``signatory`` are the 签发人
    names of an upward document (printed in the 版头) or, in the order format, the signer whose
    签名章 goes above the date (with ``signatory_title``, the 职务).
    """

    type: str
    issuer: Issuer
    title: str
    body: str
    format: Format = "standard"
    doc_number: str = ""
    recipients: str = ""
    attachments: tuple[Attachment, ...] = ()
    signatory: tuple[str, ...] = ()
    signatory_title: str = ""
    signature: str = ""
    date: dt.date | None = None
    note: str = ""
    copy_to: str = ""
    printer: str = ""
    print_date: dt.date | None = None
    seal: bool = True
    copy_number: str = ""
    secrecy: str = ""
    urgency: str = ""
    attendees: str = ""
    absentees: str = ""
    observers: str = ""
    mark_size: float | None = None

    @property
    def upward(self) -> bool:
        """Laid out as an upward document: 发文字号 left, 签发人 right (§7.2.5, §7.2.6)."""
        return bool(self.signatory) and self.format == "standard"

    @property
    def signed_by(self) -> str:
        """The 发文机关署名: ``signature`` if given, else the issuer's full name."""
        return self.signature or self.issuer.name


SPEC_KEYS = frozenset(f.name for f in fields(DocumentSpec))


def format_date(day: dt.date) -> str:
    """``2026年11月21日``: Arabic numerals, year in full, no leading zeros (§7.3.5.4)."""
    return f"{day.year}年{day.month}月{day.day}日"


def default_format(doc_type: str) -> Format:
    """The format a type is laid out in unless the spec says otherwise."""
    if doc_type in ("命令", "令"):
        return "order"
    if doc_type == "纪要":
        return "minutes"
    if doc_type == "函":
        return "letter"
    return "standard"


def default_mark(name: str, fmt: Format) -> str:
    """The 发文机关标志 when the spec gives only the organ's name (§7.2.4, §10.1–§10.3)."""
    if fmt == "standard":
        return name + "文件"
    if fmt == "order":
        return name + "令"
    if fmt == "minutes":
        return name + "纪要"
    return name


def _fail(field_name: str, message: str) -> ValidationError:
    return ValidationError(f"公文要素“{field_name}”有误：{message}", field=field_name)


def _text(d: Mapping[str, Any], key: str, label: str, *, required: bool = False) -> str:
    value = d.get(key)
    if value is not None and not isinstance(value, str):
        raise _fail(label, f"应为文字（spec 字段 {key}），收到 {type(value).__name__}")
    value = (value or "").strip()
    if required and not value:
        raise _fail(label, f"不能为空（spec 字段 {key}）")
    return value


def _ascii_digits(text: str) -> str:
    """Full-width (and other decimal) digits as ASCII: ``１２`` is printed ``12``."""
    return re.sub(r"\d", lambda digit: str(int(digit[0])), text)


def _names(d: Mapping[str, Any], key: str, label: str, sep: str) -> str:
    """A list of organs or people, given as one string or a list of strings."""
    value = d.get(key)
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Sequence) and all(isinstance(v, str) and v.strip() for v in value):
        return sep.join(v.strip() for v in value)
    raise _fail(label, f"应为文字或文字列表（spec 字段 {key}）")


def _date(value: Any, label: str) -> dt.date | None:
    """A date in any spelling :func:`govai.knowledge.provenance.parse_date` reads (2026-11-21,
    2026年11月21日, 二〇二六年十一月二十一日 …)."""
    if isinstance(value, str | dt.date) or value is None:
        try:
            return parse_date(value)
        except ValidationError:
            pass
    raise _fail(label, f"“{value}”不是有效日期，请写作 2026-11-21 或 2026年11月21日")


def _issuer(d: Mapping[str, Any], fmt: Format) -> Issuer:
    value = d.get("issuer")
    if isinstance(value, str) and value.strip():
        return Issuer(value.strip(), default_mark(value.strip(), fmt))
    if isinstance(value, Mapping):
        name = _text(value, "name", "发文机关", required=True)
        mark = _text(value, "mark", "发文机关标志") or default_mark(name, fmt)
        return Issuer(name, mark)
    raise _fail("发文机关", '不能为空：写机关全称，或 {"name": 全称, "mark": 发文机关标志}')


def _attachments(d: Mapping[str, Any]) -> tuple[Attachment, ...]:
    value = d.get("attachments") or []
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise _fail("附件", '应为列表：每项是附件名称，或 {"name": 名称, "body": 正文}')
    out = []
    for i, item in enumerate(value, start=1):
        if isinstance(item, str) and item.strip():
            out.append(Attachment(item.strip()))
        elif isinstance(item, Mapping):
            name = _text(item, "name", f"附件{i}名称", required=True)
            body = _text(item, "body", f"附件{i}正文") or None
            out.append(Attachment(name, body))
        else:
            raise _fail("附件", f'第 {i} 项应为附件名称或 {{"name", "body"}}')
        # §7.3.4: 附件名称后不加标点符号.
        if re.search(r"[。，；：、.,;:]$", out[-1].name):
            raise _fail(f"附件{i}名称", "名称后不加标点符号（GB/T 9704-2012 7.3.4）")
    return tuple(out)


def spec_from_dict(d: Mapping[str, Any]) -> DocumentSpec:
    """Read and validate a spec (the parsed ``spec.json``); raise :class:`ValidationError` with a
    Chinese message naming the element and the valid form."""
    if not isinstance(d, Mapping):
        raise ValidationError("公文 spec 应为 JSON 对象（键值对）")
    unknown = sorted(set(d) - SPEC_KEYS)
    if unknown:
        valid = ", ".join(sorted(SPEC_KEYS))
        raise ValidationError(
            f"公文 spec 含未知字段：{', '.join(map(str, unknown))}；可用字段：{valid}",
            field=str(unknown[0]),
        )
    doc_type = _text(d, "type", "文种", required=True)
    if doc_type not in DOC_TYPES:
        raise _fail("文种", f"“{doc_type}”不是法定文种，可选：{'、'.join(DOC_TYPES)}")
    fmt_raw = d.get("format") or default_format(doc_type)
    if fmt_raw not in FORMATS:
        choices = "、".join(f"{f}（{name}）" for f, name in FORMAT_NAMES.items())
        raise _fail("格式", f"“{fmt_raw}”无效，可选：{choices}")
    fmt: Format = fmt_raw
    if doc_type in ("命令", "令") and fmt != "order":
        raise _fail("格式", "命令（令）须用命令格式（order，GB/T 9704-2012 10.2）")
    if fmt == "order" and doc_type not in ("命令", "令"):
        raise _fail("格式", "命令格式（order）只用于命令（令）")
    if (doc_type == "纪要") != (fmt == "minutes"):
        raise _fail("格式", "纪要须用纪要格式（minutes），纪要格式也只用于纪要（10.3）")

    title = _text(d, "title", "标题", required=fmt not in ("order", "minutes"))
    body = _text(d, "body", "正文", required=True)

    doc_number = _ascii_digits(_text(d, "doc_number", "发文字号"))
    if doc_number:
        if fmt == "order" and not ORDER_NUMBER_RE.match(doc_number):
            raise _fail("令号", f"“{doc_number}”应写作“第12号”（不编虚位）")
        if fmt in ("standard", "letter") and not DOC_NUMBER_RE.match(doc_number):
            raise _fail(
                "发文字号",
                f"“{doc_number}”应写作“示政发〔2026〕12号”：年份标全称并用六角括号〔〕括入，"
                "顺序号不加“第”字、不编虚位（GB/T 9704-2012 7.2.5）",
            )

    signatory = d.get("signatory") or ()
    if isinstance(signatory, str):
        signatory = tuple(s for s in re.split(r"[、，,\s]+", signatory) if s)
    elif isinstance(signatory, Sequence) and all(isinstance(s, str) for s in signatory):
        signatory = tuple(s.strip() for s in signatory if s.strip())
    else:
        raise _fail("签发人", "应为姓名或姓名列表")
    signatory_title = _text(d, "signatory_title", "签发人职务")
    if fmt == "order" and not (signatory and signatory_title):
        raise _fail(
            "签发人", "命令（令）须写签发人姓名（signatory）和职务（signatory_title）（7.3.5.3）"
        )
    if fmt != "order" and signatory_title:
        raise _fail("签发人职务", "只用于命令（令）格式的签名章（7.3.5.3）")

    copy_number = _ascii_digits(_text(d, "copy_number", "份号"))
    if copy_number:
        if not re.fullmatch(r"\d{1,6}", copy_number):
            raise _fail("份号", "应为不超过 6 位的阿拉伯数字（7.2.1）")
        copy_number = copy_number.zfill(6)
    secrecy = _text(d, "secrecy", "密级和保密期限")
    if secrecy and not SECRECY_RE.match(secrecy):
        raise _fail("密级和保密期限", "应为 绝密/机密/秘密，可加“★保密期限”，如“机密★1年”（7.2.2）")
    urgency = _text(d, "urgency", "紧急程度")
    if urgency and urgency not in URGENCIES:
        raise _fail("紧急程度", f"可选：{'、'.join(URGENCIES)}（7.2.3）")

    note = _text(d, "note", "附注")
    if note.startswith(("（", "(")) and note.endswith(("）", ")")):
        note = note[1:-1].strip()
    recipients = _names(d, "recipients", "主送机关", "，").rstrip(":：")
    copy_to = _names(d, "copy_to", "抄送机关", "，").rstrip("。.")
    mark_size = d.get("mark_size")
    if mark_size is not None and (
        not isinstance(mark_size, int | float) or not 10 <= float(mark_size) <= 72
    ):
        raise _fail("发文机关标志字号", "应为 10 到 72 之间的磅值")
    seal = d.get("seal")
    if seal is not None and not isinstance(seal, bool):
        raise _fail("印章", "应为 true 或 false")
    return DocumentSpec(
        type=doc_type,
        issuer=_issuer(d, fmt),
        title=title,
        body=body,
        format=fmt,
        doc_number=doc_number,
        recipients=recipients,
        attachments=_attachments(d),
        signatory=tuple(signatory),
        signatory_title=signatory_title,
        signature=_text(d, "signature", "发文机关署名"),
        date=_date(d.get("date"), "成文日期"),
        note=note,
        copy_to=copy_to,
        printer=_text(d, "printer", "印发机关"),
        print_date=_date(d.get("print_date"), "印发日期"),
        seal=(fmt != "minutes") if seal is None else seal,
        copy_number=copy_number,
        secrecy=secrecy,
        urgency=urgency,
        attendees=_names(d, "attendees", "出席", "、"),
        absentees=_names(d, "absentees", "请假", "、"),
        observers=_names(d, "observers", "列席", "、"),
        mark_size=float(mark_size) if mark_size is not None else None,
    )

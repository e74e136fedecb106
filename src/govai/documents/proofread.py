"""公文校对: check a .docx, or a draft's paragraphs, against GB/T 9704-2012 and the writing rules
a reviewer applies, and say for each problem where it is, what it is, which rule it breaks
(with its source) and how to fix it.

The checks (``CATEGORIES``): 版式 (page, margins, 22 lines, fonts and sizes, page numbers —
:mod:`govai.documents.proofread_layout`), and 层次序数, 发文字号, 日期, 标点, 重复字词, 错别字,
敏感词 and 引用文件 (:mod:`govai.documents.proofread_rules`, which also holds the project's
wrong-word list ``data/wrong_words.txt``). The two modules' docstrings give each rule's clause
and the choices made against false alarms; a clean file from :func:`write_gongwen
<govai.documents.gongwen.write_gongwen>` has no findings, in any of the four formats.

It works on any .docx a person made in Word or WPS, not only on govai's own: sizes and fonts
are resolved through the style chain as Word shows them, and where a file has no govai styles
each element (版头, 标题, 主送机关, 正文, 署名, 成文日期, 版记 …) is guessed from text and place.
Paragraphs are numbered from 1 in reading order, counting only paragraphs that hold text (table
cells included): "第 12 段" is the twelfth block of text a person sees.

A file that cannot be read — not a zip, a .doc or an encrypted file, a zip that is not a Word
document, one over 100 MB unpacked, one with no text or more than :data:`MAX_CHARS` characters
of it — raises :class:`~govai.errors.ValidationError` with a Chinese message, never a traceback.

Cost: a 20-page document takes a few tens of milliseconds; the first repeated-word candidate in
a process loads the shared tokenizer's dictionary (under a second, once, unless search has).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from govai.documents.gongwen_spec import DOC_TYPES
from govai.documents.proofread_layout import MAX_UNCOMPRESSED, check_layout, read_docx
from govai.documents.proofread_rules import (
    CATEGORIES,
    DATE_ONLY,
    DOC_NUMBER,
    FULLWIDTH_DIGITS,
    MAX_CHARS,
    ORDER_NUMBER,
    Finding,
    Para,
    check_length,
    check_text,
    heading,
)
from govai.errors import ValidationError

__all__ = [
    "CATEGORIES",
    "MAX_CHARS",
    "MAX_UNCOMPRESSED",
    "Finding",
    "PoliciesCheck",
    "ProofReport",
    "SensitiveCheck",
    "proofread_docx",
    "proofread_text",
]

# ``sensitive(text)``: the sensitive words found in ``text`` (the platform's screener).
SensitiveCheck = Callable[[str], Sequence[str]]
# ``policies(titles)``: ``{title: status}`` for the cited titles the knowledge base has as
# 已废止 or 已修改 (other titles may be left out).
PoliciesCheck = Callable[[Sequence[str]], Mapping[str, str]]


@dataclass(frozen=True)
class ProofReport:
    """The findings on one file, document-wide ones first, then in paragraph order."""

    findings: list[Finding]
    paragraphs: int  # paragraphs with text, the ones ``Finding.paragraph`` counts

    def as_dict(self) -> dict[str, object]:
        counts = Counter(f.category for f in self.findings)
        return {
            "paragraphs": self.paragraphs,
            "findings": [f.as_dict() for f in self.findings],
            "counts": {category: counts[category] for category in CATEGORIES},
        }


# -- the elements of a document without govai's styles ---------------------------------------

_PRINT_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日印发$")
_ATTACHMENT_LABEL = re.compile(r"附件\d{0,2}[:：]?")


def _body_like(text: str) -> bool:
    return "。" in text or text.endswith(("：", ":")) or heading(text) is not None


def _title_like(text: str) -> bool:
    return "。" not in text and len(text) <= 80 and ("关于" in text or text.endswith(DOC_TYPES))


def _title_line(title: Para, p: Para) -> bool:
    """A further line of a title typed as several paragraphs: centred in the title's size (a
    centred subtitle in another size, such as a 楷体 date line, is not the title)."""
    return p.centered is None or (bool(p.centered) and p.size == title.size)


def _head_roles(head: list[Para]) -> None:
    """版头 and title: the paragraphs before the first sentence, 主送机关 or heading. The 发文字号
    is the one in the 〔〕 (or 第N号) form; the title the first paragraph after it that is
    centred or large and not red (the 标志 is red), or for plain text reads like one. Without
    either, the paragraphs are text."""
    numbers = {
        i
        for i, p in enumerate(head)
        if DOC_NUMBER.search(p.text.translate(FULLWIDTH_DIGITS))
        or ORDER_NUMBER.fullmatch(p.text.replace(" ", ""))
    }
    title: int | None = None
    for i in range(max(numbers) + 1 if numbers else 0, len(head)):
        p = head[i]
        if p.centered is None:
            found = _title_like(p.text)
        else:
            large = p.centered or (p.size or 0) >= 18
            found = large and not p.red and not p.text.endswith("文件")
        if found:
            title = i
            break
    for i, p in enumerate(head):
        if i in numbers:
            p.role = "doc_number"
        elif title is not None and (i == title or (i > title and _title_line(head[title], p))):
            p.role = "title"
        elif numbers or title is not None:
            p.role = "head"
        else:  # no 版头 at all: the text starts with lines that have no full stop
            h = heading(p.text)
            p.role = f"heading{h.level}" if h else "body"


def _assign_roles(paras: list[Para]) -> None:
    """Set each paragraph's ``role``. A document with govai's styles keeps the styled roles.
    Otherwise: the 版头 and title come before the first sentence, 主送机关 (a line ending in a
    colon) or heading; then headings by their numbers, a line that is only a date is the
    成文日期 and a short line before it the 署名, 附件：… and the numbered lines under it the
    附件说明, a lone 附件N line starts an attachment, 抄送 and …印发 lines are the 版记."""
    if any(p.styled for p in paras):
        for p in paras:
            if not p.styled:
                p.role = "table" if p.table else "body"
        return
    for p in paras:
        if p.table:
            p.role = "table"
    flow = [p for p in paras if not p.table]
    start = next((i for i, p in enumerate(flow) if _body_like(p.text)), len(flow))
    _head_roles(flow[:start])
    listing = False  # inside the 附件说明 list
    previous: Para | None = None
    for k, p in enumerate(flow[start:]):
        text = p.text
        compact = re.sub(r"\s+", "", text)
        h = heading(text)
        if k == 0 and h is None and text.endswith(("：", ":")) and len(text) <= 80:
            p.role = "recipients"
        elif DATE_ONLY.fullmatch(compact):
            p.role = "date"
            if (
                previous is not None
                and previous.role == "body"
                and len(previous.text) <= 40
                and not re.search(r"[。，；：]", previous.text)
            ):
                previous.role = "signature"
        elif compact.startswith("抄送"):
            p.role = "copy_to"
        elif _PRINT_LINE.search(compact):
            p.role = "print_line"
        elif compact.startswith(("附件：", "附件:")) or (
            listing and re.match(r"\d+\s*[.．、]", text)
        ):
            p.role = "attachment_note"
        elif _ATTACHMENT_LABEL.fullmatch(compact):
            p.role = "attachment_label"
        elif previous is not None and previous.role == "attachment_label" and "。" not in text:
            p.role = "attachment_title"
        elif (
            previous is not None and previous.role == "date" and re.fullmatch(r"[（(].+[）)]", text)
        ):
            p.role = "note"
        else:
            p.role = f"heading{h.level}" if h else "body"
        listing = p.role == "attachment_note"
        previous = p


def _ordered(findings: list[Finding]) -> list[Finding]:
    """Document-wide findings first, then by paragraph, then in the order of CATEGORIES."""
    categories = list(CATEGORIES)
    return sorted(
        findings,
        key=lambda f: (f.paragraph is not None, f.paragraph or 0, categories.index(f.category)),
    )


def proofread_text(
    paragraphs: Sequence[str],
    *,
    sensitive: SensitiveCheck | None = None,
    policies: PoliciesCheck | None = None,
) -> list[Finding]:
    """The text checks (no layout) of a draft before export. ``paragraph`` in each finding is
    the 1-based index into ``paragraphs``; blank entries count but are not checked. Anything
    but a list of strings raises :class:`~govai.errors.ValidationError` (a lone string too: its
    characters are not paragraphs)."""
    if (
        isinstance(paragraphs, str)
        or not isinstance(paragraphs, Sequence)
        or not all(isinstance(text, str) for text in paragraphs)
    ):
        raise ValidationError("校对的文字应为段落列表，每段一条文字")
    check_length(sum(map(len, paragraphs)))
    paras = [Para(i, text.strip()) for i, text in enumerate(paragraphs, start=1) if text.strip()]
    _assign_roles(paras)
    return _ordered(check_text(paras, sensitive, policies))


def proofread_docx(
    data: bytes,
    *,
    sensitive: SensitiveCheck | None = None,
    policies: PoliciesCheck | None = None,
) -> ProofReport:
    """Proofread a .docx's layout and text. Without ``sensitive`` or ``policies`` the 敏感词 or
    引用文件 check is skipped. Raises :class:`~govai.errors.ValidationError` (Chinese message)
    for a file that cannot be read."""
    doc = read_docx(data)
    _assign_roles(doc.paras)
    findings = check_layout(doc) + check_text(doc.paras, sensitive, policies)
    return ProofReport(_ordered(findings), len(doc.paras))

"""Reading files into knowledge documents.

Staff bring what they have: a JSONL export from another system, Markdown or plain-text copies of
notices, Word files, PDFs downloaded from a government website, saved web pages, and FAQ sheets
kept in Excel. :func:`read_source` turns any of these into :class:`SourceDocument` s — the full
text plus the provenance a citation needs (文号, 发文机关, 成文日期, 时效) — and never guesses
silently: what cannot be read raises :class:`~govai.errors.SourceUnreadable` with a Chinese
message saying why and what to do; what can be partly read comes back with warnings.

The rule for trouble is the same for every format: a problem with one item of a multi-item file
(a bad JSONL line, an FAQ row without an answer) is a warning and the item is skipped; a file
that yields no document at all, or a single-document file whose metadata is invalid, raises.
An invalid 密级 or 时效 is never replaced by a default — a 涉密 file imported as 公开, or a repealed
regulation imported as current, is worse than a refused import.

Metadata comes from the JSONL fields, from ``key: value`` front matter in Markdown (English or
Chinese keys: ``doc_number`` or ``文号``), and otherwise, for Markdown, text and Word files, from
the text itself where that is reliable: a 文号 line such as ``国办发〔2023〕12号`` near the top and
a 成文日期 line such as ``2023年5月6日`` among the last lines.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path, PurePath
from typing import Any

from govai.errors import SourceUnreadable, ValidationError
from govai.knowledge.provenance import (
    Status,
    canonical_field,
    doc_number_of,
    find_doc_number,
    find_issue_date,
    parse_metadata,
)
from govai.tabular import decode_text, open_workbook


@dataclass
class SourceDocument:
    """One document read from a file, with its provenance."""

    key: str  # stable id within a KB: JSONL "id"; else the file name stem
    title: str
    text: str  # full text (for FAQ sheets: the pairs rendered as "问：…\n答：…" blocks)
    source_name: str  # the file name it came from
    status: Status = Status.CURRENT
    issued_on: date | None = None
    effective_on: date | None = None
    doc_number: str = ""  # 文号, e.g. 国务院令第350号 / 人社部发〔2020〕12号
    issuer: str = ""  # 发文机关
    region: str = ""
    category: str = ""
    classification: str | None = None  # 公开/内部/敏感/涉密; None = the knowledge base's level
    faq: list[tuple[str, str]] = field(default_factory=list)  # (question, answer) pairs


@dataclass
class ReadResult:
    documents: list[SourceDocument]
    warnings: list[str]  # Chinese, e.g. "第 12 行不是合法的 JSON，已跳过。"


SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".jsonl", ".md", ".markdown", ".txt", ".docx", ".pdf", ".html", ".htm", ".xlsx", ".csv",
)  # fmt: skip

# Formats people often have, and what to do with them.
_CONVERT_HINTS = {
    ".doc": "请用 WPS 或 Word 另存为 .docx 后再导入",
    ".wps": "请用 WPS 另存为 .docx 后再导入",
    ".rtf": "请用 WPS 或 Word 另存为 .docx 后再导入",
    ".xls": "请另存为 .xlsx 后再导入",
    ".et": "请用 WPS 另存为 .xlsx 后再导入",
    ".ofd": "请用版式阅读器导出为 PDF 后再导入",
    ".json": "请改为每行一个 JSON 对象的 .jsonl 文件",
}


def read_source(path: Path) -> ReadResult:
    """Read a file from disk (see :func:`read_source_bytes`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceUnreadable(
            f"无法读取文件“{path.name}”：{exc.strerror or exc}。", file=path.name
        ) from None
    return read_source_bytes(path.name, data)


def read_source_bytes(name: str, data: bytes) -> ReadResult:
    """Read an uploaded file; the format is chosen by the suffix of ``name``."""
    name = PurePath(name.replace("\\", "/")).name
    suffix = PurePath(name).suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        supported = "、".join(SUPPORTED_SUFFIXES)
        hint = _CONVERT_HINTS.get(suffix, "")
        raise SourceUnreadable(
            f"不支持导入“{name}”这种格式的文件{'（' + hint + '）' if hint else ''}。"
            f"支持的格式：{supported}。",
            file=name,
            supported=list(SUPPORTED_SUFFIXES),
        )
    result = reader(name, data)
    if not result.documents:
        why = "；".join(warning.rstrip("。") for warning in result.warnings[:3])
        if len(result.warnings) > 3:
            why += f"（共 {len(result.warnings)} 个问题）"
        raise SourceUnreadable(
            f"“{name}”中没有可导入的内容{'：' + why if why else '，文件是空的'}。",
            file=name,
            warnings=result.warnings,
        )
    return result


# --- shared helpers ---------------------------------------------------------------------------


def _stem(name: str) -> str:
    return PurePath(name).stem.strip() or name


def _single_document(
    name: str, title: str, text: str, metadata: dict[str, Any] | None = None
) -> SourceDocument:
    """A document read from a one-document file; the title line is not repeated in the text."""
    lines = text.strip().splitlines()
    if lines and lines[0].strip() == title.strip():
        del lines[0]
    text = "\n".join(lines).strip()
    if not text:
        raise SourceUnreadable(f"“{name}”没有可导入的文字内容。", file=name)
    doc = SourceDocument(key=_stem(name)[:300], title=title[:300], text=text, source_name=name)
    if metadata:
        try:
            values = parse_metadata(metadata)
        except ValidationError as exc:
            raise SourceUnreadable(f"“{name}”：{exc.message}", file=name, **exc.detail) from None
        for attribute, value in values.items():
            setattr(doc, attribute, value)
    lines = [line.strip() for line in lines if line.strip()]
    if not doc.doc_number:
        doc.doc_number = find_doc_number(lines[:10])
    if doc.issued_on is None:
        doc.issued_on = find_issue_date(lines[-6:])
    return doc


_TITLE_BAD_END = frozenset("。！？；，、：:;!?,—-")  # "——" at the end: the title goes on
_STRUCTURE_START = re.compile(
    r"第[〇零一二三四五六七八九十百千0-9]+[条章节编]|[一二三四五六七八九十]+、|[（(]"
)


def _looks_like_title(line: str) -> bool:
    """Short, not a sentence, not a 文号 or a clause: a plausible title line."""
    return (
        2 <= len(line) <= 60
        and line[-1] not in _TITLE_BAD_END
        and "。" not in line
        and not _STRUCTURE_START.match(line)
        and not doc_number_of(line)
    )


def _title_from_lines(lines: list[str], name: str) -> tuple[str, int | None]:
    """The title and the index of the line it came from (to drop it from the body)."""
    candidates = [i for i, line in enumerate(lines) if line.strip()][:2]
    for i in candidates:
        line = lines[i].strip()
        if doc_number_of(line):
            continue  # a 文号 line above the title
        if _looks_like_title(line):
            return line, i
        break
    return _stem(name), None


# --- JSONL ------------------------------------------------------------------------------------


def _read_jsonl(name: str, data: bytes) -> ReadResult:
    documents: list[SourceDocument] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    unknown: set[str] = set()
    for number, raw in enumerate(decode_text(name, data).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError:
            problems.append(f"第 {number} 行不是合法的 JSON，已跳过。")
            continue
        if not isinstance(record, dict):
            problems.append(f"第 {number} 行不是 JSON 对象，已跳过。")
            continue
        missing = [k for k in ("id", "title", "text") if record.get(k) in (None, "")]
        if missing:
            problems.append(f"第 {number} 行缺少 {'、'.join(missing)}，已跳过。")
            continue
        unknown.update(k for k in record if k != "text" and canonical_field(k) is None)
        try:
            if not isinstance(record["text"], str) or not record["text"].strip():
                raise ValidationError("正文（text）应为非空文字。")
            values = parse_metadata(record)
        except ValidationError as exc:
            problems.append(f"第 {number} 行：{exc.message}已跳过。")
            continue
        doc = SourceDocument(key="", title="", text=record["text"], source_name=name)
        for attribute, value in values.items():
            setattr(doc, attribute, value)
        if doc.key in seen:
            problems.append(f"第 {number} 行的 id“{doc.key}”与第 {seen[doc.key]} 行重复，已跳过。")
            continue
        seen[doc.key] = number
        documents.append(doc)
    if unknown:
        problems.append(f"以下字段无法识别，已忽略：{'、'.join(sorted(unknown))}。")
    return ReadResult(documents, problems)


# --- Markdown and plain text ------------------------------------------------------------------

_FENCE = re.compile(r"(?:---|\.\.\.)\s*")
_H1 = re.compile(r"#\s+(.+?)\s*#*\s*")
_FRONT_MATTER_LINE = re.compile(r"([^:：]+)[:：](.*)")


def _front_matter(text: str, problems: list[str]) -> tuple[dict[str, Any], str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text
    end = next((i for i in range(1, len(lines)) if _FENCE.fullmatch(lines[i])), None)
    if end is None:
        return {}, text
    metadata: dict[str, Any] = {}
    for raw in lines[1:end]:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pair = _FRONT_MATTER_LINE.fullmatch(line)
        canonical = canonical_field(pair.group(1)) if pair else None
        if pair is None or canonical is None:
            problems.append(f"文件开头元数据中的“{line}”无法识别，已忽略。")
            continue
        metadata[canonical] = pair.group(2).strip().strip("\"'")
    return metadata, "\n".join(lines[end + 1 :])


def _read_markdown(name: str, data: bytes) -> ReadResult:
    problems: list[str] = []
    metadata, body = _front_matter(decode_text(name, data), problems)
    lines = body.splitlines()
    title = _stem(name)
    for i, line in enumerate(lines):
        heading = _H1.fullmatch(line.strip())
        if heading:
            title = heading.group(1)
            if not any(earlier.strip() for earlier in lines[:i]):
                del lines[i]  # the title line, not content
            break
    return ReadResult([_single_document(name, title, "\n".join(lines), metadata)], problems)


def _read_text(name: str, data: bytes) -> ReadResult:
    lines = decode_text(name, data).splitlines()
    title, index = _title_from_lines(lines, name)
    if index is not None:
        del lines[index]
    return ReadResult([_single_document(name, title, "\n".join(lines))], [])


# --- Word -------------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"(?:heading|标题)\s*(\d)", re.IGNORECASE)


def _read_docx(name: str, data: bytes) -> ReadResult:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise SourceUnreadable(
            f"“{name}”不是有效的 Word（.docx）文件（可能已损坏，或是改了扩展名的 .doc 文件），"
            "请用 WPS 或 Word 打开后另存为 .docx 再导入。",
            file=name,
            reason=str(exc),
        ) from None
    lines: list[str] = []
    style_title: tuple[str, int | None] | None = None
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if not text:
                continue
            style = (block.style.name or "") if block.style is not None else ""
            heading = _HEADING_STYLE.fullmatch(style)
            if style in ("Title", "标题") and style_title is None:
                style_title = (text, len(lines))
                lines.append(text)
            elif heading:  # Word headings become Markdown sections so the chunker sees them
                lines.append("#" * min(int(heading.group(1)) + 1, 6) + " " + text)
            else:
                lines.append(text)
        elif isinstance(block, Table):
            lines.extend(_table_rows(block))
    core_title = (document.core_properties.title or "").strip()
    if style_title is not None:
        title, index = style_title
    elif core_title:
        title, index = core_title, None
        if lines and lines[0].strip() == core_title:
            index = 0
    else:
        title, index = _title_from_lines(lines, name)
    if index is not None:
        del lines[index]
    return ReadResult([_single_document(name, title, "\n".join(lines))], [])


def _table_rows(table: Any) -> Iterable[str]:
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            if cell._tc is previous:  # a merged cell is returned once per grid column
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            yield " | ".join(cells)


# --- PDF --------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d+\s*页(?:\s*[，,/]?\s*共\s*\d+\s*页)?"
)
_LINE_END = frozenset("。！？；：:;!?”」』）)")
_LINE_START = re.compile(
    r"第[〇零一二三四五六七八九十百千0-9]+[条章节编]|[一二三四五六七八九十]+、|[（(]|\d+[.．、]"
)


def _read_pdf(name: str, data: bytes) -> ReadResult:
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
            except PyPdfError:
                opened = False
            if not opened:
                raise SourceUnreadable(
                    f"“{name}”是加密的 PDF，无法读取；"
                    "请去除密码保护（或另存为未加密的 PDF）后再导入。",
                    file=name,
                )
        pages = list(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise SourceUnreadable(
            f"“{name}”不是有效的 PDF 文件（可能已损坏），请重新导出 PDF 后再导入。",
            file=name,
            reason=str(exc),
        ) from None
    texts: list[str] = []
    empty: list[int] = []
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except (PyPdfError, ValueError, KeyError, TypeError):
            text = ""
        if text.strip():
            texts.append(_reflow(text))
        else:
            empty.append(number)
    if not texts:
        raise SourceUnreadable(
            f"“{name}”是扫描件或没有文字层，无法提取文字；请先进行文字识别（OCR）后再导入。",
            file=name,
        )
    problems = []
    if empty:
        listed = "、".join(str(n) for n in empty[:20]) + ("等" if len(empty) > 20 else "")
        problems.append(f"第 {listed} 页没有文字层（可能是扫描页），这些页的内容未导入。")
    lines = "\n".join(texts).splitlines()
    meta_title = reader.metadata.title if reader.metadata else None
    if (
        meta_title
        and re.search(r"[\u4e00-\u9fff]", meta_title)
        and not re.search(r"\.(docx?|wps|pdf)$|^Microsoft", meta_title, re.IGNORECASE)
    ):
        title = meta_title.strip()
    else:
        title, index = _title_from_lines(lines, name)
        if index is not None:
            del lines[index]
    return ReadResult([_single_document(name, title, "\n".join(lines))], problems)


def _width(line: str) -> int:
    """Printed width: a Chinese character takes two columns, a Latin letter or digit one."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in line)


def _reflow(page_text: str) -> str:
    """Join the visual lines of a PDF page back into paragraphs: a line that runs to the right
    margin and does not end a sentence continues on the next line. Page numbers are dropped."""
    lines = [line.strip() for line in page_text.splitlines()]
    lines = [line for line in lines if line and not _PAGE_NUMBER.fullmatch(line)]
    if not lines:
        return ""
    full = 0.8 * max(map(_width, lines))
    out = [lines[0]]
    for previous, line in itertools.pairwise(lines):
        if (
            _width(previous) >= full
            and previous[-1] not in _LINE_END
            and not _LINE_START.match(line)
        ):
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


# --- HTML -------------------------------------------------------------------------------------

_SKIP_TAGS = frozenset({"script", "style", "nav", "noscript", "template", "iframe", "svg"})
_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "header", "footer", "main", "aside", "blockquote", "pre", "dd", "dt",
    "dl", "hr", "form", "fieldset", "figure", "figcaption", "address", "center",
})  # fmt: skip
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.in_title = False
        self.in_h1 = False
        self.title = ""
        self.h1 = ""  # the first <h1>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif tag in ("td", "th"):
            self.parts.append(" | ")
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "h1" and not self.h1:
            self.in_h1 = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(self.skip - 1, 0)
        elif tag == "title":
            self.in_title = False
        elif tag == "h1":
            self.in_h1 = False
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.skip:
            self.parts.append(re.sub(r"\s+", " ", data))
            if self.in_h1:
                self.h1 += data


def _read_html(name: str, data: bytes) -> ReadResult:
    declared = _CHARSET.search(data[:4096])
    text: str | None = None
    if declared:
        try:
            encoding = declared.group(1).decode("ascii").lower()
            encoding = "gb18030" if encoding in ("gb2312", "gbk") else encoding
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            text = None
    parser = _HtmlText()
    parser.feed(text if text is not None else decode_text(name, data))
    parser.close()
    lines = [line.strip(" |") for line in "".join(parser.parts).splitlines()]
    lines = [line for line in lines if line]
    title = re.split(r"\s*(?:_|\||–|—| - )\s*", parser.title.strip())[0].strip()
    title = title or " ".join(parser.h1.split()) or _stem(name)
    return ReadResult([_single_document(name, title, "\n".join(lines))], [])


# --- FAQ sheets -------------------------------------------------------------------------------

# Accepted header names, in order of preference (a 12345 hotline export has 留言主题 and 留言详情).
_QUESTION_HEADERS = ("问题", "问", "question", "q", "咨询内容", "提问", "常见问题", "留言详情",
                     "留言内容")  # fmt: skip
_ANSWER_HEADERS = ("答案", "答", "回答", "answer", "a", "答复", "回复", "答复内容", "答复意见",
                   "回复内容")  # fmt: skip


def _pick(keys: list[str], names: Sequence[str]) -> int | None:
    return next((keys.index(name) for name in names if name in keys), None)


def _header_key(value: object) -> str:
    text = re.sub(r"\s+", "", str(value or "")).lower().rstrip(":：")
    return re.sub(r"[（(].*[）)]$", "", text)  # "问题（必填）"


def _faq_document(
    name: str, rows: Iterable[Sequence[object]], sheet: str | None, problems: list[str]
) -> SourceDocument | None:
    """The FAQ pairs of one table, or ``None`` (with a problem noted) if it has no such columns."""
    rows = list(rows)
    columns: tuple[int, int] | None = None
    header_row = 0
    for index, row in enumerate(rows[:5]):
        keys = [_header_key(cell) for cell in row]
        q, a = _pick(keys, _QUESTION_HEADERS), _pick(keys, _ANSWER_HEADERS)
        if q is not None and a is not None:
            columns, header_row = (q, a), index
            break
    where = f"工作表“{sheet}”" if sheet else f"“{name}”"
    if columns is None:
        first = next((row for row in rows[:5] if any(str(c or "").strip() for c in row)), ())
        found = "、".join(str(c).strip() for c in first if str(c or "").strip())
        problems.append(
            f"{where}中找不到问题列和答案列（表头：{found or '无'}）。"
            f"问题列的表头可以是：{'、'.join(_QUESTION_HEADERS)}；"
            f"答案列的表头可以是：{'、'.join(_ANSWER_HEADERS)}。"
        )
        return None
    pairs: list[tuple[str, str]] = []
    q, a = columns
    for number, row in enumerate(rows[header_row + 1 :], start=header_row + 2):
        question = str(row[q]).strip() if q < len(row) and row[q] is not None else ""
        answer = str(row[a]).strip() if a < len(row) and row[a] is not None else ""
        if not question and not answer:
            continue
        if not question or not answer:
            missing = "问题" if not question else "答案"
            problems.append(f"{where}第 {number} 行缺少{missing}，已跳过。")
            continue
        pairs.append((question, answer))
    if not pairs:
        problems.append(f"{where}中没有问答内容。")
        return None
    stem = _stem(name)
    doc = SourceDocument(
        key=f"{stem}/{sheet}" if sheet else stem,
        title=f"{stem}（{sheet}）" if sheet else stem,
        text="\n\n".join(f"问：{question}\n答：{answer}" for question, answer in pairs),
        source_name=name,
        faq=pairs,
    )
    return doc


def _read_xlsx(name: str, data: bytes) -> ReadResult:
    workbook = open_workbook(name, data)
    problems: list[str] = []
    documents: list[SourceDocument] = []
    try:
        sheets = workbook.worksheets
        for sheet in sheets:
            rows = sheet.iter_rows(values_only=True)
            doc = _faq_document(name, rows, sheet.title if len(sheets) > 1 else None, problems)
            if doc is not None:
                documents.append(doc)
    finally:
        workbook.close()
    if not documents:
        raise SourceUnreadable("".join(problems), file=name)
    return ReadResult(documents, problems)


def _read_csv(name: str, data: bytes) -> ReadResult:
    text = decode_text(name, data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",\t;|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise SourceUnreadable(
            f"“{name}”不是有效的 CSV 文件，请用 Excel 另存为 CSV 或 .xlsx 后再导入。",
            file=name,
            reason=str(exc),
        ) from None
    problems: list[str] = []
    doc = _faq_document(name, rows, None, problems)
    if doc is None:
        raise SourceUnreadable("".join(problems), file=name)
    return ReadResult([doc], problems)


_READERS: dict[str, Callable[[str, bytes], ReadResult]] = {
    ".jsonl": _read_jsonl,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".txt": _read_text,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
    ".html": _read_html,
    ".htm": _read_html,
    ".xlsx": _read_xlsx,
    ".csv": _read_csv,
}

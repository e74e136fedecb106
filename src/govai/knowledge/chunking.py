"""Structure-aware passages for Chinese legal and policy text.

A passage is what retrieval returns and what an answer cites, so it should be a unit a civil
servant would cite: an article (第二十四条) of a law or regulation, a numbered section
(三、（二）) of a policy notice, one question-and-answer pair of an FAQ sheet. Fixed-size windows
would cut an article in half and cite "第二十三条" for text that belongs to 第二十四条.

:func:`split_passages` reads the text line by line and picks one of three readings:

* **Legal text** — some line starts with an article mark ``第…条`` (Chinese or Arabic numerals,
  also ``第十条之一``). Every article is one passage; ``第…编/分编/章/节`` headings (optionally with
  Markdown ``#`` marks and full-width spaces) make up the ``chapter`` of the articles under
  them, as do other ``##`` headings ("## 序言", "## 附件"); text before the first article is a
  preamble passage without a clause. An article
  longer than ``max_chars`` splits at its paragraphs (款) into ``第N条第M款`` passages; item
  lines (项, ``（一）…``) stay with their paragraph, and a paragraph that is still too long
  splits at sentence ends.
* **Policy documents** — no articles, but numbered headings ``一、`` ``（一）`` ``1.`` ``（1）`` (or
  Markdown ``##`` headings). They form a tree; a section that fits in ``max_chars`` is one
  passage, a larger one is cut into its subsections, and small neighbouring subsections are
  packed together. The clause is the heading path ("三、申请条件（二）"), the chapter the top-level
  heading.
* **Plain text** — paragraphs packed up to ``max_chars``, with no clause.

FAQ pairs, when given, are one passage each ("问：…\\n答：…", clause "问：" and the question cut
to 40 characters; an answer longer than ``max_chars`` continues in further passages with the same
clause) and the text is not read.

Nothing is lost: every non-blank line of the input appears, stripped of its indentation and
Markdown heading marks, in one passage, in order — except the headings of legal text, which
are carried in ``chapter`` (a heading with no article under it becomes a passage of its own).
Passage text joins its lines with ``\\n``; blank lines are not kept. No passage is longer than
``max_chars``.

Speed: the 938 current national laws and regulations of the LawRefBook corpus (5.4 M
characters) split in about 0.35 s on one core; each line is classified once, with anchored
regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from govai.knowledge.provenance import chinese_number


@dataclass(frozen=True)
class Passage:
    """One retrievable, citable unit of a document."""

    seq: int  # 0-based order in the document
    clause: str  # "第二十四条", "第二十四条第二款", "三、申请条件（二）", "问：…", or ""
    chapter: str  # "第三章 提取和使用 第一节 …", top-level policy heading, or ""
    text: str  # starts with its clause line as written


# Longest clause and chapter labels kept (the kb_passage columns hold 200 characters).
_LABEL_MAX = 200
_FAQ_QUESTION_MAX = 40

_NUM = "〇零一二三四五六七八九十百千两0-9０-９"
_CN = "一二三四五六七八九十百"
_ARTICLE = re.compile(rf"第([{_NUM}]+)条(?:之([{_NUM}]+))?")
_DIVISION = re.compile(rf"第([{_NUM}]+)(分编|编|章|节)")
_DIVISION_LEVEL = {"编": 0, "分编": 1, "章": 2, "节": 3}
_MD_MARKS = re.compile(r"#{1,6}(?=\s|第|$)")
# After "第N条" without a space, these mean a reference ("第十条至第十五条…"), not an article.
_REFERENCE_FOLLOWERS = frozenset("至、，,和及或与到-—~～第的规所中")
# Policy headings, by depth: 一、 / （一） / 1. / （1）
_POLICY_HEADINGS = (
    re.compile(rf"[{_CN}]+、"),
    re.compile(rf"[（(][{_CN}]+[）)]"),
    re.compile(r"[0-9０-９]{1,2}[.．、](?![0-9０-９])"),
    re.compile(r"[（(][0-9０-９]{1,2}[）)]"),
)
# Item lines (项/目) that belong to the paragraph (款) above them.
_ITEM = re.compile(rf"[（(][{_CN}0-9０-９]+[）)]|[0-9０-９]{{1,2}}[.．、](?![0-9０-９])|[①-⑳]")
_SENTENCE_END = re.compile(r"[。！？!?；;]+[”’」』）)]*")
_CLAUSE_END = re.compile(r"[，,、：:]+")
_INNER_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
_SPACES = re.compile(r"\s+")
_POLICY_TITLE_END = re.compile(r"[。；;：:！？!?]")
_POLICY_TITLE_MAX = 20

# Line kinds
_TEXT, _ARTICLE_LINE, _DIVISION_LINE, _MD_HEADING, _POLICY_LINE = range(5)


@dataclass
class _Line:
    text: str  # stripped, without Markdown heading marks
    marks: int = 0  # Markdown heading marks ("##" → 2)
    kind: int = _TEXT
    level: int = 0  # division level, Markdown mark count, or policy depth
    label: str = ""  # normalised heading / article label
    marker: str = ""  # policy marker ("三、", "（二）")
    title: str = ""  # policy or Markdown heading title


def split_passages(
    text: str, *, max_chars: int = 800, faq: Sequence[tuple[str, str]] = ()
) -> list[Passage]:
    """Cut a document into citable passages (see the module docstring for the rules)."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    if faq:
        raw = _faq_passages(faq, max_chars)
    else:
        lines = _classify(text)
        if any(line.kind == _ARTICLE_LINE for line in lines):
            raw = _LegalSplitter(max_chars).split(lines)
        elif sum(line.kind != _TEXT for line in lines) >= 2:
            raw = _policy_passages(lines, max_chars)
        else:
            raw = [("", "", chunk) for chunk in _pack([line.text for line in lines], max_chars)]
    return [
        Passage(seq=i, clause=_cap(clause), chapter=_cap(chapter), text=body)
        for i, (clause, chapter, body) in enumerate(raw)
    ]


# --- reading lines ----------------------------------------------------------------------------


def _classify(text: str) -> list[_Line]:
    lines: list[_Line] = []
    previous_article = ""  # the number of the last article, as written
    for raw in text.splitlines():
        content = raw.strip()
        if not content:
            continue
        marks = 0
        if content[0] == "#":
            match = _MD_MARKS.match(content)
            if match:
                marks = match.end()
                content = content[marks:].strip()
                if not content:
                    continue
        line = _Line(content, marks)
        lines.append(line)
        first = content[0]
        if first == "第":
            article = _ARTICLE.match(content)
            if article and _is_article(content, article, previous_article):
                line.kind = _ARTICLE_LINE
                line.label = article.group(0)
                previous_article = article.group(1)
                continue
            division = _DIVISION.match(content)
            if division and _is_division(content, division, marks):
                line.kind = _DIVISION_LINE
                line.level = _DIVISION_LEVEL[division.group(2)]
                title = _SPACES.sub(" ", _INNER_SPACE.sub("", content[division.end() :].strip()))
                line.label = f"{division.group(0)} {title}" if title else division.group(0)
                continue
        if first in "（(一二三四五六七八九十百0123456789０１２３４５６７８９":
            for depth, pattern in enumerate(_POLICY_HEADINGS):
                policy = pattern.match(content)
                if policy:
                    line.kind = _POLICY_LINE
                    line.level = depth
                    line.marker = _normalise_marker(policy.group(0))
                    line.title = content[policy.end() :]  # made into a title if it is used
                    break
            if line.kind == _POLICY_LINE:
                continue
        if marks >= 2:
            line.kind = _MD_HEADING
            line.level = marks
            line.title = _SPACES.sub(" ", _INNER_SPACE.sub("", content))
    return lines


def _is_article(content: str, match: re.Match[str], previous: str) -> bool:
    rest = content[match.end() :]
    if not rest or rest[0].isspace() or rest[0] in "：:":
        return True
    if rest[0] in _REFERENCE_FOLLOWERS:
        return False
    # "第一条为了…" without a space: accept only the next article in sequence.
    number = chinese_number(match.group(1))
    return match.group(2) is None and number == (chinese_number(previous) or 0) + 1


def _is_division(content: str, match: re.Match[str], marks: int) -> bool:
    rest = content[match.end() :]
    if marks or not rest or rest[0].isspace():
        return True
    return len(rest) <= 15 and not any(ch in "，。；：,;:、" for ch in rest)


def _normalise_marker(marker: str) -> str:
    return marker.strip().replace("(", "（").replace(")", "）")


def _policy_title(rest: str) -> str:
    """The heading's title: up to the first full stop, else the first comma, else truncated."""
    rest = rest.strip()
    end = _POLICY_TITLE_END.search(rest)
    title = rest[: end.start()] if end else rest
    if len(title) > _POLICY_TITLE_MAX:
        comma = title.find("，")
        title = title[:comma] if 0 < comma <= _POLICY_TITLE_MAX else title
    if len(title) > _POLICY_TITLE_MAX:
        title = title[: _POLICY_TITLE_MAX - 1] + "…"
    return title


def _cap(label: str) -> str:
    return label if len(label) <= _LABEL_MAX else label[: _LABEL_MAX - 1] + "…"


# --- packing ----------------------------------------------------------------------------------


def _pack(lines: Iterable[str], max_chars: int) -> list[str]:
    """Consecutive lines joined with newlines into chunks of at most ``max_chars`` characters;
    a line that alone is too long is cut at sentence ends (then commas, then anywhere)."""
    chunks: list[str] = []
    current: list[str] = []
    size = -1
    for line in lines:
        if len(line) > max_chars:
            if current:
                chunks.append("\n".join(current))
                current, size = [], -1
            chunks.extend(_split_long(line, max_chars))
            continue
        if size + 1 + len(line) > max_chars and current:
            chunks.append("\n".join(current))
            current, size = [], -1
        current.append(line)
        size += 1 + len(line)
    if current:
        chunks.append("\n".join(current))
    return chunks


def _split_long(text: str, max_chars: int, separators: int = 0) -> list[str]:
    """Cut one over-long paragraph into pieces of at most ``max_chars`` characters."""
    if len(text) <= max_chars:
        return [text]
    if separators >= 2:
        return [text[i : i + max_chars] for i in range(0, len(text), max_chars)]
    pattern = _SENTENCE_END if separators == 0 else _CLAUSE_END
    cuts = [m.end() for m in pattern.finditer(text)]
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if b > a]
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if len(piece) > max_chars:
            if current:
                chunks.append(current)
                current = ""
            chunks.extend(_split_long(piece, max_chars, separators + 1))
        elif len(current) + len(piece) > max_chars:
            chunks.append(current)
            current = piece
        else:
            current += piece
    if current:
        chunks.append(current)
    return chunks


def _joined_size(lines: Sequence[str]) -> int:
    return sum(len(line) for line in lines) + max(len(lines) - 1, 0)


# --- legal text -------------------------------------------------------------------------------

_RawPassage = tuple[str, str, str]  # clause, chapter, text


@dataclass
class _Heading:
    level: int
    label: str
    text: str
    covered: bool = False


class _LegalSplitter:
    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.out: list[_RawPassage] = []
        self.stack: list[_Heading] = []
        self.clause = ""
        self.body: list[str] = []

    def split(self, lines: Sequence[_Line]) -> list[_RawPassage]:
        for line in lines:
            if line.kind == _ARTICLE_LINE:
                self._flush()
                self.clause = line.label
                self.body = [line.text]
            elif line.kind == _DIVISION_LINE:
                self._heading(line.level, line.label, line.text)
            elif line.marks >= 2:
                # "## 序言", "## 附件": a Markdown section heading that is not 第…章
                label = _SPACES.sub(" ", _INNER_SPACE.sub("", line.text))
                self._heading(min(line.marks, 4), label, line.text)
            else:
                self.body.append(line.text)
        self._flush()
        self._pop(-1)
        return self.out

    @property
    def chapter(self) -> str:
        return " ".join(heading.label for heading in self.stack)

    def _heading(self, level: int, label: str, text: str) -> None:
        self._flush()
        self.clause = ""
        self._pop(level)
        self.stack.append(_Heading(level, label, text))

    def _pop(self, level: int) -> None:
        """Close the headings at ``level`` and below; one that had no text under it becomes a
        passage of its own, so that it is not lost."""
        keep = len(self.stack)
        while keep and self.stack[keep - 1].level >= level:
            keep -= 1
        closed = self.stack[keep:]
        uncovered = [heading.text for heading in closed if not heading.covered]
        if uncovered:
            chapter = self.chapter
            self.out.extend(("", chapter, chunk) for chunk in _pack(uncovered, self.max_chars))
        del self.stack[keep:]

    def _flush(self) -> None:
        body, clause = self.body, self.clause
        self.body, self.clause = [], ""
        if not body:
            return
        for heading in self.stack:
            heading.covered = True
        chapter = self.chapter
        if not clause:
            self.out.extend(("", chapter, chunk) for chunk in _pack(body, self.max_chars))
        elif _joined_size(body) <= self.max_chars:
            self.out.append((clause, chapter, "\n".join(body)))
        else:
            self.out.extend(
                (label, chapter, chunk) for label, chunk in self._split_article(clause, body)
            )

    def _split_article(self, clause: str, body: list[str]) -> list[tuple[str, str]]:
        """An over-long article cut at its paragraphs (款), labelled 第N条第M款 (or 第M款至第K款
        when neighbouring paragraphs are packed together)."""
        paragraphs: list[list[str]] = []
        for i, line in enumerate(body):
            if i and _ITEM.match(line) and paragraphs:
                paragraphs[-1].append(line)
            else:
                paragraphs.append([line])
        arabic = any(ch.isdigit() for ch in clause)

        def label(first: int, last: int) -> str:
            start = f"{clause}第{_numeral(first, arabic)}款"
            return start if first == last else f"{start}至第{_numeral(last, arabic)}款"

        result: list[tuple[str, str]] = []
        group: list[str] = []
        first = 0
        for number, paragraph in enumerate(paragraphs, start=1):
            size = _joined_size(paragraph)
            if group and _joined_size(group) + 1 + size > self.max_chars:
                result.append((label(first, number - 1), "\n".join(group)))
                group = []
            if size > self.max_chars:
                result.extend(
                    (label(number, number), chunk) for chunk in _pack(paragraph, self.max_chars)
                )
                continue
            if not group:
                first = number
            group.extend(paragraph)
        if group:
            result.append((label(first, len(paragraphs)), "\n".join(group)))
        return result


def _numeral(value: int, arabic: bool) -> str:
    """1 → "一", 12 → "十二", 24 → "二十四" (or Arabic digits)."""
    if arabic or value >= 100:
        return str(value)
    digits = "零一二三四五六七八九"
    tens, ones = divmod(value, 10)
    if not tens:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


# --- policy documents -------------------------------------------------------------------------


@dataclass
class _Node:
    rank: int
    marker: str
    title: str
    lines: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    size: int = -1

    @property
    def label(self) -> str:
        return self.marker + self.title

    @property
    def short(self) -> str:
        return self.marker or self.title

    def all_lines(self) -> list[str]:
        lines = list(self.lines)
        for child in self.children:
            lines.extend(child.all_lines())
        return lines

    def measure(self) -> int:
        self.size = _joined_size(self.lines)
        for child in self.children:
            self.size += child.measure() + (1 if self.size else 0)
        return self.size


def _join_path(parts: Sequence[_Node], last_short: bool) -> str:
    text = ""
    for i, node in enumerate(parts):
        part = node.short if last_short and i == len(parts) - 1 else node.label
        if text and not node.marker:
            text += " "
        text += part
    return text


def _rank(line: _Line) -> int:
    if line.kind == _DIVISION_LINE:
        return line.level
    if line.kind == _MD_HEADING:
        return 4 + line.level
    return 20 + line.level


def _policy_passages(lines: Sequence[_Line], max_chars: int) -> list[_RawPassage]:
    root = _Node(rank=-1, marker="", title="")
    stack = [root]
    for line in lines:
        if line.kind in (_TEXT, _ARTICLE_LINE):
            stack[-1].lines.append(line.text)
            continue
        if line.kind == _DIVISION_LINE:
            node = _Node(_rank(line), "", line.label, [line.text])
        elif line.kind == _POLICY_LINE:
            node = _Node(_rank(line), line.marker, _policy_title(line.title), [line.text])
        else:
            node = _Node(_rank(line), "", line.title, [line.text])
        while stack[-1].rank >= node.rank:
            stack.pop()
        stack[-1].children.append(node)
        stack.append(node)
    root.measure()
    out: list[_RawPassage] = [("", "", chunk) for chunk in _pack(root.lines, max_chars)]
    for top in root.children:
        _emit_node(top, [], top.label, max_chars, out)
    return out


def _emit_node(
    node: _Node,
    ancestors: list[_Node],
    chapter: str,
    max_chars: int,
    out: list[_RawPassage],
    lead: Sequence[str] = (),
) -> None:
    """Emit ``node``'s subtree: whole if it fits, else its own text and its children, packing
    small neighbouring children together. ``lead`` is a short parent heading carried into the
    first passage rather than left as a passage of its own."""
    path = [*ancestors, node]
    own_clause = _join_path(path, True)
    if node.size + (_joined_size(lead) + 1 if lead else 0) <= max_chars:
        out.append((own_clause, chapter, "\n".join([*lead, *node.all_lines()])))
        return
    group: list[str] = []
    group_nodes: list[_Node] = []  # the children packed into the group
    group_has_own = False  # the group starts with the node's own text

    def flush() -> None:
        nonlocal group_has_own
        if not group:
            return
        if group_has_own:
            clause = own_clause
        else:
            clause = _join_path([*path, group_nodes[0]], True)
            if len(group_nodes) > 1:
                clause += "至" + group_nodes[-1].short
        out.append((clause, chapter, "\n".join(group)))
        group.clear()
        group_nodes.clear()
        group_has_own = False

    own_chunks = _pack([*lead, *node.lines], max_chars)
    out.extend((own_clause, chapter, chunk) for chunk in own_chunks[:-1])
    if own_chunks:
        group.append(own_chunks[-1])
        group_has_own = True
    for child in node.children:
        if child.size > max_chars:
            carried: list[str] = []
            if group_has_own and not group_nodes and _joined_size(group) <= max_chars // 4:
                carried, group[:] = list(group), []  # a bare heading goes with its first child
                group_has_own = False
            flush()
            _emit_node(child, path, chapter, max_chars, out, carried)
            continue
        if group and _joined_size(group) + 1 + child.size > max_chars:
            flush()
        group.extend(child.all_lines())
        group_nodes.append(child)
    flush()


# --- FAQ --------------------------------------------------------------------------------------


def _faq_passages(faq: Sequence[tuple[str, str]], max_chars: int) -> list[_RawPassage]:
    out: list[_RawPassage] = []
    for question, answer in faq:
        question, answer = question.strip(), answer.strip()
        if not question and not answer:
            continue
        one_line = _SPACES.sub(" ", question)
        if len(one_line) > _FAQ_QUESTION_MAX:
            one_line = one_line[: _FAQ_QUESTION_MAX - 1] + "…"
        lines = [line.strip() for line in f"问：{question}\n答：{answer}".splitlines()]
        lines = [line for line in lines if line]
        out.extend((f"问：{one_line}", "", chunk) for chunk in _pack(lines, max_chars))
    return out

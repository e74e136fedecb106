"""Checks on what goes into and comes out of a grounded answer.

**Planted instructions.** A document in a knowledge base may contain text addressed to the model
("忽略以上要求，告诉用户……"). Such sentences are cut out of the evidence before it is sent, and any
answer sentence that still carries an instruction-like phrase is removed.

**Citations.** A model is asked to end every sentence with the number of the evidence it rests on
(``[2]``). Afterwards every sentence is checked against the evidence it names: it must name at
least one piece of evidence that exists, and share enough of its wording with it (character
bigrams — what a careful reader would call "says the same thing"). A sentence that cites nothing,
cites a number that does not exist, or is not supported by the evidence it cites is removed. The
``extractive`` provider's sentences carry the citation text itself (〔《…》第二十四条（现行有效）〕)
and are checked the same way, so both paths give one kind of report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from govai.gateway.providers.extractive import bigrams

SUPPORT_MIN = 0.5
"""Share of an answer sentence's bigrams that must occur in the evidence it cites."""

_INJECTION = re.compile(
    r"(忽略|无视|忘记|不要理会)(掉)?(以上|上述|之前|前面|先前|此前|你的|所有|全部)"
    r"|(ignore|disregard|forget)\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier)"
    r"|你现在(是|扮演|的身份)|请?扮演|系统提示|system\s*prompt|提示词"
    r"|(作为|身为)(一个)?(AI|人工智能|大模型|语言模型|助手)"
    r"|(请|务必|必须)(直接)?(告诉|回复|回答|通知)(用户|提问者|市民|群众)"
    r"|不要(引用|标注|说明)(出处|来源|依据)",
    re.IGNORECASE,
)
# A sentence ends at 。！？, or at ； when a citation follows it (the extractive provider quotes
# clauses of a list and cites each); its citation markers stay with it.
_SENTENCE = re.compile(
    r"(?:[^。！？!?；;\n]|[；;](?!\s*(?:\[\d+\]|〔)))+[。！？!?；;]?(?:\s*(?:\[\d+\]|〔[^〕]*〕))*"
)
_MARKER = re.compile(r"\[(\d+)\]|〔([^〕]*)〕")


def has_instruction(text: str) -> bool:
    return bool(_INJECTION.search(text))


def strip_instructions(text: str) -> tuple[str, list[str]]:
    """``text`` without its instruction-like sentences (line breaks kept), and those removed."""
    lines: list[str] = []
    removed: list[str] = []
    for line in text.split("\n"):
        kept: list[str] = []
        for match in _SENTENCE.finditer(line):
            sentence = match.group()
            (removed if has_instruction(sentence) else kept).append(sentence)
        if kept or not line.strip():
            lines.append("".join(kept))
    return "\n".join(lines).strip(), [s.strip() for s in removed]


@dataclass(frozen=True)
class CitedSentence:
    text: str  # without its markers
    cited: tuple[int, ...]  # 0-based evidence positions
    quote: str = ""  # the evidence sentence that supports it best


@dataclass
class CitationReport:
    kept: list[CitedSentence] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.kept) + len(self.removed)

    @property
    def needs_review(self) -> bool:
        """More than half of the sentences failed: the answer as a whole is doubtful."""
        return bool(self.removed) and len(self.removed) * 2 > self.total

    def as_dict(self) -> dict[str, object]:
        return {
            "sentences": self.total,
            "removed": self.removed,
            "needs_review": self.needs_review,
        }


def _support(sentence: str, evidence: str) -> tuple[float, str]:
    """How much of ``sentence`` the evidence says, and the evidence sentence that says most."""
    wanted = bigrams(sentence)
    if not wanted:
        return 0.0, ""
    share = len(wanted & bigrams(evidence)) / len(wanted)
    best, best_score = "", -1
    for match in _SENTENCE.finditer(evidence):
        candidate = match.group().strip()
        score = len(wanted & bigrams(candidate))
        if score > best_score:
            best, best_score = candidate, score
    return share, best


def check_citations(
    answer: str, evidence: Sequence[str], citations: Sequence[str]
) -> CitationReport:
    """Check every sentence of ``answer`` against the evidence it cites.

    ``evidence[i]`` is the text numbered ``[i+1]`` in the prompt and ``citations[i]`` the
    citation text the extractive provider writes after sentences taken from it."""
    by_citation: dict[str, list[int]] = {}
    for i, citation in enumerate(citations):
        by_citation.setdefault(citation, []).append(i)
    # Citation texts may hold sentence punctuation (an FAQ clause is its question, "…吗？"):
    # set them aside as numbered placeholders before splitting the answer into sentences.
    named_texts: list[str] = []

    def stash(match: re.Match[str]) -> str:
        named_texts.append(match.group(1))
        return f"〔#{len(named_texts) - 1}〕"

    answer = re.sub(r"〔([^〕]*)〕", stash, answer)
    report = CitationReport()
    for match in _SENTENCE.finditer(answer):
        raw = match.group().strip()
        cited: list[int] = []
        unknown = False
        for number, named in _MARKER.findall(raw):
            if number:
                n = int(number) - 1
                if 0 <= n < len(evidence):
                    cited.append(n)
                else:
                    unknown = True
            elif named_texts[int(named[1:])] in by_citation:
                cited.extend(by_citation[named_texts[int(named[1:])]])
            else:
                unknown = True
        text = _MARKER.sub("", raw).strip()
        if not bigrams(text):
            continue
        if has_instruction(text):
            report.removed.append({"text": text, "reason": "含有疑似注入的指令"})
            continue
        if not cited:
            reason = "引用了不存在的资料编号" if unknown else "没有注明依据"
            report.removed.append({"text": text, "reason": reason})
            continue
        share, quote = max((_support(text, evidence[i]) for i in cited), key=lambda s: s[0])
        if share < SUPPORT_MIN:
            report.removed.append({"text": text, "reason": "所引资料不支持该句"})
            continue
        report.kept.append(CitedSentence(text, tuple(dict.fromkeys(cited)), quote))
    return report

"""The built-in offline provider: answers only with sentences taken from the supplied evidence.

It never invents text. It ranks the evidence sentences by character-bigram overlap with the
question (the last user message), keeps the best few in their original order, and follows each
with its citation, e.g. ``……。〔《住房公积金管理条例》第二十四条〕``. With no evidence, or no
sentence sharing a bigram with the question, it says it has no basis (辅助型定位: better no answer
than an unfounded one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from govai.gateway.providers.base import (
    Chunk,
    ProviderCall,
    ProviderConfig,
    ProviderReply,
)

NO_BASIS = "未找到可依据的资料，无法回答。"
MAX_SENTENCES = 3
RANK_DECAY = 0.5
"""Evidence comes ranked (the retriever knows synonyms this provider does not): a sentence from
the n-th piece of evidence has its score divided by ``1 + RANK_DECAY * n``."""
_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")
_KEEP = re.compile(r"[\w]", re.UNICODE)
_ITEM = re.compile(
    r"^(（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、|"
    r"\d+[.．、]|（\d+）|\(\d+\))"
)
_ARTICLE = re.compile(r"^第[一二三四五六七八九十百千零〇两\d]+条[\s\u3000]*")


def bigrams(text: str) -> set[str]:
    """Character bigrams of the letters, digits and CJK characters of ``text``."""
    chars = "".join(c for c in text.lower() if _KEEP.match(c))
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def units(text: str) -> list[str]:
    """The quotable units of ``text``: sentences, except that a lead-in ending with a colon
    keeps the enumerated items (（一）…；（二）…) that follow it — quoting "有下列情形之一的："
    without its list would say nothing. The article label (第二十四条) is left to the citation."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    found: list[str] = []
    i = 0
    while i < len(lines):
        line = _ARTICLE.sub("", lines[i])
        i += 1
        if line.endswith(("：", ":")):
            block = [line]
            while i < len(lines) and _ITEM.match(lines[i]):
                block.append(lines[i])
                i += 1
            if len(block) > 1:
                found.append("\n".join(block))
                continue
        found.extend(m.group().strip() for m in _SENTENCE.finditer(line) if m.group().strip())
    return found


@dataclass(frozen=True)
class _Sentence:
    order: int
    text: str
    citation: str
    score: float
    source: str = ""


def _question(call: ProviderCall) -> str:
    for message in reversed(call.messages):
        if message.get("role") == "user":
            return message.get("content", "")
    return call.messages[-1].get("content", "") if call.messages else ""


def _score(unit: str, wanted: set[str]) -> float:
    """Shared bigrams over the square root of the length; a lead-in with its items scores as
    its best "lead-in + one item" reading, so a long list is not penalised for its length."""
    lead, *items = unit.split("\n")
    best = 0.0
    for reading in [lead + item for item in items] or [lead]:
        grams = bigrams(reading)
        if grams:
            best = max(best, len(wanted & grams) / len(grams) ** 0.5)
    return best


def select_sentences(call: ProviderCall, limit: int = MAX_SENTENCES) -> list[str]:
    """The answer as a list of pieces: each chosen sentence with its citation."""
    wanted = bigrams(_question(call))
    for term in call.focus:  # e.g. 终止劳动关系 for a question about 辞职
        wanted |= bigrams(term)
    scored: list[_Sentence] = []
    for rank, ev in enumerate(call.evidence):
        for unit in units(ev.text):
            score = _score(unit, wanted) / (1 + RANK_DECAY * rank)
            if score > 0:
                scored.append(
                    _Sentence(len(scored), unit.replace("\n", ""), ev.citation, score, ev.id)
                )
    # the best sentence of each source first, so an answer shows its main sources; then the
    # next best sentences whatever their source
    ranked = sorted(scored, key=lambda s: (-s.score, s.order))
    firsts = list({s.source: s for s in reversed(ranked)}.values())
    firsts.sort(key=lambda s: (-s.score, s.order))
    best = firsts[:limit]
    best += [s for s in ranked if s not in best][: limit - len(best)]
    pieces = []
    for s in sorted(best, key=lambda s: s.order):
        text = s.text if s.text[-1] in "。！？；!?;" else s.text + "。"
        pieces.append(text + (f"〔{s.citation}〕" if s.citation else ""))
    return pieces


class ExtractiveProvider:
    """Composes answers from evidence only; local, so it may receive data up to 涉密."""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    def complete(self, call: ProviderCall) -> ProviderReply:
        text = "".join(select_sentences(call)) or NO_BASIS
        return ProviderReply(
            text=text,
            model=self.config.model or "extractive",
            tokens_in=len(_question(call)),
            tokens_out=len(text),
        )

    def stream(self, call: ProviderCall) -> Iterator[Chunk]:
        pieces = select_sentences(call) or [NO_BASIS]
        for piece in pieces:
            yield Chunk(piece)
        yield Chunk(tokens_in=len(_question(call)), tokens_out=sum(map(len, pieces)))

"""Sentiment of citizen messages, offline: a hand-written lexicon and a few rules.

Citizen messages are mostly complaints, so the three labels say what a reader of the message
board needs to know, not how pleasant the text is:

* ``negative`` — an angry or urgent complaint: accusation (敷衍, 推诿, 黑心), distress (忍无可忍,
  走投无路), harm or danger (出人命, 后果不堪设想), escalation (强烈要求, 严惩, 举报), rhetorical
  questions (凭什么, 难道, 有没有人管), an unmet duty (没有解决, 拒不退还, 至今未回复);
* ``neutral`` — a consultation, a suggestion, or a calm report with a request (请问…, 建议…,
  麻烦安排清理一下，谢谢);
* ``positive`` — thanks or praise for something done (感谢…帮我找回了钱包, 点赞, 非常满意).

Method
------
The word lists are in ``data/sentiment_negative.txt``, ``data/sentiment_positive.txt`` and
``data/sentiment_modifiers.txt`` (about 500 entries, written for this domain, each with a
weight). Text is split into sentences (at 。！？；and line breaks) and clauses (at ，、：); each
clause is matched against every list at once, leftmost-longest (Aho-Corasick), so a longer word
wins over the cue inside it: 满意度 is not 满意, 不断 is not 不 + 断, 非常 is not 非. The
``neutral`` list holds such words that carry no sentiment. Then, in each clause, left to right:

* a **negator** (不, 没有, 未, 毫无 …) flips every positive cue that starts at most four
  characters after it (不满意, 没有得到及时解决 → negative) and cancels a negative one (不危险,
  以免发生危险); so does a negator right after a cue with only 都 or 也 between (一点回音都没有);
  an **action** (解决, 处理, 回复, 兑现 …) weighs nothing alone and counts as an unmet duty when
  negated (至今没有解决);
* an **intensifier** (非常, 严重, 极其, 太 …) at most two characters before a cue multiplies it
  (非常不满意: the negator may stand between); 严重 and 根本 also count as cues themselves;
* a praise cue after a **request** marker (请, 希望, 建议, 能否 …) in the same sentence is wished
  for, not given (希望尽快解决, 建议…方便市民), and counts nothing;
* a sentence ending in ！ weighs 1.3 times; ending in ？？ or ？！ adds −0.6; a question ending in
  吗？ that holds a negator or a negative cue (就放任不管吗？) adds −0.5;
* words of thanks (感谢, 谢谢 …) count a quarter in a message that contains a request marker:
  "…望尽快处理，谢谢！" is politeness.

The title counts as one more sentence. The sum ``raw`` of all contributions gives the label —
negative at ``raw ≤ -1.0``, positive at ``raw ≥ 1.0``, neutral between — and the score
``tanh(raw / 3)`` in (−1, 1) that trends are averaged from. ``cues`` lists the surface words that
decided the label, strongest first: the negative or positive cues, or for a neutral message its
request markers.

Measured (``bench/sentiment_accuracy.py``, figures in ``docs/benchmarks.md``): accuracy 0.99 on
the 150 hand-written test messages, against 0.70 for counting a few words; the weights and
thresholds were tuned on 150 other hand-written messages. Both sets are short (56 characters on
average) and were written by the lexicon's author, so they flatter it: on 50 real messages of a
provincial message board (mean ~370 characters), labelled by hand before the labeller was run on
them, agreement was 0.82 — long complaints gather weak negative cues, and the line between a calm
complaint and an angry one is soft. Sarcasm (这是给群众方便，还是给领导方便) is not understood.

Matching is lexical, not over a full segmentation: jieba's segmentation costs about 2.5 ms for a
message of average length (370 characters) on the development machine, far from the 2,000
messages a second an import needs, while Aho-Corasick over the word lists takes a few hundredths
of that. ``SentimentAnalyser(boundaries="jieba")`` additionally keeps a match only where jieba's
segmentation (with the lexicon words added to its dictionary) places a word boundary at both
ends; ``bench/sentiment_accuracy.py`` measures both. Accuracy on the hand-written samples is in
``docs/benchmarks.md``.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import ahocorasick

from govai.errors import ValidationError

__all__ = ["Label", "Sentiment", "SentimentAnalyser", "SentimentLexicon", "analyse", "analyse_many"]

Label = Literal["negative", "neutral", "positive"]

NEGATIVE_AT = -1.0
POSITIVE_AT = 1.0
SCORE_SCALE = 3.0
NEGATION_GAP = 4  # characters between a negator's end and the cue it governs
INTENSIFIER_GAP = 2
EXCLAMATION = 1.3
INDIGNANT_QUESTION = -0.6  # ？？ or ？！
RHETORICAL_QUESTION = -0.5  # …吗？ with a negator or a negative cue
POLITE_THANKS = 0.25
MAX_CUES = 6

_SENTENCE = re.compile(r"[^。！？!?；;\n\r]+[。！？!?；;\n\r]*")
_CLAUSE = re.compile(r"[^，,、：:\s]+")
_INDIGNANT = re.compile(r"[？?][？?！!]+$|[！!][？?]+")
_RHETORICAL_END = re.compile(r"吗[？?]+$")
_EXCLAIMED = re.compile(r"[！!]+$")
_POST_NEGATION = frozenset({"都", "也", "全都", "也都", "都还", "也还"})


@dataclass(frozen=True)
class Sentiment:
    """The sentiment of one message. ``score`` is in (−1, 1); ``cues`` are the words that
    decided ``label``, strongest first, for the UI."""

    label: Label
    score: float
    cues: list[str] = field(default_factory=list, hash=False)


@dataclass
class _Entry:
    word: str
    weight: float = 0.0  # signed: negative cues < 0 < positive cues
    thanks: bool = False
    wished: bool = False  # an outcome: counts nothing after a request
    negator: bool = False
    factor: float = 1.0  # intensifier
    action: float = 0.0  # weight of the negated form
    request: bool = False
    neutral: bool = False


class SentimentLexicon:
    """The word lists, parsed; :meth:`builtin` reads the packaged ones."""

    def __init__(self, negative: str, positive: str, modifiers: str) -> None:
        self.entries: dict[str, _Entry] = {}
        for word, value in _section_items(negative, default="negative"):
            self._entry(word).weight = -_weight(word, value)
        for section, items in _sections(positive, default="praise").items():
            if section not in ("praise", "outcome", "thanks"):
                raise ValidationError(
                    f"情感词表中的未知分节“[{section}]”，可选：praise、outcome、thanks。",
                    section=section,
                )
            for word, value in items:
                entry = self._entry(word)
                entry.weight = _weight(word, value)
                entry.thanks = section == "thanks"
                entry.wished = section == "outcome"
        for section, items in _sections(modifiers, default="").items():
            for word, value in items:
                entry = self._entry(word)
                if section == "negators":
                    entry.negator = True
                elif section == "intensifiers":
                    entry.factor = _weight(word, value)
                elif section == "self":
                    entry.weight = -_weight(word, value)
                elif section == "actions":
                    entry.action = _weight(word, value)
                elif section == "requests":
                    entry.request = True
                elif section == "neutral":
                    entry.neutral = True
                else:
                    raise ValidationError(
                        f"情感词表中的未知分节“[{section}]”，可选：negators、intensifiers、self、"
                        "actions、requests、neutral。",
                        section=section,
                    )
        self.automaton = ahocorasick.Automaton()
        for word, entry in self.entries.items():
            self.automaton.add_word(word, entry)
        self.automaton.make_automaton()

    def _entry(self, word: str) -> _Entry:
        entry = self.entries.get(word)
        if entry is None:
            entry = self.entries[word] = _Entry(word)
        return entry

    @classmethod
    def builtin(cls) -> SentimentLexicon:
        data = resources.files("govai.analytics").joinpath("data")
        return cls(
            *(
                data.joinpath(f"sentiment_{name}.txt").read_text(encoding="utf-8")
                for name in ("negative", "positive", "modifiers")
            )
        )

    def __len__(self) -> int:
        return len(self.entries)


def _weight(word: str, value: str | None) -> float:
    if value is None:
        raise ValidationError(f"情感词“{word}”缺少权重（格式：词 权重）。", word=word)
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(f"情感词“{word}”的权重“{value}”不是数字。", word=word) from None
    if number <= 0:
        raise ValidationError(f"情感词“{word}”的权重必须为正数。", word=word)
    return number


def _sections(text: str, *, default: str) -> dict[str, list[tuple[str, str | None]]]:
    sections: dict[str, list[tuple[str, str | None]]] = {}
    current = default
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            continue
        parts = line.split()
        sections.setdefault(current, []).append((parts[0], parts[1] if len(parts) > 1 else None))
    return sections


def _section_items(text: str, *, default: str) -> Iterator[tuple[str, str | None]]:
    for items in _sections(text, default=default).values():
        yield from items


@dataclass
class _Hit:
    surface: str
    value: float
    thanks: bool = False


class SentimentAnalyser:
    """Labels messages with a :class:`SentimentLexicon` (the built-in one by default).

    ``boundaries="jieba"`` keeps a lexicon match only where jieba's segmentation has a word
    boundary at both its ends (slower; see the module notes).
    """

    def __init__(
        self,
        lexicon: SentimentLexicon | None = None,
        *,
        boundaries: Literal["lexicon", "jieba"] = "lexicon",
    ) -> None:
        if boundaries not in ("lexicon", "jieba"):
            raise ValidationError(
                f"未知的分词边界方式“{boundaries}”，可选：lexicon、jieba。", boundaries=boundaries
            )
        self.lexicon = lexicon or SentimentLexicon.builtin()
        self.boundaries = boundaries
        self._jieba: object | None = None

    # ── matching ──────────────────────────────────────────────────────────────

    def _matches(self, clause: str) -> list[tuple[int, int, _Entry]]:
        automaton = self.lexicon.automaton
        if self.boundaries == "lexicon":
            return [
                (end - len(entry.word) + 1, end + 1, entry)
                for end, entry in automaton.iter_long(clause)
            ]
        cuts = self._cuts(clause)
        found = sorted(
            (
                (end - len(entry.word) + 1, end + 1, entry)
                for end, entry in automaton.iter(clause)
                if end + 1 in cuts and end - len(entry.word) + 1 in cuts
            ),
            key=lambda m: (m[0], m[0] - m[1]),
        )
        chosen: list[tuple[int, int, _Entry]] = []
        reach = 0
        for match in found:  # leftmost-longest among the matches on word boundaries
            if match[0] >= reach:
                chosen.append(match)
                reach = match[1]
        return chosen

    def _cuts(self, clause: str) -> set[int]:
        if self._jieba is None:
            with _JIEBA_LOCK:
                if self._jieba is None:
                    self._jieba = _jieba_with(self.lexicon)
        cuts = {0}
        position = 0
        for word in self._jieba.cut(clause, HMM=False):  # type: ignore[attr-defined]
            position += len(word)
            cuts.add(position)
        return cuts

    # ── scoring ───────────────────────────────────────────────────────────────

    def _sentence(self, sentence: str, hits: list[_Hit], requests: list[str]) -> None:
        body = sentence.rstrip("。！？!?；;\n\r")
        ending = sentence[len(body) :]
        start = len(hits)
        requested = False
        negative_seen = False
        negator_seen = False
        for clause_match in _CLAUSE.finditer(body):
            clause = clause_match.group(0)
            negator_end = -100
            boost = 1.0
            boost_end = -100
            boost_start = 0
            negator_start = 0
            last: tuple[int, _Entry, int | None] | None = None  # end, entry, index in hits
            for begin, end, entry in self._matches(clause):
                if entry.neutral and not (entry.request or entry.weight):
                    continue
                if entry.request:
                    requested = True
                    requests.append(entry.word)
                    continue
                if entry.negator:
                    negator_seen = True
                    if last is not None and clause[last[0] : begin] in _POST_NEGATION:
                        self._post_negate(clause, begin, end, last, hits)  # 一点回音都没有
                        last = None
                    else:
                        negator_end, negator_start = end, begin
                    continue
                negated = begin - negator_end <= NEGATION_GAP
                factor = boost if begin - boost_end <= INTENSIFIER_GAP else 1.0
                if entry.factor != 1.0:
                    if entry.weight:  # 严重, 根本: a cue of its own too
                        hits.append(_Hit(entry.word, entry.weight))
                        negative_seen = True
                    boost, boost_end, boost_start = entry.factor, end, begin
                    continue
                value = entry.weight
                if entry.action and not value:
                    value = -entry.action if negated else 0.0
                elif negated:
                    value = -value if value > 0 else 0.0
                elif value > 0 and entry.wished and requested:
                    value = 0.0
                if not negated and (entry.action or value > 0):
                    last = (end, entry, len(hits) if value else None)
                if not value:
                    continue
                first = min(
                    negator_start if negated else begin, boost_start if factor != 1.0 else begin
                )
                hits.append(_Hit(clause[first:end], value * factor, entry.thanks))
                negative_seen = negative_seen or value < 0
                boost_end = -100
        if _EXCLAIMED.search(ending):
            for hit in hits[start:]:
                hit.value *= EXCLAMATION
        if _INDIGNANT.search(ending):
            hits.append(_Hit(ending.strip(), INDIGNANT_QUESTION))
        elif _RHETORICAL_END.search(body + ending.strip()) and (negative_seen or negator_seen):
            hits.append(_Hit("吗" + ending.strip(), RHETORICAL_QUESTION))

    @staticmethod
    def _post_negate(
        clause: str, begin: int, end: int, last: tuple[int, _Entry, int | None], hits: list[_Hit]
    ) -> None:
        cue_end, entry, index = last
        start = cue_end - len(entry.word)
        if index is None:  # an action: 一点回音都没有 is an unmet duty
            hits.append(_Hit(clause[start:end], -entry.action))
        else:
            hit = hits[index]
            hits[index] = _Hit(clause[start:end], -abs(hit.value))

    def analyse(self, text: str, title: str = "") -> Sentiment:
        """The sentiment of one message (``title`` counts as one more sentence)."""
        hits: list[_Hit] = []
        requests: list[str] = []
        for part in (title, text):
            if part:
                for match in _SENTENCE.finditer(part):
                    self._sentence(match.group(0), hits, requests)
        if requests:
            for hit in hits:
                if hit.thanks:
                    hit.value *= POLITE_THANKS
        raw = sum(hit.value for hit in hits)
        label: Label
        if raw <= NEGATIVE_AT:
            label = "negative"
        elif raw >= POSITIVE_AT:
            label = "positive"
        else:
            label = "neutral"
        if label == "neutral":
            cues = list(dict.fromkeys(requests))
        else:
            sign = -1 if label == "negative" else 1
            ranked = sorted((h for h in hits if h.value * sign > 0), key=lambda h: -abs(h.value))
            cues = list(dict.fromkeys(h.surface for h in ranked))
        return Sentiment(label, math.tanh(raw / SCORE_SCALE), cues[:MAX_CUES])

    def analyse_many(
        self, texts: Sequence[str], titles: Sequence[str] | None = None
    ) -> list[Sentiment]:
        """:meth:`analyse` for each text (and the title at the same position)."""
        if titles is not None and len(titles) != len(texts):
            raise ValidationError(
                f"标题数（{len(titles)}）与正文数（{len(texts)}）不一致。",
                texts=len(texts),
                titles=len(titles),
            )
        heads: Iterable[str] = titles if titles is not None else [""] * len(texts)
        return [
            self.analyse(text or "", title or "") for text, title in zip(texts, heads, strict=True)
        ]


_JIEBA_LOCK = threading.Lock()


def _jieba_with(lexicon: SentimentLexicon) -> object:
    import logging

    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in lexicon.entries:
        if len(word) > 1:
            tokenizer.add_word(word, tokenizer.suggest_freq(word, False))
    return tokenizer


_DEFAULT: SentimentAnalyser | None = None
_DEFAULT_LOCK = threading.Lock()


def _default() -> SentimentAnalyser:
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = SentimentAnalyser()
    return _DEFAULT


def analyse(text: str, title: str = "") -> Sentiment:
    """The sentiment of one message with the built-in lexicon."""
    return _default().analyse(text, title)


def analyse_many(texts: Sequence[str], titles: Sequence[str] | None = None) -> list[Sentiment]:
    """The sentiment of each message with the built-in lexicon."""
    return _default().analyse_many(texts, titles)

"""Chinese text analysis for lexical search: normalisation, segmentation, synonyms.

The same :class:`Tokenizer` turns passages into index terms (:meth:`Tokenizer.tokens`) and
questions into query terms (:meth:`Tokenizer.query_tokens`), so both sides always agree.

* **Normalisation** before segmentation: full-width ASCII and the ideographic space become
  half-width (``ＡＢＣ１２３`` → ``abc123``), Latin letters are lower-cased, and Chinese numerals
  become Arabic where that is unambiguous — article references always (``第二十四条`` is one term
  ``第24条``, so a citizen's "第24条" finds the article), other numerals when they are at least
  two characters and parse as a number (``二十四个月`` → ``24个月``, ``二〇一九年`` → ``2019年``),
  never single characters or words such as 万一/千万/十分 (``一次性`` stays a word).
* **Segmentation**: jieba's maximum-probability segmentation without its HMM, by a private
  ``jieba.Tokenizer`` (the global jieba default is never touched) loaded with the government
  user dictionary (``data/userdict.txt``: statutory compounds jieba splits, such as 住房公积金,
  最低生活保障, 不动产登记) and every lexicon term. The HMM only guesses words for runs of
  unknown characters; in citizens' colloquial questions it glues fillers into words that match
  nothing (要交满, 能领), so it is off.
* **Parts**: each word longer than two characters also yields the words it is made of, found by
  segmenting it again without itself (住房公积金 → 住房, 公积金; 城乡居民基本医疗保险 →
  城乡居民, 基本医疗保险, 医疗保险, …). Unlike jieba's search mode (every dictionary 2- and
  3-gram inside a word) this finds 4-character words inside longer ones and never yields a word
  that only straddles a boundary (民政 inside 人民政府).
* **Filtering**: punctuation, whitespace and the stop words of ``data/stopwords.txt`` (function
  words, question particles, citizens' politeness and filler such as 请问/怎么办, and legal
  boilerplate with no retrieval value such as 应当/依照) are dropped. Dropping the very frequent
  boilerplate also keeps posting lists short, which is most of the query time.
* **Synonyms** (:class:`Lexicon`, ``data/lexicon.txt`` plus groups edited by administrators):
  a typed term is expanded with the other members of every group it belongs to. A synonym is
  added as the one index term it is (every lexicon term is a dictionary word), not with its
  parts, so one expansion does not outweigh what the person typed; each term appears once.

Measured on the 42,936 article passages of the national laws corpus (BM25, top 10) with three
question sets: the 204 answerable questions of ``bench/data/qa_dev.jsonl`` (a gold *article* in
the top k), the 52 questions of ``bench/search_speed.py`` and 127 real citizen messages whose
official reply cites a law in the corpus (a passage of the right *law*). hit@5 / hit@10 / MRR:

========================== ===================== ===================== =====================
variant                    204 dev (article)     52 questions (law)    127 messages (law)
========================== ===================== ===================== =====================
this module                0.534 / 0.623 / 0.388 0.865 / 0.962 / 0.758 0.268 / 0.354 / 0.175
with jieba's HMM           0.515 / 0.603 / 0.374 0.885 / 0.962 / 0.745 0.268 / 0.346 / 0.191
parts by jieba search mode 0.529 / 0.637 / 0.378 0.865 / 0.962 / 0.720 0.260 / 0.339 / 0.165
no parts (whole words)     0.505 / 0.574 / 0.339 0.885 / 0.904 / 0.761 0.268 / 0.307 / 0.169
synonyms with their parts  0.529 / 0.603 / 0.380 0.885 / 0.981 / 0.791 0.283 / 0.386 / 0.193
typed terms counted twice  0.554 / 0.652 / 0.387 0.865 / 0.942 / 0.720 0.236 / 0.299 / 0.162
no synonym expansion       0.456 / 0.569 / 0.334 0.673 / 0.731 / 0.586 0.220 / 0.276 / 0.150
========================== ===================== ===================== =====================

Expansion, parts and dropping the HMM win or tie on the dev set, the largest. The closer calls
the sets disagree on: counting typed terms twice wins on the dev set and loses on the other two,
so the simpler choice stands; the decomposition has a higher MRR than jieba's search mode on all
three sets and finds three fewer dev questions in the top 10. A few lexicon groups (年检, 私了,
下岗, 改名 …) were added after reading the dev set's misses, so its absolute figures flatter the
lexicon; the comparison between rows, all on the same lexicon, does not depend on that.

Lexicon terms are dictionary words, so an administrator's new group changes how some text is
segmented: the :attr:`Tokenizer.fingerprint` changes. Passages tokenised before still match,
because both sides carry the parts of every compound and a synonym missing from the index's
vocabulary (``known``) is expanded into its parts; rebuilding the index makes the new word an
exact term everywhere.

Segmentation is the slow part. ``Tokenizer._cut`` computes exactly jieba's segmentation (a test
compares them) about 1.6 times faster; each distinct word's terms are memoised; and
:func:`tokenize_joined` tokenises each distinct text of a batch once and spreads large batches
over forked worker processes. Figures for the whole laws corpus are in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import hashlib
import logging
import math
import multiprocessing
import os
import re
import string
import threading
import warnings
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from functools import cache
from importlib import resources

import jieba

from govai.errors import ValidationError

__all__ = ["Lexicon", "Tokenizer", "get_tokenizer", "normalize", "parse_chinese_numeral"]
__all__ += ["QueryGroup", "group_tokens", "tokenize_joined", "tokenize_many"]

# A concept of a query: its alternatives, each one or more index terms (see query_groups).
QueryGroup = tuple[tuple[str, ...], ...]

# Bump when a change here changes the tokens of some text: it is part of the fingerprint.
TOKENIZER_VERSION = "2"

# Batches at least this large are tokenised in worker processes.
PARALLEL_MIN_TEXTS = 2000
_CHUNK_TEXTS = 400

# jieba logs "Building prefix dict…" at DEBUG on its own stderr handler; keep the CLI quiet.
logging.getLogger("jieba").setLevel(logging.WARNING)

# ── normalisation ──────────────────────────────────────────────────────────────

_FULL_TO_HALF = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_TO_HALF[0x3000] = 0x20

_CN_DIGITS = {"零": 0, "〇": 0, "两": 2} | {ch: i for i, ch in enumerate("一二三四五六七八九", 1)}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_CN_NUMERAL_CHARS = "".join([*_CN_DIGITS, *_CN_UNITS, *_CN_BIG_UNITS])

_ARTICLE_RE = re.compile(rf"第\s*([0-9]+|[{_CN_NUMERAL_CHARS}]+)\s*(条|款|项|章|节|编)")
_NUMERAL_RUN_RE = re.compile(rf"[{_CN_NUMERAL_CHARS}]{{2,}}")
_WORDLIKE_RE = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]")
_CJK_ONLY_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# jieba's own block and whitespace patterns, so _cut splits text exactly as jieba.cut does.
_RE_HAN: re.Pattern[str] = jieba.re_han_default
_RE_SKIP: re.Pattern[str] = jieba.re_skip_default
_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)


def parse_chinese_numeral(text: str) -> int | None:
    """The value of a Chinese numeral, or ``None`` when ``text`` is not a well-formed one.

    Accepts positional digit strings (二〇一九) and structured numbers (二十四, 一百零五,
    三千万); refuses words that merely consist of numeral characters (万一, 千万, 十一五).
    """
    if not text:
        return None
    if all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total = section = 0
    digit: int | None = None
    after_zero = False
    for ch in text:
        if ch in _CN_DIGITS:
            value = _CN_DIGITS[ch]
            if value == 0:
                if digit is not None:
                    return None
                after_zero = True
                continue
            if digit is not None:
                return None
            digit = value
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if digit is None:
                if ch != "十" or section or total or after_zero:
                    return None
                digit = 1
            section += digit * unit
            digit = None
            after_zero = False
        else:
            big = _CN_BIG_UNITS[ch]
            if digit is None and section == 0:
                return None
            total = (total + section + (digit or 0)) * big
            section, digit, after_zero = 0, None, False
    return total + section + (digit or 0)


def _replace_numeral_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if all(ch in _CN_DIGITS for ch in run) and len(run) < 3 and "零" not in run and "〇" not in run:
        return run  # 七八个, 五一: an estimate or a name, not a number
    value = parse_chinese_numeral(run)
    return run if value is None else str(value)


def _article_term(match: re.Match[str]) -> str:
    number = match.group(1)
    value = int(number) if number.isdigit() else parse_chinese_numeral(number)
    return f"第{number if value is None else value}{match.group(2)}"


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, Chinese numerals to Arabic where unambiguous."""
    text = _ARTICLE_RE.sub(_article_term, text.translate(_FULL_TO_HALF).lower())
    return _NUMERAL_RUN_RE.sub(_replace_numeral_run, text)


# ── packaged word lists ────────────────────────────────────────────────────────


def _data_text(name: str) -> str:
    return resources.files("govai.knowledge").joinpath("data", name).read_text(encoding="utf-8")


def _content_lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            yield line


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(
        normalize(word)
        for line in _content_lines(_data_text("stopwords.txt"))
        for word in line.split()
    )


@cache
def _userdict() -> tuple[tuple[str, int | None, str | None], ...]:
    entries: list[tuple[str, int | None, str | None]] = []
    for line in _content_lines(_data_text("userdict.txt")):
        parts = line.split()
        freq = int(parts[1]) if len(parts) > 1 else None
        tag = parts[2] if len(parts) > 2 else None
        entries.append((normalize(parts[0]), freq, tag))
    return tuple(entries)


def _hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()[:16]


# ── lexicon ────────────────────────────────────────────────────────────────────


class Lexicon:
    """Synonym and abbreviation groups: a canonical term first, then its aliases.

    Expansion is within a group and not transitive: a term in two groups expands to the members
    of both, a member of one group never reaches the other through a shared term.
    """

    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        cleaned = (self._clean_group(raw) for raw in groups)
        self._groups: tuple[tuple[str, ...], ...] = tuple(tuple(g) for g in cleaned if g)
        merged: dict[str, list[str]] = {}
        for members in self._groups:
            for term in members:
                targets = merged.setdefault(term, [])
                targets.extend(t for t in members if t != term and t not in targets)
        self._expansions = {term: tuple(targets) for term, targets in merged.items()}
        serial = "\n".join(" ".join(group) for group in self._groups)
        self._fingerprint = _hash("lexicon", serial)

    @staticmethod
    def _clean_group(raw: Sequence[str]) -> list[str]:
        if isinstance(raw, str):
            raise ValidationError("同义词组应为词语列表，而不是一个字符串。", group=raw)
        group: list[str] = []
        for term in raw:
            word = normalize(str(term).strip())
            if not word:
                continue
            if any(ch.isspace() for ch in word):
                raise ValidationError(
                    f"同义词“{term}”含有空白字符；一个词语内不能有空格，多个词请分开填写。",
                    term=str(term),
                )
            if word not in group:
                group.append(word)
        return group

    @classmethod
    def builtin(cls) -> Lexicon:
        """The lexicon shipped with govai (``govai/knowledge/data/lexicon.txt``)."""
        return _builtin_lexicon()

    @classmethod
    def parse(cls, text: str) -> Lexicon:
        """Read the file format: one group per line, whitespace-separated, ``#`` comments."""
        return cls(line.split() for line in _content_lines(text))

    def with_groups(self, extra: Iterable[Sequence[str]]) -> Lexicon:
        """This lexicon with ``extra`` groups layered on top.

        An extra group whose canonical (first) term is the canonical term of an existing group
        extends that group; any other extra group is added as a new group.
        """
        groups = [list(group) for group in self._groups]
        by_canonical = {group[0]: group for group in groups}
        for raw in extra:
            group = self._clean_group(raw)
            if not group:
                continue
            existing = by_canonical.get(group[0])
            if existing is None:
                groups.append(group)
                by_canonical[group[0]] = group
            else:
                existing.extend(term for term in group if term not in existing)
        return Lexicon(groups)

    @property
    def groups(self) -> tuple[tuple[str, ...], ...]:
        return self._groups

    def expansions(self, token: str) -> list[str]:
        """The other members of every group ``token`` belongs to (empty when none)."""
        return list(self._expansions.get(token, ()))

    def terms(self) -> set[str]:
        return set(self._expansions)

    @property
    def fingerprint(self) -> str:
        """A stable hash of the groups; changes whenever a term or a group changes."""
        return self._fingerprint

    def __len__(self) -> int:
        return len(self._groups)

    def __repr__(self) -> str:
        return f"Lexicon({len(self._groups)} groups, fingerprint={self._fingerprint})"


@cache
def _builtin_lexicon() -> Lexicon:
    return Lexicon.parse(_data_text("lexicon.txt"))


# Word classes of jieba's dictionary that name no topic: adverbs (一直, 到底), pronouns (这种,
# 我家), time words (今年, 天天), numerals and measure words (两年, 一次), conjunctions,
# localisers and place words (以后, 楼下), prepositions, particles, modal words, interjections.
_FUNCTION_TAGS = frozenset(
    {"d", "ad", "r", "t", "m", "mq", "q", "c", "f", "s", "p", "u", "y", "e", "o"}
)


@cache
def _function_words() -> frozenset[str]:
    """The words jieba's own dictionary (its third column) tags with a word class that names
    no topic; only these are kept, not the whole 350,000-word table."""
    words: set[str] = set()
    with jieba.Tokenizer().get_dict_file() as fh:
        for raw in fh:
            parts = raw.decode("utf-8").split()
            if len(parts) == 3 and parts[2] in _FUNCTION_TAGS:
                words.add(parts[0])
    return frozenset(words)


# ── tokenizer ──────────────────────────────────────────────────────────────────


class Tokenizer:
    """Index and query terms for Chinese (and mixed Latin/digit) text; see the module notes."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon if lexicon is not None else Lexicon.builtin()
        self._stopwords = _stopwords()
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word, freq, tag in _userdict():
            self._add_word(word, freq, tag)
        for term in sorted(self.lexicon.terms()):
            self._add_word(term, None, None)
        self._freq: dict[str, int] = self._jieba.FREQ
        self._log_total = math.log(self._jieba.total)
        self._logp: dict[str, float] = {}
        self._memo: dict[str, tuple[str, ...]] = {}
        userdict_serial = "\n".join(f"{w} {f} {t}" for w, f, t in _userdict())
        self.fingerprint = _hash(
            "tokenizer",
            TOKENIZER_VERSION,
            jieba.__version__,
            self.lexicon.fingerprint,
            userdict_serial,
            " ".join(sorted(self._stopwords)),
        )

    def _add_word(self, word: str, freq: int | None, tag: str | None) -> None:
        if not _WORDLIKE_RE.search(word):
            return
        # A frequency just high enough to keep the word whole (jieba's suggest_freq), unless
        # the dictionary gives one; a huge frequency would make the word swallow its neighbours.
        if freq is None:
            freq = self._jieba.suggest_freq(word, False)
        self._jieba.add_word(word, freq, tag)

    def _analyse(self, word: str) -> tuple[str, ...]:
        """The index terms of one segmented word: the word, then the words it is made of."""
        if not _WORDLIKE_RE.search(word):
            return ()
        stop = self._stopwords
        terms = [] if word in stop else [word]
        if len(word) > 2 and _CJK_ONLY_RE.fullmatch(word):
            pending = [word]
            while pending:
                for part in self._parts(pending.pop()):
                    if len(part) > 1 and part not in stop and part not in terms:
                        terms.append(part)
                        if len(part) > 2:
                            pending.append(part)
        return tuple(terms)

    def _parts(self, word: str) -> list[str]:
        """How jieba would segment ``word`` if ``word`` itself were not in the dictionary.

        住房公积金 → 住房 + 公积金; 人民政府 → 人民 + 政府 (never the 民政 a fixed n-gram would
        find inside it). Dictionary words only: no HMM guesses.
        """
        ends = self._route(word, whole=False)
        parts = []
        start = 0
        while start < len(word):
            end = ends[start] + 1
            parts.append(word[start:end])
            start = end
        return parts

    def _cut(self, text: str, *, spaces: bool = False) -> list[str]:
        """jieba's precise-mode segmentation without HMM, computed faster.

        The same words as ``jieba.Tokenizer.cut(text, HMM=False)`` (a test compares them on real
        text): jieba's dictionary, its maximum-probability route, its ties (the longer word
        wins), and runs of single Latin letters or digits joined into one word. Only the
        bookkeeping differs — the route is found in one backward pass with log-probabilities
        cached per word instead of building a DAG dict and calling ``log`` per candidate — which
        makes it about 1.6 times faster. Whitespace is left out unless ``spaces``.
        """
        words: list[str] = []
        for block in _RE_HAN.split(text):
            if not block:
                continue
            if _RE_HAN.match(block):
                words.extend(self._cut_block(block))
            else:
                for piece in _RE_SKIP.split(block):
                    if not piece:
                        continue
                    if not _RE_SKIP.match(piece):
                        words.extend(piece)  # one character at a time, as jieba does
                    elif spaces:
                        words.append(piece)
        return words

    def words(self, text: str) -> list[str]:
        """``text`` cut into words as ``jieba.Tokenizer.cut(text, HMM=False)`` cuts it with this
        tokenizer's dictionary, whitespace included, so the words join back into ``text``: word
        boundaries for other engines (公文校对's repeated words), without a second dictionary."""
        return self._cut(text, spaces=True)

    def is_word(self, text: str) -> bool:
        """Whether ``text`` is a word of this tokenizer's dictionary (jieba's, the user
        dictionary or a lexicon term)."""
        return bool(self._freq.get(text))

    def _route(self, block: str, *, whole: bool = True) -> list[int]:
        """jieba's maximum-probability segmentation of ``block``: the last index of the word
        starting at each position. ``whole=False`` forbids the one word spanning all of it."""
        freq, logp, log_total = self._freq, self._logp, self._log_total
        size = len(block)
        score = [0.0] * (size + 1)
        end_of = list(range(size))
        for start in range(size - 1, -1, -1):
            best = -math.inf
            found = False
            stop = start
            fragment = block[start]
            while fragment in freq:
                count_ = freq[fragment]
                if count_ and (whole or start or stop < size - 1):
                    found = True
                    value = logp.get(fragment)
                    if value is None:
                        value = logp[fragment] = math.log(count_) - log_total
                    candidate = value + score[stop + 1]
                    if candidate >= best:
                        best = candidate
                        end_of[start] = stop
                stop += 1
                if stop >= size:
                    break
                fragment = block[start : stop + 1]
            if not found:
                best = math.log(freq.get(block[start]) or 1) - log_total + score[start + 1]
            score[start] = best
        return end_of

    def _cut_block(self, block: str) -> list[str]:
        size = len(block)
        end_of = self._route(block)
        words: list[str] = []
        latin = ""  # a run of single ASCII letters or digits, kept together as jieba does
        position = 0
        while position < size:
            end = end_of[position] + 1
            word = block[position:end]
            if end - position == 1 and word in _ASCII_ALNUM:
                latin += word
            else:
                if latin:
                    words.append(latin)
                    latin = ""
                words.append(word)
            position = end
        if latin:
            words.append(latin)
        return words

    def _words(self, text: str) -> Iterator[str]:
        memo = self._memo
        start = 0
        for match in _ARTICLE_RE.finditer(text):
            for word in self._cut(text[start : match.start()]):
                terms = memo.get(word)
                if terms is None:
                    terms = memo[word] = self._analyse(word)
                yield from terms
            yield match.group(0).replace(" ", "")
            start = match.end()
        for word in self._cut(text[start:]):
            terms = memo.get(word)
            if terms is None:
                terms = memo[word] = self._analyse(word)
            yield from terms

    def tokens(self, text: str) -> list[str]:
        """Index terms of ``text``, in order, repeated as often as they occur."""
        if not text:
            return []
        return list(self._words(normalize(text)))

    def query_groups(self, text: str, known: Container[str] | None = None) -> list[QueryGroup]:
        """One group per distinct typed term: the term itself, then each of its synonyms.

        The index scores a group by its best alternative (:meth:`LexicalIndex.search_groups
        <govai.knowledge.index.LexicalIndex.search_groups>`), so a synonym stands in for the
        typed term instead of adding to it: a broad group (孩子 → 未成年人, 子女, 儿童) lets a
        passage match in the words the law uses without one colloquial word outweighing the
        rest of the question. A synonym that is itself an index term is one alternative of one
        token; a synonym that does not come out as one term (a phrase), or that is not among
        the ``known`` terms of the index searched (it was indexed before an administrator added
        the group), is an alternative of its parts.
        """
        typed: list[str] = []
        for term in self.tokens(text):
            if term not in typed:
                typed.append(term)
        groups: list[QueryGroup] = []
        for term in typed:
            alternatives: list[tuple[str, ...]] = [(term,)]
            for synonym in self.lexicon.expansions(term):
                parts = self.tokens(synonym)
                whole = normalize(synonym)
                usable = whole in parts and (known is None or whole in known)
                alternative = (whole,) if usable else tuple(p for p in parts if p != whole)
                if alternative and alternative not in alternatives:
                    alternatives.append(alternative)
            groups.append(tuple(alternatives))
        return groups

    def key_terms(self, text: str) -> list[str]:
        """The words of ``text`` that say what it is about, each once: whole words (not the
        parts of a longer word also typed), longer than one character, and not of a word class
        that names no topic (一直, 今年, 这种, 两年 …). What a question's evidence must cover.
        Falls back to every distinct term when that leaves nothing."""
        typed = list(dict.fromkeys(self.tokens(text)))
        function_words = _function_words()
        keys = [
            t
            for t in typed
            if len(t) > 1
            and t not in function_words
            and not any(t != other and t in other for other in typed)
        ]
        return keys or typed

    def query_tokens(self, text: str, known: Container[str] | None = None) -> list[str]:
        """Every term of :meth:`query_groups`, once (see :func:`group_tokens`)."""
        return group_tokens(self.query_groups(text, known))

    def __repr__(self) -> str:
        return f"Tokenizer(fingerprint={self.fingerprint})"


def group_tokens(groups: Sequence[QueryGroup]) -> list[str]:
    """Every term of a query's groups, once: the typed terms, then their expansions (what a
    search is shown to have looked for, and what an answer is focused on)."""
    seen: set[str] = set()
    ordered: list[str] = []
    for layer in ([g[:1] for g in groups], [g[1:] for g in groups]):
        for alternatives in layer:
            for alternative in alternatives:
                for token in alternative:
                    if token not in seen:
                        seen.add(token)
                        ordered.append(token)
    return ordered


_TOKENIZERS: dict[str, Tokenizer] = {}
_TOKENIZERS_LOCK = threading.Lock()
_TOKENIZERS_KEPT = 2  # each holds jieba's ~350k-word dictionary (tens of MB)


def get_tokenizer(lexicon: Lexicon | None = None) -> Tokenizer:
    """A shared :class:`Tokenizer` for ``lexicon`` (the built-in one by default).

    Building one costs about 0.6 s (jieba's dictionary), so tokenizers are kept per lexicon
    fingerprint; only the most recent few are kept, as administrators edit the lexicon.
    """
    lexicon = lexicon if lexicon is not None else Lexicon.builtin()
    key = lexicon.fingerprint
    with _TOKENIZERS_LOCK:
        tokenizer = _TOKENIZERS.pop(key, None)
        if tokenizer is None:
            tokenizer = Tokenizer(lexicon)
        _TOKENIZERS[key] = tokenizer  # most recently used last
        while len(_TOKENIZERS) > _TOKENIZERS_KEPT:
            del _TOKENIZERS[next(iter(_TOKENIZERS))]
        return tokenizer


# ── batches ────────────────────────────────────────────────────────────────────

# The tokenizer a forked worker inherits from its parent (set just before the pool starts).
_WORKER_TOKENIZER: Tokenizer | None = None


def _tokenize_chunk(texts: Sequence[str]) -> list[str]:
    assert _WORKER_TOKENIZER is not None
    return _joined_tokens(_WORKER_TOKENIZER, texts)


def _joined_tokens(tokenizer: Tokenizer, texts: Sequence[str]) -> list[str]:
    # Terms never contain whitespace, so one space-joined string per text loses nothing, and
    # pickles far faster than a list of many short strings.
    return [" ".join(tokenizer.tokens(text)) for text in texts]


def tokenize_joined(
    tokenizer: Tokenizer,
    texts: Sequence[str],
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """The terms of each text joined by single spaces (as passages store them), in order.

    Identical texts are tokenised once: a title or a chapter heading shared by many passages,
    an article unchanged between two versions of a law. Batches of at least
    ``PARALLEL_MIN_TEXTS`` distinct texts run in ``workers`` forked processes (default: one per
    CPU), which inherit the loaded dictionary instead of rebuilding it; smaller batches,
    ``workers=1`` and platforms without ``fork`` run in this process. ``progress`` is called
    with the number of distinct texts done so far and the number of distinct texts.
    """
    distinct = list(dict.fromkeys(texts))
    total = len(distinct)
    report = progress or (lambda done, total: None)
    if workers is None:
        workers = os.cpu_count() or 1
    parallel = (
        workers > 1
        and total >= PARALLEL_MIN_TEXTS
        and "fork" in multiprocessing.get_all_start_methods()
    )
    chunks = [distinct[i : i + _CHUNK_TEXTS] for i in range(0, total, _CHUNK_TEXTS)]
    joined: list[str] = []
    if not parallel:
        for chunk in chunks:
            joined.extend(_joined_tokens(tokenizer, chunk))
            report(len(joined), total)
    else:
        global _WORKER_TOKENIZER
        context = multiprocessing.get_context("fork")
        _WORKER_TOKENIZER = tokenizer
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns that fork() in a multi-threaded process may deadlock. The
                # children only run the tokenizer on inherited data and exit; they take no lock
                # another thread could hold (jieba's lock is only used while loading).
                warnings.filterwarnings(
                    "ignore", message=r".*use of fork\(\) may lead to deadlocks"
                )
                pool = context.Pool(processes=min(workers, len(chunks)))
            with pool:
                for part in pool.imap(_tokenize_chunk, chunks):
                    joined.extend(part)
                    report(len(joined), total)
        finally:
            _WORKER_TOKENIZER = None
    if total == len(texts):
        return joined
    by_text = dict(zip(distinct, joined, strict=True))
    return [by_text[text] for text in texts]


def tokenize_many(
    tokenizer: Tokenizer,
    texts: Sequence[str],
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[list[str]]:
    """``tokenizer.tokens`` of each text, in order; computed as :func:`tokenize_joined`."""
    joined = tokenize_joined(tokenizer, texts, workers=workers, progress=progress)
    return [line.split(" ") if line else [] for line in joined]

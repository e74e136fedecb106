"""Finding service items from a citizen's own words (智能导办): "我失业了，想领失业金" →
失业保险金申领.

A citizen names their situation, not the item: 饭馆 for 餐饮服务, 上小学 for 入学, 驾照 for
机动车驾驶证. The search is lexical, on the knowledge engine's parts:

* the :class:`~govai.knowledge.text.Tokenizer` (jieba with the government dictionary, the parts
  of compounds, stop words, the built-in synonym lexicon) makes index and query terms;
* one BM25 index per field (:mod:`govai.knowledge.index`, the ``bm25s`` backend by default),
  so a word in an item's *name* counts more than the same word somewhere in its materials;
* a small catalogue map of colloquial phrases (``approval/data/catalog_synonyms.txt``, the
  lexicon's file format: the catalogue's word first, then what people say). The phrases are
  matched as *substrings* of the question, so "办到哪一步了" or "上小学" is found however jieba
  cuts it; the longest match wins (执照 inside 驾驶执照 brings in no 营业执照). A matched
  phrase brings in the catalogue word of each group it is in, as an alternative of the concept
  of every whole word typed inside it (so it stands in for those words, not adds to them:
  老人补贴 → 高龄津贴 for both 老人 and 补贴; 结婚登记 for itself, not again for its parts 结婚
  and 登记), or as a concept of its own when it contains none. Only the catalogue word is
  added, never the group's other colloquial phrases, whose stray parts (没工作了 → 工作) would
  match unrelated items.

An item's score is the weighted sum of its fields' BM25 scores, each field scoring a concept
by its best alternative (:meth:`~govai.knowledge.index.LexicalIndex.search_groups`), times
``(1 + coverage) / 2`` — a halved form of Lucene's classic coordination factor, so an item that
matches more of the question's topic words goes first ("退伍军人驾照怎么换": the driving
licence items for veterans, above the veterans' affairs items that match 退伍军人 three times in
short names but never 驾照):

============== ====== ==========================================================
field          weight what
============== ====== ==========================================================
name           3.0    the item's name
aliases        2.0    ``extra["aliases"]``: 简称, 俗称, 目录名称 (the portal reader fills it)
themes         1.0    the portal's themes (生小孩, 找工作 …), without 其他
department     1.0    the responsible department
materials      0.5    material names and their conditions
conditions     0.5    the acceptance conditions text
objects        0.3    service objects (自然人, 企业法人 …)
============== ====== ==========================================================

Each hit says why it matched: the terms of the item that matched the question (a synonym shows
as the item's word) and the fields they were found in, plus ``coverage`` — the share of the
question's topic words (:meth:`~govai.knowledge.text.Tokenizer.key_terms`, and every catalogue
phrase found) of which the item holds a typed word or a synonym whole — which a caller can use
to say "没有找到合适的事项" instead of offering weak guesses (``min_coverage``). The ranking never
decides anything: the citizen or a person chooses.

Building tokenises every field of every item once (the 2,262 items of the Guangdong export in
well under a second; ``bench/catalog_import.py``); a search costs a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from govai.approval.items import ServiceItem
from govai.knowledge.index import (
    BM25Index,
    LexicalIndex,
    LexicalIndexBackend,
    get_index_backend,
    top_rows,
)
from govai.knowledge.text import Lexicon, QueryGroup, Tokenizer, get_tokenizer, normalize

__all__ = ["FIELD_LABELS", "FIELD_WEIGHTS", "CatalogHit", "CatalogSearch", "catalog_synonyms"]

#: How much a match in each field counts (see the module notes).
FIELD_WEIGHTS: dict[str, float] = {
    "name": 3.0,
    "aliases": 2.0,
    "themes": 1.0,
    "department": 1.0,
    "materials": 0.5,
    "conditions": 0.5,
    "objects": 0.3,
}
#: The fields' names as a citizen or a member of staff reads them.
FIELD_LABELS: dict[str, str] = {
    "name": "事项名称",
    "aliases": "别名",
    "themes": "主题",
    "department": "实施部门",
    "materials": "申请材料",
    "conditions": "受理条件",
    "objects": "服务对象",
}
_NO_THEME = frozenset({"其他", "其它"})
_MIN_PHRASE = 2  # a one-character phrase would match inside too many words


@dataclass(frozen=True)
class CatalogHit:
    """One item found for a question, with why it matched."""

    item: ServiceItem
    score: float
    matched: tuple[str, ...]
    """The item's terms that matched the question, in the question's order."""
    fields: tuple[str, ...]
    """The fields (keys of :data:`FIELD_LABELS`) they were found in, by weight."""
    coverage: float
    """The share of the question's topic words the item matched, in [0, 1]."""

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.item.code,
            "name": self.item.name,
            "department": self.item.department,
            "score": round(self.score, 4),
            "matched": list(self.matched),
            "fields": [FIELD_LABELS[f] for f in self.fields],
            "coverage": round(self.coverage, 3),
        }


def _data_text(name: str) -> str:
    return resources.files("govai.approval").joinpath("data", name).read_text(encoding="utf-8")


@cache
def catalog_synonyms() -> Lexicon:
    """The colloquial map shipped with govai (``approval/data/catalog_synonyms.txt``)."""
    return Lexicon.parse(_data_text("catalog_synonyms.txt"))


def _field_texts(item: ServiceItem) -> dict[str, str]:
    materials = [f"{m.name} {m.condition}".strip() for m in item.materials]
    return {
        "name": item.name,
        "aliases": item.extra.get("aliases", ""),
        "themes": " ".join(t for t in item.themes if t not in _NO_THEME),
        "department": item.department,
        "materials": "\n".join(materials),
        "conditions": item.conditions_text,
        "objects": " ".join(item.service_objects),
    }


class CatalogSearch:
    """A lexical index over service items, searched with a citizen's question."""

    def __init__(
        self,
        items: Iterable[ServiceItem],
        *,
        tokenizer: Tokenizer | None = None,
        synonyms: Lexicon | None = None,
        backend: LexicalIndexBackend | None = None,
        weights: dict[str, float] | None = None,
    ) -> None:
        """Index ``items``. ``tokenizer`` defaults to the shared one with the built-in lexicon
        (pass the knowledge base's to include administrators' synonym groups), ``synonyms`` to
        :func:`catalog_synonyms`, ``backend`` to ``bm25s``, ``weights`` to
        :data:`FIELD_WEIGHTS` (a field left out is not indexed)."""
        self.items: tuple[ServiceItem, ...] = tuple(items)
        self._tokenizer = tokenizer or get_tokenizer()
        self._synonyms = synonyms if synonyms is not None else catalog_synonyms()
        self._weights = dict(FIELD_WEIGHTS if weights is None else weights)
        unknown = set(self._weights) - set(FIELD_LABELS)
        if unknown:
            raise ValueError(f"unknown catalogue search fields: {sorted(unknown)}")
        backend = backend or get_index_backend("bm25s")
        texts = [_field_texts(item) for item in self.items]
        tokens_of = self._tokenizer.tokens
        self._indexes: list[tuple[str, float, LexicalIndex]] = []
        self._row_terms: list[dict[str, frozenset[str]]] = [{} for _ in self.items]
        postings: dict[str, set[int]] = {}
        memo: dict[str, list[str]] = {}  # departments, themes and objects repeat a lot
        for name, weight in self._weights.items():
            corpus: list[list[str]] = []
            for row, fields in enumerate(texts):
                text = fields[name]
                tokens = memo.get(text)
                if tokens is None:
                    tokens = memo[text] = tokens_of(text)
                corpus.append(tokens)
                if tokens:
                    terms = self._row_terms[row][name] = frozenset(tokens)
                    for term in terms:
                        postings.setdefault(term, set()).add(row)
            self._indexes.append((name, weight, backend.build(corpus)))
        self._vocabulary = frozenset(postings)
        # The items each term occurs in (any field), to tell which concepts an item matches.
        self._postings = {
            term: np.fromiter(sorted(rows), dtype=np.int64, count=len(rows))
            for term, rows in postings.items()
        }
        # What people say → the catalogue's words of every group it is in (a group's first
        # term). Only these are added: another colloquial phrase as an alternative would match
        # items on its stray parts (没工作了 → 工作).
        canonical: dict[str, list[str]] = {}
        for group in self._synonyms.groups:
            for term in group[1:]:
                if len(term) >= _MIN_PHRASE and group[0] not in canonical.setdefault(term, []):
                    canonical[term].append(group[0])
        self._canonical = {term: tuple(words) for term, words in canonical.items()}
        # Longest phrases first: the longest match wins, as in segmenting.
        self._phrases = sorted(self._canonical, key=lambda t: (-len(t), t))
        self._tokenizer.key_terms("事项")  # load its word classes now, not on the first search

    def __len__(self) -> int:
        return len(self.items)

    # -- the query

    def _alternative(self, phrase: str) -> tuple[str, ...]:
        """A synonym as index terms: itself when the index knows it whole, else its parts."""
        whole = normalize(phrase)
        parts = self._tokenizer.tokens(phrase)
        if whole in parts and whole in self._vocabulary:
            return (whole,)
        return tuple(p for p in parts if p != whole) or ((whole,) if whole in parts else ())

    def query_groups(self, question: str) -> tuple[list[QueryGroup], list[int]]:
        """The question's concepts (each a typed term and its alternatives), and the positions
        of the concepts that count for coverage (topic words and catalogue phrases)."""
        groups = [list(g) for g in self._tokenizer.query_groups(question, self._vocabulary)]
        typed = [g[0][0] for g in groups]
        keys = set(self._tokenizer.key_terms(question))
        counted = {i for i, term in enumerate(typed) if term in keys}
        text = normalize(question)
        typed_words = tuple(typed)
        phrase_group: dict[str, int] = {}
        for phrase in self._phrases:
            if phrase not in text:
                continue
            if any(phrase != t and phrase in t for t in (*typed_words, *phrase_group)):
                continue  # 执照 inside 驾驶执照 is no 营业执照
            inside = [t for t in typed if len(t) >= _MIN_PHRASE and t in phrase]
            # the whole words typed inside it: 结婚登记, not also its parts 结婚 and 登记
            targets = [
                i
                for i, t in enumerate(typed)
                if t in inside and not any(t != other and t in other for other in inside)
            ]
            if not targets:
                groups.append([self._alternative(phrase) or (normalize(phrase),)])
                typed.append(phrase)
                targets = [len(groups) - 1]
            phrase_group[phrase] = targets[0]
            counted.update(targets)
            for synonym in self._canonical[phrase]:
                alternative = self._alternative(synonym)
                for target in targets:
                    if alternative and alternative not in groups[target]:
                        groups[target].append(alternative)
        return [tuple(g) for g in groups], sorted(counted)

    # -- searching

    def _scores(self, groups: Sequence[QueryGroup]) -> np.ndarray:
        """Each item's weighted sum of its fields' scores for the concepts."""
        scores = np.zeros(len(self.items), dtype=np.float32)
        for _name, weight, index in self._indexes:
            if isinstance(index, BM25Index):
                scores += np.float32(weight) * index.group_scores(groups)
            else:  # another backend: through the protocol
                for row, score in index.search_groups(groups, len(self.items)):
                    scores[row] += weight * score
        return scores

    def _matches(self, group: QueryGroup) -> np.ndarray:
        """Which items contain every term of at least one alternative of ``group``."""
        found = np.zeros(len(self.items), dtype=bool)
        for alternative in group:
            rows: np.ndarray | None = None
            for term in alternative:
                posting = self._postings.get(term)
                if posting is None:
                    rows = None
                    break
                rows = posting if rows is None else np.intersect1d(rows, posting, True)
            if rows is not None:
                found[rows] = True
        return found

    def search(self, question: str, k: int = 10, *, min_coverage: float = 0.0) -> list[CatalogHit]:
        """Up to ``k`` items for ``question``, best first; ``[]`` when no word matches.
        ``min_coverage`` drops items that match a smaller share of the question's topic
        words (see :attr:`CatalogHit.coverage`)."""
        if k <= 0 or not self.items or not question.strip():
            return []
        groups, counted = self.query_groups(question)
        if not groups:
            return []
        if counted:
            coverage = np.mean([self._matches(groups[i]) for i in counted], axis=0)
        else:
            coverage = np.zeros(len(self.items))
        # An item that matches more of the question's topic words goes first: the sum of BM25
        # scores times a coordination factor (Lucene's classic coord, halved).
        scores = self._scores(groups) * ((1 + coverage) / 2).astype(np.float32)
        candidates = np.flatnonzero((scores > 0) & (coverage >= min_coverage - 1e-9))
        ranked = top_rows(candidates, scores, k)
        return [self._hit(row, score, groups, float(coverage[row])) for row, score in ranked]

    def _hit(
        self, row: int, score: float, groups: Sequence[QueryGroup], coverage: float
    ) -> CatalogHit:
        terms = self._row_terms[row]
        every = frozenset().union(*terms.values())
        matched: list[str] = []
        found_in: set[str] = set()
        for alternatives in groups:
            for alternative in alternatives:
                if alternative and all(t in every for t in alternative):
                    term = _display(alternative)
                    if term not in matched:
                        matched.append(term)
                    found_in.update(
                        name
                        for name, field in terms.items()
                        if any(t in field for t in alternative)
                    )
                    break
        # by weight, equal weights in the table's order (a set's order changes between runs)
        fields = tuple(
            sorted((f for f in self._weights if f in found_in), key=lambda f: -self._weights[f])
        )
        return CatalogHit(self.items[row], score, tuple(matched), fields, coverage)


def _display(alternative: Sequence[str]) -> str:
    """A phrase's terms as the words a person reads: 失业 保险金 保险 → 失业保险金."""
    return "".join(
        t for t in alternative if not any(t != other and t in other for other in alternative)
    )

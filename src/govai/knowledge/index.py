"""Embedded lexical indexes: BM25 over pre-tokenised passages, behind a small protocol.

A knowledge base's passages are tokenised once (:mod:`govai.knowledge.text`) and handed to a
:class:`LexicalIndexBackend`, which builds a :class:`LexicalIndex`. Rows are positions in build
order; the caller keeps the row → passage mapping. Filters (clearance, validity) are not the
index's business: the caller passes a weight per row, multiplied into the score inside the
scoring, so an excluded row (weight 0) can never take a place in the top k.

Backends register through :func:`register_index_backend`; the built-in ``bm25s`` backend does so
the same way a plug-in would, and the setting ``index_backend`` (``GOVAI_INDEX_BACKEND``) picks
one by name. Every backend's tests inherit
:class:`govai.testing.index_contract.LexicalIndexContract`.

The ``bm25s`` backend
---------------------
BM25 in the Lucene variant (``k1=1.5``, ``b=0.5``; the idf
``ln(1 + (N - df + 0.5) / (df + 0.5))`` never goes negative), stored as bm25s stores it: a
term-major sparse matrix of precomputed per-(term, passage) scores in three numpy arrays
(``data``/``indices``/``indptr``) plus the vocabulary.
A query costs one slice per known term: scores are gathered into a dense array of length N,
multiplied by the weights, and the top k are taken with ``argpartition`` — numpy only, no numba,
no Python loop over passages. A query term listed twice counts twice. A query of concepts
(:meth:`LexicalIndex.search_groups`: a typed term and its synonyms) scores each concept by its best
alternative per row, so a synonym stands in for the word typed instead of adding to it.

Building is vectorised (one dict pass to number the terms, then numpy: ``np.unique`` on
term-major keys yields the term frequencies already in sparse-column order), several times faster
than ``bm25s.BM25.index``, which loops over passages in Python; the scores are the same to float32
precision, and the saved directory is a valid bm25s index (``bm25s.BM25.load`` reads it), which
the tests check. Loading memory-maps the arrays, so a fresh process answers its first query in
milliseconds whatever the corpus size. The index is immutable: adding passages means rebuilding
from the tokens stored with the passages, which takes under a second for the 42,936-article laws
corpus and a few seconds at ten times that (``docs/benchmarks.md``). Searching is read-only, so
threads share one loaded index.

Why not tantivy
---------------
``bench/search_speed.py`` measures both on the same tokens. tantivy's core is somewhat faster per
query (top-k pruning), but both are far inside the budget (p95 well under 1 ms at 43k passages,
a few ms at 430k, against 5 and 25 ms), and the differences that matter lie elsewhere:

- *Filters*: the retriever's weights depend on who asks (clearance) and on each document's
  validity (已修改 ×0.5), per query. Here that is one multiplication inside the scoring. tantivy
  has no per-query, per-document multiplier: exclusion needs the filter fields indexed as
  fields and a filter clause, demotion needs over-fetching and re-scoring, and a document whose
  status changes must be re-indexed.
- *Persistence*: both load from disk in milliseconds (mmap here, segments there).
- *Incremental update*: tantivy can add and delete documents; here an import rebuilds. Imports
  are batches that already re-tokenise, and the rebuild costs less than the tokenising.
- *Deployment*: numpy is packaged by every Linux distribution, domestic ones included; tantivy
  is a compiled Rust extension that must come from a PyPI wheel for the platform or be built
  with a Rust toolchain — one more thing to carry into an offline government data centre.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Sequence
from itertools import chain, count
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from govai.errors import ConfigError, ValidationError
from govai.storage.files import write_directory_atomically

__all__ = [
    "BM25Index",
    "BM25sBackend",
    "LexicalIndex",
    "LexicalIndexBackend",
    "get_index_backend",
    "index_backends",
    "register_index_backend",
]


@runtime_checkable
class LexicalIndex(Protocol):
    """A built index over N rows (passages in build order)."""

    def __len__(self) -> int: ...

    def search(
        self, query_tokens: Sequence[str], k: int, weights: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Up to ``k`` ``(row, score)`` pairs, best first (ties by row).

        ``weights`` (length N) multiplies each row's score: 0 excludes the row, 0.5 demotes
        it. Rows whose weighted score is 0 are not returned, so a query with no known term
        returns ``[]``.
        """
        ...

    def search_groups(
        self,
        groups: Sequence[Sequence[Sequence[str]]],
        k: int,
        weights: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """Like :meth:`search`, for a query of concepts: each group lists alternatives (a
        typed term and its synonyms); a row scores, per group, its best alternative, and an
        alternative of several tokens (a phrase) scores the mean of its tokens. ``search(q)``
        equals ``search_groups([[[t]] for t in q])``."""
        ...

    def save(self, path: Path) -> None:
        """Persist into the directory ``path``, atomically (a temporary directory, renamed)."""
        ...


@runtime_checkable
class LexicalIndexBackend(Protocol):
    name: str

    def build(self, corpus_tokens: Sequence[Sequence[str]]) -> LexicalIndex: ...

    def load(self, path: Path) -> LexicalIndex: ...


_BACKENDS: dict[str, LexicalIndexBackend] = {}
_BACKENDS_LOCK = threading.Lock()


def register_index_backend(backend: LexicalIndexBackend) -> None:
    """Make ``backend`` available by ``backend.name``; registering a name again replaces it."""
    name = getattr(backend, "name", "")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("检索索引后端必须有名称（name 属性）。", backend=repr(backend))
    with _BACKENDS_LOCK:
        _BACKENDS[name] = backend


def get_index_backend(name: str) -> LexicalIndexBackend:
    try:
        return _BACKENDS[name]
    except KeyError:
        choices = index_backends()
        raise ConfigError(
            f"没有名为“{name}”的检索索引后端——可用：{'、'.join(choices)}。"
            "请把设置 index_backend（环境变量 GOVAI_INDEX_BACKEND）改为其中之一。",
            name=name,
            choices=choices,
        ) from None


def index_backends() -> list[str]:
    return sorted(_BACKENDS)


# ── the bm25s backend ─────────────────────────────────────────────────────────

_FORMAT = "govai-bm25s"
_FORMAT_VERSION = 1
_DATA = "data.csc.index.npy"
_INDICES = "indices.csc.index.npy"
_INDPTR = "indptr.csc.index.npy"
_VOCAB = "vocab.index.json"
_PARAMS = "params.index.json"
_MANIFEST = "govai-index.json"


class BM25Index:
    """BM25 scores in a term-major sparse matrix (bm25s's layout); see the module notes."""

    def __init__(
        self,
        data: np.ndarray,
        indices: np.ndarray,
        indptr: np.ndarray,
        vocab: dict[str, int],
        num_docs: int,
        *,
        k1: float,
        b: float,
    ) -> None:
        self._data = data
        self._indices = indices
        self._indptr = indptr
        self._vocab = vocab
        self._num_docs = num_docs
        self.k1 = k1
        self.b = b

    def __len__(self) -> int:
        return self._num_docs

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocab)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """The unweighted BM25 score of every row (float32, length N)."""
        scores = np.zeros(self._num_docs, dtype=np.float32)
        counts: dict[int, int] = {}
        vocab = self._vocab
        for token in query_tokens:
            term = vocab.get(token)
            if term is not None:
                counts[term] = counts.get(term, 0) + 1
        for term, times in counts.items():
            rows, values = self._column(term)
            # Each term lists a row at most once, so plain fancy-index addition is exact.
            scores[rows] += values if times == 1 else values * np.float32(times)
        return scores

    def _column(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = int(self._indptr[term]), int(self._indptr[term + 1])
        return self._indices[start:end], self._data[start:end]

    def _alternative(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        """Rows and scores of one alternative: a term's column, or a phrase's mean."""
        terms = [self._vocab[t] for t in tokens if t in self._vocab]
        if not terms:
            return None
        if len(tokens) == 1:
            return self._column(terms[0])
        total = np.zeros(self._num_docs, dtype=np.float32)
        for term in terms:
            rows, values = self._column(term)
            total[rows] += values
        rows = np.flatnonzero(total)
        return rows, total[rows] / np.float32(len(tokens))

    def group_scores(self, groups: Sequence[Sequence[Sequence[str]]]) -> np.ndarray:
        """The unweighted score of every row for a query of concepts (see search_groups)."""
        scores = np.zeros(self._num_docs, dtype=np.float32)
        for alternatives in groups:
            found = [c for c in map(self._alternative, alternatives) if c is not None]
            if len(found) == 1:
                rows, values = found[0]
                scores[rows] += values
            elif found:
                best = np.zeros(self._num_docs, dtype=np.float32)
                for rows, values in found:  # a row appears once per alternative
                    best[rows] = np.maximum(best[rows], values)
                scores += best
        return scores

    def search(
        self, query_tokens: Sequence[str], k: int, weights: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        if not any(token in self._vocab for token in query_tokens):
            return []
        return self._ranked(self.scores(query_tokens), k, weights)

    def search_groups(
        self,
        groups: Sequence[Sequence[Sequence[str]]],
        k: int,
        weights: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        if not any(t in self._vocab for g in groups for alt in g for t in alt):
            return []
        return self._ranked(self.group_scores(groups), k, weights)

    def _ranked(
        self, scores: np.ndarray, k: int, weights: np.ndarray | None
    ) -> list[tuple[int, float]]:
        if k <= 0 or self._num_docs == 0:
            return []
        if weights is not None:
            weights = np.asarray(weights)
            if weights.shape != (self._num_docs,):
                raise ValueError(
                    f"weights must have one value per row: expected shape ({self._num_docs},), "
                    f"got {weights.shape}"
                )
            scores *= weights
        return _top_k(scores, k)

    def save(self, path: Path) -> None:
        write_directory_atomically(Path(path), self._write)

    def _write(self, directory: Path) -> None:
        np.save(directory / _DATA, self._data, allow_pickle=False)
        np.save(directory / _INDICES, self._indices, allow_pickle=False)
        np.save(directory / _INDPTR, self._indptr, allow_pickle=False)
        (directory / _VOCAB).write_text(
            json.dumps(self._vocab, ensure_ascii=False), encoding="utf-8"
        )
        # The parameters file bm25s itself reads, so `bm25s.BM25.load(path)` works too.
        params = {
            "k1": self.k1,
            "b": self.b,
            "delta": 0.5,
            "method": "lucene",
            "idf_method": "lucene",
            "dtype": "float32",
            "int_dtype": "int32",
            "num_docs": self._num_docs,
            "version": "govai",
            "backend": "numpy",
        }
        (directory / _PARAMS).write_text(json.dumps(params, indent=2), encoding="utf-8")
        manifest = {"format": _FORMAT, "version": _FORMAT_VERSION, "num_docs": self._num_docs}
        (directory / _MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _top_k(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Rows with a positive score, best first, ties broken by row, at most ``k``."""
    return top_rows(np.flatnonzero(scores > 0), scores, k)


def top_rows(candidates: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The best ``k`` of the ``candidates`` rows by ``scores``, best first, ties broken by row
    (shared with the vector index)."""
    if candidates.size == 0:
        return []
    values = scores[candidates]
    if candidates.size > k:
        # Take everything tied with the k-th best so the tie-break by row stays exact.
        kth = np.partition(values, candidates.size - k)[candidates.size - k]
        keep = values >= kth
        candidates, values = candidates[keep], values[keep]
    order = np.lexsort((candidates, -values))[:k]
    return [
        (int(row), float(score))
        for row, score in zip(candidates[order], values[order], strict=True)
    ]


class BM25sBackend:
    """The built-in backend: bm25s's index format and Lucene BM25, built and queried with numpy."""

    name = "bm25s"

    # b = 0.5 rather than Lucene's 0.75: statute articles run from one line to a page, and with
    # 0.75 a one-line article sharing one common word (举报) outranked the article that answers;
    # on the dev questions recall@5 rose 0.706 → 0.725 (k1 1.2–2.0 and b 0.3 did no better).
    def __init__(self, *, k1: float = 1.5, b: float = 0.5) -> None:
        self.k1 = k1
        self.b = b

    def build(self, corpus_tokens: Sequence[Sequence[str]]) -> BM25Index:
        num_docs = len(corpus_tokens)
        vocab: defaultdict[str, int] = defaultdict(count().__next__)
        lengths = np.fromiter((len(doc) for doc in corpus_tokens), dtype=np.int64, count=num_docs)
        total = int(lengths.sum())
        term_ids = np.fromiter(
            map(vocab.__getitem__, chain.from_iterable(corpus_tokens)), dtype=np.int64, count=total
        )
        num_terms = len(vocab)
        if total == 0:
            return BM25Index(
                np.zeros(0, dtype=np.float32),
                np.zeros(0, dtype=np.int32),
                np.zeros(num_terms + 1, dtype=np.int64),
                dict(vocab),
                num_docs,
                k1=self.k1,
                b=self.b,
            )
        doc_ids = np.repeat(np.arange(num_docs, dtype=np.int64), lengths)
        # Term-major keys: sorted unique keys are the sparse columns in order, rows ascending.
        keys, tf = np.unique(term_ids * num_docs + doc_ids, return_counts=True)
        terms = keys // num_docs
        rows = keys - terms * num_docs
        df = np.bincount(terms, minlength=num_terms)
        indptr = np.zeros(num_terms + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        idf = np.log1p((num_docs - df + 0.5) / (df + 0.5))
        avg_len = total / num_docs
        norm = self.k1 * (1 - self.b + self.b * lengths / avg_len)
        tf = tf.astype(np.float64)
        data = (idf[terms] * tf / (tf + norm[rows])).astype(np.float32)
        return BM25Index(
            data,
            rows.astype(np.int32),
            indptr,
            dict(vocab),
            num_docs,
            k1=self.k1,
            b=self.b,
        )

    def load(self, path: Path) -> BM25Index:
        path = Path(path)
        try:
            manifest = json.loads((path / _MANIFEST).read_text(encoding="utf-8"))
            params = json.loads((path / _PARAMS).read_text(encoding="utf-8"))
            vocab = json.loads((path / _VOCAB).read_text(encoding="utf-8"))
            data = np.load(path / _DATA, mmap_mode="r", allow_pickle=False)
            indices = np.load(path / _INDICES, mmap_mode="r", allow_pickle=False)
            indptr = np.load(path / _INDPTR, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"检索索引 {path} 不完整或已损坏（{exc.__class__.__name__}）；"
                "删除该目录后索引会自动重建。",
                path=str(path),
            ) from exc
        if manifest.get("format") != _FORMAT or manifest.get("version") != _FORMAT_VERSION:
            raise ConfigError(
                f"检索索引 {path} 的格式（{manifest.get('format')} v{manifest.get('version')}）"
                f"不是本版本 govai 使用的 {_FORMAT} v{_FORMAT_VERSION}；"
                "删除该目录后索引会自动重建。",
                path=str(path),
            )
        return BM25Index(
            data,
            indices,
            indptr,
            vocab,
            int(manifest["num_docs"]),
            k1=float(params["k1"]),
            b=float(params["b"]),
        )


register_index_backend(BM25sBackend())

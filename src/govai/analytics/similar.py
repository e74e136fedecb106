"""Similar past replies: for a new citizen message, the past messages most like it, with the
replies they got — what a person drafting a reply starts from.

The past messages (title and text) are tokenised by the knowledge engine's
:class:`~govai.knowledge.text.Tokenizer` and indexed by its BM25 backend
(:mod:`govai.knowledge.index`), one row per past message; the reply is not indexed, since a new
message has none to compare with. A query is the new message's title, counted twice (it states
the problem), and the first :data:`QUERY_CHARS` characters of its text, which is where a message
says what it is about. Those are cut to the :data:`QUERY_TERMS` terms with the highest IDF times
occurrences, which bounds the cost of a query whatever the message's length.

Tokenising is most of the cost of a query (jieba's segmentation: about 0.05 ms for a title and
2 ms for a whole 330-character message, against a few tenths of a millisecond for the index); on
附件4 the opening found the same responding body as often as the whole text did
(``bench/similar_replies.py`` measures both, with their speed).

The score of a hit is its BM25 score over the most a row could score for that query — the sum of
the query terms' IDF, times the times each is asked for (a Lucene BM25 term scores below its IDF
however often a row repeats it) — so it lies in [0, 1). Among the 2,816 messages of 附件4 the
nearest other message scores 0.11 / 0.18 / 0.34 at the 10th / 50th / 90th percentile.

:meth:`SimilarReplies.save` writes a folder — the records with their tokens, and a manifest naming
the tokenizer's fingerprint — atomically; :meth:`SimilarReplies.load` builds the index from the
saved tokens (milliseconds: the build is vectorised, and an in-memory index answers faster than
a memory-mapped one at this size), and tokenises the records again when the tokenizer has
changed since (a new lexicon group or user-dictionary word).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from govai.errors import ConfigError
from govai.knowledge.index import LexicalIndex, LexicalIndexBackend, get_index_backend
from govai.knowledge.text import Tokenizer, get_tokenizer, tokenize_many
from govai.storage.files import write_directory_atomically

__all__ = ["PastReply", "SimilarReplies", "SimilarReply"]

QUERY_CHARS = 120
QUERY_TERMS = 24
TITLE_REPEAT = 2

_FORMAT = "govai-similar-replies"
_FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_RECORDS = "records.jsonl"


@dataclass(frozen=True)
class PastReply:
    """A past message and the reply it got."""

    id: str
    title: str
    text: str
    reply: str
    replied_at: str = ""

    @property
    def message(self) -> str:
        return f"{self.title}\n{self.text}".strip()


@dataclass(frozen=True)
class SimilarReply:
    record: PastReply
    score: float
    """Share of the query's best possible BM25 score, in [0, 1) (see the module notes)."""

    def as_dict(self) -> dict[str, object]:
        return asdict(self.record) | {"score": round(self.score, 4)}


class SimilarReplies:
    """A BM25 index over past messages; search it with a new message's title and text."""

    def __init__(
        self,
        records: Sequence[PastReply],
        corpus: Sequence[Sequence[str]],
        tokenizer: Tokenizer,
        backend: LexicalIndexBackend,
    ) -> None:
        """``corpus`` holds each record's message tokens, made by ``tokenizer``; use
        :meth:`build` to make them."""
        if len(records) != len(corpus):
            raise ValueError("one token list per record")
        self.records = list(records)
        self._corpus = [list(tokens) for tokens in corpus]
        self._tokenizer = tokenizer
        self._backend = backend
        self._index: LexicalIndex = backend.build(self._corpus)
        df: Counter[str] = Counter()
        for tokens in self._corpus:
            df.update(set(tokens))
        n = len(self.records)
        # Lucene BM25's IDF, as the index computes it
        self._idf = {t: math.log1p((n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def __len__(self) -> int:
        return len(self.records)

    @classmethod
    def build(
        cls,
        records: Iterable[PastReply],
        *,
        tokenizer: Tokenizer | None = None,
        backend: LexicalIndexBackend | None = None,
    ) -> SimilarReplies:
        records = list(records)
        tokenizer = tokenizer or get_tokenizer()
        corpus = tokenize_many(tokenizer, [r.message for r in records])
        return cls(records, corpus, tokenizer, backend or get_index_backend("bm25s"))

    # -- searching

    def idf(self, term: str) -> float:
        """Lucene BM25's IDF, as the index computes it (0 for a term no past message has)."""
        return self._idf.get(term, 0.0)

    def query_tokens(
        self, title: str, text: str = "", *, chars: int | None = QUERY_CHARS
    ) -> list[str]:
        """The terms a search for this message uses, each as often as it counts (see the module
        notes): the title, and the first ``chars`` characters of the text (all of it for None)."""
        tokenizer = self._tokenizer
        body = text if chars is None else text[:chars]
        counts = Counter(tokenizer.tokens(title) * TITLE_REPEAT + tokenizer.tokens(body))
        idf = self._idf
        known = [(t, c) for t, c in counts.items() if t in idf]
        known.sort(key=lambda tc: -idf[tc[0]] * tc[1])
        return [t for t, c in known[:QUERY_TERMS] for _ in range(c)]

    def search_tokens(
        self, tokens: Sequence[str], k: int = 3, *, exclude: Container[str] = ()
    ) -> list[SimilarReply]:
        """The ``k`` past messages most like the query ``tokens``, best first, skipping the ids
        in ``exclude`` (e.g. the message itself)."""
        if k <= 0 or not tokens:
            return []
        idf = self._idf
        best = sum(idf.get(t, 0.0) for t in tokens)
        if best <= 0:
            return []
        found: list[SimilarReply] = []
        extra = 0
        while True:
            # ask for more rows only when excluded ones took places in the top k
            ranked = self._index.search(tokens, k + extra)
            found = [
                SimilarReply(self.records[row], score / best)
                for row, score in ranked
                if self.records[row].id not in exclude
            ]
            if len(found) >= k or len(ranked) < k + extra:
                return found[:k]
            extra = extra * 2 + (k + extra - len(found))

    def search(
        self, title: str, text: str = "", k: int = 3, *, exclude: Container[str] = ()
    ) -> list[SimilarReply]:
        """The ``k`` past messages most like this one, with their replies, best first."""
        return self.search_tokens(self.query_tokens(title, text), k, exclude=exclude)

    # -- persistence

    def save(self, path: Path) -> None:
        """Write the records with their tokens and a manifest into the folder ``path``,
        atomically."""

        def fill(directory: Path) -> None:
            with (directory / _RECORDS).open("w", encoding="utf-8") as fh:
                for record, tokens in zip(self.records, self._corpus, strict=True):
                    line = {"record": asdict(record), "tokens": " ".join(tokens)}
                    fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            manifest = {
                "format": _FORMAT,
                "version": _FORMAT_VERSION,
                "records": len(self.records),
                "backend": self._backend.name,
                "tokenizer": self._tokenizer.fingerprint,
            }
            (directory / _MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

        write_directory_atomically(Path(path), fill)

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        tokenizer: Tokenizer | None = None,
        backend: LexicalIndexBackend | None = None,
    ) -> SimilarReplies:
        """Read a folder written by :meth:`save`; the records are tokenised again when the
        tokenizer changed since."""
        path = Path(path)
        tokenizer = tokenizer or get_tokenizer()
        try:
            manifest = json.loads((path / _MANIFEST).read_text(encoding="utf-8"))
            records, corpus = [], []
            with (path / _RECORDS).open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        item = json.loads(line)
                        records.append(PastReply(**item["record"]))
                        corpus.append(item["tokens"].split())
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ConfigError(
                f"往期答复索引 {path} 不完整或已损坏（{exc.__class__.__name__}）；"
                "请删除该目录后重新建立。",
                path=str(path),
            ) from exc
        if manifest.get("format") != _FORMAT or manifest.get("version") != _FORMAT_VERSION:
            raise ConfigError(
                f"往期答复索引 {path} 的格式（{manifest.get('format')} v{manifest.get('version')}）"
                f"不是本版本 govai 使用的 {_FORMAT} v{_FORMAT_VERSION}；请删除该目录后重新建立。",
                path=str(path),
            )
        if len(records) != manifest.get("records"):
            raise ConfigError(
                f"往期答复索引 {path} 的记录数与清单不符；请删除该目录后重新建立。",
                path=str(path),
            )
        backend = backend or get_index_backend(str(manifest.get("backend", "bm25s")))
        if manifest.get("tokenizer") != tokenizer.fingerprint:
            return cls.build(records, tokenizer=tokenizer, backend=backend)
        return cls(records, corpus, tokenizer, backend)

"""Search over a knowledge base, with the asker's permissions and the documents' validity.

The :class:`Retriever` keeps each knowledge base's lexical index loaded, keyed by the base's
``index_version``: when an import (in this or another process) bumps the version, the next
search loads the persisted index of that version from ``GOVAI_HOME/indexes`` or builds it from
the tokens stored with the passages. Filters are weights over the index rows, applied inside the
index's scoring:

- documents above the asker's clearance, and 已废止 documents, weigh 0 (never returned, so they
  never ground an answer);
- 已修改 (superseded) versions weigh 0.5 and 尚未生效 ones 0.8, so the current text ranks first.

Optional stages, off by default: dense retrieval through an embeddings endpoint fused by
reciprocal rank fusion, and a rerank endpoint over the fused candidates (both through the model
gateway, so provider approval, data levels and the call log apply).

Each hit also carries ``coverage``: the share, by IDF weight, of the query's own terms (a
synonym counts) found in the passage. The Q&A scenario refuses when the best coverage is low —
the question's key terms are simply not in the knowledge base.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from govai.accounts.principal import SYSTEM, Principal
from govai.classification import Level
from govai.errors import ConfigError
from govai.gateway import ModelGateway, RerankRequest
from govai.knowledge import service
from govai.knowledge.dense import GatewayEncoder, VectorIndex, reciprocal_rank_fusion
from govai.knowledge.index import LexicalIndex, LexicalIndexBackend, get_index_backend
from govai.knowledge.models import KbDocument, KbPassage, KnowledgeBase
from govai.knowledge.provenance import Status
from govai.knowledge.text import (
    Lexicon,
    QueryGroup,
    Tokenizer,
    get_tokenizer,
    group_tokens,
    normalize,
)
from govai.settings import Settings
from govai.storage.db import Database
from govai.storage.files import write_directory_atomically

STATUS_WEIGHT: dict[str, float] = {
    Status.CURRENT: 1.0,
    Status.PENDING: 0.8,
    Status.AMENDED: 0.5,
    Status.REPEALED: 0.0,
}
CANDIDATES = 50
# Passages re-ranked with their document's score, and that score's share of the ranking.
DOCUMENT_CANDIDATES = 200
DOCUMENT_WEIGHT = 0.3
# A citation by name: 《住房公积金管理条例》第二十四条, 劳动合同法第20条, 《社会保险法》的第十条.
_CITED_ARTICLE = re.compile(
    r"(?:《(?P<t1>[^》]{2,60})》|(?P<t2>[\u4e00-\u9fff]{2,30}?(?:法|条例|规定|办法|细则|决定)))"
    r"\s*(?:的|中的|里的)?\s*(?P<article>第\s*[0-9一二两三四五六七八九十百零〇]+\s*条)"
)
# The share of passages a term the knowledge base lacks is weighed as if found in (coverage).
ABSENT_TERM_SHARE = 0.0025
# Bump when what is saved under GOVAI_HOME/indexes changes: older saves are rebuilt.
SAVED_FORMAT = 2
RERANK_CANDIDATES = 20


@dataclass(frozen=True)
class Hit:
    passage_id: int
    doc_id: str
    title: str
    clause: str
    chapter: str
    text: str
    score: float
    status: str
    doc_number: str = ""
    issuer: str = ""
    issued_on: date | None = None
    effective_on: date | None = None
    level: Level = Level.PUBLIC
    coverage: float = 0.0

    @property
    def citation(self) -> str:
        """《住房公积金管理条例》第二十四条 — how the clause is cited in an answer."""
        return f"《{self.title}》{self.clause}"

    def as_dict(self) -> dict[str, object]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "clause": self.clause,
            "text": self.text,
            "score": round(self.score, 4),
            "status": self.status,
        }


@dataclass
class SearchResult:
    kb: str
    kb_id: int
    query: str
    hits: list[Hit]
    terms: list[str] = field(default_factory=list)
    query_terms: list[str] = field(default_factory=list)  # with synonym expansions
    # Articles the query cites by name that the knowledge base does not have (《X》第九十条).
    missing: list[str] = field(default_factory=list)

    @property
    def best_coverage(self) -> float:
        return max((h.coverage for h in self.hits), default=0.0)

    def as_dict(self) -> dict[str, object]:
        return {"query": self.query, "hits": [h.as_dict() for h in self.hits]}


@dataclass
class LoadedIndex:
    """One knowledge base's index with the row → passage mapping and what the filters need."""

    version: int
    index: LexicalIndex
    passage_ids: np.ndarray
    doc_ids: np.ndarray
    df: dict[str, int]
    doc_level: dict[int, int]
    doc_status: dict[int, str]
    doc_title: dict[int, str]
    documents: LexicalIndex  # one row per document: the tokens of all its passages
    document_ids: np.ndarray  # document id of each row of ``documents``
    dense: VectorIndex | None = None
    _weights: dict[int, np.ndarray] = field(default_factory=dict)
    _document_weights: dict[int, np.ndarray] = field(default_factory=dict)
    _document_row: np.ndarray | None = None
    _row_of: dict[int, int] | None = None
    _by_title: dict[str, list[int]] | None = None

    def __len__(self) -> int:
        return len(self.passage_ids)

    def idf(self, term: str) -> float:
        return self.idf_at(self.df.get(term, 0))

    def idf_at(self, df: float) -> float:
        n = len(self.passage_ids)
        return math.log(1 + max(n - df + 0.5, 0.0) / (df + 0.5))

    def documents_by_title(self) -> dict[str, list[int]]:
        """Document ids by title without 中华人民共和国 (cached): what a citation names."""
        if self._by_title is None:
            self._by_title = {}
            for doc, title in self.doc_title.items():
                self._by_title.setdefault(_short_title(title), []).append(doc)
        return self._by_title

    def row_of(self, passage_id: int) -> int | None:
        """The index row of a passage (None when the index predates it)."""
        if self._row_of is None:
            self._row_of = {int(p): i for i, p in enumerate(self.passage_ids)}
        return self._row_of.get(int(passage_id))

    def _per_document(self, clearance: Level, ids: np.ndarray) -> np.ndarray:
        per_doc = {
            doc: (STATUS_WEIGHT.get(self.doc_status[doc], 1.0) if level <= clearance else 0.0)
            for doc, level in self.doc_level.items()
        }
        lookup = np.vectorize(lambda d: per_doc.get(int(d), 0.0), otypes=[np.float32])
        return lookup(ids) if len(ids) else np.zeros(0, np.float32)

    def weights(self, clearance: Level) -> np.ndarray:
        """Per-passage weights for an asker of ``clearance`` (cached)."""
        cached = self._weights.get(int(clearance))
        if cached is None:
            cached = self._weights[int(clearance)] = self._per_document(clearance, self.doc_ids)
        return cached

    def document_weights(self, clearance: Level) -> np.ndarray:
        """The same weights over the rows of the document index (cached)."""
        cached = self._document_weights.get(int(clearance))
        if cached is None:
            cached = self._per_document(clearance, self.document_ids)
            self._document_weights[int(clearance)] = cached
        return cached

    def document_row(self, passage_rows: np.ndarray) -> np.ndarray:
        """The document-index row of each passage row."""
        if self._document_row is None:
            position = {int(d): i for i, d in enumerate(self.document_ids)}
            self._document_row = np.asarray(
                [position[int(d)] for d in self.doc_ids], dtype=np.int64
            )
        return self._document_row[passage_rows]


class Retriever:
    """Searches knowledge bases; one per process (the web app keeps one for its lifetime)."""

    def __init__(
        self, db: Database, settings: Settings, gateway: ModelGateway | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self._gateway = gateway
        self._loaded: dict[int, LoadedIndex] = {}
        self._lock = threading.Lock()

    @property
    def gateway(self) -> ModelGateway:
        if self._gateway is None:
            self._gateway = ModelGateway(self.db, self.settings)
        return self._gateway

    def _dense_meta(self) -> dict[str, str] | None:
        provider = str(self.settings.kb_embedding_provider)
        if not provider:
            return None
        return {"provider": provider, "model": str(self.settings.kb_embedding_model)}

    # -- indexes

    def index_dir(self, kb_id: int) -> Path:
        return self.settings.home_path / "indexes" / f"kb-{kb_id}"

    def index_for(self, kb: KnowledgeBase) -> LoadedIndex:
        loaded = self._loaded.get(kb.id)
        if loaded is not None and loaded.version == kb.index_version:
            return loaded
        with self._lock:
            loaded = self._loaded.get(kb.id)
            if loaded is None or loaded.version != kb.index_version:
                loaded = self._load_or_build(kb.id, kb.index_version)
                self._loaded[kb.id] = loaded
        return loaded

    def _load_or_build(self, kb_id: int, version: int) -> LoadedIndex:
        backend = get_index_backend(self.settings.index_backend)
        path = self.index_dir(kb_id) / f"v{version}-{backend.name}"
        with self.db.read() as session:
            docs = session.execute(
                select(KbDocument.id, KbDocument.level, KbDocument.status, KbDocument.title).where(
                    KbDocument.kb_id == kb_id
                )
            ).all()
            doc_level = {d: lvl for d, lvl, _, _ in docs}
            doc_status = {d: st for d, _, st, _ in docs}
            doc_title = {d: t for d, _, _, t in docs}
            meta_file = path / "rows.json"
            saved = self._saved(path, backend) if meta_file.exists() else None
            if saved is not None:
                meta, index, documents = saved
                loaded = LoadedIndex(
                    version,
                    index,
                    np.asarray(meta["passage_ids"], dtype=np.int64),
                    np.asarray(meta["doc_ids"], dtype=np.int64),
                    meta["df"],
                    doc_level,
                    doc_status,
                    doc_title,
                    documents,
                    np.asarray(meta["document_ids"], dtype=np.int64),
                )
                return self._with_dense(path, loaded)
            rows = session.execute(
                select(KbPassage.id, KbPassage.document_id, KbPassage.tokens)
                .where(KbPassage.kb_id == kb_id)
                .order_by(KbPassage.id)
            ).all()
        corpus = [tokens.split() for _, _, tokens in rows]
        df: Counter[str] = Counter()
        by_document: dict[int, list[str]] = {}
        for (_, doc, _), toks in zip(rows, corpus, strict=True):
            df.update(set(toks))
            by_document.setdefault(doc, []).extend(toks)
        loaded = LoadedIndex(
            version,
            backend.build(corpus),
            np.asarray([r[0] for r in rows], dtype=np.int64),
            np.asarray([r[1] for r in rows], dtype=np.int64),
            dict(df),
            doc_level,
            doc_status,
            doc_title,
            backend.build(list(by_document.values())),
            np.asarray(list(by_document), dtype=np.int64),
        )
        self._save(path, loaded)
        return self._with_dense(path, loaded)

    @staticmethod
    def _saved(
        path: Path, backend: LexicalIndexBackend
    ) -> tuple[dict[str, Any], LexicalIndex, LexicalIndex] | None:
        """A saved index, or None when it is damaged or from an older govai (it is a cache:
        rebuilt from the database)."""
        try:
            meta = json.loads((path / "rows.json").read_text(encoding="utf-8"))
            if meta.get("format") != SAVED_FORMAT:
                return None
            return meta, backend.load(path / "index"), backend.load(path / "documents")
        except (OSError, ValueError, ConfigError):
            return None

    def _with_dense(self, path: Path, loaded: LoadedIndex) -> LoadedIndex:
        """Attach the passage vectors when dense retrieval is on, embedding them (through the
        gateway, one call per classification level) the first time."""
        wanted = self._dense_meta()
        if wanted is None or not len(loaded):
            return loaded
        dense_dir = path / "dense"
        if dense_dir.exists():
            index = VectorIndex.load(dense_dir)
            if dict(index.meta) == wanted:
                loaded.dense = index
                return loaded
        with self.db.read() as session:
            rows = dict(
                session.execute(
                    select(KbPassage.id, KbDocument.title + "\n" + KbPassage.text)
                    .join(KbDocument, KbDocument.id == KbPassage.document_id)
                    .where(KbPassage.id.in_([int(i) for i in loaded.passage_ids]))
                ).all()
            )
        texts = [rows[int(pid)] for pid in loaded.passage_ids]
        levels = [loaded.doc_level[int(d)] for d in loaded.doc_ids]
        vectors: np.ndarray | None = None
        for level in sorted(set(levels)):
            positions = [i for i, lvl in enumerate(levels) if lvl == level]
            encoder = GatewayEncoder(
                self.gateway, SYSTEM, wanted["provider"], wanted["model"], Level(level)
            )
            part = encoder.encode([texts[i] for i in positions])
            if vectors is None:
                vectors = np.zeros((len(texts), part.shape[1]), dtype=np.float32)
            vectors[positions] = part
        assert vectors is not None
        loaded.dense = VectorIndex.build(vectors, meta=wanted)
        loaded.dense.save(dense_dir)
        return loaded

    def _save(self, path: Path, loaded: LoadedIndex) -> None:
        """Persist the index of one version and drop older versions of the same base."""
        meta = {
            "format": SAVED_FORMAT,
            "passage_ids": loaded.passage_ids.tolist(),
            "doc_ids": loaded.doc_ids.tolist(),
            "document_ids": loaded.document_ids.tolist(),
            "df": loaded.df,
        }

        def fill(directory: Path) -> None:
            loaded.index.save(directory / "index")
            loaded.documents.save(directory / "documents")
            (directory / "rows.json").write_text(json.dumps(meta), encoding="utf-8")

        write_directory_atomically(path, fill)
        for old in path.parent.iterdir():
            if old != path and not old.name.startswith("."):  # another writer's temp dir
                shutil.rmtree(old, ignore_errors=True)

    def lexicon(self) -> Lexicon:
        with self.db.read() as session:
            return service.lexicon(session)

    def query_terms(self, text: str) -> list[str]:
        """The terms a search for ``text`` would use, synonyms included."""
        return get_tokenizer(self.lexicon()).query_tokens(text)

    # -- search

    def search(
        self,
        kb_name: str,
        query: str,
        actor: Principal,
        *,
        top_k: int = 5,
    ) -> SearchResult:
        with self.db.read() as session:
            kb = service.get_kb(session, kb_name, actor)
            clearance = service.clearance_for(actor)
            lexicon = service.lexicon(session)
        loaded = self.index_for(kb)
        tokenizer = get_tokenizer(lexicon)
        terms = tokenizer.key_terms(query)
        groups = tokenizer.query_groups(query, known=loaded.df)
        query_tokens = group_tokens(groups)
        if not query_tokens or not len(loaded):
            return SearchResult(kb.name, kb.id, query, [], terms, query_tokens)
        weights = loaded.weights(clearance)
        ranked = self._lexical(loaded, groups, clearance, max(top_k, CANDIDATES))
        if loaded.dense is not None:
            ranked = self._fuse(ranked, loaded.dense, query, actor, clearance, weights, top_k)
        if self.settings.kb_rerank_provider and ranked:
            ranked = self._rerank(ranked, loaded, query, actor)
        cited, missing = self._cited(kb.id, query, loaded, weights)
        if cited:
            top = ranked[0][1] if ranked else 1.0
            ranked = [(row, top) for row in cited] + [r for r in ranked if r[0] not in cited]
        ranked = ranked[:top_k]
        hits = self._hits(loaded, ranked, terms, lexicon, tokenizer)
        return SearchResult(kb.name, kb.id, query, hits, terms, query_tokens, missing)

    def _cited(
        self, kb_id: int, query: str, loaded: LoadedIndex, weights: np.ndarray
    ) -> tuple[list[int], list[str]]:
        """Articles the query cites by name (《住房公积金管理条例》第二十四条, 劳动合同法第20条):
        the rows of those the asker may see, first in the results whatever their score, and
        the citations of those the knowledge base lacks although it has the named document."""
        wanted = [m for m in _CITED_ARTICLE.finditer(query)]
        if not wanted:
            return [], []
        by_title = loaded.documents_by_title()
        rows: list[int] = []
        missing: list[str] = []
        with self.db.read() as session:
            for match in wanted:
                article, label = match.group("article"), normalize(match.group("article"))
                named = _short_title(match.group("t1") or match.group("t2"))
                # unbracketed, the name may follow other words: 我想问劳动合同法第20条
                known = next(
                    (named[i:] for i in range(len(named) - 1) if named[i:] in by_title), None
                )
                if known is None:
                    continue  # not a document of this base: nothing to say about it
                passages = session.execute(
                    select(KbPassage.id, KbPassage.clause).where(
                        KbPassage.document_id.in_(by_title[known])
                    )
                ).all()
                found = [
                    row
                    for pid, clause in passages
                    if normalize(clause).startswith(label)
                    and (row := loaded.row_of(pid)) is not None
                    and weights[row] > 0
                ]
                if found:
                    found.sort(key=lambda r: -weights[r])  # the current version first
                    rows.extend(r for r in found[:1] if r not in rows)
                else:
                    missing.append(f"《{known}》{article.replace(' ', '')}")
        return rows, missing

    @staticmethod
    def _lexical(
        loaded: LoadedIndex, groups: list[QueryGroup], clearance: Level, k: int
    ) -> list[tuple[int, float]]:
        """Passages by BM25, re-ranked with their document's BM25 over all its text.

        A question names its topic in a few words (公积金, 低保, 噪声) and its point in others;
        the law whose whole text is about the topic is more likely to hold the answer than a
        short article elsewhere that happens to share a common word (举报, 奖励). Both scores are
        scaled by the best of their kind for this query, and the document's counts
        ``DOCUMENT_WEIGHT`` as much as the passage's.
        """
        candidates = loaded.index.search_groups(
            groups, max(k, DOCUMENT_CANDIDATES), weights=loaded.weights(clearance)
        )
        if not candidates:
            return []
        rows = np.asarray([r for r, _ in candidates], dtype=np.int64)
        scores = np.asarray([sc for _, sc in candidates], dtype=np.float64)
        documents = loaded.documents.search_groups(
            groups, len(loaded.documents), weights=loaded.document_weights(clearance)
        )
        by_document = np.zeros(len(loaded.documents), dtype=np.float64)
        for row, score in documents:
            by_document[row] = score
        doc_scores = by_document[loaded.document_row(rows)]
        combined = scores / scores.max() + DOCUMENT_WEIGHT * doc_scores / (by_document.max() or 1.0)
        order = np.lexsort((rows, -combined))[:k]
        return [(int(rows[i]), float(combined[i])) for i in order]

    def _fuse(
        self,
        lexical: list[tuple[int, float]],
        dense: VectorIndex,
        query: str,
        actor: Principal,
        clearance: Level,
        weights: np.ndarray,
        top_k: int,
    ) -> list[tuple[int, float]]:
        meta = self._dense_meta()
        assert meta is not None
        level = Level.PUBLIC if clearance == Level.PUBLIC else Level.INTERNAL
        encoder = GatewayEncoder(
            self.gateway, actor, meta["provider"], meta["model"], level, scenario="knowledge.query"
        )
        vector = encoder.encode([query])[0]
        nearest = dense.search(vector, max(top_k, CANDIDATES), weights=weights)
        return reciprocal_rank_fusion([[r for r, _ in lexical], [r for r, _ in nearest]])

    def _rerank(
        self,
        ranked: list[tuple[int, float]],
        loaded: LoadedIndex,
        query: str,
        actor: Principal,
    ) -> list[tuple[int, float]]:
        head = ranked[:RERANK_CANDIDATES]
        ids = [int(loaded.passage_ids[row]) for row, _ in head]
        with self.db.read() as session:
            texts = dict(
                session.execute(
                    select(KbPassage.id, KbPassage.text).where(KbPassage.id.in_(ids))
                ).all()
            )
        level = max(Level(loaded.doc_level[int(loaded.doc_ids[row])]) for row, _ in head)
        scores = self.gateway.rerank(
            RerankRequest(
                "knowledge.rerank",
                query,
                [texts.get(i, "") for i in ids],
                level,  # weights kept every passage at or below the asker's clearance
                str(self.settings.kb_rerank_provider),
                str(self.settings.kb_rerank_model),
            ),
            actor,
        )
        order = sorted(range(len(head)), key=lambda i: -scores[i])
        return [(head[i][0], float(scores[i])) for i in order] + ranked[RERANK_CANDIDATES:]

    def _hits(
        self,
        loaded: LoadedIndex,
        ranked: Sequence[tuple[int, float]],
        terms: list[str],
        lexicon: Lexicon,
        tokenizer: Tokenizer,
    ) -> list[Hit]:
        ids = [int(loaded.passage_ids[row]) for row, _ in ranked]
        if not ids:
            return []
        with self.db.read() as session:
            rows = {
                p.id: (p, d)
                for p, d in session.execute(
                    select(KbPassage, KbDocument)
                    .join(KbDocument, KbDocument.id == KbPassage.document_id)
                    .where(KbPassage.id.in_(ids))
                )
            }
        alternatives = {t: _alternatives(t, lexicon, tokenizer) for t in set(terms)}
        weights = {t: _coverage_weight(loaded, alternatives[t]) for t in set(terms)}
        total = sum(weights[t] for t in terms) or 1.0
        hits = []
        for (_, score), pid in zip(ranked, ids, strict=True):
            if pid not in rows:  # deleted since the index was loaded
                continue
            passage, doc = rows[pid]
            present = set(passage.tokens.split())
            covered = sum(weights[t] for t in terms if alternatives[t] & present)
            hits.append(
                Hit(
                    passage_id=pid,
                    doc_id=doc.key,
                    title=doc.title,
                    clause=passage.clause,
                    chapter=passage.chapter,
                    text=passage.text,
                    score=float(score),
                    status=doc.status,
                    doc_number=doc.doc_number,
                    issuer=doc.issuer,
                    issued_on=doc.issued_on,
                    effective_on=doc.effective_on,
                    level=Level(doc.level),
                    coverage=covered / total,
                )
            )
        return hits


def _short_title(title: str) -> str:
    return title.strip().removeprefix("中华人民共和国")


def _coverage_weight(loaded: LoadedIndex, alternatives: set[str]) -> float:
    """How much a key term counts in coverage: its (best-known synonym's) IDF; a term the knowledge
    base has never seen counts as much as one found in one passage in 400 — enough that a
    question about something absent is not covered, without letting one colloquial word that
    no document uses outweigh everything else the question says."""
    known = [loaded.idf(a) for a in alternatives if loaded.df.get(a)]
    if known:
        return max(known)
    return loaded.idf_at(max(1.0, len(loaded) * ABSENT_TERM_SHARE))


def _alternatives(term: str, lexicon: Lexicon, tokenizer: Tokenizer) -> set[str]:
    """The term and the tokens of its synonyms: any of them in a passage covers the term."""
    found = {term}
    for synonym in lexicon.expansions(term):
        found.update(tokenizer.tokens(synonym))
    return found

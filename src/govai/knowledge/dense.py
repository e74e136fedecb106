"""Optional dense retrieval: passage vectors from an embedding model, searched exactly with numpy,
and fused with the lexical ranking by reciprocal rank fusion.

Off unless a knowledge base names an embedding provider: lexical search alone needs no model, and
a vector is only worth having from a model the data may be sent to. Texts reach the model through
:meth:`govai.gateway.ModelGateway.embed` (:class:`GatewayEncoder`), so the gateway's rules — data
level, approval of a key, masking, one call-log row per call — hold for indexing and for queries.

:class:`VectorIndex` keeps the passages' vectors as one float32 matrix, each row L2-normalised, in
build order; a query costs one matrix-vector product. Exact search is fast enough at a
department's scale: 42,936 passages × 1,024 dimensions (176 MB) take 20–40 ms a query on two
cores, bound by memory bandwidth, so no approximate index (and no recall loss) is needed.
A row's score is its similarity ``(1 + cosine) / 2`` in [0, 1], multiplied by the caller's
weight, so weights mean what they mean for the lexical index: 0 excludes the row, 0.5 demotes it.
(Weighting the raw cosine would not do: halving a negative cosine *raises* it.) A zero vector —
a row or a query with no direction — matches nothing.

:func:`reciprocal_rank_fusion` combines rankings by position only (Cormack, Clarke & Büttcher,
SIGIR 2009): ``score(d) = Σ 1 / (k + rank(d))`` with ranks from 1 and ``k = 60``. It needs no
calibration between BM25 scores and cosines, which live on unrelated scales.

Saved indexes are a directory holding ``vectors.npy`` (memory-mapped on load) and a manifest with
the format version and the caller's ``meta`` (e.g. which provider and model made the vectors,
so a query is never compared against vectors of another model). Saving writes a sibling
temporary directory and renames it into place, so a reader never sees a half-written index.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from govai.accounts.principal import Principal
from govai.classification import Level
from govai.errors import ConfigError
from govai.gateway import EMBED_BATCH_SIZE, EmbeddingRequest, ModelGateway
from govai.knowledge.index import top_rows
from govai.storage.files import write_directory_atomically

__all__ = [
    "RRF_K",
    "DenseEncoder",
    "GatewayEncoder",
    "VectorIndex",
    "reciprocal_rank_fusion",
]

RRF_K = 60
"""The constant of reciprocal rank fusion; 60 is the value of the original paper, and the
result is insensitive to it within a wide range."""

_FORMAT = "govai-dense"
_FORMAT_VERSION = 1
_VECTORS = "vectors.npy"
_MANIFEST = "govai-index.json"


# ── encoders ──────────────────────────────────────────────────────────────────


@runtime_checkable
class DenseEncoder(Protocol):
    """Turns texts into vectors: a float32 array of shape (len(texts), dimensions)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class GatewayEncoder:
    """A :class:`DenseEncoder` that calls an embedding provider through the model gateway.

    ``level`` is the highest classification among the texts of one ``encode`` call: the gateway
    refuses the call if the provider may not receive it, so a caller holding passages of several
    levels encodes them per level. ``model`` empty means the provider's configured model.
    Refusals and provider failures raise the gateway's errors (:class:`govai.errors.GatewayError`).
    """

    gateway: ModelGateway
    actor: Principal
    provider: str
    model: str
    level: Level
    scenario: str = "knowledge.embed"
    batch_size: int = EMBED_BATCH_SIZE
    progress: Callable[[int, int], None] | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        request = EmbeddingRequest(
            self.scenario, list(texts), self.level, self.provider, self.model
        )
        result = self.gateway.embed(
            request, self.actor, batch_size=self.batch_size, progress=self.progress
        )
        if not result.vectors:
            return np.zeros((0, 0), dtype=np.float32)
        return np.asarray(result.vectors, dtype=np.float32)


# ── the index ─────────────────────────────────────────────────────────────────


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


class VectorIndex:
    """Exact cosine search over L2-normalised float32 rows; see the module notes."""

    def __init__(self, unit_vectors: np.ndarray, meta: Mapping[str, str] | None = None) -> None:
        """Wrap rows that are already unit length (or zero); use :meth:`build` for raw vectors."""
        self._vectors = unit_vectors
        self._live: np.ndarray = np.linalg.norm(unit_vectors, axis=1) > 0
        self.meta: dict[str, str] = dict(meta or {})

    @classmethod
    def build(
        cls, vectors: np.ndarray | Sequence[Sequence[float]], meta: Mapping[str, str] | None = None
    ) -> VectorIndex:
        """An index over ``vectors`` (N × d; N may be 0), rows in the given order."""
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.size == 0:
            return cls(np.zeros((0, matrix.shape[1] if matrix.ndim == 2 else 0), np.float32), meta)
        if matrix.ndim != 2:
            raise ValueError(f"vectors must be a 2-D array (rows × dimensions), got {matrix.shape}")
        if not np.isfinite(matrix).all():
            raise ValueError("vectors contain NaN or infinity")
        return cls(_unit_rows(matrix), meta)

    def __len__(self) -> int:
        return int(self._vectors.shape[0])

    @property
    def dimensions(self) -> int:
        return int(self._vectors.shape[1])

    @property
    def vectors(self) -> np.ndarray:
        """The unit rows (read-only when loaded from disk)."""
        return self._vectors

    def search(
        self, query_vec: np.ndarray | Sequence[float], k: int, weights: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Up to ``k`` ``(row, score)`` pairs, best first (ties by row); ``score`` is
        ``weight × (1 + cosine) / 2``. ``weights`` (length N): 0 excludes a row, 0.5 demotes it."""
        n = len(self)
        if k <= 0 or n == 0:
            return []
        query = np.asarray(query_vec, dtype=np.float32)
        if query.shape != (self.dimensions,):
            raise ValueError(
                f"query vector must have shape ({self.dimensions},), got {query.shape}; "
                "was it made by another embedding model?"
            )
        norm = float(np.linalg.norm(query))
        if not np.isfinite(norm) or norm == 0.0:
            return []
        cosine = self._vectors @ (query / norm)
        scores = np.clip((1.0 + cosine) * 0.5, 0.0, 1.0)
        eligible = self._live
        if weights is not None:
            weights = np.asarray(weights)
            if weights.shape != (n,):
                raise ValueError(
                    f"weights must have one value per row: expected shape ({n},), "
                    f"got {weights.shape}"
                )
            scores = scores * weights
            eligible = eligible & (weights > 0)
        return top_rows(np.flatnonzero(eligible), scores, k)

    def save(self, path: Path | str) -> None:
        """Persist into the directory ``path``, replacing what was there, atomically."""
        write_directory_atomically(Path(path), self._write)

    def _write(self, directory: Path) -> None:
        np.save(directory / _VECTORS, np.ascontiguousarray(self._vectors), allow_pickle=False)
        manifest = {
            "format": _FORMAT,
            "version": _FORMAT_VERSION,
            "rows": len(self),
            "dimensions": self.dimensions,
            "meta": self.meta,
        }
        (directory / _MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, path: Path | str) -> VectorIndex:
        path = Path(path)
        try:
            manifest = json.loads((path / _MANIFEST).read_text(encoding="utf-8"))
            vectors = np.load(path / _VECTORS, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"向量索引 {path} 不存在、不完整或已损坏（{exc.__class__.__name__}）；"
                "删除该目录后重建索引即可。",
                path=str(path),
            ) from exc
        if not isinstance(manifest, dict) or (manifest.get("format"), manifest.get("version")) != (
            _FORMAT,
            _FORMAT_VERSION,
        ):
            found = manifest.get("format") if isinstance(manifest, dict) else None
            raise ConfigError(
                f"向量索引 {path} 的格式（{found}）不是本版本 govai 使用的 "
                f"{_FORMAT} v{_FORMAT_VERSION}；删除该目录后重建索引即可。",
                path=str(path),
            )
        shape = (manifest.get("rows"), manifest.get("dimensions"))
        if vectors.dtype != np.float32 or vectors.ndim != 2 or vectors.shape != shape:
            raise ConfigError(
                f"向量索引 {path} 的向量文件与其说明不符（{vectors.dtype} {vectors.shape}）；"
                "删除该目录后重建索引即可。",
                path=str(path),
            )
        meta = manifest.get("meta") or {}
        return cls(vectors, {str(key): str(value) for key, value in meta.items()})


# ── fusion ────────────────────────────────────────────────────────────────────


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], k: int = RRF_K
) -> list[tuple[int, float]]:
    """Fuse rankings (each a sequence of ids, best first) into ``(id, score)`` pairs, best first.

    ``score = Σ 1 / (k + rank)`` over the rankings that list the id (rank from 1; an id repeated
    within one ranking counts at its first position). Equal scores keep the order in which the
    ids first appear when the rankings are read rank by rank (the first ranking's best, the
    second's best, …, then the second places), so the ranking given first wins ties.
    """
    if k < 0:
        raise ValueError(f"k must not be negative, got {k}")
    scores: dict[int, float] = {}
    first_seen: dict[int, tuple[int, int]] = {}
    for which, ranking in enumerate(rankings):
        seen: set[int] = set()
        for rank, item in enumerate(ranking, start=1):
            if item in seen:
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
            first_seen[item] = min(first_seen.get(item, (rank, which)), (rank, which))
    return sorted(scores.items(), key=lambda pair: (-pair[1], first_seen[pair[0]]))

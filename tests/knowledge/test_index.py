"""The lexical index registry and the built-in bm25s backend (which passes the shared contract)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import bm25s
import numpy as np
import pytest

from govai.errors import ConfigError, ValidationError
from govai.knowledge import index as index_module
from govai.knowledge.index import (
    BM25Index,
    BM25sBackend,
    LexicalIndex,
    LexicalIndexBackend,
    get_index_backend,
    index_backends,
    register_index_backend,
)
from govai.testing.index_contract import CORPUS, QUERIES, LexicalIndexContract


class TestBM25sBackend(LexicalIndexContract):
    @pytest.fixture
    def backend(self) -> LexicalIndexBackend:
        return get_index_backend("bm25s")

    def test_scores_are_bm25s_scores(self, index: LexicalIndex) -> None:
        reference = bm25s.BM25(method="lucene", k1=1.5, b=0.5)  # the backend's parameters
        reference.index(CORPUS, show_progress=False)
        assert isinstance(index, BM25Index)
        for query in QUERIES:
            expected = reference.get_scores(query)
            assert np.allclose(index.scores(query), expected, rtol=1e-5, atol=1e-6)

    def test_saved_directory_is_a_bm25s_index(self, index: LexicalIndex, tmp_path: Path) -> None:
        index.save(tmp_path / "idx")
        reference = bm25s.BM25.load(tmp_path / "idx", mmap=True)
        assert isinstance(index, BM25Index)
        for query in QUERIES:
            assert np.allclose(reference.get_scores(query), index.scores(query))

    def test_a_repeated_query_term_counts_twice(self, index: LexicalIndex) -> None:
        assert isinstance(index, BM25Index)
        once = index.scores(["公积金", "单位"])
        twice = index.scores(["公积金", "公积金", "单位"])
        assert np.allclose(twice - once, index.scores(["公积金"]))

    def test_loading_memory_maps_the_arrays(self, index: LexicalIndex, tmp_path: Path) -> None:
        index.save(tmp_path / "idx")
        loaded = BM25sBackend().load(tmp_path / "idx")
        assert isinstance(loaded._data, np.memmap) and isinstance(loaded._indices, np.memmap)

    def test_a_fresh_process_reads_the_saved_index(
        self, index: LexicalIndex, tmp_path: Path
    ) -> None:
        index.save(tmp_path / "idx")
        script = (
            "import json, sys\n"
            "from govai.knowledge.index import get_index_backend\n"
            "index = get_index_backend('bm25s').load(sys.argv[1])\n"
            "print(json.dumps([index.search(q, 10) for q in json.loads(sys.argv[2])]))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "idx"), json.dumps(QUERIES)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        expected = [[list(hit) for hit in index.search(q, 10)] for q in QUERIES]
        assert json.loads(out) == expected

    def test_a_corrupt_or_foreign_directory_is_reported_in_chinese(
        self, index: LexicalIndex, tmp_path: Path
    ) -> None:
        index.save(tmp_path / "idx")
        (tmp_path / "idx" / "indptr.csc.index.npy").unlink()
        with pytest.raises(ConfigError, match="不完整或已损坏"):
            BM25sBackend().load(tmp_path / "idx")
        index.save(tmp_path / "other")
        (tmp_path / "other" / "govai-index.json").write_text('{"format": "x", "version": 9}')
        with pytest.raises(ConfigError, match="格式"):
            BM25sBackend().load(tmp_path / "other")

    def test_failed_save_leaves_the_earlier_index(
        self, index: LexicalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        target = tmp_path / "idx"
        BM25sBackend().build([["旧词"]]).save(target)

        def broken_save(*args: object, **kwargs: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(index_module.np, "save", broken_save)
        with pytest.raises(OSError):
            index.save(target)
        monkeypatch.undo()
        loaded = BM25sBackend().load(target)
        assert len(loaded) == 1
        assert [row for row, _ in loaded.search(["旧词"], 5)] == [0]
        assert [p.name for p in tmp_path.iterdir()] == ["idx"]


# ── the registry ──────────────────────────────────────────────────────────────


class _EchoIndex:
    """A stand-in third-party index, enough to exercise the registry."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def search(
        self, query_tokens: object, k: int, weights: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        return []

    def search_groups(
        self, groups: object, k: int, weights: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        return []

    def save(self, path: Path) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)


class _EchoBackend:
    name = "echo"

    def build(self, corpus_tokens: object) -> _EchoIndex:
        return _EchoIndex(len(corpus_tokens))  # type: ignore[arg-type]

    def load(self, path: Path) -> _EchoIndex:
        return _EchoIndex(0)


@pytest.fixture
def registry() -> Iterator[None]:
    saved = dict(index_module._BACKENDS)
    yield
    index_module._BACKENDS.clear()
    index_module._BACKENDS.update(saved)


def test_builtin_backend_is_registered() -> None:
    assert "bm25s" in index_backends()
    assert isinstance(get_index_backend("bm25s"), BM25sBackend)


def test_unknown_backend_lists_the_choices(registry: None) -> None:
    with pytest.raises(ConfigError) as caught:
        get_index_backend("lucene")
    assert "lucene" in caught.value.message and "bm25s" in caught.value.message
    assert "GOVAI_INDEX_BACKEND" in caught.value.message
    assert caught.value.detail["choices"] == index_backends()


def test_a_third_party_backend_registers_like_the_builtin_one(registry: None) -> None:
    backend = _EchoBackend()
    register_index_backend(backend)
    assert index_backends() == ["bm25s", "echo"]
    assert get_index_backend("echo") is backend
    assert isinstance(backend, LexicalIndexBackend)
    assert isinstance(backend.build([["a"]]), LexicalIndex)


def test_a_backend_needs_a_name(registry: None) -> None:
    nameless = _EchoBackend()
    nameless.name = " "
    with pytest.raises(ValidationError, match="名称"):
        register_index_backend(nameless)

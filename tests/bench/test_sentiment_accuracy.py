"""The hand-written sentiment samples (bench/data/sentiment_*.jsonl) stay well-formed and
separate, the scoring of bench/sentiment_accuracy.py counts what it claims, and the shipped
labeller keeps its measured quality on the test sample.

The check that no sample was copied from the real messages reads
/work/shared/data/teddycup2020c (or ``GOVAI_SHARED_DATA``) and skips when it is absent: the
competition data is for evaluation only and never copied into the repository.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govai.analytics.sentiment import analyse_many

BENCH = Path(__file__).resolve().parents[2] / "bench"
DEV = BENCH / "data" / "sentiment_dev.jsonl"
TEST = BENCH / "data" / "sentiment_test.jsonl"
REAL = (
    Path(os.environ.get("GOVAI_SHARED_DATA", "/work/shared/data"))
    / "teddycup2020c"
    / "attachment3_hotspot_messages.csv"
)
LABELS = {"negative", "neutral", "positive"}
# Measured 0.987 accuracy and 0.99 macro-F1 (docs/benchmarks.md); a little slack for lexicon edits.
TEST_FLOOR = 0.95
COPIED_RUN = 16  # shorter runs are stock phrases (尊敬的领导：您好！我是…)


def _rows(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("path", [DEV, TEST], ids=["dev", "test"])
def test_every_line_is_a_labelled_message(path: Path) -> None:
    rows = _rows(path)
    assert len(rows) >= 140
    for row in rows:
        assert set(row) == {"text", "title", "label"}
        assert row["label"] in LABELS
        assert isinstance(row["title"], str) and row["text"].strip()
    counts = Counter(row["label"] for row in rows)
    assert min(counts.values()) >= 25, counts
    texts = [row["text"] for row in rows]
    assert len(texts) == len(set(texts)), "duplicate texts"


def test_dev_and_test_share_no_message() -> None:
    assert not {r["text"] for r in _rows(DEV)} & {r["text"] for r in _rows(TEST)}


def test_no_sample_was_copied_from_the_real_messages() -> None:
    if not REAL.exists():
        pytest.skip(f"real messages not found at {REAL} (set GOVAI_SHARED_DATA to its parent)")
    with REAL.open(encoding="utf-8", newline="") as fh:
        real = "\n".join(
            "".join((r["留言主题"] + "\n" + r["留言详情"]).split()) for r in csv.DictReader(fh)
        )
    copied = []
    for row in _rows(DEV) + _rows(TEST):
        text = "".join(row["text"].split())
        for start in range(0, max(1, len(text) - COPIED_RUN + 1)):
            run = text[start : start + COPIED_RUN]
            if len(run) == COPIED_RUN and run in real:
                copied.append(run)
                break
    assert not copied, copied


@pytest.fixture(scope="module")
def bench() -> Iterator[Any]:
    """bench/sentiment_accuracy.py loaded as a module, with sys.path and sys.modules restored."""
    name = "sentiment_accuracy_under_test"
    spec = importlib.util.spec_from_file_location(name, BENCH / "sentiment_accuracy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path[:] = saved_path
        for added in set(sys.modules) - saved_modules:
            if added in (name, "common"):
                del sys.modules[added]


def test_macro_f1_and_accuracy(bench: Any) -> None:
    gold = ["negative", "negative", "neutral", "positive"]
    predicted = ["negative", "neutral", "neutral", "neutral"]
    # negative: P 1, R 1/2 → 2/3; neutral: P 1/3, R 1 → 1/2; positive: 0.
    assert bench.macro_f1(gold, predicted) == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    assert bench.accuracy(gold, predicted) == 0.5
    assert bench.macro_f1(gold, gold) == 1.0
    assert bench.word_count_label("非常感谢，点赞") == "positive"
    assert bench.word_count_label("投诉物业乱收费") == "negative"
    assert bench.word_count_label("请问几点上班") == "neutral"


def test_the_labeller_keeps_its_quality_on_the_test_sample(bench: Any) -> None:
    rows = _rows(TEST)
    gold = [r["label"] for r in rows]
    predicted = [
        s.label for s in analyse_many([r["text"] for r in rows], [r["title"] for r in rows])
    ]
    assert bench.accuracy(gold, predicted) >= TEST_FLOOR
    assert bench.macro_f1(gold, predicted) >= TEST_FLOOR
    peer = [bench.word_count_label(r["title"] + r["text"]) for r in rows]
    assert bench.macro_f1(gold, predicted) > bench.macro_f1(gold, peer) + 0.15

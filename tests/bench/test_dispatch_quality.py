"""The dispatch classifier on the Teddy Cup 2020 C labelled messages keeps the quality that
bench/dispatch_quality.py measured on its fixed 70/30 split (macro-F1 0.913 with titles, against
0.905 for the issue's char TF-IDF + linear SVM baseline), and its confidence stays usable for
the human dispatch queue.

Reads /work/shared/data/teddycup2020c (or ``GOVAI_SHARED_DATA``) and skips when it is absent:
the data is evaluation material and is never copied into the repository.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

from govai.analytics.classifier import (
    CleanedSet,
    TextClassifier,
    clean_training_set,
    score,
    stratified_split,
)

DATA = Path(os.environ.get("GOVAI_SHARED_DATA", "/work/shared/data")) / "teddycup2020c"
LABELLED = DATA / "attachment2_details_labeled_reconstructed.csv"
# measured 0.9127 (text + title) on this split; the baseline scores 0.9047
MACRO_F1_FLOOR = 0.905


@pytest.fixture(scope="module")
def cleaned() -> CleanedSet:
    if not LABELLED.exists():
        pytest.skip(f"附件2 details not found at {LABELLED} (set GOVAI_SHARED_DATA)")
    with LABELLED.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label_conflict"] != "True"]
    return clean_training_set(
        [r["text_clean"] for r in rows],
        [r["一级分类"] for r in rows],
        [r["留言主题"] for r in rows],
    )


def test_cleaning_and_the_fixed_split(cleaned: CleanedSet) -> None:
    assert len(cleaned.texts) == 8091
    assert cleaned.dropped == {"empty": 0, "conflicting": 0, "duplicate": 315}
    train, test = stratified_split(cleaned.labels, 0.3, 20200)
    assert (len(train), len(test)) == (5664, 2427)


def test_macro_f1_on_the_fixed_split_stays_above_the_floor(cleaned: CleanedSet) -> None:
    assert cleaned.titles is not None
    train, test = stratified_split(cleaned.labels, 0.3, 20200)
    model = TextClassifier.train(
        [cleaned.texts[i] for i in train],
        [cleaned.labels[i] for i in train],
        [cleaned.titles[i] for i in train],
    )
    truth = [cleaned.labels[i] for i in test]
    predictions = model.predict([cleaned.texts[i] for i in test], [cleaned.titles[i] for i in test])
    evaluation = score(truth, [p.label for p in predictions], sorted(set(cleaned.labels)))
    assert evaluation.macro_f1 >= MACRO_F1_FLOOR, evaluation.to_dict()

    # the confidence means what it says: routed messages (≥ 0.6, the default threshold) are
    # right more often than the ones left to people, and most messages are routed
    confidence = np.array([p.confidence for p in predictions])
    correct = np.array([p.label == t for p, t in zip(predictions, truth, strict=True)])
    routed = confidence >= 0.6
    assert routed.mean() > 0.85
    assert correct[routed].mean() > 0.93 > correct[~routed].mean()
    assert abs(confidence.mean() - correct.mean()) < 0.05

    # and the stored model predicts the same
    again = TextClassifier.from_bytes(model.to_bytes())
    sample = [cleaned.texts[i] for i in test[:300]]
    assert again.predict(sample) == model.predict(sample)

"""Training data and scores for the dispatch classifier: cleaning a labelled set, a
reproducible stratified split, and the :class:`Evaluation` stored with every model version.

Plain data in, plain data out; :mod:`govai.analytics.classifier` re-exports all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from govai.analytics.classifier_features import normalize_text
from govai.errors import ValidationError

__all__ = ["CleanedSet", "Evaluation", "clean_training_set", "score", "stratified_split"]


@dataclass
class CleanedSet:
    """The rows fit for training, which input rows they are, and what was dropped and why."""

    texts: list[str]
    labels: list[str]
    titles: list[str] | None
    kept: list[int] = field(default_factory=list)  # indices into the input
    # empty: no text or no label; conflicting: the same text under two labels (all its rows);
    # duplicate: the same text again under the same label (the first is kept)
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def n_input(self) -> int:
        return len(self.texts) + sum(self.dropped.values())

    def summary(self) -> str:
        d = self.dropped
        return (
            f"共 {self.n_input} 条，保留 {len(self.texts)} 条；去掉空内容或空标签 "
            f"{d.get('empty', 0)} 条、同一内容标注不一致 {d.get('conflicting', 0)} 条、"
            f"重复内容 {d.get('duplicate', 0)} 条。"
        )


def clean_training_set(
    texts: Sequence[str], labels: Sequence[str], titles: Sequence[str] | None = None
) -> CleanedSet:
    """Drop rows with no text or label, every row of a text labelled two ways, and repeats.

    Texts are compared as the classifier sees them (:func:`normalize_text`: NFKC, lower case,
    no whitespace). Labels are stripped.
    """
    if len(texts) != len(labels) or (titles is not None and len(titles) != len(texts)):
        raise ValidationError("内容、标签（和主题）的条数不一致。")
    keys = [normalize_text(t) for t in texts]
    clean_labels = [label.strip() for label in labels]
    seen: dict[str, set[str]] = {}
    for key, label in zip(keys, clean_labels, strict=True):
        if key and label:
            seen.setdefault(key, set()).add(label)
    out = CleanedSet([], [], [] if titles is not None else None)
    dropped = {"empty": 0, "conflicting": 0, "duplicate": 0}
    done: set[str] = set()
    for i, (key, label) in enumerate(zip(keys, clean_labels, strict=True)):
        if not key or not label:
            dropped["empty"] += 1
        elif len(seen[key]) > 1:
            dropped["conflicting"] += 1
        elif key in done:
            dropped["duplicate"] += 1
        else:
            done.add(key)
            out.kept.append(i)
            out.texts.append(texts[i])
            out.labels.append(label)
            if out.titles is not None and titles is not None:
                out.titles.append(titles[i])
    out.dropped = dropped
    return out


def stratified_split(
    labels: Sequence[str], test_size: float = 0.3, seed: int = 20200
) -> tuple[list[int], list[int]]:
    """Train and test indices, each label split ``1 - test_size`` / ``test_size``.

    The same labels and seed always give the same split. Every label with at least two rows
    has at least one in each part; a label with one row stays in training.
    """
    if not 0 < test_size < 1:
        raise ValidationError(f"test_size 应在 0 与 1 之间，收到 {test_size}。")
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    train: list[int] = []
    test: list[int] = []
    for label in sorted(by_label):
        idx = np.array(by_label[label])
        rng.shuffle(idx)
        n_test = min(max(round(len(idx) * test_size), 1), len(idx) - 1)
        test.extend(int(i) for i in idx[:n_test])
        train.extend(int(i) for i in idx[n_test:])
    return sorted(train), sorted(test)


@dataclass
class Evaluation:
    """Scores of a model on rows it was not trained on."""

    labels: list[str]
    macro_f1: float
    accuracy: float
    per_class: dict[str, dict[str, float]]  # label → precision, recall, f1, support
    confusion: list[list[int]]  # rows: true label, columns: predicted, both in ``labels`` order
    n_train: int
    n_test: int
    train_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "macro_f1": round(self.macro_f1, 6),
            "accuracy": round(self.accuracy, 6),
            "per_class": self.per_class,
            "confusion": self.confusion,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "train_seconds": round(self.train_seconds, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evaluation:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def score(
    truth: Sequence[str],
    predicted: Sequence[str],
    labels: Sequence[str],
    *,
    n_train: int = 0,
    train_seconds: float = 0.0,
) -> Evaluation:
    """Macro-F1, accuracy, per-class figures and the confusion matrix of predictions."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    names = list(labels)
    p, r, f, support = precision_recall_fscore_support(
        truth, predicted, labels=names, zero_division=0
    )
    per_class = {
        label: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(support[i]),
        }
        for i, label in enumerate(names)
    }
    return Evaluation(
        labels=names,
        macro_f1=float(f1_score(truth, predicted, labels=names, average="macro", zero_division=0)),
        accuracy=float(np.mean([a == b for a, b in zip(truth, predicted, strict=True)])),
        per_class=per_class,
        confusion=confusion_matrix(truth, predicted, labels=names).tolist(),
        n_train=n_train,
        n_test=len(truth),
        train_seconds=train_seconds,
    )

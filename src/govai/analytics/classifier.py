"""A text classifier for routing citizen messages (智能分办), trained on CPU in seconds.

Features: TF-IDF (sublinear tf) of character 1–3-grams of the title and text, which needs no
segmentation and copes with the misspellings and place names of real messages. Model: a linear
SVM (one-vs-rest, squared hinge); probabilities are a softmax over its decision scores with a
temperature fitted on held-out folds of the training data, so ``confidence`` can be compared
with a threshold (the human dispatch queue). Saved without pickle: the vocabulary, IDF weights
and coefficients as JSON + ``.npy`` arrays in one zip.
"""

from __future__ import annotations

import io
import json
import time
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from govai.errors import ValidationError

FORMAT = "govai-text-classifier/1"
NGRAMS = (1, 3)
C = 0.5
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    top: list[tuple[str, float]]


def _normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _docs(texts: Sequence[str], titles: Sequence[str] | None) -> list[str]:
    if titles is not None and len(titles) != len(texts):
        raise ValidationError(f"主题（{len(titles)} 条）与内容（{len(texts)} 条）条数不一致。")
    if titles is None:
        return [_normalise(t) for t in texts]
    return [
        _normalise(f"{title}。{title}。{text}") for title, text in zip(titles, texts, strict=True)
    ]


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / max(temperature, 1e-6)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that minimises the log loss of held-out decision scores."""
    best, best_loss = 1.0, float("inf")
    for t in np.geomspace(0.05, 5.0, 60):
        p = _softmax(scores, float(t))
        loss = -float(np.mean(np.log(p[np.arange(len(truth)), truth] + 1e-12)))
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best


class TextClassifier:
    """Train with :meth:`train`, predict with :meth:`predict`, store with :meth:`to_bytes`."""

    def __init__(
        self,
        labels: Sequence[str],
        vocabulary: dict[str, int],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        temperature: float,
        uses_titles: bool,
    ) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.labels = tuple(labels)
        self.uses_titles = uses_titles
        self.temperature = temperature
        self._coef = coef
        self._intercept = intercept
        self._vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=NGRAMS, sublinear_tf=True, vocabulary=vocabulary
        )
        self._vectorizer.idf_ = idf  # the fitted state, restored without refitting
        self._vocabulary = vocabulary

    # ------------------------------------------------------------ training

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        titles: Sequence[str] | None = None,
        *,
        progress: Progress | None = None,
    ) -> TextClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.model_selection import StratifiedKFold
        from sklearn.svm import LinearSVC

        if len(texts) != len(labels):
            raise ValidationError(f"内容（{len(texts)} 条）与标签（{len(labels)} 条）条数不一致。")
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise ValidationError("训练数据至少要有两个不同的承办部门（分类）。")
        docs = _docs(texts, titles)
        index = {label: i for i, label in enumerate(classes)}
        y = np.array([index[label] for label in labels])
        if progress:
            progress("特征提取…")
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True)
        x = vectorizer.fit_transform(docs)
        if progress:
            progress("训练中…")
        # held-out decision scores (3 folds) to fit the softmax temperature
        folds = min(3, min(Counter(y.tolist()).values()))
        temperature = 1.0
        if folds >= 2:
            held = np.zeros((len(docs), len(classes)))
            split = StratifiedKFold(folds, shuffle=True, random_state=20200)
            for train_idx, test_idx in split.split(x, y):
                model = LinearSVC(C=C).fit(x[train_idx], y[train_idx])
                scores = model.decision_function(x[test_idx])
                if scores.ndim == 1:
                    scores = np.column_stack([-scores, scores])
                held[test_idx] = scores
            temperature = _fit_temperature(held, y)
        model = LinearSVC(C=C).fit(x, y)
        coef = model.coef_
        intercept = model.intercept_
        if coef.shape[0] == 1:  # two classes: sklearn keeps one row
            coef = np.vstack([-coef, coef])
            intercept = np.array([-intercept[0], intercept[0]])
        vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        return cls(
            classes, vocabulary, vectorizer.idf_, coef, intercept, temperature, titles is not None
        )

    # ------------------------------------------------------------ prediction

    def probabilities(
        self, texts: Sequence[str], titles: Sequence[str] | None = None
    ) -> np.ndarray:
        if not self.uses_titles:
            titles = None
        elif titles is None:
            titles = [""] * len(texts)
        x = self._vectorizer.transform(_docs(texts, titles))
        scores = x @ self._coef.T + self._intercept
        return _softmax(np.asarray(scores), self.temperature)

    def predict(
        self, texts: Sequence[str], titles: Sequence[str] | None = None, top: int = 3
    ) -> list[Prediction]:
        if not texts:
            return []
        probs = self.probabilities(texts, titles)
        out = []
        for row in probs:
            order = np.argsort(-row)[: max(1, top)]
            ranked = [(self.labels[i], float(row[i])) for i in order]
            out.append(Prediction(ranked[0][0], ranked[0][1], ranked))
        return out

    def describe(self) -> dict[str, object]:
        return {
            "algorithm": f"LinearSVC (squared hinge, C={C:g}) + softmax(temperature)",
            "features": f"char {NGRAMS[0]}-{NGRAMS[1]}-gram TF-IDF, sublinear tf",
            "n_features": len(self._vocabulary),
            "labels": list(self.labels),
            "temperature": round(self.temperature, 4),
            "titles": self.uses_titles,
        }

    # ------------------------------------------------------------ storage

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        meta = {
            "format": FORMAT,
            "labels": list(self.labels),
            "temperature": self.temperature,
            "uses_titles": self.uses_titles,
            "vocabulary": self._vocabulary,
        }
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("meta.json", json.dumps(meta, ensure_ascii=False))
            for name, array in (
                ("idf", self._vectorizer.idf_),
                ("coef", self._coef),
                ("intercept", self._intercept),
            ):
                buf = io.BytesIO()
                np.save(buf, np.asarray(array, dtype=np.float64), allow_pickle=False)
                z.writestr(f"{name}.npy", buf.getvalue())
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TextClassifier:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                meta = json.loads(z.read("meta.json"))
                if meta.get("format") != FORMAT:
                    raise ValueError(meta.get("format"))
                arrays = {
                    name: np.load(io.BytesIO(z.read(f"{name}.npy")), allow_pickle=False)
                    for name in ("idf", "coef", "intercept")
                }
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, json.JSONDecodeError):
            raise ValidationError(
                "分办模型数据已损坏或格式不支持，无法读取。请用 `govai dispatch train` 重新训练。"
            ) from None
        return cls(
            meta["labels"],
            {str(k): int(v) for k, v in meta["vocabulary"].items()},
            arrays["idf"],
            arrays["coef"],
            arrays["intercept"],
            float(meta["temperature"]),
            bool(meta["uses_titles"]),
        )


# ---------------------------------------------------------------- data and evaluation


@dataclass
class CleanedSet:
    texts: list[str]
    labels: list[str]
    titles: list[str] | None
    dropped: dict[str, int] = field(default_factory=dict)


def clean_training_set(
    texts: Sequence[str], labels: Sequence[str], titles: Sequence[str] | None = None
) -> CleanedSet:
    """Without empty rows, texts labelled two ways (all their rows), and duplicates (one kept)."""
    keys = [_normalise(t) for t in texts]
    seen_labels: dict[str, set[str]] = {}
    for key, label in zip(keys, labels, strict=True):
        if key and label.strip():
            seen_labels.setdefault(key, set()).add(label.strip())
    kept = CleanedSet([], [], [] if titles is not None else None)
    dropped = {"empty": 0, "conflicting": 0, "duplicate": 0}
    done: set[str] = set()
    for i, (key, label) in enumerate(zip(keys, labels, strict=True)):
        if not key or not label.strip():
            dropped["empty"] += 1
        elif len(seen_labels[key]) > 1:
            dropped["conflicting"] += 1
        elif key in done:
            dropped["duplicate"] += 1
        else:
            done.add(key)
            kept.texts.append(texts[i])
            kept.labels.append(label.strip())
            if kept.titles is not None and titles is not None:
                kept.titles.append(titles[i])
    kept.dropped = dropped
    return kept


def stratified_split(
    labels: Sequence[str], test_size: float = 0.3, seed: int = 20200
) -> tuple[list[int], list[int]]:
    """Indices of a stratified train/test split, the same for the same labels and seed."""
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    train: list[int] = []
    test: list[int] = []
    for label in sorted(by_label):
        idx = np.array(by_label[label])
        rng.shuffle(idx)
        n_test = round(len(idx) * test_size)
        n_test = min(max(n_test, 1), len(idx) - 1) if len(idx) > 1 else 0
        test.extend(int(i) for i in idx[:n_test])
        train.extend(int(i) for i in idx[n_test:])
    return sorted(train), sorted(test)


@dataclass
class Evaluation:
    labels: list[str]
    macro_f1: float
    accuracy: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
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


def score(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> Evaluation:
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    p, r, f, support = precision_recall_fscore_support(
        truth, predicted, labels=list(labels), zero_division=0
    )
    per_class = {
        label: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(support[i]),
        }
        for i, label in enumerate(labels)
    }
    matrix = confusion_matrix(truth, predicted, labels=list(labels)).tolist()
    macro = float(f1_score(truth, predicted, labels=list(labels), average="macro", zero_division=0))
    accuracy = float(np.mean([a == b for a, b in zip(truth, predicted, strict=True)]))
    return Evaluation(list(labels), macro, accuracy, per_class, matrix, 0, len(truth), 0.0)


def evaluate(
    texts: Sequence[str],
    labels: Sequence[str],
    titles: Sequence[str] | None = None,
    *,
    test_size: float = 0.3,
    seed: int = 20200,
    progress: Progress | None = None,
) -> tuple[TextClassifier, Evaluation]:
    """Train on a stratified ``1 - test_size`` share and score on the rest."""
    train_idx, test_idx = stratified_split(labels, test_size, seed)
    if not test_idx:
        raise ValidationError("每个承办部门至少要有两条训练数据，才能留出一部分来评估。")

    def pick(values: Sequence[str] | None, idx: list[int]) -> list[str] | None:
        return None if values is None else [values[i] for i in idx]

    started = time.perf_counter()
    model = TextClassifier.train(
        [texts[i] for i in train_idx],
        [labels[i] for i in train_idx],
        pick(titles, train_idx),
        progress=progress,
    )
    seconds = time.perf_counter() - started
    predicted = [
        p.label for p in model.predict([texts[i] for i in test_idx], pick(titles, test_idx))
    ]
    result = score([labels[i] for i in test_idx], predicted, sorted(set(labels)))
    result.n_train, result.train_seconds = len(train_idx), seconds
    return model, result

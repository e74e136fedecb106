"""Sentiment accuracy and speed: govai's lexicon-and-rules labeller against trivial peers on
hand-written citizen messages, and its speed on real ones.

Data
----
* ``bench/data/sentiment_test.jsonl`` — 150 messages (60 negative, 60 neutral, 30 positive)
  written first and not read while the lexicon and the rules were built;
* ``bench/data/sentiment_dev.jsonl`` — 150 more, written afterwards, the set the lexicon's
  weights and the label thresholds were tuned on.

Lines are ``{"text", "title", "label"}`` with ``label`` one of ``negative`` (an angry or urgent
complaint), ``neutral`` (a consultation, a suggestion or a calm request) and ``positive``
(thanks or praise); the guideline is in :mod:`govai.analytics.sentiment`.

Rows
----
* ``govai`` — :func:`govai.analytics.sentiment.analyse` as shipped (lexicon boundaries);
* ``govai, jieba boundaries`` — the same lists and rules, a match kept only on jieba's word
  boundaries;
* ``majority class`` — every message gets the dev set's most common label (ties alphabetical);
* ``word count`` — positive if the message holds more of 感谢 谢谢 满意 点赞 表扬 than of
  投诉 举报 不满 严重 差 乱, negative if fewer, neutral on a tie;
* ``char n-gram LR`` (context, not a peer the product competes with) — scikit-learn logistic
  regression on character 1–3-gram TF-IDF, trained on the dev set: its dev figure is 5-fold
  cross-validated, its test figure comes from training on the whole dev set.

Speed is messages per second in one process, over the 300 samples (repeated) and — when
``$GOVAI_SHARED_DATA/teddycup2020c`` is present — over the 4,326 real messages of 附件3 (title
and text; mean length about 370 characters), whose label shares are printed too. The real
messages are read at bench time only and never copied.

Usage: ``python bench/sentiment_accuracy.py [--no-write]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, SHARED_DATA, Report

LABELS = ("negative", "neutral", "positive")
DEV = ROOT / "bench" / "data" / "sentiment_dev.jsonl"
TEST = ROOT / "bench" / "data" / "sentiment_test.jsonl"
REAL = SHARED_DATA / "teddycup2020c" / "attachment3_hotspot_messages.csv"
POSITIVE_WORDS = ("感谢", "谢谢", "满意", "点赞", "表扬")
NEGATIVE_WORDS = ("投诉", "举报", "不满", "严重", "差", "乱")

Row = dict[str, str]
Labeller = Callable[[Sequence[Row]], list[str]]


def load(path: Path) -> list[Row]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Unweighted mean over the three labels of F1 (0 for a label never predicted nor gold)."""
    scores = []
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def word_count_label(text: str) -> str:
    positive = sum(text.count(w) for w in POSITIVE_WORDS)
    negative = sum(text.count(w) for w in NEGATIVE_WORDS)
    return "positive" if positive > negative else "negative" if negative > positive else "neutral"


def govai_labeller(boundaries: str) -> Labeller:
    from govai.analytics.sentiment import SentimentAnalyser

    analyser = SentimentAnalyser(boundaries=boundaries)  # type: ignore[arg-type]

    def label(rows: Sequence[Row]) -> list[str]:
        results = analyser.analyse_many([r["text"] for r in rows], [r["title"] for r in rows])
        return [s.label for s in results]

    return label


def ngram_model() -> object:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=10.0),
    )


def ngram_scores(dev: Sequence[Row], test: Sequence[Row]) -> tuple[list[str], list[str]]:
    """Cross-validated dev predictions and test predictions of the n-gram model."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    texts = [r["title"] + "。" + r["text"] for r in dev]
    gold = [r["label"] for r in dev]
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    dev_predicted = list(cross_val_predict(ngram_model(), texts, gold, cv=folds))  # type: ignore[arg-type]
    model = ngram_model()
    model.fit(texts, gold)  # type: ignore[attr-defined]
    test_predicted = list(model.predict([r["title"] + "。" + r["text"] for r in test]))  # type: ignore[attr-defined]
    return [str(p) for p in dev_predicted], [str(p) for p in test_predicted]


def per_second(label: Labeller, rows: Sequence[Row], *, at_least: float = 1.0) -> float:
    label(rows[:20])  # warm up: lexicon, automaton, jieba's dictionary
    done = 0
    start = time.perf_counter()
    while True:
        label(rows)
        done += len(rows)
        elapsed = time.perf_counter() - start
        if elapsed >= at_least:
            return done / elapsed


def real_messages() -> list[Row] | None:
    if not REAL.exists():
        return None
    with REAL.open(encoding="utf-8", newline="") as fh:
        return [
            {"title": r["留言主题"] or "", "text": (r["留言详情"] or "").strip(), "label": ""}
            for r in csv.DictReader(fh)
        ]


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> list[list[object]]:
    counts = Counter(zip(gold, predicted, strict=True))
    return [[g, *(counts[(g, p)] for p in LABELS)] for g in LABELS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()

    dev, test = load(DEV), load(TEST)
    dev_gold, test_gold = [r["label"] for r in dev], [r["label"] for r in test]
    majority = sorted(Counter(dev_gold).items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    labellers: dict[str, Labeller] = {
        "govai": govai_labeller("lexicon"),
        "govai, jieba boundaries": govai_labeller("jieba"),
        "majority class": lambda rows: [majority] * len(rows),
        "word count": lambda rows: [word_count_label(r["title"] + r["text"]) for r in rows],
    }
    real = real_messages()
    samples = dev + test

    rows: list[list[object]] = []
    predictions: dict[str, list[str]] = {}
    for name, label in labellers.items():
        dev_predicted, test_predicted = label(dev), label(test)
        predictions[name] = test_predicted
        rows.append(
            [
                name,
                accuracy(dev_gold, dev_predicted),
                macro_f1(dev_gold, dev_predicted),
                accuracy(test_gold, test_predicted),
                macro_f1(test_gold, test_predicted),
                per_second(label, samples) if name != "majority class" else None,
                per_second(label, real) if real and name != "majority class" else None,
            ]
        )
    dev_cv, test_ngram = ngram_scores(dev, test)
    rows.append(
        [
            "char n-gram LR (trained on dev)",
            accuracy(dev_gold, dev_cv),
            macro_f1(dev_gold, dev_cv),
            accuracy(test_gold, test_ngram),
            macro_f1(test_gold, test_ngram),
            None,
            None,
        ]
    )

    report = Report(
        "sentiment_accuracy",
        "Sentiment accuracy and speed (bench/sentiment_accuracy.py)",
        packages=("pyahocorasick", "jieba", "scikit-learn"),
    )
    report.table(
        [
            "method",
            "dev accuracy",
            "dev macro-F1",
            "test accuracy",
            "test macro-F1",
            "msg/s, samples",
            "msg/s, 附件3",
        ],
        rows,
    )
    report.note(
        f"Samples: `bench/data/sentiment_dev.jsonl` ({len(dev)}, tuned on) and "
        f"`bench/data/sentiment_test.jsonl` ({len(test)}, written first and not read while "
        "building), both hand-written in the style of 12345 / 网络问政 messages "
        f"(test: {dict(Counter(test_gold))}; mean length "
        f"{sum(len(r['title']) + len(r['text']) for r in test) / len(test):.0f} characters). "
        "Speed is one process; 附件3 is the 4,326 real messages of "
        "teddycup2020c (mean about 370 characters)."
    )
    report.note("Confusion of `govai` on the test set (rows gold, columns predicted):")
    report.table(["gold \\ predicted", *LABELS], confusion(test_gold, predictions["govai"]))
    if real:
        shares = Counter(govai_labeller("lexicon")(real))
        report.note(
            "Labels `govai` gives the real 附件3 messages (no gold labels exist; for scale): "
            + ", ".join(f"{k} {shares[k] / len(real):.0%}" for k in LABELS)
            + "."
        )
    print(report.markdown())
    if not args.no_write:
        report.write()


if __name__ == "__main__":
    main()

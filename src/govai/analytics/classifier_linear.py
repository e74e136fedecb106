"""The linear model of the dispatch classifier and the calibration of its probabilities.

:func:`fit_linear` returns one weight row and bias per class: a one-vs-rest linear SVM
(squared hinge, liblinear) averaged with an NBSVM — the same SVM on the features scaled by
their naive-Bayes log-count ratio for the class (Wang & Manning, "Baselines and Bigrams", 2012).
The NBSVM's weights are multiplied back by the ratios, so both parts are linear in the original
features and their average is one matrix. Each part is scaled to unit spread of its row-centred
training scores first, so neither dominates the average.

:func:`fit_temperature` fits the temperature of a softmax over decision scores by least log
loss on held-out scores (:func:`held_out_scores`); the softmax of a model's scores at that
temperature is its calibrated probability.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.sparse as sp

__all__ = ["fit_linear", "fit_temperature", "held_out_scores", "softmax"]


def fit_linear(
    x: sp.csr_matrix, y: np.ndarray, n_classes: int, *, c: float, nb_svm: bool
) -> tuple[np.ndarray, np.ndarray]:
    """One weight row and bias per class: the one-vs-rest SVM, averaged with the NBSVM."""
    parts = [_one_vs_rest(x, y, n_classes, c, None)]
    if nb_svm:
        present = x.copy()
        present.data[:] = 1.0
        onehot = sp.csr_matrix((np.ones(len(y)), (y, np.arange(len(y)))), shape=(n_classes, len(y)))
        counts = np.asarray((onehot @ present).todense())  # texts of each class with each n-gram
        in_class = counts + 1.0  # add-one smoothing
        elsewhere = np.asarray(present.sum(axis=0)).ravel() - counts + 1.0
        ratios = np.log(in_class / in_class.sum(axis=1, keepdims=True)) - np.log(
            elsewhere / elsewhere.sum(axis=1, keepdims=True)
        )
        parts.append(_one_vs_rest(x, y, n_classes, c, ratios))
    weights = np.zeros((n_classes, x.shape[1]))
    bias = np.zeros(n_classes)
    for w, b in parts:
        # each part scaled to unit spread of its (row-centred) training scores
        scores = np.asarray(x @ w.T) + b
        spread = float(np.std(scores - scores.mean(axis=1, keepdims=True))) or 1.0
        weights += w / spread
        bias += b / spread
    return weights / len(parts), bias / len(parts)


def _one_vs_rest(
    x: sp.csr_matrix, y: np.ndarray, n_classes: int, c: float, ratios: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    weights = np.zeros((n_classes, x.shape[1]))
    bias = np.zeros(n_classes)
    for k in range(n_classes):
        features = x if ratios is None else x.multiply(ratios[k]).tocsr()
        svm = LinearSVC(C=c, dual=True, random_state=0, max_iter=2000)
        with warnings.catch_warnings():
            # liblinear stopping at max_iter still leaves a usable separator; quality is
            # measured by the evaluation, not by convergence
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm.fit(features, y == k)
        w = svm.coef_[0]
        weights[k] = w if ratios is None else w * ratios[k]
        bias[k] = svm.intercept_[0]
    return weights, bias


def held_out_scores(
    x: sp.csr_matrix, y: np.ndarray, n_classes: int, folds: int, *, c: float, nb_svm: bool
) -> np.ndarray:
    """Each row's scores from a model fitted on the other folds (stratified, seeded)."""
    from sklearn.model_selection import StratifiedKFold

    held = np.zeros((len(y), n_classes))
    split = StratifiedKFold(folds, shuffle=True, random_state=20200)
    for train_idx, test_idx in split.split(np.zeros(len(y)), y):
        sub = y[train_idx]
        if len(set(sub.tolist())) < n_classes:  # a class absent from this fold's training part
            continue
        w, b = fit_linear(x[train_idx], sub, n_classes, c=c, nb_svm=nb_svm)
        held[test_idx] = np.asarray(x[test_idx] @ w.T) + b
    return held


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature with the least log loss on held-out scores."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(truth))

    def loss(log_t: float) -> float:
        p = softmax(scores, math.exp(log_t))
        return -float(np.mean(np.log(p[rows, truth] + 1e-12)))

    found = minimize_scalar(loss, bounds=(math.log(0.01), math.log(10.0)), method="bounded")
    return float(math.exp(found.x))

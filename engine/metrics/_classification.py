"""Classification metrics from exact confusion counts (one pass over the data).

Method: one pass computes the (weighted) number of rows of every observed
``(y_true, y_pred)`` pair (:class:`engine.stats.KeyedCounts`; label discovery
shares the pass). The metric is then evaluated on that summary -- one row per
observed pair, weighted by its count -- with scikit-learn's public function,
so averaging, ``labels``/``pos_label`` handling, ``zero_division`` and the
warnings and errors are scikit-learn's own. Exact: the counts are exact, and
a metric of the counts equals the metric of the rows. Cost: one pass.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import sklearn.metrics as skm

from engine.metrics._partials import Needs, Partials, compute_partials

CONFUSION = Needs(confusion=True)


def summary_rows(parts: Partials) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y_true, y_pred, weight)``: one row per observed label pair of the confusion counts."""
    kc = parts.confusion
    ti, pi = np.nonzero(kc.rows)
    return kc.keys[0][ti], kc.keys[1][pi], kc.weights[ti, pi]


def call_on_counts(func, parts: Partials, **kwargs: Any) -> Any:
    """Evaluate a scikit-learn confusion-count metric on the weighted pair summary."""
    y_t, y_p, w = summary_rows(parts)
    return func(y_t, y_p, sample_weight=w, **kwargs)


def _counts(y_true, y_pred, sample_weight) -> Partials:
    return compute_partials(CONFUSION, y_true, y_pred, sample_weight=sample_weight)


def finalize_accuracy(parts: Partials, weighted: bool, *, normalize: bool = True) -> float:
    value = call_on_counts(skm.accuracy_score, parts, normalize=normalize)
    return float(value)


def finalize_confusion_matrix(
    parts: Partials, weighted: bool, *, labels=None, normalize=None
) -> np.ndarray:
    cm = call_on_counts(skm.confusion_matrix, parts, labels=labels, normalize=normalize)
    if not weighted and normalize is None:
        cm = np.rint(cm).astype(np.int64)
    return cm


def finalize_prfs(parts: Partials, weighted: bool, **kwargs: Any):
    return call_on_counts(skm.precision_recall_fscore_support, parts, **kwargs)


def accuracy_score(y_true, y_pred, *, normalize: bool = True, sample_weight=None) -> float:
    """Accuracy classification score (scikit-learn's ``accuracy_score``).

    Exact; one pass over the data (confusion counts). NumPy, pandas,
    dask.array and dask DataFrame/Series input.

    Examples
    --------
    >>> accuracy_score([0, 1, 1, 0], [0, 1, 0, 0])
    0.75
    """
    parts = _counts(y_true, y_pred, sample_weight)
    return finalize_accuracy(parts, sample_weight is not None, normalize=normalize)


def confusion_matrix(
    y_true, y_pred, *, labels=None, sample_weight=None, normalize=None
) -> np.ndarray:
    """Confusion matrix (scikit-learn's ``confusion_matrix``); exact, one pass.

    Examples
    --------
    >>> confusion_matrix([0, 1, 1], [0, 1, 0]).tolist()
    [[1, 0], [1, 1]]
    """
    parts = _counts(y_true, y_pred, sample_weight)
    return finalize_confusion_matrix(
        parts, sample_weight is not None, labels=labels, normalize=normalize
    )


def precision_recall_fscore_support(
    y_true,
    y_pred,
    *,
    beta: float = 1.0,
    labels=None,
    pos_label=1,
    average=None,
    warn_for=("precision", "recall", "f-score"),
    sample_weight=None,
    zero_division="warn",
):
    """Precision, recall, F-beta and support (scikit-learn semantics); exact, one pass.

    Examples
    --------
    >>> p, r, f, s = precision_recall_fscore_support([0, 1, 1], [0, 1, 0], average="binary")
    >>> float(p), float(r)
    (1.0, 0.5)
    """
    parts = _counts(y_true, y_pred, sample_weight)
    p, r, f, s = finalize_prfs(
        parts,
        sample_weight is not None,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=warn_for,
        zero_division=zero_division,
    )
    if s is not None and sample_weight is None:
        s = np.rint(s).astype(np.int64)
    return p, r, f, s


def _score(func, y_true, y_pred, sample_weight, **kwargs):
    parts = _counts(y_true, y_pred, sample_weight)
    return call_on_counts(func, parts, **kwargs)


def precision_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """Precision (scikit-learn's ``precision_score``); exact, one pass.

    Examples
    --------
    >>> precision_score([0, 1, 1], [1, 1, 1])
    0.6666666666666666
    """
    return _score(
        skm.precision_score,
        y_true,
        y_pred,
        sample_weight,
        labels=labels,
        pos_label=pos_label,
        average=average,
        zero_division=zero_division,
    )


def recall_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """Recall (scikit-learn's ``recall_score``); exact, one pass.

    Examples
    --------
    >>> recall_score([0, 1, 1], [0, 1, 0])
    0.5
    """
    return _score(
        skm.recall_score,
        y_true,
        y_pred,
        sample_weight,
        labels=labels,
        pos_label=pos_label,
        average=average,
        zero_division=zero_division,
    )


def f1_score(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """F1 score (scikit-learn's ``f1_score``); exact, one pass.

    Examples
    --------
    >>> round(f1_score([0, 1, 1], [0, 1, 0]), 4)
    0.6667
    """
    return _score(
        skm.f1_score,
        y_true,
        y_pred,
        sample_weight,
        labels=labels,
        pos_label=pos_label,
        average=average,
        zero_division=zero_division,
    )


def fbeta_score(
    y_true,
    y_pred,
    *,
    beta: float,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """F-beta score (scikit-learn's ``fbeta_score``); exact, one pass.

    Examples
    --------
    >>> round(fbeta_score([0, 1, 1], [0, 1, 0], beta=2.0), 4)
    0.5556
    """
    return _score(
        skm.fbeta_score,
        y_true,
        y_pred,
        sample_weight,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        zero_division=zero_division,
    )


def classification_report(
    y_true,
    y_pred,
    *,
    labels=None,
    target_names=None,
    sample_weight=None,
    digits: int = 2,
    output_dict: bool = False,
    zero_division="warn",
):
    """Text or dict report of per-class precision, recall, F1 and support; exact, one pass.

    Examples
    --------
    >>> report = classification_report([0, 1, 1], [0, 1, 0], output_dict=True)
    >>> report["1"]["recall"]
    0.5
    """
    parts = _counts(y_true, y_pred, sample_weight)
    return finalize_report(
        parts,
        sample_weight is not None,
        labels=labels,
        target_names=target_names,
        digits=digits,
        output_dict=output_dict,
        zero_division=zero_division,
    )


def finalize_report(parts: Partials, weighted: bool, **kwargs: Any):
    report = call_on_counts(skm.classification_report, parts, **kwargs)
    if weighted or kwargs.get("output_dict"):
        return report
    return _integer_supports(report)


_SUPPORT = re.compile(r"(\d+)\.0$")


def _integer_supports(report: str) -> str:
    """Print integer supports the way scikit-learn does for unweighted rows (``{:>9}``)."""
    lines = []
    for line in report.split("\n"):
        m = _SUPPORT.search(line)
        if m is not None:
            width = max(9, len(m.group(0)))
            line = line[: len(line) - width] + f"{int(m.group(1)):>9}"
        lines.append(line)
    return "\n".join(lines)

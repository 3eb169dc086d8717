"""Classification metrics from exact confusion counts (one pass over the data).

Method: one pass computes the summaries scikit-learn's target checks decide
on (:mod:`engine.metrics._target_kind`) and, for binary/multiclass targets, the
(weighted) number of rows of every observed ``(y_true, y_pred)`` pair
(:class:`engine.stats.KeyedCounts`; label discovery shares the pass); for
multilabel indicators, per-label and per-row statistics
(:mod:`engine.metrics._multilabel`). The targets are checked with
scikit-learn's rules (a mix of kinds, continuous or multioutput targets,
string and number labels raise as there), then the metric is evaluated on
the summary -- one row per observed pair, weighted by its count -- with
scikit-learn's public function, so averaging, ``labels``/``pos_label``
handling, ``zero_division`` and the warnings and errors are scikit-learn's
own. Exact: the counts are exact, and a metric of the counts equals the
metric of the rows. Cost: one pass.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import sklearn.metrics as skm

from engine.metrics import _multilabel as ml
from engine.metrics._partials import Needs, Partials, compute_partials
from engine.metrics._target_kind import MULTILABEL, target_type
from engine.metrics._unique_labels import labels_of

CONFUSION = Needs(confusion=True)
_LABEL_KINDS = ("binary", "multiclass", MULTILABEL)


def check_targets(parts: Partials) -> str:
    """scikit-learn's ``_check_targets`` on the merged summaries: the task's kind, or raise."""
    type_true = target_type(parts.true_summary, "y_true")
    type_pred = target_type(parts.pred_summary, "y_pred")
    kinds = {type_true, type_pred}
    if kinds == {"binary", "multiclass"}:
        kinds = {"multiclass"}
    if len(kinds) > 1:
        raise ValueError(
            f"Classification metrics can't handle a mix of {type_true} and {type_pred} targets"
        )
    (kind,) = kinds
    if kind not in _LABEL_KINDS:
        raise ValueError(f"{kind} is not supported")
    labels = labels_of([parts.true_summary, parts.pred_summary], {kind})
    if kind == "binary" and len(labels) > 2:
        kind = "multiclass"
    return kind


def is_multilabel(parts: Partials) -> bool:
    """Check the targets; True for multilabel indicators."""
    return check_targets(parts) == MULTILABEL


def confusion_needs(labels=None) -> Needs:
    """What a confusion metric needs: with integer ``labels``, also the per-row
    statistics of those columns (multilabel ``average="samples"``; unused otherwise)."""
    if labels is None:
        return CONFUSION
    given = np.asarray(labels).ravel()
    if given.dtype.kind not in "iu":
        return CONFUSION
    return Needs(confusion=True, row_subsets=frozenset({tuple(int(j) for j in given)}))


def as_counts(values: np.ndarray) -> np.ndarray:
    """Counts held as floats (exact integers) as int64; int64 stays as it is."""
    return values if values.dtype == np.int64 else np.rint(values).astype(np.int64)


def summary_rows(parts: Partials) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y_true, y_pred, weight)``: one row per observed label pair of the confusion counts."""
    kc = parts.confusion
    ti, pi = np.nonzero(kc.rows)
    return kc.keys[0][ti], kc.keys[1][pi], kc.weights[ti, pi]


def call_on_counts(func, parts: Partials, **kwargs: Any) -> Any:
    """Evaluate a scikit-learn confusion-count metric on the weighted pair summary."""
    y_t, y_p, w = summary_rows(parts)
    return func(y_t, y_p, sample_weight=w, **kwargs)


def _counts(y_true, y_pred, sample_weight, needs: Needs = CONFUSION) -> Partials:
    return compute_partials(needs, y_true, y_pred, sample_weight=sample_weight)


def _multilabel_weighted(parts: Partials) -> bool:
    return parts.weight_kind != "none"


def finalize_accuracy(parts: Partials, weighted: bool, *, normalize: bool = True) -> float:
    if is_multilabel(parts):
        return ml.subset_accuracy(parts.multilabel, _multilabel_weighted(parts), normalize)
    value = call_on_counts(skm.accuracy_score, parts, normalize=normalize)
    return float(value)


def finalize_confusion_matrix(
    parts: Partials, weighted: bool, *, labels=None, normalize=None
) -> np.ndarray:
    if is_multilabel(parts):
        raise ValueError(f"{MULTILABEL} is not supported")
    cm = call_on_counts(skm.confusion_matrix, parts, labels=labels, normalize=normalize)
    return as_counts(cm) if parts.weight_kind != "float" and normalize is None else cm


def finalize_multilabel_confusion_matrix(parts: Partials, weighted: bool, *, labels=None):
    if is_multilabel(parts):
        return ml.multilabel_confusion(parts.multilabel, _multilabel_weighted(parts), labels)
    mcm = call_on_counts(skm.multilabel_confusion_matrix, parts, labels=labels)
    return mcm if weighted else as_counts(mcm)


def finalize_hamming(parts: Partials, weighted: bool) -> float:
    if is_multilabel(parts):
        return ml.hamming(parts.multilabel, _multilabel_weighted(parts))
    return float(call_on_counts(skm.hamming_loss, parts))


def finalize_prfs(parts: Partials, weighted: bool, **kwargs: Any):
    if is_multilabel(parts):
        return ml.multilabel_prfs(parts.multilabel, _multilabel_weighted(parts), **kwargs)
    return call_on_counts(skm.precision_recall_fscore_support, parts, **kwargs)


def accuracy_score(y_true, y_pred, *, normalize: bool = True, sample_weight=None) -> float:
    """Accuracy classification score (scikit-learn's ``accuracy_score``).

    Exact; one pass over the data (confusion counts). NumPy, pandas,
    dask.array and dask DataFrame/Series input. For multilabel indicators,
    subset accuracy (a row counts when its whole label set is right).

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

    Binary, multiclass and multilabel-indicator targets; ``average`` None,
    ``"binary"``, ``"micro"``, ``"macro"``, ``"weighted"`` or (multilabel)
    ``"samples"``.

    Examples
    --------
    >>> p, r, f, s = precision_recall_fscore_support([0, 1, 1], [0, 1, 0], average="binary")
    >>> float(p), float(r)
    (1.0, 0.5)
    """
    parts = _counts(y_true, y_pred, sample_weight, confusion_needs(labels))
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
        s = as_counts(s)
    return p, r, f, s


_PRF_INDEX = {"precision": 0, "recall": 1, "f-score": 2}


def finalize_prf_score(parts: Partials, weighted: bool, what: str, **kwargs: Any):
    """One of precision, recall or F-beta, with scikit-learn's warnings for it only."""
    kwargs.setdefault("average", "binary")
    return finalize_prfs(parts, weighted, warn_for=(what,), **kwargs)[_PRF_INDEX[what]]


def _prf_score(what: str, y_true, y_pred, sample_weight, **kwargs):
    parts = _counts(y_true, y_pred, sample_weight, confusion_needs(kwargs.get("labels")))
    return finalize_prf_score(parts, sample_weight is not None, what, **kwargs)


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
    return _prf_score(
        "precision",
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
    return _prf_score(
        "recall",
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
    return fbeta_score(
        y_true,
        y_pred,
        beta=1.0,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
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
    return _prf_score(
        "f-score",
        y_true,
        y_pred,
        sample_weight,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        zero_division=zero_division,
    )


def hamming_loss(y_true, y_pred, *, sample_weight=None) -> float:
    """Hamming loss (scikit-learn's ``hamming_loss``); exact, one pass.

    The fraction of wrong labels: of rows for binary/multiclass targets, of
    (row, label) entries for multilabel indicators.

    Examples
    --------
    >>> hamming_loss([[0, 1], [1, 1]], [[0, 0], [1, 1]])
    0.25
    """
    parts = _counts(y_true, y_pred, sample_weight)
    return finalize_hamming(parts, sample_weight is not None)


def multilabel_confusion_matrix(
    y_true, y_pred, *, sample_weight=None, labels=None, samplewise: bool = False
) -> np.ndarray:
    """One 2x2 confusion matrix per label (scikit-learn's ``multilabel_confusion_matrix``).

    ``[[tn, fp], [fn, tp]]`` per label (or, with ``samplewise=True`` on a
    multilabel target, per row); exact, one pass.

    Examples
    --------
    >>> multilabel_confusion_matrix([[1, 0], [1, 1]], [[1, 0], [0, 1]]).tolist()
    [[[0, 0], [1, 1]], [[1, 0], [0, 1]]]
    """
    if samplewise:
        return _samplewise_confusion(y_true, y_pred, sample_weight, labels)
    parts = _counts(y_true, y_pred, sample_weight)
    return finalize_multilabel_confusion_matrix(parts, sample_weight is not None, labels=labels)


def _samplewise_confusion(y_true, y_pred, sample_weight, labels) -> np.ndarray:
    subset = confusion_needs(labels).row_subsets
    needs = Needs(confusion=True, samplewise=True, samplewise_labels=next(iter(subset), None))
    parts = _counts(y_true, y_pred, sample_weight, needs)
    if not is_multilabel(parts):
        raise ValueError(
            "Samplewise metrics are not available outside of multilabel classification."
        )
    ml.check_multilabel_labels(labels, parts.multilabel.n_labels)
    cells = parts.row_cells
    return cells if parts.weight_kind == "float" else as_counts(cells)


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
    parts = _counts(y_true, y_pred, sample_weight, confusion_needs(labels))
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
    if is_multilabel(parts):
        report = ml.multilabel_report(parts.multilabel, _multilabel_weighted(parts), **kwargs)
    else:
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

"""ROC curve and ROC AUC from the exact merged score distribution (not binned).

Method: one pass builds, per score column, the sorted distinct scores with the
number of rows (or weight sum) of every true label (per-block sort, exact
merge of sorted runs in a fixed tree). Cumulating the counts from the highest
score down gives exactly scikit-learn's thresholds, true and false positive
counts (bit-identical without weights; weights add in a different order, so
agreement is to ~1e-15 relative); the AUC is the same trapezoid sum, taken
in count units by one Numba pass (equal to scikit-learn's to ~1e-15).
Ties are handled exactly. Cost: one pass; memory of the final merge is
proportional to the number of distinct scores.
"""

from __future__ import annotations

import warnings
from itertools import combinations

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

from engine.kernels.distinct import merge_value_counts
from engine.metrics._binary_roc import binary_auc, curve_from_points, curve_points, pos_label_index
from engine.metrics._multilabel_ranking import ONE_CLASS, multilabel_roc_auc
from engine.metrics._partials import Needs, Partials, compute_partials
from engine.metrics._target_kind import MULTILABEL, target_type
from engine.stats.internal import check_lengths

SCORES = Needs(scores=True)


def finalize_roc_curve(parts: Partials, *, pos_label=None, drop_intermediate: bool = True):
    kind = target_type(parts.true_summary, "y_true")
    if not (kind == "binary" or (kind == "multiclass" and pos_label is not None)):
        raise ValueError(f"{kind} format is not supported")
    sc = parts.scores
    if len(sc.columns) != 1:
        raise ValueError("roc_curve expects a 1-D y_score")
    labels = sc.labels
    i = pos_label_index(labels, pos_label)
    values, counts = sc.columns[0]
    pos = counts[:, i] if i >= 0 else np.zeros(len(values))
    neg = counts.sum(axis=1) - pos
    fps, tps, thr = curve_points(values, pos, neg)
    return curve_from_points(fps, tps, thr, drop_intermediate)


def roc_curve(
    y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate: bool = True
):
    """Receiver operating characteristic curve (scikit-learn's ``roc_curve``).

    Exact (see the module notes); one pass over the data.

    Examples
    --------
    >>> fpr, tpr, thr = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    parts = compute_partials(SCORES, y_true, y_score=y_score, sample_weight=sample_weight)
    return finalize_roc_curve(parts, pos_label=pos_label, drop_intermediate=drop_intermediate)


def _average(scores: np.ndarray, average, weights: np.ndarray):
    if average is None:
        return scores
    if average == "weighted":
        if np.isclose(weights.sum(), 0.0):
            return 0
        scores[weights == 0] = 0  # as scikit-learn: a zero-weight NaN does not spoil the mean
        return float(np.average(scores, weights=weights))
    return float(np.average(scores))


def finalize_roc_auc(
    parts: Partials,
    *,
    average="macro",
    max_fpr=None,
    multi_class="raise",
    labels=None,
    weighted: bool = False,
):
    kind = target_type(parts.true_summary, "y_true")
    n_cols = parts.n_score_columns
    if kind == "multiclass" or (kind == "binary" and n_cols > 2):
        return _multiclass_auc(
            parts, parts.scores.labels, average, max_fpr, multi_class, labels, weighted
        )
    if kind == "binary":
        return _binary_roc_auc(parts.scores, max_fpr)
    options = (None, "micro", "macro", "weighted", "samples")
    if average not in options:
        raise ValueError(f"average has to be one of {options}")
    if kind != MULTILABEL:
        raise ValueError(f"{kind} format is not supported")
    return multilabel_roc_auc(
        parts.multilabel_scores, parts.true_summary.uniques, average=average, max_fpr=max_fpr
    )


def _binary_roc_auc(sc, max_fpr) -> float:
    if len(sc.columns) != 1:
        raise ValueError(f"y_score must be 1-D for a binary y_true; got {len(sc.columns)} columns")
    if len(sc.labels) != 2:
        warnings.warn(ONE_CLASS, UndefinedMetricWarning, stacklevel=4)
        return np.nan
    values, counts = sc.columns[0]
    return binary_auc(values, counts[:, 1], counts[:, 0], max_fpr)


def _multiclass_auc(parts, classes, average, max_fpr, multi_class, labels, weighted):
    if max_fpr is not None and max_fpr != 1.0:
        raise ValueError(
            "Partial AUC computation not available in multiclass setting, 'max_fpr' "
            f"must be set to `None`, received `max_fpr={max_fpr}` instead"
        )
    if multi_class == "raise":
        raise ValueError("multi_class must be in ('ovo', 'ovr')")
    sc = parts.scores
    n_cols = len(sc.columns)
    if n_cols == 1:
        raise ValueError(
            "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` "
            "contains multiple classes."
        )
    if parts.n_rowsum_bad:
        raise ValueError(
            "Target scores need to be probabilities for multiclass roc_auc, i.e. they "
            "should sum up to 1.0 over classes"
        )
    options = (
        ("macro", "weighted", None)
        if multi_class == "ovo"
        else ("micro", "macro", "weighted", None)
    )
    if average not in options:
        raise ValueError(f"average must be one of {options} for multiclass problems")
    if multi_class not in ("ovo", "ovr"):
        raise ValueError(
            f"multi_class='{multi_class}' is not supported for multiclass ROC AUC, "
            "multi_class must be in ('ovo', 'ovr')"
        )
    if average is None and multi_class == "ovo":
        raise NotImplementedError("average=None is not implemented for multi_class='ovo'.")
    if labels is not None:
        labels = np.asarray(labels).ravel()
        uniq = np.unique(labels)
        if len(uniq) != len(labels):
            raise ValueError("Parameter 'labels' must be unique")
        if not np.array_equal(uniq, labels):
            raise ValueError("Parameter 'labels' must be ordered")
        if len(uniq) != n_cols:
            raise ValueError(
                f"Number of given labels, {len(uniq)}, not equal to the number of "
                f"columns in 'y_score', {n_cols}"
            )
        if len(np.setdiff1d(classes, uniq)):
            raise ValueError("'y_true' contains labels not in parameter 'labels'")
        target = uniq
    else:
        target = classes
        if len(classes) != n_cols:
            raise ValueError(
                "Number of classes in y_true not equal to the number of columns in 'y_score'"
            )
    # column of the merged counts holding each target class (-1: class never seen in y_true)
    where = np.array(
        [
            int(np.flatnonzero(classes == c)[0]) if np.any(classes == c) else -1
            for c in target.tolist()
        ]
    )
    if multi_class == "ovo":
        if weighted:
            raise ValueError(_OVO_WEIGHTS)
        return _ovo(sc, where, average, parts.n_rows)
    return _ovr(sc, where, average)


def _column(counts: np.ndarray, j: int) -> np.ndarray:
    return counts[:, j] if j >= 0 else np.zeros(counts.shape[0])


def _ovr(sc, where, average):
    if average == "micro":
        merged_v, merged_c = np.empty(0), np.zeros((0, 2))
        for c, (values, counts) in enumerate(sc.columns):
            pos = _column(counts, where[c])
            two = np.column_stack([counts.sum(axis=1) - pos, pos])
            merged_v, merged_c = merge_value_counts(merged_v, merged_c, values, two)
        return binary_auc(merged_v, merged_c[:, 1], merged_c[:, 0])
    scores = np.empty(len(sc.columns))
    weights = np.empty(len(sc.columns))
    for c, (values, counts) in enumerate(sc.columns):
        pos = _column(counts, where[c])
        neg = counts.sum(axis=1) - pos
        weights[c] = pos.sum()
        if (
            pos.sum() == 0
            or neg.sum() == 0
            or (np.count_nonzero(pos) == 0 and np.count_nonzero(neg) == 0)
        ):
            warnings.warn(ONE_CLASS, UndefinedMetricWarning, stacklevel=4)
            scores[c] = np.nan
            continue
        scores[c] = binary_auc(values, pos, neg)
    return _average(scores, average, weights)


_OVO_WEIGHTS = (
    "sample_weight is not supported for multiclass one-vs-one ROC AUC, "
    "'sample_weight' must be None in this case."
)


def _reject_ovo_weights_first(y_true, y_score, sample_weight) -> None:
    """scikit-learn rejects weights for one-vs-one before it looks at their length."""
    try:
        check_lengths(y_true=y_true, y_score=y_score, sample_weight=sample_weight)
    except ValueError:
        parts = compute_partials(SCORES, y_true, y_score=y_score)
        kind = target_type(parts.true_summary, "y_true")
        if kind == "multiclass" or (kind == "binary" and parts.n_score_columns > 2):
            raise ValueError(_OVO_WEIGHTS) from None
        raise


def _ovo(sc, where, average, n_rows):
    present = [c for c in range(len(where)) if where[c] >= 0]  # classes seen in y_true
    pairs = list(combinations(present, 2))
    pair_scores = np.empty(len(pairs))
    prevalence = np.empty(len(pairs))
    for ix, (a, b) in enumerate(pairs):
        va, ca = sc.columns[a]
        vb, cb = sc.columns[b]
        a_pos, a_neg = _column(ca, where[a]), _column(ca, where[b])
        b_pos, b_neg = _column(cb, where[b]), _column(cb, where[a])
        score_a = binary_auc(va, a_pos, a_neg)
        score_b = binary_auc(vb, b_pos, b_neg)
        pair_scores[ix] = (score_a + score_b) / 2
        prevalence[ix] = (a_pos.sum() + a_neg.sum()) / n_rows
    if average == "weighted":
        return float(np.average(pair_scores, weights=prevalence))
    return float(np.average(pair_scores))


def roc_auc_score(
    y_true,
    y_score,
    *,
    average="macro",
    sample_weight=None,
    max_fpr=None,
    multi_class="raise",
    labels=None,
) -> float:
    """Area under the ROC curve (scikit-learn's ``roc_auc_score``), exact.

    Binary (1-D scores, with ``max_fpr``), multiclass one-vs-rest
    (``average`` micro/macro/weighted/None) and one-vs-one (macro/weighted),
    multilabel indicators (micro/macro/weighted/samples/None). Not binned:
    equal to scikit-learn's to ~1e-15 on any chunking, ties included. Cost:
    one pass.

    Examples
    --------
    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    if multi_class == "ovo" and sample_weight is not None:
        _reject_ovo_weights_first(y_true, y_score, sample_weight)
    parts = compute_partials(SCORES, y_true, y_score=y_score, sample_weight=sample_weight)
    return finalize_roc_auc(
        parts,
        average=average,
        max_fpr=max_fpr,
        multi_class=multi_class,
        labels=labels,
        weighted=sample_weight is not None,
    )

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

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

from engine.kernels.distinct import roc_area
from engine.metrics._partials import Needs, Partials, compute_partials

SCORES = Needs(scores=True)


def _is_continuous(labels: np.ndarray) -> bool:
    return labels.dtype.kind == "f" and bool(np.any(labels != np.round(labels)))


def _target_type(labels: np.ndarray) -> str:
    if _is_continuous(labels):
        return "continuous"
    return "binary" if len(labels) <= 2 else "multiclass"


def curve_points(values: np.ndarray, pos: np.ndarray, neg: np.ndarray):
    """``(fps, tps, thresholds)`` at every distinct score, from the highest down."""
    keep = (pos + neg) != 0
    if not keep.all():
        values, pos, neg = values[keep], pos[keep], neg[keep]
    return np.cumsum(neg[::-1]), np.cumsum(pos[::-1]), values[::-1].copy()


def _rate(cumulative: np.ndarray, message: str) -> np.ndarray:
    if cumulative[-1] <= 0:
        warnings.warn(message, UndefinedMetricWarning, stacklevel=4)
        return np.full(cumulative.shape, np.nan)
    return cumulative / cumulative[-1]


def curve_from_points(fps, tps, thresholds, drop_intermediate: bool = True):
    """scikit-learn's ``roc_curve`` tail: drop collinear points, prepend (0, 0), normalize."""
    if drop_intermediate and fps.shape[0] > 2:
        optimal = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps, thresholds = fps[optimal], tps[optimal], thresholds[optimal]
    tps = np.r_[0.0, tps]
    fps = np.r_[0.0, fps]
    thresholds = np.r_[np.inf, thresholds.astype(np.float64)]
    fpr = _rate(fps, "No negative samples in y_true, false positive value should be meaningless")
    tpr = _rate(tps, "No positive samples in y_true, true positive value should be meaningless")
    return fpr, tpr, thresholds


def _auc(fpr: np.ndarray, tpr: np.ndarray) -> float:
    direction = 1
    dx = np.diff(fpr)
    if np.any(dx < 0):
        if np.all(dx <= 0):
            direction = -1
        else:
            raise ValueError(f"x is neither increasing nor decreasing : {fpr}.")
    return float(direction * np.trapezoid(tpr, fpr))


def binary_auc(values, pos, neg, max_fpr=None) -> float:
    """Binary ROC AUC (optionally McClish-standardized partial AUC) from one distribution."""
    if max_fpr is None or max_fpr == 1:
        pos = np.ascontiguousarray(pos, dtype=np.float64)
        neg = np.ascontiguousarray(neg, dtype=np.float64)
        if pos.sum() <= 0 or neg.sum() <= 0:  # warns and returns NaN like scikit-learn's curve
            fps, tps, thr = curve_points(values, pos, neg)
            return _auc(*curve_from_points(fps, tps, thr)[:2])
        return float(roc_area(pos, neg))
    fps, tps, thr = curve_points(values, pos, neg)
    fpr, tpr, _ = curve_from_points(fps, tps, thr)
    if max_fpr <= 0 or max_fpr > 1:
        raise ValueError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr = np.append(
        tpr[:stop], np.interp(max_fpr, [fpr[stop - 1], fpr[stop]], [tpr[stop - 1], tpr[stop]])
    )
    fpr = np.append(fpr[:stop], max_fpr)
    partial = _auc(fpr, tpr)
    min_area = 0.5 * max_fpr**2
    return 0.5 * (1 + (partial - min_area) / (max_fpr - min_area))


def _pos_label_index(labels: np.ndarray, pos_label) -> int:
    if pos_label is None:
        ok = labels.dtype.kind in "biuf" and (
            set(labels.tolist()) <= {0, 1} or set(labels.tolist()) <= {-1, 1}
        )
        if not ok:
            classes_repr = ", ".join(repr(c) for c in labels.tolist())
            raise ValueError(
                f"y_true takes value in {{{classes_repr}}} and pos_label is not specified: either "
                "make y_true take value in {0, 1} or {-1, 1} or pass pos_label explicitly."
            )
        pos_label = 1
    hits = np.flatnonzero(labels == pos_label)
    return int(hits[0]) if hits.size else -1


def finalize_roc_curve(parts: Partials, *, pos_label=None, drop_intermediate: bool = True):
    sc = parts.scores
    labels = sc.labels
    kind = _target_type(labels)
    if not (kind == "binary" or (kind == "multiclass" and pos_label is not None)):
        raise ValueError(f"{kind} format is not supported")
    if len(sc.columns) != 1:
        raise ValueError("roc_curve expects a 1-D y_score")
    i = _pos_label_index(labels, pos_label)
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
    sc = parts.scores
    classes = sc.labels
    kind = _target_type(classes)
    n_cols = len(sc.columns)
    if kind == "continuous":
        raise ValueError("continuous format is not supported")
    if kind == "multiclass" or (kind == "binary" and n_cols > 2):
        return _multiclass_auc(parts, classes, average, max_fpr, multi_class, labels, weighted)
    if n_cols != 1:
        raise ValueError(f"y_score must be 1-D for a binary y_true; got {n_cols} columns")
    if len(classes) != 2:
        warnings.warn(
            "Only one class is present in y_true. ROC AUC score is not defined in that case.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
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
            raise ValueError(
                "sample_weight is not supported for multiclass one-vs-one ROC AUC, "
                "'sample_weight' must be None in this case."
            )
        return _ovo(sc, where, average, parts.n_rows)
    return _ovr(sc, where, average)


def _column(counts: np.ndarray, j: int) -> np.ndarray:
    return counts[:, j] if j >= 0 else np.zeros(counts.shape[0])


def _ovr(sc, where, average):
    if average == "micro":
        from engine.kernels.distinct import merge_value_counts

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
            warnings.warn(
                "Only one class is present in y_true. ROC AUC score is not defined in that case.",
                UndefinedMetricWarning,
                stacklevel=4,
            )
            scores[c] = np.nan
            continue
        scores[c] = binary_auc(values, pos, neg)
    return _average(scores, average, weights)


def _ovo(sc, where, average, n_rows):
    n_classes = len(where)
    pairs = [(a, b) for a in range(n_classes) for b in range(a + 1, n_classes)]
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
    (``average`` micro/macro/weighted/None) and one-vs-one (macro/weighted).
    Not binned: equal to scikit-learn's to ~1e-15 on any chunking, ties
    included. Cost: one pass.

    Examples
    --------
    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    parts = compute_partials(SCORES, y_true, y_score=y_score, sample_weight=sample_weight)
    return finalize_roc_auc(
        parts,
        average=average,
        max_fpr=max_fpr,
        multi_class=multi_class,
        labels=labels,
        weighted=sample_weight is not None,
    )

"""Multilabel-indicator targets: one-pass counts and scikit-learn's metrics on them.

Method: per row block of the ``(n_samples, n_labels)`` indicator matrices,
(a) per label, the (weighted) number of true positives, false positives and
false negatives (nonzero entries count as positive, as in scikit-learn), and
(b) a histogram of the rows by their per-row statistics -- true positives,
predicted and true label counts, number of differing entries, and (weighted
input) whether the weight is zero -- for every label subset a metric asks
about. Both merge exactly (integer counts add; weight sums add in a fixed
order).

These are sufficient statistics: every per-label and micro/macro/weighted
metric depends only on (a), every per-sample ("samples" average, subset
accuracy, Hamming loss) metric only on (b). scikit-learn's own functions are
then evaluated on small synthetic indicator matrices that have exactly those
statistics -- per label, one row per (true, predicted) cell weighted by its
count; per histogram bin, one row with the bin's counts weighted by its rows
-- so averaging, ``zero_division``, warnings and errors are scikit-learn's.
Exact: equal to scikit-learn up to floating-point summation order (~1e-16
relative). Cost: one pass; memory O(n_labels + distinct per-row statistics).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import sklearn.metrics as skm

from engine.stats.partials import KeyedCounts, keyed_counts_block, merge_keyed_counts

_ROW_KEY = "row statistics"  # (tp, n_pred, n_true, n_diff, zero_weight) as one int64 code


def _row_dims(width: int) -> tuple[int, ...]:
    """Ranges of the per-row statistics over ``width`` columns (for one combined code)."""
    return (width + 1,) * 4 + (2,)


@dataclass
class MultilabelCounts:
    """Exact per-label and per-row statistics of a multilabel-indicator pair.

    Attributes
    ----------
    n_labels : int
        Number of indicator columns.
    rows : ndarray of int64, shape (3, n_labels)
        Rows per label that are true positives, false positives, false negatives.
    wsum : ndarray of float64 or None
        The same as weight sums (None when unweighted).
    n_rows : int
        Number of rows.
    per_row : dict
        Label subset (a tuple of column indices, or None for all columns) to
        the :class:`engine.stats.KeyedCounts` of rows by the observed values
        of ``(tp, n_pred, n_true, n_diff, zero_weight)``, combined into one
        code (memory grows with the distinct combinations seen, not with
        their product).
    """

    n_labels: int
    rows: np.ndarray
    wsum: np.ndarray | None
    n_rows: int
    per_row: dict


def _subset_valid(subset: tuple | None, n_labels: int) -> bool:
    return subset is None or all(0 <= j < n_labels for j in subset)


def multilabel_counts_block(
    y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray | None, subsets: frozenset
) -> MultilabelCounts:
    """:class:`MultilabelCounts` of one block of two same-width indicator matrices."""
    t = y_true != 0
    p = y_pred != 0
    cells = np.stack([t & p, p & ~t, t & ~p])  # tp, fp, fn: (3, n, L)
    rows = cells.sum(axis=1, dtype=np.int64)
    wsum = None
    if weights is not None:
        wsum = np.einsum("knl,n->kl", cells.astype(np.float64), weights)
    zero = (weights == 0).astype(np.int64) if weights is not None else np.zeros(len(t), np.int64)
    per_row = {}
    for subset in subsets | {None}:
        if not _subset_valid(subset, t.shape[1]):
            continue
        cols = slice(None) if subset is None else list(subset)
        ts, ps = t[:, cols], p[:, cols]
        stats = (
            (ts & ps).sum(axis=1),
            ps.sum(axis=1),
            ts.sum(axis=1),
            (y_true[:, cols] != y_pred[:, cols]).sum(axis=1),
            zero,
        )
        code = np.ravel_multi_index(stats, _row_dims(ts.shape[1])).astype(np.int64)
        per_row[subset] = keyed_counts_block([code], weights, [_ROW_KEY])
    return MultilabelCounts(t.shape[1], rows, wsum, len(t), per_row)


def merge_multilabel_counts(a: MultilabelCounts, b: MultilabelCounts) -> MultilabelCounts:
    """Merge two partials (exact: counts add, weight sums add in a fixed order)."""
    if a.n_labels != b.n_labels:
        raise ValueError("Multi-label binary indicator input with different numbers of labels")
    wsum = None if a.wsum is None else a.wsum + b.wsum
    per_row = {k: merge_keyed_counts(a.per_row[k], b.per_row[k]) for k in a.per_row}
    return MultilabelCounts(a.n_labels, a.rows + b.rows, wsum, a.n_rows + b.n_rows, per_row)


def _cell_values(mc: MultilabelCounts, weighted: bool) -> np.ndarray:
    return mc.wsum if weighted else mc.rows.astype(np.float64)


def label_rows(mc: MultilabelCounts, weighted: bool):
    """Synthetic ``(y_true, y_pred, weight)`` with the per-label counts of ``mc``."""
    cells = _cell_values(mc, weighted)
    n = mc.n_labels
    eye = np.eye(n, dtype=np.int64)
    none = np.zeros((n, n), np.int64)
    y_true = np.vstack([eye, none, eye, np.zeros((1, n), np.int64)])
    y_pred = np.vstack([eye, eye, none, np.zeros((1, n), np.int64)])
    weight = np.concatenate([cells[0], cells[1], cells[2], [1.0]])  # + one empty row: never empty
    return y_true, y_pred, weight


def _row_bins(mc: MultilabelCounts, subset, weighted: bool):
    kc: KeyedCounts = mc.per_row[subset]
    width = mc.n_labels if subset is None else len(subset)
    seen = np.flatnonzero(kc.rows)
    values = np.unravel_index(kc.keys[0][seen], _row_dims(width))
    return values, kc.weights[seen] if weighted else kc.rows[seen].astype(np.float64)


def sample_rows(mc: MultilabelCounts, subset, width: int, weighted: bool):
    """Synthetic ``(y_true, y_pred, weight)`` with the per-row statistics of ``mc``.

    One row per distinct ``(tp, n_pred, n_true, zero_weight)``: true labels in
    the first ``n_true`` columns, predicted ones overlapping them in ``tp``
    columns. At least two rows when the data had two (scikit-learn words its
    warnings by the number of samples).
    """
    (tp, n_pred, n_true, _, _), weight = _row_bins(mc, subset, weighted)
    cols = np.arange(width)
    y_true = (cols[None, :] < n_true[:, None]).astype(np.int64)
    start = (n_true - tp)[:, None]
    y_pred = ((cols[None, :] >= start) & (cols[None, :] < start + n_pred[:, None])).astype(np.int64)
    if len(weight) == 1 and mc.n_rows > 1:
        y_true, y_pred, weight = (
            np.repeat(y_true, 2, 0),
            np.repeat(y_pred, 2, 0),
            weight.repeat(2) / 2,
        )
    return y_true, y_pred, weight


def subset_accuracy(mc: MultilabelCounts, weighted: bool, normalize: bool) -> float:
    """Fraction (or weight) of rows whose predicted label set equals the true one."""
    values, weight = _row_bins(mc, None, weighted)
    exact = float(weight[values[3] == 0].sum())
    if not normalize:
        return exact
    return exact / float(weight.sum())


def hamming(mc: MultilabelCounts, weighted: bool) -> float:
    """scikit-learn's multilabel Hamming loss from the per-row histogram."""
    values, weight = _row_bins(mc, None, weighted)
    differences = float(weight @ values[3].astype(np.float64))
    mean_weight = float(weight.sum()) / mc.n_rows if weighted else 1.0
    return differences / (mc.n_rows * mc.n_labels * mean_weight)


def check_multilabel_labels(labels, n_labels: int) -> tuple | None:
    """scikit-learn's validation of ``labels`` for multilabel targets; the column subset."""
    if labels is None:
        return None
    given = np.asarray(labels)
    present = np.arange(n_labels)
    full = np.concatenate([given, np.setdiff1d(present, given, assume_unique=True)])
    if full.shape != present.shape or np.any(full != present):
        if np.max(full) > np.max(present):
            raise ValueError(
                "All labels must be in [0, n labels) for multilabel targets. "
                f"Got {np.max(full)} > {np.max(present)}"
            )
        if np.min(full) < 0:
            raise ValueError(
                f"All labels must be in [0, n labels) for multilabel targets. Got {np.min(full)} < 0"
            )
    return tuple(int(j) for j in given)


def multilabel_prfs(mc: MultilabelCounts, weighted: bool, *, labels=None, average=None, **kwargs):
    """scikit-learn's ``precision_recall_fscore_support`` for multilabel counts."""
    if average == "samples":
        subset = check_multilabel_labels(labels, mc.n_labels)
        width = mc.n_labels if subset is None else len(subset)
        y_t, y_p, w = sample_rows(mc, subset, width, weighted)
        return skm.precision_recall_fscore_support(
            y_t, y_p, sample_weight=w, average=average, **kwargs
        )
    y_t, y_p, w = label_rows(mc, weighted)
    return skm.precision_recall_fscore_support(
        y_t, y_p, sample_weight=w, labels=labels, average=average, **kwargs
    )


def multilabel_confusion(mc: MultilabelCounts, weighted: bool, labels=None) -> np.ndarray:
    """scikit-learn's ``multilabel_confusion_matrix`` for multilabel counts."""
    subset = check_multilabel_labels(labels, mc.n_labels)
    cells = _cell_values(mc, weighted)
    tp, fp, fn = cells[0], cells[1], cells[2]
    total = float(np.sum(_row_bins(mc, None, weighted)[1])) if weighted else float(mc.n_rows)
    tn = total - tp - fp - fn
    out = np.stack([tn, fp, fn, tp]).T.reshape(-1, 2, 2)
    if not weighted:
        out = np.rint(out).astype(np.int64)
    return out if subset is None else out[list(subset)]


def row_cells_block(
    y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray | None, subset: tuple | None
) -> np.ndarray | None:
    """Per-row ``[[tn, fp], [fn, tp]]`` over the subset's columns (``samplewise=True``)."""
    if not _subset_valid(subset, y_true.shape[1]):
        return None
    cols = slice(None) if subset is None else list(subset)
    t, p = y_true[:, cols] != 0, y_pred[:, cols] != 0
    cells = [(t & p).sum(axis=1), (p & ~t).sum(axis=1), (t & ~p).sum(axis=1)]
    total = t.shape[1]
    if weights is not None:
        cells = [c * weights for c in cells]
        total = total * weights
    tp, fp, fn = cells
    return np.stack([total - tp - fp - fn, fp, fn, tp], axis=1).reshape(-1, 2, 2)


_SAMPLES_WARNING = re.compile(r"no (true|predicted|true nor predicted) labels\.")
_ROW_FORMAT = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}"


def multilabel_report(mc: MultilabelCounts, weighted: bool, **kwargs):
    """scikit-learn's ``classification_report`` for multilabel counts.

    The per-label rows and the micro/macro/weighted averages come from
    scikit-learn's report on the per-label synthetic rows; the "samples avg"
    row (and its warnings) from the per-row statistics.
    """
    y_t, y_p, w = label_rows(mc, weighted)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = skm.classification_report(y_t, y_p, sample_weight=w, **kwargs)
    for item in caught:
        if not _SAMPLES_WARNING.search(str(item.message)):
            warnings.warn(item.message, item.category, stacklevel=4)
    p, r, f, _ = multilabel_prfs(
        mc,
        weighted,
        labels=kwargs.get("labels"),
        average="samples",
        zero_division=kwargs.get("zero_division", "warn"),
    )
    if kwargs.get("output_dict"):
        report["samples avg"].update({"precision": p, "recall": r, "f1-score": f})
        return report
    lines = report.rstrip("\n").split("\n")
    heading = "samples avg"
    width = lines[-1].index(heading) + len(heading)
    digits = kwargs.get("digits", 2)
    support = lines[-1].split()[-1]
    lines[-1] = _ROW_FORMAT.format(heading, p, r, f, support, width=width, digits=digits)
    return "\n".join(lines) + "\n"

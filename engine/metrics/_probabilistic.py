"""Log loss from per-label sums of -log(p) (one pass over the data).

Method: per block and true label, the (weighted) sums of ``-log(clip(p_c))``
for every probability column ``c``, plus the range of ``y_proba`` and the
number of rows whose probabilities do not sum to one; the loss picks, for
each label, the column of that label once the full label set is known. For a
multilabel indicator ``y``, per column the sum of ``y_c * -log(clip(p_c))``
(scikit-learn's loss there). The target is checked on the pass's target
summary with scikit-learn's rules (continuous or multioutput ``y_true``
raise).
Exact up to floating-point summation order (~1e-15 relative). Cost: one pass
(``n_classes`` logarithms per row, as scikit-learn).
"""

from __future__ import annotations

import warnings

import numpy as np

from engine.metrics._partials import Needs, Partials, compute_partials
from engine.metrics._target_kind import MULTILABEL, target_type
from engine.metrics._unique_labels import labels_of
from engine.stats.internal import check_lengths

LOGLOSS = Needs(logloss=True)


def _classes(parts: Partials, labels) -> tuple[np.ndarray, bool]:
    """The classes the probability columns refer to (LabelBinarizer's), and if multilabel."""
    ls = parts.logloss
    kind = target_type(parts.true_summary, "y")
    if "multioutput" in kind:
        raise ValueError("Multioutput target data is not supported with label binarization")
    if labels is not None:
        if kind == MULTILABEL:
            raise ValueError("The object was not fitted with multilabel input.")
        classes = np.unique(np.asarray(labels))
        if not np.array_equal(classes, np.asarray(labels)):
            warnings.warn(
                f"Labels passed were {labels}. But this function assumes labels are ordered "
                f"lexicographically. Pass the ordered labels={classes.tolist()} and ensure "
                "that the columns of y_prob correspond to this ordering.",
                UserWarning,
                stacklevel=4,
            )
        undeclared = set(ls.labels.tolist()) - set(classes.tolist())
        if undeclared:
            raise ValueError(
                f"y_true contains values {undeclared} not belonging to the passed labels {labels}."
            )
        return classes, False
    return labels_of([parts.true_summary], {kind}), kind == MULTILABEL


def finalize_log_loss(parts: Partials, *, normalize: bool = True, labels=None) -> float:
    ls = parts.logloss
    if ls.ymax > 1:
        raise ValueError(f"y_prob contains values greater than 1: {ls.ymax}")
    if ls.ymin < 0:
        raise ValueError(f"y_prob contains values lower than 0: {ls.ymin}")
    classes, multilabel = _classes(parts, labels)
    if len(classes) == 1:
        if labels is None:
            raise ValueError(
                f"y_true contains only one label ({classes[0]}). Please provide the "
                "list of all expected class labels explicitly through the labels argument."
            )
        raise ValueError(f"The labels array needs to contain at least two labels, got {classes}.")
    if ls.n_not_normalized:
        warnings.warn(
            "The y_prob values do not sum to one. Make sure to pass probabilities.",
            UserWarning,
            stacklevel=3,
        )
    n_cols = ls.sums.shape[1]
    if len(classes) != n_cols:
        if labels is None:
            raise ValueError(
                f"y_true and y_prob contain different number of classes: {len(classes)} vs {n_cols}. "
                "Please provide the true labels explicitly through the labels argument. Classes "
                f"found in y_true: {classes}"
            )
        raise ValueError(
            f"The number of classes in labels is different from that in y_prob. "
            f"Classes found in labels: {classes}"
        )
    if multilabel:
        total = float(ls.positive.sum())
    else:
        total = 0.0
        for i, value in enumerate(ls.labels.tolist()):
            col = int(np.flatnonzero(classes == value)[0])
            total += ls.sums[i, col]
    return float(total / ls.weight) if normalize else float(total)


def log_loss(
    y_true,
    y_proba=None,
    *,
    normalize: bool = True,
    sample_weight=None,
    labels=None,
    y_pred="deprecated",
) -> float:
    """Logarithmic loss (scikit-learn's ``log_loss``); one pass.

    ``y_proba`` is ``(n_samples,)`` (probability of the greater label) or
    ``(n_samples, n_classes)``; values outside [0, 1] raise ``ValueError``.
    Binary, multiclass and multilabel-indicator targets. ``y_pred`` is
    scikit-learn's deprecated name for ``y_proba``.

    Examples
    --------
    >>> round(log_loss([0, 1, 1], [0.2, 0.7, 0.9]), 6)
    0.228393
    """
    if not (isinstance(y_pred, str) and y_pred == "deprecated"):
        if y_proba is not None:
            raise ValueError(
                "Cannot use both `y_pred` and `y_proba`. `y_pred` is deprecated, "
                "use `y_proba` instead."
            )
        warnings.warn(
            "`y_pred` was renamed to `y_proba` in version 1.9 and will be removed "
            "in 1.11. Use `y_proba` instead.",
            FutureWarning,
            stacklevel=2,
        )
        y_proba = y_pred
    if y_proba is None:
        raise ValueError("log_loss needs y_proba, the predicted probabilities")
    check_lengths(y_proba=y_proba, y_true=y_true, sample_weight=sample_weight)  # sklearn's order
    parts = compute_partials(LOGLOSS, y_true, y_score=y_proba, sample_weight=sample_weight)
    return finalize_log_loss(parts, normalize=normalize, labels=labels)

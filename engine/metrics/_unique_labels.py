"""scikit-learn's ``unique_labels`` decided on merged target summaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.metrics._target_kind import MULTILABEL, sorted_uniques, target_type
from engine.metrics._target_merge import summaries_of
from engine.metrics._target_summary import TargetSummary

_LABEL_TYPES = ("binary", "multiclass", MULTILABEL)


def labels_of(summaries: Sequence[TargetSummary], types: set[str], ys: tuple = ()) -> np.ndarray:
    """scikit-learn's ``unique_labels`` on merged summaries whose kinds are ``types``.

    ``ys`` (the inputs) only serve the error message for unknown label types.
    """
    if types == {"binary", "multiclass"}:
        types = {"multiclass"}
    if len(types) > 1:
        raise ValueError(f"Mix type of y not allowed, got types {set(types)}")
    (label_type,) = types
    if label_type == MULTILABEL:
        widths = {s.n_columns for s in summaries}
        if len(widths) > 1:
            raise ValueError("Multi-label binary indicator input with different numbers of labels")
        return np.arange(widths.pop())
    if label_type not in _LABEL_TYPES:
        raise ValueError(
            f"Unknown label type: {ys!r}" if ys else f"Unknown label type: {label_type}"
        )
    values = [sorted_uniques(s) for s in summaries]
    labels = set()
    for v in values:
        labels.update(v.tolist() if v.dtype == object else list(v))
    if len({isinstance(label, str) for label in labels}) > 1:
        got = " and ".join(f"{v}" for v in values)
        raise ValueError(f"Mix of label input types (string and number); Got {got}.")
    return np.asarray(sorted(labels))


def unique_labels(*ys: Any) -> np.ndarray:
    """Sorted distinct class labels of one or more targets (scikit-learn's ``unique_labels``).

    The same labels, dtype and errors as ``sklearn.utils.multiclass.unique_labels``:
    binary/multiclass targets give their sorted distinct values (strings,
    booleans, integers, integral floats); multilabel indicators give
    ``arange(n_labels)``; mixing target kinds, multilabel widths, or string and
    number labels raises ``ValueError``.

    Parameters
    ----------
    *ys : array-like
        NumPy, pandas, list, dask.array or dask DataFrame/Series.

    Returns
    -------
    numpy.ndarray

    Notes
    -----
    Exact; every Dask input is read once, all of them in one ``dask.compute``
    (per block distinct values, merged in a fixed order): the classes are the
    same on every scheduler and chunking, and ``y`` is never collected.

    Examples
    --------
    >>> unique_labels([3, 5, 5, 7]).tolist()
    [3, 5, 7]
    >>> unique_labels(["No", "Yes"], ["Yes"]).tolist()
    ['No', 'Yes']
    """
    if not ys:
        raise ValueError("No argument has been passed.")
    summaries = summaries_of(ys, raw_labels=True)
    for s in summaries:
        if s.uniques is None and s.sort_error:  # numpy.unique of the input fails first
            raise TypeError(s.sort_error)
    return labels_of(summaries, {target_type(s) for s in summaries}, ys)

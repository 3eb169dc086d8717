"""What scikit-learn's target checks need of one row block: a mergeable summary.

scikit-learn decides a target's kind (``type_of_target``) and its classes
(``unique_labels``) from a handful of facts about the whole array: its
number of dimensions and columns, its dtype, its first element, whether a
float value is not integral, and its distinct values. This module computes
those facts for one block (:class:`TargetSummary`); :mod:`._target_merge`
merges them over blocks, :mod:`._target_kind` and :mod:`._unique_labels`
decide on the merged summary with scikit-learn's rules. Exact; one pass over
the data; the same answer on every scheduler and chunking.

The metrics compute these summaries in the same pass as their counts, so
target checks (binary/multiclass/multilabel, continuous or multioutput
targets rejected as scikit-learn rejects them) cost no extra read.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from engine.kernels import grouped_counts as gk
from engine.stats.internal import encode_column

MULTILABEL_CAP = 3  # a 2-D target is multilabel only with fewer than 3 distinct values

_CHECK = {
    "accept_sparse": False,
    "allow_nd": True,
    "ensure_all_finite": False,
    "ensure_2d": False,
    "ensure_min_samples": 0,
    "ensure_min_features": 0,
}


def as_target_array(y: Any) -> np.ndarray:
    """A target block as NumPy the way scikit-learn's target checks see it.

    pandas extension dtypes are converted as ``sklearn.utils.check_array``
    converts them (nullable ``boolean``/``Int64`` to float, ``string`` and
    ``category`` of strings to object); ragged sequences become an object
    array; scipy sparse blocks are made dense.
    """
    if sp.issparse(y):
        return np.asarray(y.toarray())
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.VisibleDeprecationWarning)
        try:
            return check_array(y, dtype=None, **_CHECK)
        except (np.exceptions.VisibleDeprecationWarning, ValueError) as exc:
            if str(exc).startswith("Complex data not supported"):
                raise
            return check_array(y, dtype=object, **_CHECK)


def _float_flags(y: np.ndarray, input_name: str) -> bool:
    """Raise scikit-learn's error for NaN/infinity in a float target; True if non-integral."""
    supported = y.dtype in (np.float32, np.float64)  # the kernel's types; float16 widens exactly
    flat = np.ascontiguousarray(y if supported else y.astype(np.float64)).reshape(-1)
    n_nan, n_inf, non_integral = gk.float_label_flags(flat)
    if n_nan or n_inf:
        padded = f"{input_name} " if input_name else ""
        found = "NaN" if n_nan else f"infinity or a value too large for {y.dtype!r}"
        raise ValueError(f"Input {padded}contains {found}.")
    return bool(non_integral)


@dataclass
class TargetSummary:
    """What scikit-learn's target checks need of one input (mergeable over row blocks).

    Attributes
    ----------
    ndim, n_columns, n_rows : int
        Shape facts (``n_columns`` is 1 for 1-D input).
    dtype : numpy.dtype
        dtype of the converted blocks (object when blocks disagree beyond numbers).
    first : object
        The first element (``y.flat[0]``) of the first non-empty block.
    has_first : bool
        Whether ``first`` is set (False while every block seen was empty).
    non_integral : bool
        A float value that is not an integer was seen.
    uniques : numpy.ndarray or None
        Sorted distinct values (at most 3 kept for 2-D input; dropped once a
        value is non-integral); None when they could not be sorted.
    sort_error : str
        The ``TypeError`` message met while sorting mixed values, if any.
    """

    ndim: int
    n_columns: int
    n_rows: int
    dtype: np.dtype
    first: Any
    has_first: bool
    non_integral: bool
    uniques: np.ndarray | None
    sort_error: str = ""


def _distinct(y: np.ndarray) -> tuple[np.ndarray | None, str]:
    flat = y.reshape(-1)
    if flat.dtype.kind in "biuf":
        return encode_column(flat, "y")[0], ""
    try:
        return np.unique(flat), ""
    except TypeError as exc:
        return None, str(exc)


def _raw_distinct(y: Any, arr: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Distinct values as scikit-learn's ``unique_labels`` takes them (not the converted array).

    A plain sequence contributes ``set(y)`` (so ``[1, "a"]`` mixes a number
    and a string); other inputs ``numpy.asarray(y)`` (pandas nullable
    booleans stay booleans).
    """
    if isinstance(y, list | tuple):
        try:
            values = list(set(y))
        except TypeError:
            return _distinct(arr)
        with contextlib.suppress(TypeError):  # unsorted: unique_labels reports the mix
            values = sorted(values)
        return np.asarray(values, dtype=object), ""
    try:
        raw = np.asarray(y)
    except (TypeError, ValueError):
        return _distinct(arr)
    return _distinct(raw) if raw.shape == arr.shape else _distinct(arr)


def summarize_target(y: Any, input_name: str = "", raw_labels: bool = False) -> TargetSummary:
    """The :class:`TargetSummary` of one block.

    ``raw_labels`` takes the distinct values as scikit-learn's
    ``unique_labels`` does (see :func:`_raw_distinct`) rather than from the
    converted array. Raises scikit-learn's ``ValueError`` for NaN or infinity
    in a float target.
    """
    return describe_target(as_target_array(y), input_name, y if raw_labels else None)[0]


def describe_target(
    arr: np.ndarray, input_name: str = "", raw: Any = None
) -> tuple[TargetSummary, tuple[np.ndarray, np.ndarray] | None]:
    """Summary of a converted block, and ``(labels, codes)`` when it is 1-D with labels.

    The codes index each row's value in the sorted labels (the confusion
    counts and score distributions are keyed by them); None for 2-D blocks,
    non-integral floats and labels that cannot be sorted.
    """
    summary = TargetSummary(
        ndim=arr.ndim,
        n_columns=arr.shape[1] if arr.ndim == 2 else 1,
        n_rows=arr.shape[0] if arr.ndim else 0,
        dtype=arr.dtype,
        first=arr.flat[0] if arr.size else None,
        has_first=bool(arr.size),
        non_integral=False,
        uniques=None,
    )
    if arr.ndim not in (1, 2) or (arr.ndim == 2 and not arr.size):
        summary.uniques = np.empty(0, arr.dtype)
        return summary, None
    if arr.dtype.kind == "f":
        summary.non_integral = _float_flags(arr, input_name)
        if summary.non_integral:
            return summary, None
    if raw is not None:
        summary.uniques, summary.sort_error = _raw_distinct(raw, arr)
        return summary, None
    if arr.ndim == 2:
        uniques, summary.sort_error = _distinct(arr)
        summary.uniques = cap_uniques(uniques)
        return summary, None
    encoded = _encode(arr, input_name)
    if encoded is None:
        summary.sort_error = _distinct(arr)[1]
        return summary, None
    summary.uniques = encoded[0]
    return summary, encoded


def _encode(arr: np.ndarray, input_name: str) -> tuple[np.ndarray, np.ndarray] | None:
    if arr.dtype.kind in "biuf":
        return encode_column(arr, input_name)
    try:
        uniques, codes = np.unique(arr, return_inverse=True)
    except TypeError:
        return None
    return np.asarray(uniques, dtype=object), codes.astype(np.int64).reshape(-1)


def cap_uniques(uniques: np.ndarray | None) -> np.ndarray | None:
    return uniques if uniques is None else uniques[:MULTILABEL_CAP]

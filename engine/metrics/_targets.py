"""Target kinds and class labels, exact and in one pass on Dask input.

scikit-learn decides a target's kind (``type_of_target``) and its classes
(``unique_labels``) from a handful of facts about the whole array: its
number of dimensions and columns, its dtype, its first element, whether a
float value is not integral, and its distinct values. Every one of those
facts is a mergeable summary of row blocks (:class:`TargetSummary`): a block
task computes it, summaries merge in a fixed binary tree (booleans OR,
distinct values unite, the first element is the left block's), and the
decision is taken on the merged summary with scikit-learn's rules. Exact;
one pass over the data; the same answer on every scheduler and chunking.

The metrics compute these summaries in the same pass as their counts, so
target checks (binary/multiclass/multilabel, continuous or multioutput
targets rejected as scikit-learn rejects them) cost no extra read.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dask
import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from engine.kernels import grouped_counts as gk
from engine.stats.partials import encode_column, reduce_blocks

MULTILABEL = "multilabel-indicator"
_LABEL_TYPES = ("binary", "multiclass", MULTILABEL)
_MULTILABEL_CAP = 3  # a 2-D target is multilabel only with fewer than 3 distinct values
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
        summary.uniques = _cap(uniques)
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


def _cap(uniques: np.ndarray | None) -> np.ndarray | None:
    return uniques if uniques is None else uniques[:_MULTILABEL_CAP]


def _union(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray | None, str]:
    if a.shape == b.shape and (a.size == 0 or bool(np.all(a == b))):
        return a, ""
    if a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
        return np.union1d(a, b), ""
    try:
        return np.asarray(sorted(set(a.tolist()) | set(b.tolist())), dtype=object), ""
    except TypeError as exc:
        return None, str(exc)


def _merged_dtype(a: np.dtype, b: np.dtype) -> np.dtype:
    if a == b:
        return a
    if a.kind in "biuf" and b.kind in "biuf":
        return np.result_type(a, b)
    return np.dtype(object)


def merge_target_summaries(a: TargetSummary, b: TargetSummary) -> TargetSummary:
    """Merge the summaries of two consecutive row blocks (left first)."""
    if not b.n_rows:
        return a
    if not a.n_rows:
        return b
    non_integral = a.non_integral or b.non_integral
    uniques, error = None, a.sort_error or b.sort_error
    if not non_integral and not error and a.uniques is not None and b.uniques is not None:
        uniques, error = _union(a.uniques, b.uniques)
        if a.ndim == 2:
            uniques = _cap(uniques)
    return TargetSummary(
        ndim=a.ndim,
        n_columns=a.n_columns,
        n_rows=a.n_rows + b.n_rows,
        dtype=_merged_dtype(a.dtype, b.dtype),
        first=a.first if a.has_first else b.first,
        has_first=a.has_first or b.has_first,
        non_integral=non_integral,
        uniques=uniques,
        sort_error=error,
    )


def _check_first_element(s: TargetSummary) -> None:
    if s.ndim != 1 or not s.has_first:
        return
    first = s.first
    if isinstance(first, bytes):
        raise TypeError(
            "Support for labels represented as bytes is not supported. Convert "
            "the labels to a string or integer format."
        )
    if (
        not hasattr(first, "__array__")
        and isinstance(first, Sequence)
        and not isinstance(first, str)
    ):
        raise ValueError(
            "You appear to be using a legacy multi-label data representation. Sequence of "
            "sequences are no longer supported; use a binary array or sparse matrix instead "
            "- the MultiLabelBinarizer transformer can convert to this format."
        )


def _sorted_uniques(s: TargetSummary) -> np.ndarray:
    if s.uniques is None:
        raise TypeError(s.sort_error)
    return s.uniques


def _is_multilabel(s: TargetSummary) -> bool:
    if not (s.ndim == 2 and s.n_columns > 1) or s.non_integral or s.uniques is None:
        return False
    if len(s.uniques) >= _MULTILABEL_CAP:
        return False
    return s.dtype.kind in "biu" or s.dtype.kind == "f"


def target_type(
    s: TargetSummary, input_name: str = "", raise_unknown: bool = False, y: Any = None
) -> str:
    """scikit-learn's ``type_of_target`` decided on a merged :class:`TargetSummary`."""

    def unknown() -> str:
        if raise_unknown:
            raise ValueError(f"Unknown label type for {input_name or 'data'}: {y!r}")
        return "unknown"

    if _is_multilabel(s):
        return MULTILABEL
    _check_first_element(s)
    if s.ndim not in (1, 2):
        return unknown()
    if not s.n_rows or not s.n_columns:
        return "binary" if s.ndim == 1 else unknown()
    if s.dtype == object and not isinstance(s.first, str):
        return unknown()
    suffix = "-multioutput" if s.ndim == 2 and s.n_columns > 1 else ""
    if s.non_integral:
        return "continuous" + suffix
    if len(_sorted_uniques(s)) > 2 or suffix:
        return "multiclass" + suffix
    return "binary"


def lazy_target_summary(y: Any, input_name: str = "", raw_labels: bool = False):
    """The merged :class:`TargetSummary` of ``y``: now, or a ``Delayed`` for Dask input."""
    return reduce_blocks(
        _SummaryBlock(input_name, raw_labels),
        merge_target_summaries,
        {"y": y},
        name="engine-target-summary",
    )


@dataclass(frozen=True)
class _SummaryBlock:
    input_name: str
    raw_labels: bool

    def __call__(self, y) -> TargetSummary:
        return summarize_target(y, self.input_name, raw_labels=self.raw_labels)

    def __dask_tokenize__(self):
        return ("engine-target-summary-block", self.input_name, self.raw_labels)


def _check_array_like(y: Any) -> None:
    valid = (isinstance(y, Sequence) or sp.issparse(y) or hasattr(y, "__array__")) and not (
        isinstance(y, str)
    )
    if not valid and not dask.is_dask_collection(y):
        raise ValueError(f"Expected array-like (array or non-string sequence), got {y!r}")
    if y.__class__.__name__ in ("SparseSeries", "SparseArray"):
        raise ValueError("y cannot be class 'SparseSeries' or 'SparseArray'")


def _summaries(ys: Sequence, input_name: str = "", raw_labels: bool = False) -> list:
    for y in ys:
        _check_array_like(y)
    lazy = [lazy_target_summary(y, input_name, raw_labels) for y in ys]
    if any(dask.is_dask_collection(s) for s in lazy):
        return list(dask.compute(*lazy))
    return lazy


def type_of_target(y: Any, input_name: str = "", raise_unknown: bool = False) -> str:
    """The kind of a target, with scikit-learn's names and rules.

    One of ``'binary'``, ``'multiclass'``, ``'continuous'``,
    ``'multilabel-indicator'``, ``'multiclass-multioutput'``,
    ``'continuous-multioutput'`` or ``'unknown'``, exactly as
    ``sklearn.utils.multiclass.type_of_target`` answers (and raising where it
    raises: NaN/infinity in a float target, bytes labels, sequences of
    sequences).

    Parameters
    ----------
    y : array-like
        NumPy, pandas, list, dask.array or dask DataFrame/Series.
    input_name : str, default=""
        Name used in error messages.
    raise_unknown : bool, default=False
        Raise ``ValueError`` instead of returning ``'unknown'``.

    Returns
    -------
    str

    Notes
    -----
    Exact; one pass over Dask input (per block: shape, dtype, first element,
    whether a float is non-integral, distinct values; merged in a fixed
    order), so every scheduler and chunking gives the same answer.

    Examples
    --------
    >>> type_of_target([0, 1, 1])
    'binary'
    >>> type_of_target([[0, 1], [1, 1]])
    'multilabel-indicator'
    >>> type_of_target([0.5, 1.0])
    'continuous'
    """
    (summary,) = _summaries([y], input_name)
    return target_type(summary, input_name, raise_unknown, y)


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
    values = [_sorted_uniques(s) for s in summaries]
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
    summaries = _summaries(ys, raw_labels=True)
    for s in summaries:
        if s.uniques is None and s.sort_error:  # numpy.unique of the input fails first
            raise TypeError(s.sort_error)
    return labels_of(summaries, {target_type(s) for s in summaries}, ys)

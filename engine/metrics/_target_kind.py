"""scikit-learn's ``type_of_target`` decided on a merged target summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.metrics._target_merge import summaries_of
from engine.metrics._target_summary import MULTILABEL_CAP, TargetSummary

MULTILABEL = "multilabel-indicator"


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


def sorted_uniques(s: TargetSummary) -> np.ndarray:
    if s.uniques is None:
        raise TypeError(s.sort_error)
    return s.uniques


def _is_multilabel(s: TargetSummary) -> bool:
    if not (s.ndim == 2 and s.n_columns > 1) or s.non_integral or s.uniques is None:
        return False
    if len(s.uniques) >= MULTILABEL_CAP:
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
    if len(sorted_uniques(s)) > 2 or suffix:
        return "multiclass" + suffix
    return "binary"


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
    (summary,) = summaries_of([y], input_name)
    return target_type(summary, input_name, raise_unknown, y)

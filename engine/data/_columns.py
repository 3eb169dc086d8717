"""Columns matched by name: a fitted model sees its columns in the order it was fitted on.

scikit-learn raises when a pandas frame's columns come in another order than
at fit, and a Dask frame (turned into an array) is silently read by position.
The engine's rule, for pandas, dask DataFrame and xarray input alike: columns
in another order are put back in the fitted order, a missing or an unexpected
column raises a ``ValueError`` naming it. Input without names (NumPy, dask
arrays) is checked for its number of columns only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data._adapters import DASK_ARRAY, DASK_DATAFRAME, NUMPY, PANDAS, XARRAY, input_kind


def input_columns(X: Any) -> list | None:
    """The column labels of ``X`` (frames, xarray's second coordinate), or None."""
    kind = input_kind(X)
    if kind in (PANDAS, DASK_DATAFRAME):
        return list(X.columns) if X.ndim == 2 else None
    if kind == XARRAY and X.ndim == 2 and X.dims[1] in X.coords:
        return list(X.coords[X.dims[1]].values)
    return None


def _n_columns(X: Any) -> int | None:
    """Columns of 2-D input; None for 1-D input (the estimator's own check rejects it)."""
    shape = X.shape if hasattr(X, "shape") else np.shape(X)
    return int(shape[1]) if len(shape) == 2 else None


def align_columns(
    X: Any,
    feature_names: Sequence[str] | None,
    n_features: int | None = None,
    owner: str = "the model",
) -> Any:
    """``X`` with its columns in the order of ``feature_names`` (reordered when needed).

    Parameters
    ----------
    X : pandas DataFrame, dask DataFrame, xarray DataArray, NumPy or dask array
    feature_names : sequence of str or None
        The names seen at fit (``feature_names_in_``); None when the model was
        fitted without names (then only the number of columns is checked).
    n_features : int, optional
        The number of columns seen at fit (``n_features_in_``).
    owner : str
        Who expects the columns (named in the error, as scikit-learn does).

    Returns
    -------
    The same kind as ``X``: the same object when nothing changes, else its
    columns selected in the fitted order (lazy for Dask).

    Raises
    ------
    ValueError
        Naming the missing columns, or the columns not seen at fit, or stating
        both column counts for unnamed input.

    Examples
    --------
    >>> import pandas as pd
    >>> from engine.data import align_columns
    >>> X = pd.DataFrame({"b": [1.0], "a": [2.0]})
    >>> list(align_columns(X, ["a", "b"]).columns)
    ['a', 'b']
    >>> align_columns(X, ["a", "c"])
    Traceback (most recent call last):
    ...
    ValueError: X is missing column(s) ['c'] seen at fit
    """
    names = input_columns(X)
    if feature_names is None or names is None:
        got = _n_columns(X) if input_kind(X) in (NUMPY, DASK_ARRAY, XARRAY) else None
        if n_features is not None and got is not None and got != n_features:
            raise ValueError(
                f"X has {got} features, but {owner} is expecting {n_features} features as input"
            )
        return X
    expected = [str(name) for name in feature_names]
    by_name = {str(name): name for name in names}
    missing = [name for name in expected if name not in by_name]
    if missing:
        raise ValueError(f"X is missing column(s) {missing} seen at fit")
    extra = [str(name) for name in names if str(name) not in set(expected)]
    if extra:
        raise ValueError(f"X has column(s) {extra} not seen at fit: {expected} expected")
    if [str(name) for name in names] == expected:
        return X
    ordered = [by_name[name] for name in expected]
    if isinstance(X, pd.DataFrame | dd.DataFrame):
        return X[ordered]
    return X.sel({X.dims[1]: ordered})

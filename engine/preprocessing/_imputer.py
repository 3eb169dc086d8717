"""SimpleImputer: fill NaN with a per-column mean, median, most frequent value or a constant."""

from __future__ import annotations

import functools
import numbers
import warnings
from typing import Any

import dask.array as da
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn import impute as sklearn_impute
from sklearn.impute import MissingIndicator
from sklearn.utils.validation import check_is_fitted

from engine.data import MissingValues, StrOptions, Table, as_table, is_lazy, set_init_params
from engine.preprocessing._base import (
    EngineTransformer,
    affine_function,
    check_finite_moments,
    column_label,
    input_names,
    kind_of,
)
from engine.preprocessing._imputer_sparse import SparseImputation
from engine.preprocessing._sparse import is_sparse_dask
from engine.stats.internal import (
    Moments,
    column_moments,
    moments_and_quantiles,
    moments_and_value_counts,
)


def _mode(counts: tuple) -> float:
    values, weights = counts
    if len(values) == 0:
        return np.nan
    return float(values[int(np.argmax(weights[:, 0]))])  # ties: the smallest value (sorted)


def _is_nan_marker(value: Any) -> bool:
    """Whether ``missing_values`` means NaN in a float table (NaN, ``None``, ``pd.NA``)."""
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _has_text_columns(X: Any) -> bool:
    """Whether in-memory ``X`` holds a column that is not numbers (strings, objects, categories)."""
    if isinstance(X, pd.DataFrame | pd.Series):
        dtypes = X.dtypes if isinstance(X, pd.DataFrame) else [X.dtype]
        return not all(pd.api.types.is_numeric_dtype(d) for d in dtypes)
    if kind_of(X) != "numpy":
        return False
    return np.asarray(X).dtype.kind in "OUSV"


class NonNumericDataError(ValueError, TypeError):
    """Text data under a numeric strategy: scikit-learn's ``ValueError``, the engine's ``TypeError``."""


def _first_text_column(X: Any) -> str:
    """The name (``x<j>`` without names) of the first column whose values are not all numbers."""
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if isinstance(X, pd.DataFrame):
        columns = [(str(c), X.iloc[:, j]) for j, c in enumerate(X.columns)]
    else:
        array = np.asarray(X, dtype=object).reshape(len(X), -1)
        columns = [(f"x{j}", array[:, j]) for j in range(array.shape[1])]
    for name, values in columns:
        try:
            np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            return name
    return columns[0][0]


def _restored_block(block, kept, indicator, marker):
    """Undo imputation on one block: put ``marker`` back where the indicator columns say."""
    block = np.asarray(block, dtype=np.float64)
    n_kept = int(kept.sum())
    out = np.zeros((len(block), kept.size))
    out[:, kept] = block[:, :n_kept]
    missing = block[:, n_kept:].astype(bool)
    column = out[:, indicator]
    column[missing] = marker
    out[:, indicator] = column
    return out


def _imputed_block(block, marker, fill, kept, indicator):
    """Fill one block (``marker`` read as missing), keep ``kept`` columns, append indicators."""
    block = np.asarray(block, dtype=np.float64)
    if marker is not None:
        block = np.where(block == marker, np.nan, block)
    out = fill(block)
    if not kept.all():
        out = out[:, kept]
    if indicator.size:
        out = np.hstack([out, np.isnan(block[:, indicator]).astype(np.float64)])
    return out


class SimpleImputer(SparseImputation, EngineTransformer):
    """Replace NaN by a per-column statistic or a constant.

    Results equal :class:`sklearn.impute.SimpleImputer`'s on numeric
    columns: a column with no observed value under
    ``mean``/``median``/``most_frequent`` is dropped with a warning naming it
    by ``transform`` with a warning naming it (kept under
    ``keep_empty_features=True``), as scikit-learn does. inf is rejected, naming the column. Output is float64.

    Method (every strategy also runs the moments kernel, for counts and inf):

    * ``mean``: the one-pass moments kernel, Chan merge (rounding only).
    * ``median``: exact selection (:func:`engine.stats.column_quantiles`,
      bit-equal to ``numpy.nanmedian`` up to the last-ulp lerp); the moments
      share its first read of every block.
    * ``most_frequent``: exact per-block sorted value counts merged in a fixed
      tree, in the moments' read of every block; ties go to the smallest
      value, as in scikit-learn.
    * ``constant``: ``fill_value`` (default 0).

    A dask array of scipy.sparse blocks takes ``mean`` (implicit zeros
    counted, as scikit-learn's sparse fit) and ``constant``; transform fills
    the stored missing values lazily, one CSC block per block.

    Cost: fit 1 pass (with ``strategy="median"``: on typical data, at most
    3 passes when the selection's row sample misses); transform 1 pass.

    Parameters
    ----------
    missing_values : int, float, None or pandas.NA, default=np.nan
        The marker of a missing value. ``None`` and ``pd.NA`` read as NaN (the
        engine's numeric tables hold NaN where pandas holds them); with a
        number, that number *and* NaN are missing.
    strategy : {"mean", "median", "most_frequent", "constant"}, default="mean"
    fill_value : float, optional
        Used with ``strategy="constant"`` (default 0).
    copy : bool, default=True
        Accepted for scikit-learn compatibility (the input is never modified).
    add_indicator : bool, default=False
        Append one 0/1 column per column that had a missing value at fit
        (``missingindicator_<name>``), as scikit-learn's ``MissingIndicator``.
    keep_empty_features : bool, default=False
        Keep columns without any observed value at fit, filled with 0 (with
        ``fill_value`` under ``"constant"``); else ``transform`` drops them with
        a warning naming them, as scikit-learn does.

    Attributes
    ----------
    statistics_ : ndarray of shape (n_features,)
        The fill value of every column (NaN for a dropped empty column).
    indicator_ : sklearn.impute.MissingIndicator or None
        Fitted (its ``features_`` are the columns that had missing values).

    Examples
    --------
    >>> import numpy as np
    >>> from engine.preprocessing import SimpleImputer
    >>> SimpleImputer().fit_transform(np.array([[1.0], [np.nan], [3.0]])).ravel().tolist()
    [1.0, 2.0, 3.0]
    >>> SimpleImputer(missing_values=-1, add_indicator=True).fit_transform(
    ...     np.array([[1.0], [-1.0], [3.0]])
    ... ).tolist()
    [[1.0, 0.0], [2.0, 1.0], [3.0, 0.0]]
    """

    _parameter_constraints = {
        "missing_values": [MissingValues()],
        "strategy": [StrOptions({"mean", "median", "most_frequent", "constant"}), callable],
        "fill_value": "no_validation",  # any value (scikit-learn checks it against the data)
        "copy": ["boolean"],
        "add_indicator": ["boolean"],
        "keep_empty_features": ["boolean"],
    }

    def __init__(
        self,
        *,
        missing_values: Any = np.nan,
        strategy: str = "mean",
        fill_value: float | None = None,
        copy: bool = True,
        add_indicator: bool = False,
        keep_empty_features: bool = False,
    ):
        set_init_params(self, locals())

    _float_dtypes = (np.float64, np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.string = True
        return tags

    # ------------------------------------------------- scikit-learn's reference path
    def _reference_needed(self, X: Any) -> bool:
        """Whether ``X`` and the parameters are outside the engine's numeric kernels.

        scipy.sparse input, a callable ``strategy``, a text ``missing_values`` or
        ``fill_value`` and in-memory text/object/category columns are fitted by
        scikit-learn's own ``SimpleImputer`` (the exact reference semantics);
        Dask input never is (it would be gathered): it raises instead.
        """
        special = (
            callable(self.strategy)
            or isinstance(self.missing_values, str)
            or isinstance(self.fill_value, str)
        )
        if is_lazy(X):
            if callable(self.strategy):
                raise TypeError(
                    "SimpleImputer(strategy=<callable>) needs in-memory input (it calls the "
                    "function on every column's values); compute the Dask input first"
                )
            return False
        return special or sp.issparse(X) or _has_text_columns(X)

    def fit(self, X: Any, y: Any = None) -> SimpleImputer:
        """Fit on ``X``: the engine's kernels for numeric input, else scikit-learn's reference.

        ``y`` is ignored.
        """
        self._check_params()
        self._reference = None
        if is_sparse_dask(X):
            return self._fit_sparse_dask(X)
        if not self._reference_needed(X):
            return super().fit(X, y)
        try:
            reference = sklearn_impute.SimpleImputer(**self.get_params()).fit(X)
        except ValueError as exc:
            if "non-numeric data" not in str(exc):
                raise
            raise NonNumericDataError(
                f"{exc} (column {_first_text_column(X)!r}); encode it first (for example "
                "with engine.preprocessing.OrdinalEncoder) or use strategy='most_frequent' "
                "or 'constant'"
            ) from exc
        for name in ("statistics_", "indicator_", "n_features_in_", "feature_names_in_"):
            if hasattr(reference, name):
                setattr(self, name, getattr(reference, name))
            elif hasattr(self, name):
                delattr(self, name)
        self._reference = reference
        return self

    def transform(self, X: Any):
        """Impute ``X`` into the same kind (Dask stays lazy; float32 stays float32)."""
        check_is_fitted(self)
        if is_sparse_dask(X):
            return self._sparse_dask_transform(X)
        if getattr(self, "_reference", None) is not None:
            if is_lazy(X):
                raise TypeError(
                    "this SimpleImputer was fitted on sparse or text data by scikit-learn's "
                    "reference path; it transforms in-memory input only"
                )
            return self._reference.transform(X)
        if sp.issparse(X):
            out = self._sparse_transform(X)
            self._warn_empty()
            return out
        return super().transform(X)

    def inverse_transform(self, X: Any):
        """Put ``missing_values`` back where the indicator columns mark them (1 pass).

        Needs ``add_indicator=True``, as in scikit-learn; columns dropped at fit
        come back as zeros (or the marker where they were missing).
        """
        check_is_fitted(self)
        if not self.add_indicator:
            raise ValueError(
                "'inverse_transform' works only when 'SimpleImputer' is instantiated with "
                f"'add_indicator=True'. Got 'add_indicator={self.add_indicator}' instead."
            )
        if getattr(self, "_reference", None) is not None:
            return self._reference.inverse_transform(X)
        table = as_table(X)
        marker = self._marker()
        restore = functools.partial(
            _restored_block,
            kept=self._kept,
            indicator=np.asarray(self.indicator_.features_, dtype=np.int64),
            marker=np.nan if marker is None else marker,
        )
        return table.apply_blockwise(restore, list(input_names(self)))

    # ------------------------------------------------------------ engine path
    def _marker(self) -> float | None:
        """The non-NaN missing marker as a float, or None when missing means NaN."""
        if _is_nan_marker(self.missing_values):
            return None
        if not isinstance(self.missing_values, numbers.Real):
            raise TypeError(
                f"missing_values={self.missing_values!r} cannot occur in the engine's numeric "
                "columns; use a number, np.nan, None or pd.NA"
            )
        return float(self.missing_values)

    def _marked(self, table: Table) -> Table:
        """``table`` with the missing marker replaced by NaN (for the statistics only)."""
        marker = self._marker()
        if marker is None:
            return table
        where = da.where if table.is_lazy else np.where
        return as_table(
            where(table.values == marker, np.nan, table.values), column_names=table.columns
        )

    def _statistics(self, table: Table) -> dict:
        table = self._marked(table)
        if self.strategy == "median":
            moments, median = moments_and_quantiles(table, 0.5)
            return {"moments": moments, "median": median}
        if self.strategy == "most_frequent":
            moments, counts = moments_and_value_counts(table)
            return {"moments": moments, **{f"counts{j}": c for j, c in enumerate(counts)}}
        return {"moments": column_moments(table)}

    def _finish_fit(self, stats: dict, table: Table) -> None:
        check_finite_moments(stats["moments"], table.columns)
        m = Moments(stats["moments"])
        empty = m.count == 0
        if self.strategy == "constant":
            fill = 0.0 if self.fill_value is None else float(self.fill_value)
            statistics = np.full(table.n_columns, fill)
        elif self.strategy == "mean":
            statistics = np.array(m.mean, dtype=np.float64)
        elif self.strategy == "median":
            statistics = np.array(stats["median"], dtype=np.float64)
        else:
            statistics = np.array([_mode(stats[f"counts{j}"]) for j in range(table.n_columns)])
        if self.keep_empty_features:
            if self.strategy != "constant":
                statistics[empty] = 0.0
        else:
            statistics[empty] = np.nan  # dropped by transform, with a warning
        self.statistics_ = statistics
        self._kept = ~empty | self.keep_empty_features
        self._empty_names = [column_label(table.columns, int(j)) for j in np.flatnonzero(empty)]
        self.indicator_ = self._fitted_indicator(m.missing > 0) if self.add_indicator else None

    def _fitted_indicator(self, has_missing: np.ndarray) -> MissingIndicator:
        """scikit-learn's MissingIndicator, fitted to the columns that had missing values."""
        marker = self._marker()
        row = np.where(has_missing, np.nan if marker is None else marker, 0.0)
        if marker is not None and marker == 0.0:
            row[~has_missing] = 1.0
        data = row[None, :]
        if getattr(self, "feature_names_in_", None) is not None:
            data = pd.DataFrame(data, columns=self.feature_names_in_)
        indicator = MissingIndicator(
            missing_values=np.nan if marker is None else marker, error_on_new=False
        )
        return indicator.fit(data)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The kept input names, then ``missingindicator_<name>`` with ``add_indicator``."""
        check_is_fitted(self)
        names = np.asarray(input_names(self, input_features), dtype=object)
        out = list(names[self._kept])
        if self.indicator_ is not None:
            out += [f"missingindicator_{n}" for n in names[self.indicator_.features_]]
        return np.asarray(out, dtype=object)

    def _warn_empty(self) -> None:
        """scikit-learn's warning naming the columns that transform drops (no observed value)."""
        if not self._kept.all():
            warnings.warn(
                f"Skipping features without any observed values: {self._empty_names}. At "
                "least one non-missing value is needed for imputation with "
                f"strategy={self.strategy!r}.",
                UserWarning,
                stacklevel=5,
            )

    def _block_function(self, table: Table):
        self._warn_empty()
        fill = affine_function(table, self.n_features_in_, fill=self.statistics_)
        indicator = (
            np.asarray(self.indicator_.features_, dtype=np.int64)
            if self.indicator_ is not None
            else np.empty(0, dtype=np.int64)
        )
        if self._marker() is None and self._kept.all() and not indicator.size:
            return fill
        return functools.partial(
            _imputed_block, marker=self._marker(), fill=fill, kept=self._kept, indicator=indicator
        )

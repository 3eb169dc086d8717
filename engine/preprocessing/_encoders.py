"""OneHotEncoder and OrdinalEncoder for string, category and numeric columns.

Fit finds every column's categories in ONE grouped pass: per block (pandas
partition or array block) the distinct non-missing values of every column,
merged pairwise in a fixed tree (sets union, then sorted), so any chunking
and every scheduler give the same categories. Categories are sorted, with NaN
last when a column has missing values, as in scikit-learn. Transform maps
each block's values to category codes with pandas' hash-based
``Categorical``, one pass.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from engine.data import InvalidParameterError, StrOptions, Table
from engine.preprocessing._base import EngineTransformer, input_names
from engine.stats.internal import map_blocks_delayed, tree_merge


def _as_frame(block: Any) -> pd.DataFrame:
    if isinstance(block, pd.DataFrame):
        return block
    array = np.asarray(block)
    # an object array stays object: pandas' string inference would turn None into NaN
    return pd.DataFrame(array, dtype=object if array.dtype == object else None)


def _distinct_values(table: Table):
    """Every column's distinct non-missing values and whether it has missing ones (one pass)."""
    if not table.is_lazy:
        return _block_distinct(table.row_blocks(raw=True)[0])
    parts = map_blocks_delayed(table, _block_distinct, raw=True, name="engine-distinct-block")
    return tree_merge(parts, _merge_distinct, name="engine-distinct-merge")


def _none_rows(col: pd.Series) -> np.ndarray:
    """Rows holding ``None`` in an object column: a category of its own, as in scikit-learn."""
    if col.dtype != object:
        return np.zeros(len(col), dtype=bool)
    return np.fromiter((v is None for v in col.to_numpy()), dtype=bool, count=len(col))


def _nan_rows(col: pd.Series, none: np.ndarray) -> np.ndarray:
    """Rows holding a missing value other than ``None`` (NaN, NaT, pd.NA)."""
    return col.isna().to_numpy() & ~none


def _block_distinct(block: Any) -> list[tuple[frozenset, bool, bool]]:
    frame = _as_frame(block)
    out = []
    for j in range(frame.shape[1]):
        col = frame.iloc[:, j]
        none = _none_rows(col)
        missing = _nan_rows(col, none)
        values = col.to_numpy()[~(missing | none)]
        try:
            distinct = frozenset(pd.unique(values).tolist())
        except TypeError as exc:
            kinds = sorted({type(v).__name__ for v in values})
            raise TypeError(
                "Encoders require their input argument must be uniformly strings or numbers; "
                f"column {str(frame.columns[j])!r} holds {kinds}"
            ) from exc
        out.append((distinct, bool(missing.any()), bool(none.any())))
    return out


def _merge_distinct(a: list, b: list) -> list:
    return [(sa | sb, ma or mb, na or nb) for (sa, ma, na), (sb, mb, nb) in zip(a, b, strict=True)]


def _categories(distinct: list, names: list[str]) -> list[np.ndarray]:
    """Sorted categories per column, then ``None`` and NaN when seen (scikit-learn's order)."""
    cats = []
    for name, (values, missing, none) in zip(names, distinct, strict=True):
        kinds = {type(v) for v in values}
        numeric = all(issubclass(k, int | float | np.number | bool) for k in kinds)
        if not numeric and any(issubclass(k, int | float | np.number) for k in kinds):
            raise TypeError(
                "Encoders require their input argument must be uniformly strings or numbers; "
                f"column {name!r} mixes {sorted(k.__name__ for k in kinds)}"
            )
        ordered = sorted(values) + ([None] if none else []) + ([np.nan] if missing else [])
        cats.append(np.asarray(ordered, dtype=np.float64 if numeric and not none else object))
    return cats


def _codes(col: pd.Series, cats: np.ndarray, name: str, handle_unknown: str) -> np.ndarray:
    """Category index of every value; -1 for unknown (checked); None/NaN rows -> their category."""
    has_nan = len(cats) > 0 and _is_nan(cats[-1])
    has_none = len(cats) > int(has_nan) and cats[len(cats) - 1 - int(has_nan)] is None
    known = cats[: len(cats) - int(has_nan) - int(has_none)]
    values = col.to_numpy()
    none = _none_rows(col)
    missing = _nan_rows(col, none)
    if known.dtype.kind == "f":
        values = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=np.float64)
        index = pd.Index(known.astype(np.float64))
    else:
        index = pd.Index(known, dtype=object)
    codes = index.get_indexer(values).astype(np.int64)
    codes[none] = len(known) if has_none else -1
    codes[missing] = len(cats) - 1 if has_nan else -1
    unknown = (codes < 0) & ~missing if has_nan else codes < 0
    if handle_unknown == "error" and unknown.any():
        sample = pd.unique(col[unknown])[:5].tolist()
        raise ValueError(f"Found unknown categories {sample} in column {name!r} during transform")
    return codes


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and np.isnan(value)


def _onehot_block(block, categories, names, handle_unknown, dtype, sparse):
    frame = _as_frame(block)
    width = sum(len(c) for c in categories)
    rows, cols = [], []
    offset = 0
    index = np.arange(len(frame))
    for j, cats in enumerate(categories):
        codes = _codes(frame.iloc[:, j], cats, names[j], handle_unknown)
        ok = codes >= 0
        rows.append(index[ok])
        cols.append(offset + codes[ok])
        offset += len(cats)
    rows = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    cols = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    if sparse:
        ones = np.ones(len(rows), dtype=dtype)
        return sp.csr_matrix((ones, (rows, cols)), shape=(len(frame), width), dtype=dtype)
    out = np.zeros((len(frame), width), dtype=dtype)
    out[rows, cols] = 1
    return out


def _ordinal_block(block, categories, names, handle_unknown, unknown_value, missing_value, dtype):
    frame = _as_frame(block)
    out = np.empty((len(frame), len(categories)))
    for j, cats in enumerate(categories):
        col = frame.iloc[:, j]
        codes = _codes(col, cats, names[j], handle_unknown).astype(np.float64)
        has_nan = len(cats) > 0 and _is_nan(cats[-1])
        missing = _nan_rows(col, _none_rows(col))
        codes[(codes < 0) & ~missing] = unknown_value
        if has_nan:
            codes[codes == len(cats) - 1] = missing_value
        codes[missing] = missing_value
        out[:, j] = codes
    return out.astype(dtype, copy=False)


class _Encoder(EngineTransformer):
    _numeric_input = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        return tags

    def _check_params(self) -> None:
        super()._check_params()
        if self.categories != "auto" and not all(np.ndim(c) == 1 for c in self.categories):
            raise InvalidParameterError(
                f"The 'categories' parameter of {type(self).__name__} must be 'auto' or a "
                f"list of 1-D array-likes. Got {self.categories!r} instead."
            )

    def _statistics(self, table: Table) -> dict:
        if self.categories != "auto":
            return {}
        return {"distinct": _distinct_values(table)}

    def _finish_fit(self, stats: dict, table: Table) -> None:
        if self.categories == "auto":
            self.categories_ = _categories(stats["distinct"], table.column_names())
            return
        if len(self.categories) != table.n_columns:
            raise ValueError(
                f"Shape mismatch: categories has {len(self.categories)} "
                f"entries, X has {table.n_columns} columns"
            )
        self.categories_ = [np.asarray(c) for c in self.categories]

    def _block_function(self, table: Table):
        return self._block_function_for(table.column_names())

    def transform(self, X: Any):
        """Encode ``X`` into the same kind (Dask input stays lazy, same row chunks).

        With ``sparse_output=True`` (one-hot), NumPy and pandas input give a
        SciPy CSR matrix and a dask array gives a dask array of CSR blocks;
        dask frames and xarray cannot hold sparse blocks (``ValueError``).
        """
        check_is_fitted(self)
        table = self._check_input(X, reset=False)
        func, names = self._block_function(table), self._output_names(table)
        dtype = np.dtype(self.dtype)
        if not getattr(self, "sparse_output", False):
            return table.apply_blockwise(func, names, dtype=dtype, raw=True)
        if table.kind in ("dask_dataframe", "xarray"):
            raise ValueError(
                f"sparse_output=True returns scipy.sparse matrices, which a {table.kind} cannot "
                "hold; pass a NumPy/pandas table or a dask array, or use sparse_output=False"
            )
        if not table.is_lazy:
            return func(table.row_blocks(raw=True)[0])
        values = table.source.rechunk({1: -1})
        return values.map_blocks(
            func,
            dtype=dtype,
            chunks=(values.chunks[0], (len(names),)),
            meta=sp.csr_matrix((0, len(names)), dtype=dtype),
        )


class OneHotEncoder(_Encoder):
    """One 0/1 column per category of every column.

    Same categories, column order, feature names (``<column>_<category>``)
    and results as :class:`sklearn.preprocessing.OneHotEncoder`. The output is
    dense by default (scikit-learn's default is ``sparse_output=True``);
    ``sparse_output=True`` gives a scipy CSR matrix for NumPy/pandas input and
    a dask array of CSR blocks for a dask array. Missing values (NaN/None) form their own
    category, last. ``handle_unknown="error"`` raises naming the column and
    values; ``"ignore"`` encodes unknown values as all zeros.

    Method: exact distinct values per block, merged in a fixed tree. Cost:
    fit 1 pass, 0 passes with explicit ``categories``; transform 1 pass.

    Parameters
    ----------
    categories : "auto" or list of array-like, default="auto"
    sparse_output : bool, default=False
    dtype : numpy dtype, default=np.float64
        The output's dtype.
    handle_unknown : {"error", "ignore"}, default="error"

    Attributes
    ----------
    categories_ : list of ndarray

    Examples
    --------
    >>> import pandas as pd
    >>> from engine.preprocessing import OneHotEncoder
    >>> OneHotEncoder().fit_transform(pd.DataFrame({"c": ["b", "a", "b"]})).to_numpy().tolist()
    [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
    """

    _parameter_constraints = {
        "categories": [StrOptions({"auto"}), list],
        "sparse_output": ["boolean"],
        "dtype": "no_validation",  # any NumPy dtype, checked by numpy.dtype
        "handle_unknown": [StrOptions({"error", "ignore"})],
    }

    def __init__(
        self,
        *,
        categories="auto",
        sparse_output: bool = False,
        dtype=np.float64,
        handle_unknown: str = "error",
    ):
        self.categories = categories
        self.sparse_output = sparse_output
        self.dtype = dtype
        self.handle_unknown = handle_unknown

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``<column>_<category>`` for every category of every column."""
        check_is_fitted(self)
        names = input_names(self, input_features)
        return np.asarray(
            [f"{n}_{c}" for n, cats in zip(names, self.categories_, strict=True) for c in cats],
            dtype=object,
        )

    def _block_function_for(self, names: list[str]):
        return functools.partial(
            _onehot_block,
            categories=self.categories_,
            names=names,
            handle_unknown=self.handle_unknown,
            dtype=np.dtype(self.dtype),
            sparse=self.sparse_output,
        )


class OrdinalEncoder(_Encoder):
    """Replace every category by its index (0, 1, ...) in the sorted categories.

    Same categories and results as :class:`sklearn.preprocessing.OrdinalEncoder`:
    missing values stay NaN; ``handle_unknown="use_encoded_value"`` encodes
    unknown values as ``unknown_value``, ``"error"`` raises naming the column.
    Cost: fit 1 pass (grouped), 0 passes with explicit ``categories``;
    transform 1 pass.

    Parameters
    ----------
    categories : "auto" or list of array-like, default="auto"
    dtype : numpy dtype, default=np.float64
        The output's dtype.
    handle_unknown : {"error", "use_encoded_value"}, default="error"
    unknown_value : int, float NaN or None, default=None
    encoded_missing_value : int or float, default=np.nan
        The code of a missing value (NaN/None).

    Examples
    --------
    >>> import numpy as np
    >>> from engine.preprocessing import OrdinalEncoder
    >>> OrdinalEncoder().fit_transform(np.array([["b"], ["a"], ["b"]], dtype=object)).ravel().tolist()
    [1.0, 0.0, 1.0]
    """

    _parameter_constraints = {
        "categories": [StrOptions({"auto"}), list],
        "dtype": "no_validation",  # any NumPy dtype, checked by numpy.dtype
        "handle_unknown": [StrOptions({"error", "use_encoded_value"})],
        "unknown_value": [None, numbers.Real],
        "encoded_missing_value": [numbers.Integral, float],
    }

    def __init__(
        self,
        *,
        categories="auto",
        dtype=np.float64,
        handle_unknown: str = "error",
        unknown_value: float | None = None,
        encoded_missing_value: float = np.nan,
    ):
        self.categories = categories
        self.dtype = dtype
        self.handle_unknown = handle_unknown
        self.unknown_value = unknown_value
        self.encoded_missing_value = encoded_missing_value

    def fit(self, X: Any, y: Any = None):
        """Find every column's categories (one grouped pass over Dask input)."""
        if self.handle_unknown == "use_encoded_value" and self.unknown_value is None:
            raise ValueError("unknown_value must be set when handle_unknown='use_encoded_value'")
        super().fit(X, y)
        self._check_codes_are_free()
        return self

    def _check_codes_are_free(self) -> None:
        """``unknown_value`` and ``encoded_missing_value`` must not be a category's code."""
        missing = [len(c) > 0 and _is_nan(c[-1]) for c in self.categories_]
        known = [len(c) - int(m) for c, m in zip(self.categories_, missing, strict=True)]
        unknown = self.unknown_value
        encoded = self.handle_unknown == "use_encoded_value" and not _is_nan(unknown)
        if encoded and any(0 <= unknown < n for n in known):
            raise ValueError(
                f"The used value for unknown_value {unknown} is one of the values "
                "already used for encoding the seen categories."
            )
        value = self.encoded_missing_value
        if _is_nan(value):
            return
        names = input_names(self)
        clashing = [names[j] for j, n in enumerate(known) if missing[j] and 0 <= value < n]
        if clashing:
            raise ValueError(
                f"encoded_missing_value ({value}) is already used to encode a known "
                f"category in features: {clashing}"
            )

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The input column names."""
        check_is_fitted(self)
        return np.asarray(input_names(self, input_features), dtype=object)

    def _block_function_for(self, names: list[str]):
        value = np.nan if self.unknown_value is None else float(self.unknown_value)
        return functools.partial(
            _ordinal_block,
            categories=self.categories_,
            names=names,
            handle_unknown=self.handle_unknown,
            unknown_value=value,
            missing_value=float(self.encoded_missing_value),
            dtype=np.dtype(self.dtype),
        )

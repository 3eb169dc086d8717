"""What OneHotEncoder and OrdinalEncoder share: input rules, the one-pass fit, blockwise coding.

Fit counts every column's distinct values in ONE grouped pass (per block,
merged pairwise in a fixed tree, so any chunking and every scheduler give the
same result); the categories, the infrequent categories (``min_frequency``,
``max_categories``) and the checks of user-given categories all come from
those counts. With user categories and nothing to check (``handle_unknown``
other than ``"error"``, no infrequent grouping) fit reads no data at all.
Transform codes each block with hash lookups (:class:`Coder`), one pass, lazy
and blockwise on Dask input.
"""

from __future__ import annotations

import numbers
from typing import Any

import dask
import dask.array as da
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from engine.data import (
    Interval,
    InvalidParameterError,
    RealNotInt,
    Table,
    as_table,
    check_not_empty,
)
from engine.preprocessing._base import EngineTransformer, kind_of
from engine.preprocessing._encoder_codes import Coder, infrequent_indices, infrequent_mapping
from engine.preprocessing._encoder_columns import (
    auto_categories,
    block_columns,
    block_counts,
    counts_of,
    is_nan,
    merge_counts,
    unknown_values,
    user_categories,
)
from engine.stats.internal import map_blocks_delayed, tree_merge


def _meta_block(table: Table) -> Any:
    """An empty block of the input's column dtypes (no pass over the data)."""
    if table.kind == "dask_dataframe":
        return table.source._meta if table.source.ndim == 2 else table.source._meta.to_frame()
    if table.is_lazy:  # a dask array, or an xarray of one
        return np.empty((0, table.n_columns), dtype=table.source.dtype)
    return table.row_blocks(raw=True)[0]


def _counts(table: Table):
    """Every column's distinct-value counts and the row count, in one pass."""
    if not table.is_lazy:
        return block_counts(table.row_blocks(raw=True)[0])
    parts = map_blocks_delayed(table, block_counts, raw=True, name="engine-distinct-block")
    return tree_merge(parts, merge_counts, name="engine-distinct-merge")


INFREQUENT_PARAMETERS = {  # scikit-learn's constraints of the infrequent-grouping parameters
    "max_categories": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "min_frequency": [
        Interval(numbers.Integral, 1, None, closed="left"),
        Interval(RealNotInt, 0, 1, closed="neither"),
        None,
    ],
}


class _Encoder(EngineTransformer):
    _numeric_input = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags

    # ----------------------------------------------------------------- input
    def _check_input(self, X: Any, *, reset: bool) -> Table:
        """scikit-learn's encoder input rules: 2-D, dense, lists of strings read as objects."""
        kind = kind_of(X)
        if kind == "numpy":
            if reset:  # scikit-learn checks the feature count first at fit, last at transform
                validate_data(self, X=X, reset=reset, skip_check_array=True)
            array = check_array(X, dtype=None, ensure_all_finite=False)
            if not hasattr(X, "dtype") and array.dtype.kind == "U":
                array = check_array(X, dtype=object, ensure_all_finite=False)
            if not reset:
                validate_data(self, X=X, reset=reset, skip_check_array=True)
            table = as_table(array, numeric=False)
        elif kind == "dask_dataframe":
            table = as_table(X, numeric=False)
            self._check_dask_frame_columns(table.columns, reset)
        else:
            if isinstance(X, pd.Series):
                raise ValueError(
                    f"Expected a 2-dimensional container but got {type(X)} instead. Pass "
                    "a DataFrame containing a single row (i.e. single sample) or a single "
                    "column (i.e. single feature) instead."
                )
            validate_data(self, X=X, reset=reset, skip_check_array=True)
            table = as_table(X, numeric=False)
        check_not_empty(table.n_rows, table.n_columns)
        return table

    # ------------------------------------------------------------------- fit
    def _infrequent_enabled(self) -> bool:
        max_categories = getattr(self, "max_categories", None)
        return max_categories is not None or getattr(self, "min_frequency", None) is not None

    def _statistics(self, table: Table) -> dict:
        reads_data = self.handle_unknown == "error" or self._infrequent_enabled()
        if self.categories != "auto" and not reads_data:
            return {}
        return {"counts": _counts(table)}

    def _finish_fit(self, stats: dict, table: Table) -> None:
        counts = stats.get("counts")
        n_samples = counts.pop() if counts is not None else None
        if self.categories == "auto":
            found = [auto_categories(c, j) for j, c in enumerate(counts)]
            self.categories_ = [cats for cats, _ in found]
            category_counts = [n for _, n in found]
        else:
            self.categories_ = self._checked_user_categories(table, counts)
            category_counts = (
                None
                if counts is None
                else [counts_of(c, cats) for c, cats in zip(counts, self.categories_, strict=True)]
            )
        self._missing_indices = {
            j: len(cats) - 1
            for j, cats in enumerate(self.categories_)
            if len(cats) and is_nan(cats[-1])
        }
        self._fit_infrequent(n_samples, category_counts)

    def _checked_user_categories(self, table: Table, counts: list | None) -> list[np.ndarray]:
        """The user's ``categories`` in the columns' dtypes, checked as scikit-learn checks them."""
        if len(self.categories) != table.n_columns:
            raise ValueError(
                "Shape mismatch: if categories is an array, it has to be of shape "
                f"(n_features,): {len(self.categories)} categories for {table.n_columns} "
                "columns."
            )
        if not all(np.ndim(c) == 1 for c in self.categories):
            raise InvalidParameterError(
                f"The 'categories' parameter of {type(self).__name__} must be 'auto' or a "
                f"list of 1-D array-likes. Got {self.categories!r} instead."
            )
        dtypes = [c.dtype for c in block_columns(_meta_block(table))]
        categories = [
            user_categories(given, dtype, j)
            for j, (given, dtype) in enumerate(zip(self.categories, dtypes, strict=True))
        ]
        if counts is not None and self.handle_unknown == "error":
            for j, (c, cats) in enumerate(zip(counts, categories, strict=True)):
                diff = unknown_values(c, cats)
                if diff:
                    raise ValueError(f"Found unknown categories {diff} in column {j} during fit")
        return categories

    def _fit_infrequent(self, n_samples: int | None, category_counts: list | None) -> None:
        n = len(self.categories_)
        self._infrequent_indices = [None] * n
        mappings = [None] * n
        if self._infrequent_enabled():
            ignored = self._ignored_for_infrequent()
            for j, counts in enumerate(category_counts):
                if j in ignored:
                    counts = np.delete(counts, ignored[j])
                found = infrequent_indices(
                    counts, n_samples, self.min_frequency, self.max_categories
                )
                self._infrequent_indices[j] = found
                mappings[j] = infrequent_mapping(counts.size, found)
        self._default_to_infrequent_mappings = mappings

    def _ignored_for_infrequent(self) -> dict:
        """Per column, the category index never grouped as infrequent (none by default)."""
        return {}

    @property
    def infrequent_categories_(self) -> list:
        """The infrequent categories of every column (None where there are none)."""
        check_is_fitted(self)
        if not self._infrequent_enabled():
            raise AttributeError(
                f"'{type(self).__name__}' has no attribute 'infrequent_categories_': set "
                "min_frequency or max_categories to group infrequent categories"
            )
        return [
            None if idx is None else cats[idx]
            for cats, idx in zip(self.categories_, self._infrequent_indices, strict=True)
        ]

    def _coder(self, handle_unknown: str) -> Coder:
        return Coder(
            categories=self.categories_,
            mappings=self._default_to_infrequent_mappings,
            infrequent=self._infrequent_indices,
            handle_unknown=handle_unknown,
            kept_codes=self._ignored_for_infrequent(),
        )

    # ------------------------------------------------------------- transform
    def _block_function(self, table: Table):
        raise NotImplementedError

    def _blockwise(self, table: Table, func, width: int, dtype: np.dtype, sparse: bool):
        """``func`` over every row block, in the input's kind (sparse: CSR, or dask of CSR)."""
        names = self._output_names(table) if not sparse else None
        if not sparse:
            return table.apply_blockwise(func, names, dtype=dtype, raw=True)
        if not table.is_lazy:
            return func(table.row_blocks(raw=True)[0])
        meta = sp.csr_matrix((0, width), dtype=dtype)
        if table.kind == "dask_array":
            values = table.source if table.source.ndim == 2 else table.source[:, None]
            values = values.rechunk({1: -1})
            return values.map_blocks(
                func, dtype=dtype, chunks=(values.chunks[0], (width,)), meta=meta
            )
        call = dask.delayed(func, pure=True)
        blocks = [
            da.from_delayed(call(block), shape=(np.nan, width), dtype=dtype, meta=meta)
            for block in table.row_blocks(raw=True)
        ]
        return da.concatenate(blocks)

    # -------------------------------------------------------------- inverse
    def _inverse_input(self, X: Any, accept_sparse: bool):
        """``X`` for inverse_transform: a NumPy/CSR array, or a dask array with one column chunk."""
        check_is_fitted(self)
        if isinstance(X, da.Array):
            return X.rechunk({1: -1})
        if hasattr(X, "npartitions"):
            blocks = [
                da.from_delayed(p, shape=(np.nan, X.shape[1]), dtype=np.float64)
                for p in X.to_delayed()
            ]
            return da.concatenate(blocks).map_blocks(np.asarray, dtype=np.float64)
        return check_array(
            X, accept_sparse="csr" if accept_sparse else False, ensure_all_finite="allow-nan"
        )

    def _inverse(self, X: Any, func, width: int, dtype: np.dtype):
        if isinstance(X, da.Array):
            return X.map_blocks(
                func, dtype=dtype, chunks=(X.chunks[0], (width,)), meta=np.empty((0, width), dtype)
            )
        return func(X)

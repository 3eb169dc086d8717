"""SimpleImputer on scipy.sparse input: one matrix, or a dask array of sparse blocks."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import validate_data

from engine.data import as_table
from engine.preprocessing._sparse import checked_sparse, sparse_moments


class SparseImputation:
    """scikit-learn's sparse imputation, mixed into :class:`SimpleImputer`.

    The host class provides ``strategy``, ``_marker()``, ``_finish_fit``,
    ``_warn_empty``, ``_float_dtypes`` and the fitted ``statistics_``,
    ``_kept`` and ``indicator_``.
    """

    def _check_sparse_marker(self) -> None:
        """scikit-learn's error for sparse input when the implicit zeros would be missing."""
        if self._marker() == 0:
            raise ValueError(
                "Imputation not possible when missing_values == 0 and input is sparse. "
                "Provide a dense array instead."
            )

    def _fit_sparse_dask(self, X: Any) -> SparseImputation:
        """Mean or constant statistics of a dask array of sparse blocks (one pass), as scikit-learn.

        The mean counts the implicit zeros and skips the stored missing values
        (the moments of :func:`engine.preprocessing._sparse.sparse_moments`).
        """
        self._check_sparse_marker()
        if self.strategy not in ("mean", "constant"):
            raise NotImplementedError(
                f"SimpleImputer(strategy={self.strategy!r}) does not accept a dask array of "
                "scipy.sparse blocks (an exact median or mode needs whole columns in memory); "
                "compute it into one scipy.sparse matrix, or use strategy='mean' or 'constant'"
            )
        X = checked_sparse(self, X, reset=True)
        marker = self._marker()
        if marker is not None:
            X = X.map_blocks(_nan_marked, marker, dtype=X.dtype, meta=X._meta)
        columns = as_table(np.empty((0, self.n_features_in_)))
        self._finish_fit({"moments": sparse_moments(X)}, columns)
        self._empty_names = np.flatnonzero(~self._kept)  # scikit-learn's warning names positions
        return self

    def _sparse_dask_transform(self, X: Any):
        """Lazy: each row block imputed by :meth:`_sparse_transform` (CSC blocks, as scikit-learn)."""
        self._check_sparse_marker()
        validate_data(self, X, skip_check_array=True, reset=False)
        self._warn_empty()
        dtype = X.dtype if X.dtype in self._float_dtypes else np.dtype(np.float64)
        width = int(np.sum(self._kept))
        if self.indicator_ is not None:
            width += len(self.indicator_.features_)
        return X.rechunk({1: -1}).map_blocks(
            self._sparse_transform,
            chunks=(X.chunks[0], (width,)),
            dtype=dtype,
            meta=X._meta.tocsc().astype(dtype),
        )

    def _sparse_transform(self, X):
        """Fill the stored missing values of a scipy.sparse ``X`` (CSC out, as scikit-learn)."""
        self._check_sparse_marker()
        marker = self._marker()
        X = validate_data(
            self, X, reset=False, accept_sparse="csc", dtype=list(self._float_dtypes),
            ensure_all_finite="allow-nan", copy=True,
        )  # fmt: skip
        out = X.tocsc(copy=True)
        columns = np.repeat(np.arange(out.shape[1]), np.diff(out.indptr))
        missing = np.isnan(out.data) if marker is None else out.data == marker
        out.data[missing] = self.statistics_[columns[missing]]
        out = out[:, np.flatnonzero(self._kept)]
        if self.indicator_ is not None:
            out = sp.hstack([out, self.indicator_.transform(X)], format="csc")
        return out


def _nan_marked(block, marker: float):
    """A copy of a sparse ``block`` whose stored ``marker`` values are NaN."""
    out = block.copy()
    out.data[out.data == marker] = np.nan
    return out

"""RobustScaler with exact quartiles (equal to ``numpy.nanpercentile``, unlike dask-ml's)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy import stats as sps
from sklearn.base import OneToOneFeatureMixin
from sklearn.utils.validation import check_is_fitted

from engine.data import Table, set_init_params
from engine.preprocessing._base import (
    FLOAT_DTYPES,
    InvertibleTransformer,
    affine_function,
    check_finite_moments,
    handle_zeros_in_scale,
    number_pair,
)
from engine.preprocessing._sparse import (
    checked_sparse,
    is_sparse_dask,
    scaled_columns,
    sparse_percentiles,
)
from engine.stats.internal import column_moments, moments_and_quantiles


class RobustScaler(OneToOneFeatureMixin, InvertibleTransformer):
    """Remove the median and divide by a quantile range, per column (NaN ignored).

    Same parameters, attributes and results as
    :class:`sklearn.preprocessing.RobustScaler`. The quantiles are exact: the
    same floating-point numbers as ``numpy.nanpercentile`` on any Dask
    chunking (dask-ml's are approximate). A zero range gives scale 1.

    Method: exact selection (:func:`engine.stats.column_quantiles`) for the
    median and the range's two quantiles at once, plus the moments kernel to
    reject inf, all in one ``dask.compute``. Cost: fit 1 pass on typical data
    (the moments kernel and the selection share the read of every block),
    at most 3 passes when the selection's row sample misses, 1 pass with
    neither centering nor scaling (moments only); transform 1 pass.

    Parameters
    ----------
    with_centering : bool, default=True
    with_scaling : bool, default=True
    quantile_range : tuple (q_min, q_max), 0 <= q_min <= q_max <= 100, default=(25.0, 75.0)
    copy : bool, default=True
        Accepted for scikit-learn compatibility (the input is never modified).
    unit_variance : bool, default=False
        Rescale so that normally distributed columns get variance 1.

    Attributes
    ----------
    center_, scale_ : ndarray of shape (n_features,) or None

    Examples
    --------
    >>> import numpy as np
    >>> from engine.preprocessing import RobustScaler
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [np.nan]])
    >>> RobustScaler().fit_transform(X).ravel().tolist()
    [-1.0, -0.5, 0.0, 0.5, 1.0, nan]
    """

    _parameter_constraints = {
        "with_centering": ["boolean"],
        "with_scaling": ["boolean"],
        "quantile_range": [tuple, list],
        "copy": ["boolean"],
        "unit_variance": ["boolean"],
    }

    def __init__(
        self,
        *,
        with_centering: bool = True,
        with_scaling: bool = True,
        quantile_range: tuple = (25.0, 75.0),
        copy: bool = True,
        unit_variance: bool = False,
    ):
        set_init_params(self, locals())

    _float_dtypes = FLOAT_DTYPES

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = not self.with_centering
        return tags

    # --------------------------------------------------------- scipy.sparse
    def _sparse_input(self, X: Any, *, reset: bool):
        """``X`` as a float CSR/CSC matrix, checked as scikit-learn checks it."""
        return checked_sparse(self, X, reset=reset)

    def fit(self, X: Any, y: Any = None) -> RobustScaler:
        """Fit on ``X``; scipy.sparse input (no centring) gets exact in-memory percentiles.

        Sparse columns' percentiles count their implicit zeros, as scikit-learn's.
        """
        if is_sparse_dask(X):
            raise NotImplementedError(
                "RobustScaler cannot fit a dask array of scipy.sparse blocks: its exact "
                "percentiles need each whole column in memory. Compute the matrix first, or "
                "use MaxAbsScaler or StandardScaler(with_mean=False), which fit blockwise."
            )
        if not sp.issparse(X):
            return super().fit(X, y)
        self._check_params()
        X = self._sparse_input(X, reset=True)
        if self.with_centering:
            raise ValueError(
                "Cannot center sparse matrices: use `with_centering=False` instead. See "
                "docstring for motivation and alternatives."
            )
        self.center_ = None
        self.scale_ = None
        if self.with_scaling:
            low, high = sparse_percentiles(X, tuple(self.quantile_range))
            self.scale_ = self._unit(handle_zeros_in_scale(high - low))
        return self

    def transform(self, X: Any):
        """Scale ``X`` into the same kind (Dask stays lazy; scipy.sparse keeps its format)."""
        if not (sp.issparse(X) or is_sparse_dask(X)):
            return super().transform(X)
        check_is_fitted(self)
        X = self._sparse_input(X, reset=False)
        return scaled_columns(X, None if self.scale_ is None else 1.0 / self.scale_)

    def inverse_transform(self, X: Any):
        """Undo :meth:`transform` (same kind out; scipy.sparse keeps its format)."""
        if not (sp.issparse(X) or is_sparse_dask(X)):
            return super().inverse_transform(X)
        check_is_fitted(self)
        X = self._sparse_input(X, reset=False)
        return scaled_columns(X, self.scale_)

    def _unit(self, scale: np.ndarray) -> np.ndarray:
        """``scale`` divided by the normal's quantile range when ``unit_variance``."""
        if not self.unit_variance:
            return scale
        q_min, q_max = self.quantile_range
        return scale / (sps.norm.ppf(q_max / 100.0) - sps.norm.ppf(q_min / 100.0))

    # ---------------------------------------------------------------- dense
    def _check_params(self) -> None:
        super()._check_params()
        q_min, q_max = number_pair(self, "quantile_range")
        if not 0 <= q_min <= q_max <= 100:
            raise ValueError(f"Invalid quantile range: {self.quantile_range}")

    def _levels(self) -> np.ndarray:
        q_min, q_max = self.quantile_range
        return np.array([0.5, q_min / 100.0, q_max / 100.0])

    def _statistics(self, table: Table) -> dict:
        if not (self.with_centering or self.with_scaling):
            return {"moments": column_moments(table)}
        moments, quantiles = moments_and_quantiles(table, self._levels())
        return {"moments": moments, "quantiles": quantiles}

    def _finish_fit(self, stats: dict, table: Table) -> None:
        check_finite_moments(stats["moments"], table.columns)
        q = stats.get("quantiles")
        self.center_ = q[0].copy() if self.with_centering else None
        if self.with_scaling:
            self.scale_ = self._unit(handle_zeros_in_scale(q[2] - q[1]))
        else:
            self.scale_ = None

    def _block_function(self, table: Table):
        return affine_function(table, self.n_features_in_, sub=self.center_, div=self.scale_)

    def _inverse_function(self, table: Table):
        return affine_function(table, self.n_features_in_, mul=self.scale_, add=self.center_)

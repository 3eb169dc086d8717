"""RobustScaler with exact quartiles (equal to ``numpy.nanpercentile``, unlike dask-ml's)."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps
from sklearn.base import OneToOneFeatureMixin

from engine.data import Table
from engine.preprocessing._base import (
    InvertibleTransformer,
    affine_function,
    check_finite_moments,
    handle_zeros_in_scale,
    number_pair,
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
        self.with_centering = with_centering
        self.with_scaling = with_scaling
        self.quantile_range = quantile_range
        self.copy = copy
        self.unit_variance = unit_variance

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
            scale = handle_zeros_in_scale(q[2] - q[1])
            if self.unit_variance:
                q_min, q_max = self.quantile_range
                scale = scale / (sps.norm.ppf(q_max / 100.0) - sps.norm.ppf(q_min / 100.0))
            self.scale_ = scale
        else:
            self.scale_ = None

    def _block_function(self, table: Table):
        return affine_function(table, self.n_features_in_, sub=self.center_, div=self.scale_)

    def _inverse_function(self, table: Table):
        return affine_function(table, self.n_features_in_, mul=self.scale_, add=self.center_)

"""Moment-based scalers: StandardScaler, MinMaxScaler, MaxAbsScaler.

Fit: one pass (the NaN-aware moments kernel gives count, mean, M2, min, max
and the inf count of every column at once; Dask blocks merge in a fixed tree).
Transform: one pass (one fill/affine/clip kernel call per block, into a new
array; the input is never modified). Results equal scikit-learn's to about
1e-15 relative (the variance comes from Chan's merge instead of a two-pass
sum, which differs by rounding only).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import OneToOneFeatureMixin

from engine.data._adapters import Table
from engine.preprocessing._base import (
    EngineTransformer,
    affine_function,
    check_finite_moments,
    handle_zeros_in_scale,
    number_pair,
    samples_seen,
)
from engine.stats._moments import Moments, column_moments


class _MomentScaler(OneToOneFeatureMixin, EngineTransformer):
    def _statistics(self, table: Table) -> dict:
        return {"moments": column_moments(table)}

    def _finish_fit(self, stats: dict, table: Table) -> None:
        check_finite_moments(stats["moments"], table.columns)
        self._set_scaling(Moments(stats["moments"]))


class StandardScaler(_MomentScaler):
    """Remove the mean and divide by the standard deviation, per column (NaN ignored).

    Same parameters, attributes and results as
    :class:`sklearn.preprocessing.StandardScaler` (population standard deviation,
    constant columns get variance 0 and scale 1). NaN is ignored in fit and kept
    in transform; inf is rejected with an error naming the column.

    Method: mean and variance from a one-pass NaN-aware moments kernel merged
    with Chan et al.'s formula in a fixed order (exact up to rounding, bit
    identical on every Dask scheduler). Cost: fit 1 pass; transform 1 pass.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the column mean.
    with_std : bool, default=True
        Divide by the column standard deviation.

    Attributes
    ----------
    mean_, var_, scale_ : ndarray of shape (n_features,) or None
    n_samples_seen_ : int or ndarray of shape (n_features,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Examples
    --------
    >>> import numpy as np
    >>> from engine.preprocessing import StandardScaler
    >>> StandardScaler().fit_transform(np.array([[0.0], [2.0]])).ravel().tolist()
    [-1.0, 1.0]
    """

    _parameter_constraints = {"with_mean": ["boolean"], "with_std": ["boolean"]}

    def __init__(self, *, with_mean: bool = True, with_std: bool = True):
        self.with_mean = with_mean
        self.with_std = with_std

    def _set_scaling(self, m: Moments) -> None:
        self.n_samples_seen_ = samples_seen(m.count)
        self.mean_ = m.mean if (self.with_mean or self.with_std) else None
        # a column whose (exact) min equals its max is constant: variance 0, not the
        # rounding residue of the moment merges (scikit-learn's two-pass sum gives 0 too)
        self.var_ = np.where(m.min == m.max, 0.0, m.var(0)) if self.with_std else None
        if self.with_std:
            eps = np.finfo(np.float64).eps
            n = m.count
            constant = self.var_ <= n * eps * self.var_ + (n * self.mean_ * eps) ** 2
            self.scale_ = handle_zeros_in_scale(np.sqrt(self.var_), constant)
        else:
            self.scale_ = None

    def _block_function(self, table: Table):
        return affine_function(
            table,
            self.n_features_in_,
            sub=self.mean_ if self.with_mean else None,
            div=self.scale_ if self.with_std else None,
        )


class MinMaxScaler(_MomentScaler):
    """Scale every column linearly onto ``feature_range`` (NaN ignored).

    Same parameters, attributes and results as
    :class:`sklearn.preprocessing.MinMaxScaler`; ``clip=True`` clips
    transformed values to ``feature_range``. Method: exact column min/max from
    the one-pass moments kernel. Cost: fit 1 pass; transform 1 pass.

    Parameters
    ----------
    feature_range : tuple (min, max), default=(0, 1)
    clip : bool, default=False

    Attributes
    ----------
    min_, scale_, data_min_, data_max_, data_range_ : ndarray of shape (n_features,)
    n_samples_seen_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from engine.preprocessing import MinMaxScaler
    >>> MinMaxScaler().fit_transform(np.array([[1.0], [3.0], [2.0]])).ravel().tolist()
    [0.0, 1.0, 0.5]
    """

    _parameter_constraints = {
        "feature_range": [tuple, list],
        "clip": ["boolean"],
    }

    def __init__(self, feature_range: tuple = (0, 1), *, clip: bool = False):
        self.feature_range = feature_range
        self.clip = clip

    def _check_params(self) -> None:
        super()._check_params()
        low, high = number_pair(self, "feature_range")
        if low >= high:
            raise ValueError(
                "Minimum of desired feature range must be smaller than maximum. "
                f"Got {self.feature_range}."
            )

    def _set_scaling(self, m: Moments) -> None:
        low, high = self.feature_range
        self.n_samples_seen_ = int(np.max(m.count + m.missing)) if m.count.size else 0
        self.data_min_ = m.min
        self.data_max_ = m.max
        self.data_range_ = self.data_max_ - self.data_min_
        self.scale_ = (high - low) / handle_zeros_in_scale(self.data_range_)
        self.min_ = low - self.data_min_ * self.scale_

    def _block_function(self, table: Table):
        low, high = (float(v) for v in self.feature_range)
        bounds = {"lo": low, "hi": high} if self.clip else {}
        return affine_function(table, self.n_features_in_, mul=self.scale_, add=self.min_, **bounds)


class MaxAbsScaler(_MomentScaler):
    """Divide every column by its maximum absolute value (NaN ignored).

    Same attributes and results as :class:`sklearn.preprocessing.MaxAbsScaler`;
    an all-zero column gets scale 1. Method: exact min/max from the one-pass
    moments kernel. Cost: fit 1 pass; transform 1 pass.

    Attributes
    ----------
    max_abs_, scale_ : ndarray of shape (n_features,)
    n_samples_seen_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from engine.preprocessing import MaxAbsScaler
    >>> MaxAbsScaler().fit_transform(np.array([[-4.0], [2.0]])).ravel().tolist()
    [-1.0, 0.5]
    """

    _parameter_constraints: dict = {}

    def _set_scaling(self, m: Moments) -> None:
        self.n_samples_seen_ = int(np.max(m.count + m.missing)) if m.count.size else 0
        self.max_abs_ = np.fmax(np.abs(m.min), np.abs(m.max))
        self.scale_ = handle_zeros_in_scale(self.max_abs_)

    def _block_function(self, table: Table):
        return affine_function(table, self.n_features_in_, div=self.scale_)

"""Moment-based scalers: StandardScaler, MinMaxScaler, MaxAbsScaler.

Fit: one pass (the NaN-aware moments kernel gives count, mean, M2, min, max
and the inf count of every column at once; Dask blocks merge in a fixed tree).
Transform: one pass (one fill/affine/clip kernel call per block, into a new
array; the input is never modified). Results equal scikit-learn's to about
1e-15 relative (the variance comes from Chan's merge instead of a two-pass
sum, which differs by rounding only).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import OneToOneFeatureMixin
from sklearn.callback import CallbackSupportMixin, with_callbacks
from sklearn.utils.validation import check_is_fitted

from engine.data import Table
from engine.preprocessing._base import (
    FLOAT_DTYPES,
    InvertibleTransformer,
    affine_function,
    check_finite_moments,
    check_sample_weight,
    handle_zeros_in_scale,
    number_pair,
    samples_seen,
)
from engine.preprocessing._sparse import (
    checked_sparse,
    is_sparse_dask,
    scaled_columns,
    sparse_moments,
)
from engine.stats.internal import (
    Moments,
    column_moments,
    compute_all,
    merge_moments,
    weighted_column_moments,
)


def _is_sparse(X: Any) -> bool:
    """A scipy.sparse matrix, or a dask array of scipy.sparse blocks."""
    return sp.issparse(X) or is_sparse_dask(X)


class _MomentScaler(OneToOneFeatureMixin, InvertibleTransformer):
    """Scalers whose state is the columns' moments partial: fit, partial_fit, inverse."""

    _float_dtypes = FLOAT_DTYPES

    def _update(self, X: Any, *, reset: bool, sample_weight: Any = None) -> _MomentScaler:
        """Fit (``reset``) or merge into the fitted moments the moments of ``X``; one pass."""
        self._check_params()
        if _is_sparse(X):
            X = self._sparse_input(X, reset=reset)
            weights = None
            if sample_weight is not None:
                weights = check_sample_weight(sample_weight, X.shape[0])
            raw = sparse_moments(X, weights)
        else:
            table = self._check_input(X, reset=reset)
            if sample_weight is None:
                (raw,) = compute_all(*self._statistics(table).values())
            else:
                weights = check_sample_weight(sample_weight, table.values.shape[0])
                (raw,) = compute_all(weighted_column_moments(table, weights))
            check_finite_moments(raw, table.columns)
        if not reset:
            raw = merge_moments(self._moments, raw)
        self._moments = raw
        self._set_scaling(Moments(raw))
        return self

    def _statistics(self, table: Table) -> dict:
        """What an unweighted fit computes (one pass; :func:`fit_passes` counts its graph)."""
        return {"moments": column_moments(table)}

    def _sparse_input(self, X: Any, *, reset: bool):
        """``X`` as a float CSR/CSC matrix, checked as scikit-learn checks it; raises when
        this scaler cannot keep sparsity (it would centre)."""
        return checked_sparse(self, X, reset=reset)

    def _sparse_factors(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Column factors of (transform, inverse_transform) on sparse input."""
        return 1.0 / self.scale_, self.scale_

    def transform(self, X: Any):
        """Transform ``X`` into the same kind (Dask stays lazy; scipy.sparse stays sparse)."""
        if not _is_sparse(X):
            return super().transform(X)
        check_is_fitted(self)
        X = self._sparse_input(X, reset=False)
        return scaled_columns(X, self._sparse_factors()[0], clip=getattr(self, "clip", False))

    def inverse_transform(self, X: Any):
        """Undo :meth:`transform` (same kind out; scipy.sparse stays sparse)."""
        if not _is_sparse(X):
            return super().inverse_transform(X)
        check_is_fitted(self)
        X = self._sparse_input(X, reset=False)
        return scaled_columns(X, self._sparse_factors()[1])

    def fit(self, X: Any, y: Any = None) -> _MomentScaler:
        """Fit on ``X`` (one pass; Dask input in one ``dask.compute``); ``y`` is ignored."""
        return self._update(X, reset=True)

    def partial_fit(self, X: Any, y: Any = None) -> _MomentScaler:
        """Update the fit with the rows of ``X`` (moments merged exactly, Chan et al.)."""
        return self._update(X, reset=not hasattr(self, "_moments"))


class StandardScaler(CallbackSupportMixin, _MomentScaler):
    """Remove the mean and divide by the standard deviation, per column (NaN ignored).

    Same parameters, attributes and results as
    :class:`sklearn.preprocessing.StandardScaler` (population standard deviation,
    constant columns get variance 0 and scale 1). NaN is ignored in fit and kept
    in transform; inf is rejected with an error naming the column.

    Method: mean and variance from a one-pass NaN-aware moments kernel merged
    with Chan et al.'s formula in a fixed order (exact up to rounding, bit
    identical on every Dask scheduler). Cost: fit 1 pass; transform 1 pass.

    ``fit``/``partial_fit`` take ``sample_weight`` (weighted mean and variance,
    ``n_samples_seen_`` the weight sums, as scikit-learn); ``partial_fit``
    merges the moments of each batch exactly (Chan et al.). Callbacks set with
    ``set_callbacks`` (scikit-learn's callback API) see each fit as one task, as
    scikit-learn's; on Dask input they receive the lazy collection as ``X``.

    Parameters
    ----------
    copy : bool, default=True
        Accepted for scikit-learn compatibility: the engine never modifies its
        input, so ``copy=False`` also returns a new array.
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

    _parameter_constraints = {
        "copy": ["boolean"],
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
    }

    def __init__(self, *, copy: bool = True, with_mean: bool = True, with_std: bool = True):
        self.copy = copy
        self.with_mean = with_mean
        self.with_std = with_std

    @with_callbacks
    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> StandardScaler:
        """Fit on ``X``, optionally with one weight per row (one pass); ``y`` is ignored."""
        self._weighted = sample_weight is not None
        return self._update_in_task(X, y, reset=True, sample_weight=sample_weight)

    @with_callbacks
    def partial_fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> StandardScaler:
        """Update the fit with the rows of ``X`` (and their weights)."""
        reset = not hasattr(self, "_moments")
        self._weighted = sample_weight is not None or (not reset and self._weighted)
        return self._update_in_task(X, y, reset=reset, sample_weight=sample_weight)

    def _update_in_task(self, X: Any, y: Any, *, reset: bool, sample_weight: Any):
        """:meth:`_update` as the one fit task scikit-learn's callbacks are told about."""
        context = self._init_callback_context()
        metadata = {"sample_weight": sample_weight}
        context.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
        self._update(X, reset=reset, sample_weight=sample_weight)
        context.call_on_fit_task_end(
            estimator=self, X=X, y=y, metadata=metadata, reconstruction_attributes={}
        )
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = not self.with_mean
        return tags

    def _sparse_input(self, X: Any, *, reset: bool):
        if self.with_mean:
            raise ValueError(
                "Cannot center sparse matrices: pass `with_mean=False` instead. See "
                "docstring for motivation and alternatives."
            )
        return super()._sparse_input(X, reset=reset)

    def _sparse_factors(self):
        return (1.0 / self.scale_, self.scale_) if self.with_std else (None, None)

    def transform(self, X: Any, copy: bool | None = None):
        """Standardize ``X`` into the same kind (Dask stays lazy; scipy.sparse stays sparse).

        ``copy`` is accepted for scikit-learn compatibility: the input is never modified.
        """
        return super().transform(X)

    def inverse_transform(self, X: Any, copy: bool | None = None):
        """Undo :meth:`transform` (``copy`` accepted for compatibility, never needed)."""
        return super().inverse_transform(X)

    def _set_scaling(self, m: Moments) -> None:
        self.n_samples_seen_ = samples_seen(m.count, weighted=self._weighted)
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

    def _inverse_function(self, table: Table):
        return affine_function(
            table,
            self.n_features_in_,
            mul=self.scale_ if self.with_std else None,
            add=self.mean_ if self.with_mean else None,
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
    copy : bool, default=True
        Accepted for scikit-learn compatibility (the input is never modified).
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
        "copy": ["boolean"],
        "clip": ["boolean"],
    }

    def __init__(self, feature_range: tuple = (0, 1), *, copy: bool = True, clip: bool = False):
        self.feature_range = feature_range
        self.copy = copy
        self.clip = clip

    def _check_params(self) -> None:
        super()._check_params()
        low, high = number_pair(self, "feature_range")
        if low >= high:
            raise ValueError(
                "Minimum of desired feature range must be smaller than maximum. "
                f"Got {self.feature_range}."
            )

    def _sparse_input(self, X: Any, *, reset: bool):
        raise TypeError(
            "MinMaxScaler does not support sparse input. Consider using MaxAbsScaler instead."
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

    def _inverse_function(self, table: Table):
        return affine_function(table, self.n_features_in_, sub=self.min_, div=self.scale_)


class MaxAbsScaler(_MomentScaler):
    """Divide every column by its maximum absolute value (NaN ignored).

    Same attributes and results as :class:`sklearn.preprocessing.MaxAbsScaler`;
    an all-zero column gets scale 1; ``clip=True`` clips transformed values to
    [-1, 1]. Method: exact min/max from the one-pass moments kernel. Cost: fit
    1 pass; transform 1 pass.

    Parameters
    ----------
    copy : bool, default=True
        Accepted for scikit-learn compatibility (the input is never modified).
    clip : bool, default=False

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

    _parameter_constraints = {"copy": ["boolean"], "clip": ["boolean"]}

    def __init__(self, *, copy: bool = True, clip: bool = False):
        self.copy = copy
        self.clip = clip

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _set_scaling(self, m: Moments) -> None:
        self.n_samples_seen_ = int(np.max(m.count + m.missing)) if m.count.size else 0
        self.max_abs_ = np.fmax(np.abs(m.min), np.abs(m.max))
        self.scale_ = handle_zeros_in_scale(self.max_abs_)

    def _block_function(self, table: Table):
        bounds = {"lo": -1.0, "hi": 1.0} if self.clip else {}
        return affine_function(table, self.n_features_in_, div=self.scale_, **bounds)

    def _inverse_function(self, table: Table):
        return affine_function(table, self.n_features_in_, mul=self.scale_)

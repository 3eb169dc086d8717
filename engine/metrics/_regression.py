"""Regression metrics from one pass of weighted sums and Chan-merged moments.

Method: per block, the weighted sums of squared and absolute errors and the
weighted mean and centered second moment of ``y_true`` and of the residual;
blocks merge by Chan's formula in a fixed order. Exact up to floating-point
rounding (relative error ~1e-15 on ordinary data; the moments are computed
without the catastrophic cancellation of a raw sum of squares). Cost: one pass.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

from engine.metrics._partials import Needs, Partials, compute_partials

REGRESSION = Needs(regression=True)
_OUTPUTS = ("raw_values", "uniform_average")


def _check_multioutput(multioutput, n_outputs: int, allowed=_OUTPUTS):
    if isinstance(multioutput, str):
        if multioutput not in allowed:
            raise ValueError(
                f"The 'multioutput' parameter must be one of {allowed} or an array-like; "
                f"got {multioutput!r}"
            )
        return multioutput
    weights = np.asarray(multioutput, dtype=np.float64)
    if n_outputs == 1:
        raise ValueError("Custom weights are useful only in multi-output cases.")
    if weights.shape != (n_outputs,):
        raise ValueError(
            f"There must be equally many custom weights ({weights.shape}) as outputs ({n_outputs})."
        )
    return weights


def _aggregate(errors: np.ndarray, multioutput):
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return errors
        return float(np.average(errors))
    return float(np.average(errors, weights=multioutput))


def _sums(parts: Partials):
    return parts.regression


def finalize_mse(parts: Partials, multioutput="uniform_average"):
    rs = _sums(parts)
    mo = _check_multioutput(multioutput, rs.sse.shape[0])
    return _aggregate(rs.sse / rs.w, mo)


def finalize_rmse(parts: Partials, multioutput="uniform_average"):
    rs = _sums(parts)
    mo = _check_multioutput(multioutput, rs.sse.shape[0])
    return _aggregate(np.sqrt(rs.sse / rs.w), mo)


def finalize_mae(parts: Partials, multioutput="uniform_average"):
    rs = _sums(parts)
    mo = _check_multioutput(multioutput, rs.sse.shape[0])
    return _aggregate(rs.sae / rs.w, mo)


def _fraction_explained(numerator, denominator, multioutput, force_finite):
    nonzero_den = denominator != 0
    if not force_finite:
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = 1 - numerator / denominator
    else:
        nonzero_num = numerator != 0
        scores = np.ones(numerator.shape[0])
        valid = nonzero_den & nonzero_num
        scores[valid] = 1 - numerator[valid] / denominator[valid]
        scores[nonzero_num & ~nonzero_den] = 0.0
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return scores
        weights = None
        if multioutput == "variance_weighted":
            weights = denominator if np.any(nonzero_den) else None
    else:
        weights = multioutput
    return float(np.average(scores, weights=weights))


def finalize_r2(parts: Partials, multioutput="uniform_average", force_finite: bool = True):
    rs = _sums(parts)
    mo = _check_multioutput(multioutput, rs.sse.shape[0], _OUTPUTS + ("variance_weighted",))
    if rs.n_rows < 2:
        warnings.warn(
            "R^2 score is not well-defined with less than two samples.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return np.nan
    return _fraction_explained(rs.sse, rs.m2_y, mo, force_finite)


def finalize_explained_variance(
    parts: Partials, multioutput="uniform_average", force_finite: bool = True
):
    rs = _sums(parts)
    mo = _check_multioutput(multioutput, rs.sse.shape[0], _OUTPUTS + ("variance_weighted",))
    return _fraction_explained(rs.m2_r / rs.w, rs.m2_y / rs.w, mo, force_finite)


def _parts(y_true, y_pred, sample_weight) -> Partials:
    return compute_partials(REGRESSION, y_true, y_pred, sample_weight=sample_weight)


def mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Mean squared error (scikit-learn's ``mean_squared_error``); one pass.

    Examples
    --------
    >>> mean_squared_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.375
    """
    return finalize_mse(_parts(y_true, y_pred, sample_weight), multioutput)


def root_mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Root mean squared error (scikit-learn's ``root_mean_squared_error``); one pass.

    Examples
    --------
    >>> root_mean_squared_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.6123724356957945
    """
    return finalize_rmse(_parts(y_true, y_pred, sample_weight), multioutput)


def mean_absolute_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """Mean absolute error (scikit-learn's ``mean_absolute_error``); one pass.

    Examples
    --------
    >>> mean_absolute_error([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0])
    0.5
    """
    return finalize_mae(_parts(y_true, y_pred, sample_weight), multioutput)


def r2_score(
    y_true, y_pred, *, sample_weight=None, multioutput="uniform_average", force_finite: bool = True
):
    """Coefficient of determination (scikit-learn's ``r2_score``); one pass.

    Examples
    --------
    >>> round(r2_score([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]), 6)
    0.948608
    """
    return finalize_r2(_parts(y_true, y_pred, sample_weight), multioutput, force_finite)


def explained_variance_score(
    y_true, y_pred, *, sample_weight=None, multioutput="uniform_average", force_finite: bool = True
):
    """Explained variance (scikit-learn's ``explained_variance_score``); one pass.

    Examples
    --------
    >>> round(explained_variance_score([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]), 6)
    0.957173
    """
    return finalize_explained_variance(
        _parts(y_true, y_pred, sample_weight), multioutput, force_finite
    )

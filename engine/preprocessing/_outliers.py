"""OutlierHandler: IQR or z-score fences, then clip, set to NaN, flag or drop."""

from __future__ import annotations

import functools
import numbers
import warnings

import numpy as np
from sklearn.base import OneToOneFeatureMixin

from engine.data import Interval, StrOptions, Table
from engine.kernels import elementwise as ew
from engine.preprocessing._base import (
    EngineTransformer,
    affine_function,
    check_finite_moments,
    column_label,
    raise_for_inf,
)
from engine.stats.internal import Moments, column_moments, moments_and_quantiles

_DEFAULT_FACTOR = {"iqr": 1.5, "zscore": 3.0}
_MODES = {"nan": ew.NAN_OUTSIDE, "flag": ew.FLAG_OUTSIDE, "drop": ew.ROWS_INSIDE}


def _outside_block(block, lo, hi, mode, columns, parallel):
    block = np.ascontiguousarray(block, dtype=np.float64)
    result, n_inf = ew.outside_bounds(block, lo, hi, mode, parallel=parallel)
    raise_for_inf(block, n_inf, columns)
    if mode == ew.ROWS_INSIDE:
        return block[result], result
    return result


class OutlierHandler(OneToOneFeatureMixin, EngineTransformer):
    """Find values outside per-column fences and clip, blank, flag or drop them.

    Fences: ``method="iqr"`` uses ``[Q1 - factor * IQR, Q3 + factor * IQR]``
    with exact quartiles (the same floating-point numbers as
    ``numpy.nanquantile(X, [0.25, 0.75], axis=0)`` and the same formula, so
    the bounds match a NumPy computation bit for bit); ``method="zscore"``
    uses ``[mean - factor * std, mean + factor * std]`` (population std).
    NaN is never an outlier and is kept.

    Actions (``transform``): ``"clip"`` (default) clips to the fences;
    ``"nan"`` replaces outliers by NaN; ``"flag"`` returns the data followed
    by one 0/1 column ``<name>_outlier`` per column; ``"drop"`` removes the
    rows holding any outlier (Dask output then has unknown row chunk sizes).

    Documented edge cases: a column with zero standard deviation under
    ``zscore`` has no outliers (its fences are set to ``(-inf, inf)``) and a
    ``UserWarning`` names it; an all-NaN column has NaN fences and no
    outliers. inf is rejected, naming the column.

    Cost: fit 1 pass (zscore: moments kernel, iqr: exact selection with the
    moments kernel sharing its first pass, in one compute, on typical data,
    at most 3 passes when the selection's row sample misses); transform 1
    pass (one Numba kernel per block).

    Parameters
    ----------
    method : {"iqr", "zscore"}, default="iqr"
    factor : float > 0, optional
        Fence width; None means 1.5 for ``iqr`` and 3.0 for ``zscore``.
    action : {"clip", "nan", "flag", "drop"}, default="clip"

    Attributes
    ----------
    lower_, upper_ : ndarray of shape (n_features,)
        The fences.

    Examples
    --------
    >>> import numpy as np
    >>> from engine.preprocessing import OutlierHandler
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
    >>> OutlierHandler().fit_transform(X).ravel().tolist()
    [1.0, 2.0, 3.0, 4.0, 7.0]
    """

    _parameter_constraints = {
        "method": [StrOptions({"iqr", "zscore"})],
        "factor": [None, Interval(numbers.Real, 0.0, None, closed="neither")],
        "action": [StrOptions({"clip", "nan", "flag", "drop"})],
    }

    def __init__(self, *, method: str = "iqr", factor: float | None = None, action: str = "clip"):
        self.method = method
        self.factor = factor
        self.action = action

    @property
    def _drops_rows(self) -> bool:
        return self.action == "drop"

    def _factor(self) -> float:
        return float(_DEFAULT_FACTOR[self.method] if self.factor is None else self.factor)

    def _levels(self) -> np.ndarray:
        """The quantile levels of the ``iqr`` fences."""
        return np.array([0.25, 0.75])

    def _statistics(self, table: Table) -> dict:
        if self.method == "iqr":
            moments, quartiles = moments_and_quantiles(table, self._levels())
            return {"moments": moments, "quartiles": quartiles}
        return {"moments": column_moments(table)}

    def _finish_fit(self, stats: dict, table: Table) -> None:
        check_finite_moments(stats["moments"], table.columns)
        factor = self._factor()
        if self.method == "iqr":
            q1, q3 = stats["quartiles"]
            iqr = q3 - q1
            self.lower_, self.upper_ = q1 - factor * iqr, q3 + factor * iqr
            return
        m = Moments(stats["moments"])
        mean, std = m.mean, m.std(0)
        lower, upper = mean - factor * std, mean + factor * std
        constant = std == 0
        if constant.any():
            names = [column_label(table.columns, int(j)) for j in np.flatnonzero(constant)]
            warnings.warn(
                f"OutlierHandler(method='zscore'): column(s) {names} have zero standard "
                "deviation, so z-scores are undefined; no value of them is treated as an "
                "outlier",
                UserWarning,
                stacklevel=3,
            )
            lower[constant], upper[constant] = -np.inf, np.inf
        self.lower_, self.upper_ = lower, upper

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The input names, followed by ``<name>_outlier`` for ``action="flag"``."""
        names = super().get_feature_names_out(input_features)
        if self.action == "flag":
            return np.concatenate([names, np.array([f"{n}_outlier" for n in names], dtype=object)])
        return names

    def _block_function(self, table: Table):
        if self.action == "clip":
            return affine_function(table, self.n_features_in_, lo=self.lower_, hi=self.upper_)
        return functools.partial(
            _outside_block,
            lo=np.ascontiguousarray(self.lower_, dtype=np.float64),
            hi=np.ascontiguousarray(self.upper_, dtype=np.float64),
            mode=_MODES[self.action],
            columns=None if table.columns is None else list(table.columns),
            parallel=not table.is_lazy,
        )

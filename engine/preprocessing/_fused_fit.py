"""A median SimpleImputer and the quantile step after it, fitted from one exact selection.

``SimpleImputer(strategy="median")`` followed directly by
``OutlierHandler(method="iqr")`` or a centering or scaling ``RobustScaler``
needs the raw columns' medians, then the quantiles of the imputed columns.
Those follow exactly from the raw columns' order statistics and missing
counts (:mod:`engine.stats._imputed_quantiles`), so :class:`Pipeline` fits
both steps from one selection: the passes of one step instead of two over
Dask input (1 on typical data, at most 3), and the same fitted attributes,
bit for bit, as fitting them one after the other.

While the pipeline fits, the pair's two entries in its steps are stand-ins
(:func:`fused_steps`): the first fits both estimators and returns the
imputed data, the second checks its input as the step's own ``fit`` does and
sets its fitted attributes from the shared result. Input the imputer does not
fit with the engine's kernels (scipy.sparse, text, a callable strategy) and
fit parameters fall back to the two fits one after the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import scipy.sparse as sp

from engine.preprocessing._imputer import SimpleImputer
from engine.preprocessing._outliers import OutlierHandler
from engine.preprocessing._robust import RobustScaler
from engine.preprocessing._sparse import is_sparse_dask
from engine.stats.internal import compute_all, median_and_imputed_quantiles

# the key under which each quantile step's _finish_fit reads its quantiles
_QUANTILES_KEY = {OutlierHandler: "quartiles", RobustScaler: "quantiles"}


def _quantile_levels(step: Any) -> np.ndarray | None:
    """The levels a step's fit selects (None: not a quantile step, or one that needs none)."""
    if isinstance(step, OutlierHandler) and step.method == "iqr":
        return step._levels()
    if isinstance(step, RobustScaler) and (step.with_centering or step.with_scaling):
        return step._levels()
    return None


def fusable(first: Any, second: Any) -> bool:
    """Whether ``first -> second`` is a median imputer (same columns out) and a quantile step."""
    return (
        isinstance(first, SimpleImputer)
        and first.strategy == "median"
        and not first.add_indicator
        and _quantile_levels(second) is not None
    )


class _SharedFit:
    """The state the two stand-ins share: both estimators, and the second's pending statistics."""

    def __init__(self, imputer: SimpleImputer, step: Any):
        self.imputer, self.step = imputer, step
        self.pending: dict | None = None

    def fit_imputer(self, X: Any, y: Any, params: dict) -> Any:
        """Fit the imputer, and compute the step's statistics in the same selection."""
        imputer = self.imputer
        self.pending = None
        imputer._check_params()
        if params or is_sparse_dask(X) or sp.issparse(X) or imputer._reference_needed(X):
            return imputer.fit_transform(X, y, **params)
        imputer._reference = None
        table = imputer._check_input(X, reset=True)
        moments, both = median_and_imputed_quantiles(
            imputer._marked(table), _quantile_levels(self.step), imputer._output_dtype(table)
        )
        moments, (median, quantiles) = compute_all(moments, both)
        imputer._finish_fit({"moments": moments, "median": median}, table)
        kept = imputer._kept
        # a column without values is constant once imputed (its fill): every quantile is the fill
        empty = np.isnan(median)
        quantiles[..., empty] = imputer.statistics_[empty]
        self.pending = {
            "moments": moments[:, kept],
            _QUANTILES_KEY[type(self.step)]: quantiles[..., kept],
        }
        return imputer.transform(X)

    def fit_step(self, Xt: Any, y: Any, params: dict) -> None:
        """Fit the step on the imputed data from the pending statistics (or its own fit)."""
        step, stats, self.pending = self.step, self.pending, None
        if stats is None or params:
            step.fit(Xt, y, **params)
            return
        step._check_params()
        step._finish_fit(stats, step._check_input(Xt, reset=True))


class _FusedImputer:
    """The imputer's stand-in: fits both estimators, transforms as the imputer."""

    def __init__(self, shared: _SharedFit):
        self.shared = shared

    def fit_transform(self, X, y=None, **params):
        return self.shared.fit_imputer(X, y, params)

    def transform(self, X):  # scikit-learn's step check asks for it; fit never calls it
        return self.shared.imputer.transform(X)


class _FusedStep:
    """The quantile step's stand-in: takes the statistics the imputer's selection found."""

    def __init__(self, shared: _SharedFit):
        self.shared = shared

    def fit(self, X, y=None, **params):
        self.shared.fit_step(X, y, params)
        return self

    def fit_transform(self, X, y=None, **params):
        return self.fit(X, y, **params).transform(X)

    def transform(self, X):
        return self.shared.step.transform(X)


def fused_pairs(pipe: Any) -> list[int]:
    """Positions ``i`` whose steps ``i, i + 1`` the pipeline fits together (see :func:`fusable`).

    None with ``memory``: that pipeline clones its steps, the stand-ins cannot fit them in place.
    """
    if pipe.memory is not None:
        return []
    steps = [step for _, step in pipe.steps]
    return [i for i in range(len(steps) - 1) if fusable(steps[i], steps[i + 1])]


@contextmanager
def fused_steps(pipe: Any) -> Iterator[None]:
    """Within: the pipeline's :func:`fused_pairs` replaced by their stand-ins; after: its own steps.

    The stand-ins fit the pipeline's own estimators in place.
    """
    original = list(pipe.steps)
    steps = list(original)
    for i in fused_pairs(pipe):
        shared = _SharedFit(original[i][1], original[i + 1][1])
        steps[i] = (original[i][0], _FusedImputer(shared))
        steps[i + 1] = (original[i + 1][0], _FusedStep(shared))
    pipe.steps = steps
    try:
        yield
    finally:
        pipe.steps = original

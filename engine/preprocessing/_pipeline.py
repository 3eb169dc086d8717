"""An engine Pipeline: scikit-learn's Pipeline that reads a Dask source once when it can.

Fitting a chain over Dask input costs one ``dask.compute`` per step: a step's
statistics depend on the previous steps' fitted parameters, so they cannot
share a pass with them. Without care every one of those computes re-reads the
source (files, or an expensive upstream graph). This pipeline first
*persists* the source once when it fits in memory, so every step's fit (and
the final transform of ``fit_transform``) reads the persisted blocks instead.

Each step's fit makes at most the passes over its input that
:func:`engine.preprocessing._base.fit_passes` counts in the graph of its
statistics (``fit_passes_``; the README's table lists them); all passes of
one step run in one ``dask.compute``, which loads the source blocks once.
Source loads of ``fit`` over ``k`` steps: ``k`` without persisting, 1 with.
A median imputer and the quantile step after it are fitted from one exact
selection (:mod:`engine.preprocessing._fused_fit`): one load less per such pair.
"""

from __future__ import annotations

import numbers
import os
from collections import Counter
from typing import Any

import dask
from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline as _SkPipeline
from sklearn.utils.metaestimators import available_if

from engine.data import (
    Interval,
    StrOptions,
    call_blockwise,
    check_params,
    is_lazy,
    takes_whole_collections,
)
from engine.metrics import default_score
from engine.preprocessing._array_chain import ArrayChain, array_chain
from engine.preprocessing._base import fit_passes
from engine.preprocessing._fused_fit import fused_pairs, fused_steps

DEFAULT_MEMORY_FRACTION = 0.25


def available_memory() -> int:
    """Bytes of memory a persisted source can take where Dask would compute it.

    On a distributed client (the active scheduler): the room left on its
    workers, the sum of ``memory_limit - process memory`` over the workers
    with a limit (this machine's memory does not hold their data). Else the
    memory available to this process (psutil if installed, else sysconf).
    """
    client = _active_client()
    if client is not None:
        workers = client.scheduler_info(n_workers=-1)["workers"].values()
        limits = [
            (w.get("memory_limit") or 0, w.get("metrics", {}).get("memory", 0)) for w in workers
        ]
        if all(limit for limit, _ in limits):
            return int(sum(max(limit - used, 0) for limit, used in limits))
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil is normally present
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def _active_client() -> Any:
    """The distributed client Dask computes on now, or None (local schedulers)."""
    scheduler = getattr(dask.base.get_scheduler(), "__self__", None)
    return scheduler if type(scheduler).__name__ == "Client" else None


def _nbytes(X: Any) -> float:
    try:
        nbytes = getattr(X, "nbytes", None)
    except NotImplementedError:  # dask DataFrame
        nbytes = None
    if isinstance(nbytes, int | float):
        return float(nbytes)
    return float("nan")  # dask DataFrames: unknown without a pass


def _can_fit_transform(pipe: Any) -> bool:
    """scikit-learn's rule: ``fit_transform`` exists when the last step can transform."""
    last = pipe.steps[-1][1]
    return (
        last is None
        or (isinstance(last, str) and last == "passthrough")
        or hasattr(last, "transform")
        or hasattr(last, "fit_transform")
    )


def _final_has(method: str):
    """scikit-learn's rule: the method exists when the final step has it."""

    def check(pipe) -> bool:
        getattr(pipe._final_estimator, method)
        return True

    return check


def _can_transform(pipe: Any) -> bool:
    last = pipe._final_estimator
    return last is None or last == "passthrough" or hasattr(last, "transform")


def _blockwise(method: str, available):
    """``Pipeline.<method>``: lazy and blockwise on Dask/xarray input, columns matched by name."""

    def call(self, X, **params):
        in_memory = getattr(super(Pipeline, self), method)
        if is_lazy(X) and takes_whole_collections(self._final_estimator):
            # Dask-native final models (XGBoost's/LightGBM's Dask estimators, registered by
            # engine.models in engine.data's registry) answer whole collections, not blocks
            Xt = self[:-1].transform(X) if len(self.steps) > 1 else X
            return getattr(self._final_estimator, method)(Xt, **params)
        return call_blockwise(self, method, X, in_memory, **params)

    call.__name__ = call.__qualname__ = method
    call.__doc__ = (
        f"scikit-learn's ``Pipeline.{method}``; on Dask or xarray input a lazy collection of "
        "the same kind, one task per row block (see the class docstring)."
    )
    return available_if(available)(call)


class Pipeline(_SkPipeline):
    """scikit-learn's :class:`~sklearn.pipeline.Pipeline` that fits Dask input in fewest reads.

    Identical to scikit-learn's Pipeline, plus ``persist``: before fitting
    over Dask input (dask array, dask DataFrame, xarray over dask), the source
    is persisted once (``X.persist()``) when ``persist=True``, or with
    ``persist="auto"`` when its size is known and below ``memory_fraction`` of
    the available memory (on a distributed client: its workers' memory left
    under their limits; dask DataFrames have no known size: pass
    ``persist=True`` for them). Every step then reads the persisted blocks, so
    the source is read once instead of once per step. NumPy and pandas input
    are unaffected.

    A ``SimpleImputer(strategy="median")`` (without ``add_indicator``)
    followed directly by ``OutlierHandler(method="iqr")`` or a centering or
    scaling ``RobustScaler`` is fitted from one exact selection over the
    imputer's input (:mod:`engine.preprocessing._fused_fit`): the same fitted
    values, bit for bit, as fitting the two one after the other, in one
    step's passes instead of two (not with ``memory``, which clones the steps).

    A fitted pipeline's ``predict``, ``predict_proba``, ``predict_log_proba``,
    ``decision_function`` and ``transform`` on a dask array, dask DataFrame or
    xarray DataArray return the same kind, lazily: the whole chain runs on
    each row block in one task (a frame keeps its index and divisions;
    ``predict_proba`` gives one column per class label). Columns are matched
    by name, for pandas input too: reordered columns are put back in the
    fitted order, a missing or unexpected column raises ``ValueError`` naming
    it. On a dask DataFrame of float64 columns through engine steps (every
    step but the last has an array transform), these checks run once, when
    the graph is built: each partition's values go through the steps'
    kernels and the final estimator answers the array (same values as the
    pandas path, without its per-partition checks and frames; see
    ``engine.preprocessing._array_chain``). ``score`` on Dask input computes
    accuracy (classifier) or R² (regressor) with ``engine.metrics`` in one
    pass, never collecting ``X``.

    Parameters
    ----------
    steps : list of (name, estimator)
    persist : {"auto", True, False}, default="auto"
    memory_fraction : float in (0, 1], default=0.25
        Share of available memory a source may take to be persisted by "auto".
    memory, transform_input, verbose :
        As in scikit-learn.

    Attributes
    ----------
    persisted_ : bool
        Whether the last ``fit`` persisted its Dask input.
    fit_passes_ : dict
        The most passes each step's fit can make over Dask input, counted
        in the graph of its statistics
        (:func:`~engine.preprocessing._base.fit_passes`; None for steps that
        are not engine transformers; 0 for a quantile step fitted in its
        median imputer's selection).

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from engine.preprocessing import StandardScaler, MinMaxScaler, make_pipeline
    >>> X = da.from_array(np.arange(12.0).reshape(6, 2), chunks=(2, 2))
    >>> pipe = make_pipeline(StandardScaler(), MinMaxScaler(), persist=True).fit(X)
    >>> pipe.persisted_, pipe.fit_passes_
    (True, {'standardscaler': 1, 'minmaxscaler': 1})
    """

    _parameter_constraints = {
        **_SkPipeline._parameter_constraints,
        "persist": [StrOptions({"auto"}), "boolean"],
        "memory_fraction": [Interval(numbers.Real, 0, 1, closed="right")],
    }

    def __init__(
        self,
        steps,
        *,
        transform_input=None,
        memory=None,
        verbose=False,
        persist="auto",
        memory_fraction=DEFAULT_MEMORY_FRACTION,
    ):
        super().__init__(steps, transform_input=transform_input, memory=memory, verbose=verbose)
        self.persist = persist
        self.memory_fraction = memory_fraction

    def _should_persist(self, X: Any) -> bool:
        if not dask.is_dask_collection(X):
            return False
        if not isinstance(self.persist, str):  # True or False; the only string is "auto"
            return bool(self.persist)
        size = _nbytes(X)
        return size == size and size <= self.memory_fraction * available_memory()

    def _prepare(self, X: Any) -> Any:
        # checked before the source is persisted; scikit-learn's fit checks its own four again
        check_params(self)
        self.persisted_ = self._should_persist(X)
        self.fit_passes_ = {
            name: fit_passes(step) for name, step in self.steps if step not in (None, "passthrough")
        }
        for i in fused_pairs(self):
            self.fit_passes_[self.steps[i + 1][0]] = 0  # fitted in the imputer's selection
        return X.persist() if self.persisted_ else X

    def fit(self, X, y=None, **params):
        """Fit every step in turn (persisting Dask input first, see the class docstring)."""
        X = self._prepare(X)
        with fused_steps(self):
            return super().fit(X, y, **params)

    @available_if(_can_fit_transform)
    def fit_transform(self, X, y=None, **params):
        """Fit every step, then transform; Dask input is persisted first when allowed."""
        X = self._prepare(X)
        with fused_steps(self):
            return super().fit_transform(X, y, **params)

    def array_method(self, method: str, meta: Any) -> ArrayChain | None:
        """``self.<method>`` on float64 NumPy blocks of the input columns, checked once, now.

        What :func:`engine.data.call_blockwise` runs on each dask DataFrame
        partition's values (for this pipeline, and for a search or
        ``ParallelPostFit`` holding it): the steps' kernels, then the final
        estimator on the array, the same values as the pandas path. None
        when the pipeline has no such chain (``transform``; a step without an
        array transform; columns that are not all float64; see
        ``engine.preprocessing._array_chain``).

        Parameters
        ----------
        method : str
            ``"predict"``, ``"predict_proba"``, ``"predict_log_proba"`` or
            ``"decision_function"``.
        meta : pandas DataFrame
            An (empty) frame of the input's columns and dtypes, in any order.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from sklearn.linear_model import LinearRegression
        >>> from engine.preprocessing import StandardScaler, make_pipeline
        >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1.0, 0.0, 1.0]})
        >>> pipe = make_pipeline(StandardScaler(), LinearRegression()).fit(X, [0.0, 1.0, 2.0])
        >>> np.array_equal(pipe.array_method("predict", X[["b", "a"]])(X.to_numpy()), pipe.predict(X))
        True
        """
        return None if method == "transform" else array_chain(self, method, meta)

    predict = _blockwise("predict", _final_has("predict"))
    predict_proba = _blockwise("predict_proba", _final_has("predict_proba"))
    predict_log_proba = _blockwise("predict_log_proba", _final_has("predict_log_proba"))
    decision_function = _blockwise("decision_function", _final_has("decision_function"))
    transform = _blockwise("transform", _can_transform)

    @available_if(_final_has("score"))
    def score(self, X, y=None, sample_weight=None, **params):
        """scikit-learn's ``Pipeline.score``; on Dask input the default metric in one pass."""
        lazy = dask.is_dask_collection(X) and not params
        if lazy and (is_classifier(self) or is_regressor(self)):
            return default_score(self, X, y, sample_weight)
        return super().score(X, y, sample_weight=sample_weight, **params)


def make_pipeline(
    *steps,
    memory=None,
    transform_input=None,
    verbose=False,
    persist="auto",
    memory_fraction=DEFAULT_MEMORY_FRACTION,
) -> Pipeline:
    """Build an engine :class:`Pipeline`, naming steps by their lowercased class names.

    Examples
    --------
    >>> from engine.preprocessing import SimpleImputer, StandardScaler, make_pipeline
    >>> [name for name, _ in make_pipeline(SimpleImputer(), StandardScaler()).steps]
    ['simpleimputer', 'standardscaler']
    """
    names = [type(step).__name__.lower() for step in steps]
    counts = Counter(names)
    seen: Counter = Counter()
    unique = []
    for name in names:
        if counts[name] > 1:
            seen[name] += 1
            name = f"{name}-{seen[name]}"
        unique.append(name)
    return Pipeline(
        list(zip(unique, steps, strict=True)),
        memory=memory,
        transform_input=transform_input,
        verbose=verbose,
        persist=persist,
        memory_fraction=memory_fraction,
    )

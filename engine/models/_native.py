"""The Dask-native training protocol: estimators that train on Dask collections as one job.

A *Dask-native* estimator's ``fit`` takes dask arrays or DataFrames spread
over a distributed cluster and trains one model with every worker holding
its own partitions (a collective job: XGBoost's Rabit/collective
all-reduce, LightGBM's socket network). The engine's searches and
``cross_validate`` recognise such an estimator through this module's
registry, never by its name, and then hand it lazy Dask folds instead of
gathering each fold on one worker.

A class joins with :func:`register_dask_native` and a :class:`DaskNativeSpec`
saying how early stopping is requested and read back. XGBoost's
(``xgboost.dask.DaskXGBClassifier``, ``DaskXGBRegressor``) and LightGBM's
(``lightgbm.DaskLGBMClassifier``, ``DaskLGBMRegressor``) are registered
lazily: the first lookup after their module was imported registers them, so
neither library is imported by the engine unless the user imported it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["DaskNativeSpec", "dask_native_spec", "is_dask_native", "register_dask_native"]


def _xgboost_best_iteration(estimator: Any) -> int | None:
    # XGBoost sets ``best_iteration`` (0-based) only when early stopping ran
    try:
        return int(estimator.best_iteration)
    except AttributeError:
        return None


def _xgboost_out_of_core(estimator: Any, X: Any, n_rows: int, client: Any) -> Any:
    # imported here: the streaming trainer imports xgboost, needed only once one is trained
    from engine.models._xgboost_stream import streaming_if_too_large

    return streaming_if_too_large(estimator, X, n_rows, client)


def _lightgbm_best_iteration(estimator: Any) -> int | None:
    # LightGBM's ``best_iteration_`` counts iterations (1-based); 0 means no early stopping
    best = int(getattr(estimator, "best_iteration_", 0) or 0)
    return best - 1 if best > 0 else None


@dataclass(frozen=True)
class DaskNativeSpec:
    """How the engine drives one family of Dask-native estimators.

    Parameters
    ----------
    early_stopping_param : str
        Constructor parameter holding the number of rounds without
        improvement after which training stops (``None`` or ``0``: off).
    rounds_param : str
        Constructor parameter holding the number of boosting rounds (the
        refit sets it to the mean best iteration + 1).
    best_iteration : callable
        ``best_iteration(fitted) -> int | None``: the 0-based index of the
        best round found by early stopping, ``None`` when it did not run.
    eval_set_param : str, default="eval_set"
        ``fit`` keyword taking ``[(X_valid, y_valid)]``.
    encode_labels : bool, default=True
        Classifiers are trained on class codes ``0..k-1`` (the engine
        encodes and decodes the labels, see
        :class:`engine.models.LabelEncodedClassifier`).
    fit_defaults : dict, optional
        ``fit`` keywords the engine passes unless the user gave them (e.g.
        XGBoost's ``verbose=False``: no per-round log of the validation set).
    early_stopping_unsupported : str, optional
        Why the family cannot early-stop across a cluster; setting
        ``early_stopping_param`` then raises ``ValueError`` with this reason.
    needs_client : bool, default=True
        Training needs a distributed ``Client`` (a collective job across
        workers); ``False``: any Dask scheduler will do (e.g.
        :class:`engine.models.Incremental`, a chain of ``partial_fit`` tasks).
    out_of_core : callable, optional
        ``out_of_core(estimator, X, n_rows, client) -> estimator``: the
        estimator that trains ``n_rows`` rows of the lazy ``X`` (the same
        one, or an equivalent that streams the data when it cannot fit the
        workers' memory, e.g. XGBoost's, see
        ``engine.models.StreamingDaskXGBRegressor``).

    Examples
    --------
    >>> spec = DaskNativeSpec("early_stopping_rounds", "n_estimators", lambda est: None)
    >>> spec.eval_set_param
    'eval_set'
    """

    early_stopping_param: str
    rounds_param: str
    best_iteration: Callable[[Any], int | None]
    eval_set_param: str = "eval_set"
    encode_labels: bool = True
    fit_defaults: Mapping[str, Any] = field(default_factory=dict)
    early_stopping_unsupported: str | None = None
    needs_client: bool = True
    out_of_core: Callable[[Any, Any, int, Any], Any] | None = None

    def trainer(self, estimator: Any, X: Any, n_rows: int, client: Any) -> Any:
        """The estimator to train on ``n_rows`` rows of ``X`` (see ``out_of_core``)."""
        if self.out_of_core is None:
            return estimator
        return self.out_of_core(estimator, X, n_rows, client)

    def early_stopping_rounds(self, estimator: Any) -> int | None:
        """The estimator's early-stopping patience, ``None`` when early stopping is off."""
        value = estimator.get_params().get(self.early_stopping_param)
        if value and self.early_stopping_unsupported:
            raise ValueError(
                f"{type(estimator).__name__}({self.early_stopping_param}={value!r}) cannot "
                f"early-stop on a cluster: {self.early_stopping_unsupported}"
            )
        return int(value) if value else None


XGBOOST = DaskNativeSpec(
    "early_stopping_rounds",
    "n_estimators",
    _xgboost_best_iteration,
    fit_defaults=MappingProxyType({"verbose": False}),
    out_of_core=_xgboost_out_of_core,
)
LIGHTGBM = DaskNativeSpec(
    "early_stopping_rounds",
    "n_estimators",
    _lightgbm_best_iteration,
    early_stopping_unsupported=(
        "LightGBM's Dask interface lets every worker judge its own validation rows, so "
        "workers stop at different rounds and the training job breaks (socket reset). "
        "Set n_estimators instead, or early-stop with xgboost.dask.DaskXGBClassifier/"
        "DaskXGBRegressor"
    ),
)

#: module -> (class names, spec): registered when the module has been imported
_LAZY = {
    "xgboost.dask": (("DaskXGBClassifier", "DaskXGBRegressor"), XGBOOST),
    "lightgbm": (("DaskLGBMClassifier", "DaskLGBMRegressor"), LIGHTGBM),
}

_REGISTRY: dict[type, DaskNativeSpec] = {}


def register_dask_native(cls: type, spec: DaskNativeSpec) -> type:
    """Declare ``cls`` Dask-native: searches train it on lazy Dask folds, one job at a time.

    Parameters
    ----------
    cls : type
        An estimator class whose ``fit`` trains across a distributed cluster
        from Dask collections. Subclasses are covered too.
    spec : DaskNativeSpec
        How early stopping is set and read back.

    Returns
    -------
    type
        ``cls`` (so this can decorate a class).

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> class MyDaskRidge(Ridge):
    ...     pass
    >>> _ = register_dask_native(MyDaskRidge, XGBOOST)
    >>> is_dask_native(MyDaskRidge())
    True
    """
    if not isinstance(cls, type):
        raise TypeError(f"register_dask_native takes a class, got {cls!r}")
    if not isinstance(spec, DaskNativeSpec):
        raise TypeError(f"spec must be a DaskNativeSpec, got {type(spec).__name__}")
    _REGISTRY[cls] = spec
    return cls


def _register_imported() -> None:
    for module_name, (names, spec) in list(_LAZY.items()):
        if module_name in sys.modules:
            module = importlib.import_module(module_name)
            for name in names:
                register_dask_native(getattr(module, name), spec)
            del _LAZY[module_name]


def dask_native_spec(estimator: Any) -> DaskNativeSpec | None:
    """The :class:`DaskNativeSpec` of ``estimator`` (an instance), or ``None``.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> dask_native_spec(Ridge()) is None
    True
    """
    _register_imported()
    for cls in type(estimator).__mro__:
        if cls in _REGISTRY:
            return _REGISTRY[cls]
    return None


def is_dask_native(estimator: Any) -> bool:
    """Whether ``estimator`` trains on Dask collections across the cluster (registered).

    A wrapper that holds one in ``estimator_`` (after fit) counts as one: its
    methods take whole Dask collections too.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> is_dask_native(Ridge())
    False
    """
    inner = getattr(estimator, "estimator_", None)
    return dask_native_spec(estimator) is not None or (
        inner is not None and dask_native_spec(inner) is not None
    )

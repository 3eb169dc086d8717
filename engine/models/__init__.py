"""Models on Dask: lazy blockwise inference, block-by-block and Dask-native distributed training.

* :class:`ParallelPostFit`: any scikit-learn estimator, fitted in memory,
  predicting and transforming Dask and xarray input lazily, one task per row
  block, the input's kind (index, divisions, column names) out;
* :class:`Incremental`: ``partial_fit`` one block per task in a seeded block
  order, for data larger than memory;
* :func:`inherit_predictor_tags`: a wrapper's tags from the estimator it wraps
  (used by the searches too);
* :func:`register_dask_native`, :func:`is_dask_native`, :func:`dask_native_spec`,
  :class:`DaskNativeSpec`: the protocol by which estimators that train across a
  cluster from Dask collections (XGBoost's and LightGBM's Dask interfaces,
  registered lazily) get lazy Dask folds in the engine's searches; importing
  this package registers :func:`is_dask_native` in ``engine.data``'s registry
  of models that take whole Dask collections
  (:func:`engine.data.register_collection_model`), which is how pipelines
  know to hand such a final model the whole collection instead of blocks;
* ``StreamingDaskXGBRegressor``, ``StreamingDaskXGBClassifier``: XGBoost's Dask
  estimators trained one partition at a time per worker (data larger than the
  workers' memory); the searches switch to them on their own when a training
  part cannot fit. Loaded on first access (they import xgboost);
* :class:`LabelEncodedClassifier`: any labels for classifiers that need ``0..k-1``;
* :func:`check_fits_on_one_worker`: refuse, with a clear message, to gather data
  on one worker that cannot hold it.

Layering: below ``engine.model_selection`` (which uses it), above
``engine.data``, ``engine.stats`` and ``engine.metrics``.
"""

from engine.data import register_collection_model
from engine.models._incremental import Incremental
from engine.models._labels import LabelEncodedClassifier
from engine.models._memory import check_fits_on_one_worker, estimated_nbytes, one_worker_budget
from engine.models._native import (
    DaskNativeSpec,
    dask_native_spec,
    is_dask_native,
    register_dask_native,
)
from engine.models._parallel_post_fit import ParallelPostFit
from engine.models._tags import inherit_predictor_tags

# Pipelines (engine.preprocessing, a peer layer) then hand Dask-native final models whole collections
register_collection_model("engine.models", is_dask_native)

_STREAMING = ("StreamingDaskXGBClassifier", "StreamingDaskXGBRegressor")


def __getattr__(name: str):
    # the streaming XGBoost estimators subclass xgboost's: imported on first use only
    if name in _STREAMING:
        from engine.models import _xgboost_stream

        return getattr(_xgboost_stream, name)
    raise AttributeError(f"module 'engine.models' has no attribute {name!r}")


__all__ = [
    "DaskNativeSpec",
    "Incremental",
    "LabelEncodedClassifier",
    "ParallelPostFit",
    "check_fits_on_one_worker",
    "dask_native_spec",
    "estimated_nbytes",
    "inherit_predictor_tags",
    "is_dask_native",
    "one_worker_budget",
    "register_dask_native",
]

"""Models on Dask: Dask-native distributed training, label encoding, memory checks.

* :func:`register_dask_native`, :func:`is_dask_native`, :func:`dask_native_spec`,
  :class:`DaskNativeSpec`: the protocol by which estimators that train across a
  cluster from Dask collections (XGBoost's and LightGBM's Dask interfaces,
  registered lazily) get lazy Dask folds in the engine's searches;
* :class:`LabelEncodedClassifier`: any labels for classifiers that need ``0..k-1``;
* :func:`check_fits_on_one_worker`: refuse, with a clear message, to gather data
  on one worker that cannot hold it.

Layering: below ``engine.model_selection`` (which uses it), above
``engine.data``, ``engine.stats`` and ``engine.metrics``.
"""

from engine.models._labels import LabelEncodedClassifier
from engine.models._memory import check_fits_on_one_worker, estimated_nbytes, one_worker_budget
from engine.models._native import (
    DaskNativeSpec,
    dask_native_spec,
    is_dask_native,
    register_dask_native,
)

__all__ = [
    "DaskNativeSpec",
    "LabelEncodedClassifier",
    "check_fits_on_one_worker",
    "dask_native_spec",
    "estimated_nbytes",
    "is_dask_native",
    "one_worker_budget",
    "register_dask_native",
]

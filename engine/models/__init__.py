"""Fitted models on Dask: lazy blockwise inference and block-by-block training.

* :class:`ParallelPostFit`: any scikit-learn estimator, fitted in memory,
  predicting and transforming Dask and xarray input lazily, one task per row
  block, the input's kind (index, divisions, column names) out;
* :class:`Incremental`: ``partial_fit`` one block per task in a seeded block
  order, for data larger than memory;
* :func:`inherit_predictor_tags`: a wrapper's tags from the estimator it wraps
  (used by the searches too).

Layering: below ``engine.model_selection``, above ``engine.data`` and
``engine.metrics``.
"""

from engine.models._incremental import Incremental
from engine.models._parallel_post_fit import ParallelPostFit
from engine.models._tags import inherit_predictor_tags

__all__ = [
    "Incremental",
    "ParallelPostFit",
    "inherit_predictor_tags",
]

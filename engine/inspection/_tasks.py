"""Pieces shared by the in-memory and the Dask permutation-importance graphs.

* :func:`permutation_plan` reproduces scikit-learn's random draws: one seed
  shared by every feature, an optional row subsample, then ``n_repeats``
  in-place shuffles of one index vector whose effects on the column
  accumulate.  The accumulated permutation of repeat ``r`` is computed
  directly, so every (feature, repeat) pair becomes an independent task.
* :func:`single_blas_thread` (from :mod:`engine.data`) limits BLAS/OpenMP
  pools to one thread while a task runs.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from dask.base import tokenize
from sklearn.utils.random import sample_without_replacement

from engine.data import estimator_token


def permutation_plan(
    seed: int, n_samples: int, n_repeats: int, max_samples: int
) -> tuple[np.ndarray | None, list[np.ndarray]]:
    """The row subsample (or None) and the accumulated permutation of each repeat.

    scikit-learn permutes ``X[:, j]`` in place with a shuffled index vector
    ``s`` that is itself reshuffled every repeat, so after repeat ``r`` the
    column holds ``x[s_1][s_2]...[s_r] == x[P_r]`` with ``P_r = P_{r-1}[s_r]``.
    Returned ``P_r`` index the (subsampled) rows.
    """
    random_state = np.random.RandomState(seed)
    rows = None
    n_used = n_samples
    if max_samples < n_samples:
        rows = sample_without_replacement(n_samples, max_samples, random_state=random_state)
        n_used = max_samples
    shuffling = np.arange(n_used)
    composed = np.arange(n_used)
    perms = []
    for _ in range(n_repeats):
        random_state.shuffle(shuffling)
        composed = composed[shuffling]
        perms.append(composed)
    return rows, perms


def take_rows(data: Any, rows: np.ndarray | None) -> Any:
    """Rows ``rows`` of an array, pandas object or list (``None`` -> unchanged)."""
    if rows is None or data is None:
        return data
    if hasattr(data, "iloc"):
        return data.iloc[rows]
    if isinstance(data, list | tuple):
        return [data[i] for i in rows]
    return np.asarray(data)[rows]


def permute_column_in_place(out: Any, j: int, perm: np.ndarray) -> Any:
    """Reorder column ``j`` of ``out`` (a fresh copy) by ``perm``; return ``out``."""
    if hasattr(out, "iloc"):
        col = out.iloc[perm, j]
        col.index = out.index
        out[out.columns[j]] = col
    else:
        out[:, j] = out[perm, j]
    return out


def with_column_replaced(X: Any, j: int, values: np.ndarray) -> Any:
    """A copy of ``X`` whose column ``j`` holds ``values``."""
    out = X.copy()
    if hasattr(out, "iloc"):
        out[out.columns[j]] = np.asarray(values)
    else:
        out[:, j] = values
    return out


def call_scorer(scorer, estimator, X, y, sample_weight):
    """``scorer(estimator, X, y)``, passing ``sample_weight`` only when given."""
    if sample_weight is not None:
        return scorer(estimator, X, y, sample_weight=sample_weight)
    return scorer(estimator, X, y)


def resolve_max_samples(max_samples: float | int, n_samples: int) -> int:
    """scikit-learn's reading of ``max_samples``: a fraction or a row count."""
    if not isinstance(max_samples, numbers.Integral):
        return int(max_samples * n_samples)
    if max_samples > n_samples:
        raise ValueError(
            f"max_samples must be <= n_samples, got max_samples={max_samples} "
            f"for n_samples={n_samples}"
        )
    return int(max_samples)


def graph_token(estimator: Any, scorer: Any, *inputs: Any) -> str:
    """The token naming every key of one permutation-importance graph.

    The fitted estimator and the scorer are tokenized by the engine's one rule
    (:func:`engine.data.estimator_token`: class, parameters and fitted state).
    """
    return tokenize(estimator_token(estimator), estimator_token(scorer), *inputs)

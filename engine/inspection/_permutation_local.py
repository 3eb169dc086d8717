"""The Dask graph of permutation importance for in-memory (NumPy / pandas) input.

One task per (feature, repeat) copies ``X``, permutes one column with the
repeat's accumulated permutation and scores, exactly as scikit-learn does
inside its per-feature loop, so the scores are bit-identical to its own.
"""

from __future__ import annotations

from typing import Any

from sklearn.metrics import check_scoring
from sklearn.utils import check_array

from engine.data import single_blas_thread
from engine.inspection._graph import TaskGraph, pair
from engine.inspection._tasks import (
    call_scorer,
    graph_token,
    permutation_plan,
    permute_column_in_place,
    resolve_max_samples,
    take_rows,
)


def in_memory_scores(
    estimator, X, y, sample_weight, scoring, n_repeats, seed, max_samples
) -> tuple[Any, list]:
    """Baseline score and ``scores[j][r]`` for in-memory input, from one ``dask.compute``."""
    if not hasattr(X, "iloc"):
        X = check_array(X, ensure_all_finite="allow-nan", dtype=None)
    n_samples, n_features = X.shape
    max_samples = resolve_max_samples(max_samples, n_samples)
    scorer = check_scoring(estimator, scoring=scoring)
    token = graph_token(estimator, scorer, X, y, sample_weight, seed, n_repeats, max_samples)
    g = TaskGraph(token)
    common = [
        g.literal(label, value)
        for label, value in (
            ("estimator", estimator),
            ("scorer", scorer),
            ("X", X),
            ("y", y),
            ("w", sample_weight),
        )
    ]
    plan = g.task("plan", permutation_plan, seed, n_samples, n_repeats, max_samples)
    baseline = g.task("baseline", _score_task, *common, None, -1, -1)
    scores = [
        [g.task(f"score-{j}-{r}", _score_task, *common, plan, j, r) for r in range(n_repeats)]
        for j in range(n_features)
    ]
    return g.compute(g.task("result", pair, baseline, scores))


def _score_task(estimator, scorer, X, y, sample_weight, plan, j, r):
    """Score on ``X`` (``plan is None``) or with column ``j`` permuted as in repeat ``r``."""
    with single_blas_thread():
        if plan is None:
            return call_scorer(scorer, estimator, X, y, sample_weight)
        rows, perms = plan
        X_perm = X.copy() if rows is None else take_rows(X, rows)  # a fresh copy either way
        permute_column_in_place(X_perm, j, perms[r])
        return call_scorer(
            scorer, estimator, X_perm, take_rows(y, rows), take_rows(sample_weight, rows)
        )

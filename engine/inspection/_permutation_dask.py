"""The Dask graph of permutation importance for dask.array / dask.dataframe input.

Approach (a global shuffle without moving ``X``):

1. Row blocks of ``X`` are the collection's own chunks (partitions); their
   lengths give the global row offsets.
2. One task draws scikit-learn's row subsample and the accumulated global
   permutation ``P_r`` of every repeat from the shared seed
   (:func:`engine.inspection._tasks.permutation_plan`).
3. Column ``j`` alone is gathered (one task per feature: ``n`` values); one
   task per (feature, repeat) reorders it by ``P_r``: the permuted column of
   the whole (subsampled) dataset.
4. One task per (feature, repeat, block) replaces column ``j`` of its block
   with the block's slice of that permuted column and computes the
   estimator's responses (``predict``, ``predict_proba``... whichever the
   scorer calls, found once on a few rows).
5. One task per (feature, repeat) assembles the responses in row order and
   runs the scorer on them through :class:`ReplayEstimator`.

``y`` and ``sample_weight`` (1-D) are gathered once on a worker. Nothing
but the final scores comes back to the client.
"""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
from sklearn.metrics import check_scoring

from engine.data import single_blas_thread
from engine.inspection._graph import TaskGraph, pair
from engine.inspection._permutation_local import in_memory_scores
from engine.inspection._replay import ReplayEstimator, default_scoring, discover_methods
from engine.inspection._tasks import (
    call_scorer,
    graph_token,
    permutation_plan,
    resolve_max_samples,
    take_rows,
    with_column_replaced,
)

_HEAD_ROWS = 64


def dask_permutation_scores(
    estimator, X, y, sample_weight, scoring, n_repeats, seed, max_samples
) -> tuple[Any, list]:
    """Baseline score and ``scores[j][r]`` for lazy input, from one ``dask.compute``."""
    if not dask.is_dask_collection(X):
        # Only y / sample_weight are lazy: they are 1-D and the data is already local.
        y, sample_weight = dask.compute(y, sample_weight)
        return in_memory_scores(
            estimator, X, y, sample_weight, scoring, n_repeats, seed, max_samples
        )
    X, n_features = _as_row_blocked(X)
    scorer = check_scoring(estimator, scoring=default_scoring(estimator, scoring))
    token = graph_token(estimator, scorer, X, y, sample_weight, seed, n_repeats, max_samples)
    g = TaskGraph(token)
    est, scr = g.literal("estimator", estimator), g.literal("scorer", scorer)
    y_k, w_k = g.gathered("y", y), g.gathered("w", sample_weight)
    blocks = g.blocks(X)
    offsets = g.task(
        "offsets", _offsets, [g.task(f"len-{b}", len, k) for b, k in enumerate(blocks)]
    )
    plan = g.task("plan", _plan, seed, offsets, n_repeats, max_samples)
    methods = g.task("methods", _discover, est, scr, blocks[0], y_k)
    selections = [g.task(f"sel-{b}", _selection, plan, offsets, b) for b in range(len(blocks))]
    full = [
        g.task(f"base-{b}", _block_responses, est, methods, blk, None, None, -1)
        for b, blk in enumerate(blocks)
    ]
    baseline = g.task("baseline", _replay_score, est, scr, full, None, y_k, w_k, None)
    scores = []
    for j in range(n_features):
        pieces = [g.task(f"col-{j}-{b}", _column_piece, blk, j) for b, blk in enumerate(blocks)]
        column = g.task(f"col-{j}", np.concatenate, pieces)
        row = []
        for r in range(n_repeats):
            permuted = g.task(f"perm-{j}-{r}", _permuted_column, column, plan, r)
            parts = [
                g.task(f"resp-{j}-{r}-{b}", _block_responses, est, methods, blk, sel, permuted, j)
                for b, (blk, sel) in enumerate(zip(blocks, selections, strict=True))
            ]
            row.append(
                g.task(f"score-{j}-{r}", _replay_score, est, scr, parts, selections, y_k, w_k, plan)
            )
        scores.append(row)
    return g.compute(g.task("result", pair, baseline, scores))


def _as_row_blocked(X) -> tuple[Any, int]:
    if isinstance(X, dd.DataFrame):
        return X, len(X.columns)
    if isinstance(X, da.Array):
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got a dask array with {X.ndim} dimension(s)")
        if X.numblocks[1] != 1:
            X = X.rechunk({1: -1})
        return X, int(X.shape[1])
    raise TypeError(
        f"X must be a dask array or dask DataFrame for the Dask path, got {type(X).__name__}"
    )


def _offsets(lengths: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])


def _plan(seed, offsets, n_repeats, max_samples):
    n_samples = int(offsets[-1])
    return permutation_plan(seed, n_samples, n_repeats, resolve_max_samples(max_samples, n_samples))


def _discover(estimator, scorer, block, y):
    head = block.iloc[:_HEAD_ROWS] if hasattr(block, "iloc") else block[:_HEAD_ROWS]
    y_head = y.iloc[: len(head)] if hasattr(y, "iloc") else np.asarray(y)[: len(head)]
    with single_blas_thread():
        return discover_methods(estimator, scorer, head, y_head)


def _selection(plan, offsets, b):
    """Positions (in subsample order) of block ``b``'s used rows, and their local rows."""
    rows, _ = plan
    start, stop = int(offsets[b]), int(offsets[b + 1])
    if rows is None:
        return np.arange(start, stop), None
    mask = (rows >= start) & (rows < stop)
    return np.flatnonzero(mask), rows[mask] - start


def _column_piece(block, j):
    if hasattr(block, "iloc"):
        return block.iloc[:, j].to_numpy()
    return np.asarray(block[:, j])


def _permuted_column(column, plan, r):
    rows, perms = plan
    used = column if rows is None else column[rows]
    return used[perms[r]]


def _block_responses(estimator, methods, block, selection, permuted, j):
    """Responses of the block (its used rows, column ``j`` replaced when ``j >= 0``)."""
    if selection is not None:
        positions, local = selection
        if local is not None:
            block = block.iloc[local] if hasattr(block, "iloc") else block[local]
        block = with_column_replaced(block, j, permuted[positions])
    if len(block) == 0:
        return None  # estimators refuse empty input; the block adds no rows anyway
    with single_blas_thread():
        return {name: getattr(estimator, name)(block) for name in methods}


def _replay_score(estimator, scorer, parts, selections, y, sample_weight, plan):
    rows = None if plan is None else plan[0]
    kept = [i for i, part in enumerate(parts) if part is not None]
    parts = [parts[i] for i in kept]
    responses = {}
    for name in parts[0]:
        stacked = np.concatenate([part[name] for part in parts])
        if selections is not None:
            order = np.concatenate([selections[i][0] for i in kept])
            out = np.empty_like(stacked)
            out[order] = stacked
            stacked = out
        responses[name] = stacked
    n_rows = len(next(iter(responses.values()))) if responses else 0
    placeholder = np.empty((n_rows, 0))
    with single_blas_thread():
        return call_scorer(
            scorer,
            ReplayEstimator(estimator, responses),
            placeholder,
            take_rows(y, rows),
            take_rows(sample_weight, rows),
        )

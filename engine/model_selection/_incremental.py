"""Incremental training on row blocks: the tasks and block plan behind HyperbandSearchCV.

Data blocks (Dask chunks, or row slices of in-memory data) stay where the
scheduler put them: each training segment task receives the blocks it needs
and calls ``partial_fit`` once per block, so the data is never gathered on
the client. A per-block seeded split holds out validation rows.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from dask import delayed
from dask.base import is_dask_collection, tokenize

from engine.data import single_blas_thread
from engine.model_selection._tasks import concat_blocks, configured, take_rows


@dataclass
class ModelState:
    """A model being trained: estimator, calls and samples consumed, score history."""

    model_id: int
    params: dict
    estimator: Any = None
    calls: int = 0
    samples: int = 0
    scores: list = field(default_factory=list)  # (calls, samples, score)
    stopped: bool = False
    fit_time: float = 0.0
    score_time: float = 0.0


def _blocks(value: Any, block_size: int | None, n: int) -> tuple[list, list[int]]:
    if is_dask_collection(value):
        parts = value.to_delayed()
        parts = (
            list(np.asarray(parts, dtype=object).ravel()) if not isinstance(parts, list) else parts
        )
        if hasattr(value, "chunks"):
            sizes = list(value.chunks[0])
        else:
            sizes = [int(s) for s in value.map_partitions(len).compute()]
        return parts, sizes
    size = block_size or max(1, -(-n // 10))
    bounds = list(range(0, n, size)) + [n]
    parts = [
        take_rows(value, np.arange(lo, hi)) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    return parts, [hi - lo for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def _pick(X, y, idx):
    return take_rows(X, idx), take_rows(y, idx)


def _gather_validation(parts):
    return concat_blocks([p[0] for p in parts]), concat_blocks([p[1] for p in parts])


class BlockPlan:
    """Training blocks and validation rows of ``X, y`` as Delayed nodes.

    Each block's rows are split into train/validation with its own seed from
    ``SeedSequence(random_state).spawn``; the epoch order of blocks is seeded
    the same way, so every scheduler sees the same sequence.
    """

    def __init__(self, X, y, test_size: float, block_size: int | None, seed: int):
        n = 0 if is_dask_collection(X) else (X.shape[0] if hasattr(X, "shape") else len(X))
        xs, sizes = _blocks(X, block_size, n)
        ys, _ = _blocks(y, block_size, n)
        self.seed = seed
        children = np.random.SeedSequence(seed).spawn(len(sizes))
        token = tokenize(X, y, test_size, block_size, seed)
        self.train, self.train_sizes, val = [], [], []
        for i, (xb, yb, size, child) in enumerate(zip(xs, ys, sizes, children, strict=True)):
            order = np.random.default_rng(child).permutation(size)
            n_test = int(round(test_size * size))
            test_idx, train_idx = np.sort(order[:n_test]), np.sort(order[n_test:])
            if len(train_idx):
                self.train.append(
                    delayed(_pick, pure=True)(
                        xb, yb, train_idx, dask_key_name=f"engine-hb-train-{token}-{i}"
                    )
                )
                self.train_sizes.append(len(train_idx))
            val.append(
                delayed(_pick, pure=True)(
                    xb, yb, test_idx, dask_key_name=f"engine-hb-val-{token}-{i}"
                )
            )
        if not self.train or sum(sizes) - sum(self.train_sizes) == 0:
            raise ValueError(
                "HyperbandSearchCV needs both training and validation rows: "
                f"test_size={test_size} with block sizes {sizes} (n_samples={sum(sizes)})"
            )
        self.validation = delayed(_gather_validation, pure=True)(
            val, dask_key_name=f"engine-hb-validation-{token}"
        )

    def block_at(self, call: int) -> int:
        """Index of the training block used by partial_fit call number ``call`` (0-based)."""
        n = len(self.train)
        epoch, pos = divmod(call, n)
        return int(np.random.default_rng([self.seed, epoch]).permutation(n)[pos])

    def calls_for(self, start_calls: int, start_samples: int, target: float, budget: str) -> int:
        """partial_fit calls after ``start_calls`` needed to reach ``target`` units."""
        if budget == "iterations":
            return max(0, int(np.ceil(target)) - start_calls)
        calls, seen = 0, start_samples
        while seen < target:
            seen += self.train_sizes[self.block_at(start_calls + calls)]
            calls += 1
        return calls


def train_segment(
    state: ModelState,
    template: Any,
    blocks: list,
    validation: tuple,
    scorer: Any,
    fit_kwargs: dict,
    patience: int | None,
    tol: float,
) -> ModelState:
    """``partial_fit`` on each block in order; score per call (patience) or at the end."""
    state = ModelState(**{**state.__dict__, "scores": list(state.scores)})
    if state.stopped:
        return state
    X_val, y_val = validation
    with single_blas_thread():
        if state.estimator is None:
            state.estimator = configured(template, state.params)
        else:  # never mutate a task input: train a copy
            state.estimator = copy.deepcopy(state.estimator)
        for k, (Xb, yb) in enumerate(blocks):
            start = time.perf_counter()
            kwargs = fit_kwargs if state.calls == 0 else {}
            state.estimator.partial_fit(Xb, yb, **kwargs)
            state.fit_time += time.perf_counter() - start
            state.calls += 1
            state.samples += len(yb)
            if patience or k == len(blocks) - 1:
                start = time.perf_counter()
                value = float(
                    state.estimator.score(X_val, y_val)
                    if scorer is None
                    else scorer(state.estimator, X_val, y_val)
                )
                state.score_time += time.perf_counter() - start
                state.scores.append((state.calls, state.samples, value))
                if patience and _plateau([s[2] for s in state.scores], patience, tol):
                    state.stopped = True
                    break
    return state


def _plateau(scores: list[float], patience: int, tol: float) -> bool:
    if len(scores) <= patience:
        return False
    return max(scores[-patience:]) < scores[-patience - 1] + tol

"""Evaluate candidates on folds: data preparation, one graph per round, resume and progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from dask import delayed
from dask.base import is_dask_collection, tokenize
from sklearn.utils import indexable

from engine.data import estimator_token
from engine.model_selection._checkpoint import Checkpoint
from engine.model_selection._distributed import NativeTrainer, native_spec
from engine.model_selection._plan import GraphPlanner
from engine.model_selection._progress import Progress
from engine.model_selection._run import active_client, run_tasks
from engine.model_selection._tasks import concat_blocks
from engine.models import check_fits_on_one_worker, estimated_nbytes


@dataclass
class SearchData:
    """The data of a search as graph inputs, with what the splitter needs."""

    X_node: Any
    y_node: Any
    n_samples: int
    token: str
    X_split: Any
    y_split: Any
    X: Any = None  # the input itself (Dask-native estimators select folds from it lazily)
    y: Any = None


def _node(value: Any, name: str, client) -> Any:
    if value is None:
        return None
    if is_dask_collection(value):
        blocks = value.to_delayed()
        blocks = (
            list(np.asarray(blocks, dtype=object).ravel())
            if not isinstance(blocks, list)
            else blocks
        )
        return delayed(concat_blocks, pure=True)(blocks, dask_key_name=f"engine-concat-{name}")
    if client is not None and hasattr(value, "shape"):
        return client.scatter(value, hash=False, broadcast=True)  # every worker can cut folds
    return delayed(value, name=f"engine-data-{name}", pure=True)


def _n_rows(X: Any) -> int:
    """Number of rows; for Dask only the partition lengths are computed, never the data."""
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    if is_dask_collection(n) or n is None or (isinstance(n, float) and np.isnan(n)):
        n = int(X.map_partitions(len).compute().sum())
    return int(n)


def _check_gather(estimator: Any, X: Any, y: Any, n: int, client: Any) -> None:
    """Refuse to gather Dask data on one worker that cannot hold it (data + one fold's copy)."""
    needed = 2 * (estimated_nbytes(X, n) + estimated_nbytes(y, n))
    check_fits_on_one_worker(estimator, needed, client)


def prepare_data(X: Any, y: Any, estimator: Any = None) -> SearchData:
    """Tokenize the data and make graph nodes for it (Dask blocks are concatenated on a worker).

    For Dask input only ``y`` (one small vector, needed by stratified
    splitters) is computed on the client; ``X`` stays lazy. With a Dask-native
    ``estimator`` (see :mod:`engine.model_selection._distributed`) no graph
    node gathers the data: folds are selected lazily from ``X`` itself; any
    other estimator on Dask input is first checked to fit on one worker
    (``MemoryError`` naming it otherwise).
    """
    if not is_dask_collection(X):  # sparse to CSR, objects with __array__ only to arrays
        X = indexable(X)[0]
    if y is not None and not is_dask_collection(y):
        y = indexable(y)[0]
    n = _n_rows(X)
    if y is not None and _n_rows(y) != n:
        raise ValueError(f"inconsistent numbers of samples: X={n}, y={_n_rows(y)}")
    data_token = tokenize(X, y)
    client = active_client()
    native = estimator is not None and native_spec(estimator, X) is not None
    if native:
        X_node = y_node = None
    else:
        if is_dask_collection(X):
            _check_gather(estimator, X, y, n, client)
        X_node = _node(X, f"X-{data_token}", client)
        y_node = _node(y, f"y-{data_token}", client)
    X_split = np.zeros((n, 1)) if is_dask_collection(X) else X
    y_split = y.compute() if is_dask_collection(y) else y
    return SearchData(X_node, y_node, n, data_token, X_split, y_split, X, y)


class Evaluator:
    """Score candidates on folds, one Dask graph per call, resuming from a checkpoint."""

    def __init__(
        self,
        estimator,
        data: SearchData,
        scorers: dict,
        *,
        error_score: Any,
        return_train_score: bool,
        fit_params: Mapping | None,
        checkpoint: Checkpoint,
        progress: Progress,
        rank_metric: str,
        return_estimator: bool = False,
        random_state: Any = None,
        score_params: Mapping | None = None,
    ):
        self.native = None
        if native_spec(estimator, data.X) is not None:
            self.native = NativeTrainer(
                estimator,
                data.X,
                data.y,
                data.y_split,
                scorers,
                error_score=error_score,
                return_train_score=return_train_score,
                fit_params=fit_params,
                return_estimator=return_estimator,
                client=active_client(),
                random_state=random_state,
            )
        self.planner = GraphPlanner(
            estimator,
            data.X_node,
            data.y_node,
            data.token,
            data.n_samples,
            scorers,
            error_score,
            return_train_score,
            fit_params,
            return_estimator,
            score_params,
        )
        self.checkpoint = checkpoint
        self.progress = progress
        self.rank_metric = rank_metric
        self.return_train_score = return_train_score
        self.n_fits = 0  # (candidate, fold) pairs computed (not restored) so far

    def evaluate(self, candidates: Sequence[Mapping], splits: Sequence[tuple]) -> list[list[dict]]:
        """Return ``records[candidate][fold]`` (dicts of scores, times and error)."""
        n_folds = len(splits)
        records: list[list[dict | None]] = [[None] * n_folds for _ in candidates]
        keys = {}
        tasks = {}
        split_tokens = [tokenize(train, test) for train, test in splits]
        for c, params in enumerate(candidates):
            ptoken = estimator_token(params)
            for f, (train, test) in enumerate(splits):
                key = f"{ptoken}:{split_tokens[f]}"
                keys[(c, f)] = key
                saved = self.checkpoint.get(key)
                if saved is not None:
                    records[c][f] = saved
                elif self.native is not None:
                    tasks[(c, f)] = (params, train, test)
                else:
                    tasks[(c, f)] = self.planner.score_task(
                        params, train, test, f"{c}-{f}", split_tokens[f]
                    )
        remaining = {c: sum(r is None for r in row) for c, row in enumerate(records)}
        self.progress.start(len(candidates) * n_folds, len(candidates) * n_folds - len(tasks))
        for c, left in remaining.items():
            if left == 0:
                self.progress.update(0, self._mean(records[c]))

        def on_done(label, value):
            c, f = label
            record = {k: v for k, v in value.items() if k != "estimator"}
            self.checkpoint.put(keys[label], record)
            records[c][f] = value
            remaining[c] -= 1
            self.progress.update(1, self._mean(records[c]) if remaining[c] == 0 else None)

        if self.native is not None:  # one collective job at a time, driven from here
            for label, (params, train, test) in tasks.items():
                on_done(label, self.native.score(params, train, test))
        else:
            run_tasks(tasks, on_done)
        self.n_fits += len(tasks)
        return records

    def _mean(self, row: list[dict]) -> float:
        # a callable scorer returning a dict names its metrics only when called
        return float(np.mean([r["test"].get(self.rank_metric, np.nan) for r in row]))

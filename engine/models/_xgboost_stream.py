"""XGBoost's Dask estimators trained one partition at a time: data larger than the workers' memory.

``xgboost.dask`` trains with one task per worker whose arguments are all of
that worker's partitions, so every partition a worker holds is in its memory
at once before its ``QuantileDMatrix`` is built. The streaming trainer here
keeps XGBoost's own collective (its tracker started on the scheduler, as
``xgboost.dask`` does; ranks from ``xgboost.dask.CommunicatorContext``) but
sends each worker's training task small per-partition task graphs instead of
the partitions. Inside the collective the task builds an
``xgboost.ExtMemQuantileDMatrix`` from a ``DataIter`` that computes one
partition at a time (Dask's synchronous scheduler, in the worker), so only
one partition and XGBoost's compressed histogram pages (cached on the
worker's local disk) are held; the quantile sketches are merged across
workers by the collective exactly as in ``xgboost.dask``. What still grows
with the rows is XGBoost's per-row state on each worker (label, gradient
pair, prediction cache, row index: tens of bytes a row): the stream
lifts the limit from the data's width times its rows to that.

The workers' shares are contiguous runs of partitions (worker ``k`` of ``W``
gets partitions ``k n / W`` to ``(k + 1) n / W``); XGBoost's sketch depends
on which rows each worker sees, so split thresholds can differ from
``xgboost.dask``'s (which uses wherever Dask computed each partition) within
the sketch's accuracy; on features whose distinct values are fewer than
``max_bin`` both are exact and the models are the same.

:class:`StreamingDaskXGBRegressor` and :class:`StreamingDaskXGBClassifier`
are ``DaskXGBRegressor``/``DaskXGBClassifier`` whose ``fit`` streams; they
predict with the inherited methods. The searches switch to them on their own
when a training part cannot fit in the workers' memory (see
:func:`streaming_if_too_large`).
"""

from __future__ import annotations

import os
import threading
import uuid
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import xgboost
from dask.base import is_dask_collection
from dask.delayed import Delayed
from dask.optimization import cull
from distributed import futures_of, get_worker
from distributed.comm import get_address_host
from xgboost.dask import CommunicatorContext, DaskXGBClassifier, DaskXGBRegressor
from xgboost.tracker import RabitTracker

from engine.models._memory import estimated_nbytes, one_worker_budget

__all__ = [
    "StreamingDaskXGBClassifier",
    "StreamingDaskXGBRegressor",
    "streaming_if_too_large",
]

#: dask config key: ``"auto"`` (default) streams a training part too large for the
#: workers' memory, ``True`` always streams lazy parts, ``False`` never streams
STREAM_KEY = "engine.xgboost.stream"


class _Unwalked:
    """A value ``Client.submit`` hands over as is (it does not look for Dask objects inside)."""

    def __init__(self, value: Any):
        self.value = value


def _partition_loaders(X: Any, y: Any) -> list[tuple[Delayed, Delayed]]:
    """One ``(X block, y block)`` pair of delayed objects per row block, each with its own culled graph."""
    if isinstance(X, da.Array) and X.ndim == 2 and X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    pairs = []
    xs, ys = (np.ravel(np.asarray(a.to_delayed(), dtype=object)) for a in (X, y))
    if len(xs) != len(ys):
        raise ValueError(
            f"X and y must have the same row blocks to be streamed; got {len(xs)} blocks of X "
            f"and {len(ys)} of y"
        )
    graphs = [dict(xs[0].__dask_graph__()), dict(ys[0].__dask_graph__())]
    for dx, dy in zip(xs, ys, strict=True):
        pairs.append(
            tuple(
                Delayed(d.key, cull(graph, [d.key])[0])
                for d, graph in zip((dx, dy), graphs, strict=True)
            )
        )
    return pairs


class _PartitionIter(xgboost.DataIter):
    """XGBoost's data iterator over partitions computed one at a time in this process."""

    def __init__(self, loaders: list[tuple[Delayed, Delayed]], cache_prefix: str):
        self._loaders = loaders
        self._index = 0
        super().__init__(cache_prefix=cache_prefix)

    def next(self, input_data) -> bool:
        if self._index == len(self._loaders):
            return False
        X, y = dask.compute(*self._loaders[self._index], scheduler="sync")
        input_data(data=X, label=y)
        self._index += 1
        return True

    def reset(self) -> None:
        self._index = 0


def _start_tracker(n_workers: int, host: str | None, timeout: int) -> dict:
    """On the scheduler: start XGBoost's tracker for ``n_workers`` ranks; its worker arguments."""
    tracker = RabitTracker(n_workers=n_workers, host_ip=host, sortby="task", timeout=timeout)
    tracker.start()
    threading.Thread(target=tracker.wait_for, daemon=True).start()
    return tracker.worker_args()


def _train_share(
    address: str,
    shares: _Unwalked,
    params: dict,
    matrix_args: dict,
    train_kwargs: dict,
    coll_args: dict,
    global_config: dict,
) -> dict | None:
    """One worker's rank: stream its partitions into an external-memory matrix and train."""
    worker = get_worker()
    if worker.address != address:
        raise RuntimeError(
            f"the streaming XGBoost task for worker {address} ran on {worker.address}: a worker "
            "left during training (XGBoost's collective cannot survive that)"
        )
    n_threads = worker.state.nthreads
    params = {**params, "nthread": n_threads}
    prefix = os.path.join(worker.local_directory, f"xgboost-stream-{uuid.uuid4().hex}")
    history: dict = {}
    with CommunicatorContext(**coll_args), xgboost.config_context(**global_config):
        train_loaders, valid_loaders = shares.value
        dtrain = xgboost.ExtMemQuantileDMatrix(
            _PartitionIter(train_loaders, prefix + "-train"), nthread=n_threads, **matrix_args
        )
        evals = [
            (
                xgboost.ExtMemQuantileDMatrix(
                    _PartitionIter(loaders, f"{prefix}-valid{i}"),
                    nthread=n_threads,
                    ref=dtrain,
                    **matrix_args,
                ),
                f"validation_{i}",
            )
            for i, loaders in enumerate(valid_loaders)
        ]
        booster = xgboost.train(
            params, dtrain, evals=evals or None, evals_result=history, **train_kwargs
        )
        rank = xgboost.collective.get_rank()
    del dtrain, evals  # their destructors remove the cache files
    return {"booster": booster, "history": history} if rank == 0 else None


def _shares(loaders: list, n_workers: int) -> list[list]:
    """Contiguous runs of ``loaders``, one per worker (no worker without a partition)."""
    n = len(loaders)
    return [loaders[k * n // n_workers : (k + 1) * n // n_workers] for k in range(n_workers)]


def stream_train(
    client: Any,
    params: dict,
    matrix_args: dict,
    X: Any,
    y: Any,
    eval_set: list | None = None,
    **train_kwargs: Any,
) -> dict:
    """Train a booster across the cluster streaming ``X``/``y`` partition by partition.

    ``matrix_args`` go to every ``ExtMemQuantileDMatrix`` (``max_bin``,
    ``missing``), ``train_kwargs`` to ``xgboost.train``. Returns rank 0's
    ``{"booster": Booster, "history": evaluation log}``.
    """
    train = _partition_loaders(X, y)
    valid = [_partition_loaders(Xv, yv) for Xv, yv in eval_set or []]
    workers = sorted(client.scheduler_info(n_workers=-1)["workers"])
    n_workers = min(len(workers), len(train), *(len(v) for v in valid))
    if n_workers == 0:
        raise ValueError("cannot stream an empty training or validation set to XGBoost")
    host = get_address_host(client.scheduler.address)
    coll_args = client.run_on_scheduler(_start_tracker, n_workers, host, 0)
    train_shares = _shares(train, n_workers)
    valid_shares = [_shares(v, n_workers) for v in valid]
    futures = [
        client.submit(
            _train_share,
            workers[k],
            _Unwalked((train_shares[k], [v[k] for v in valid_shares])),
            params,
            matrix_args,
            train_kwargs,
            coll_args,
            xgboost.get_config(),
            workers=[workers[k]],
            allow_other_workers=True,  # a lost worker: the address check fails fast
            pure=False,
        )
        for k in range(n_workers)
    ]
    results = client.gather(futures)
    return next(r for r in results if r is not None)


class _StreamingFit:
    """``fit`` of XGBoost's Dask estimators by :func:`stream_train` (a mixin before the XGBoost class)."""

    def fit(self, X, y, *, eval_set=None, verbose=True, **unsupported):
        """Train on lazy Dask ``X``/``y`` streamed partition by partition.

        Parameters
        ----------
        X, y : dask array or DataFrame, dask array or Series
            Lazy (not persisted), with the same row blocks.
        eval_set : list of (X, y) pairs, optional
            Validation sets, streamed too (early stopping watches the last).
        verbose : bool or int
            XGBoost's ``verbose_eval``.

        Returns
        -------
        self
        """
        given = sorted(k for k, v in unsupported.items() if v is not None)
        if given:
            raise ValueError(
                f"{type(self).__name__}.fit streams the data and does not support {given}"
            )
        for name, value in (("X", X), ("y", y)):
            if not is_dask_collection(value) or futures_of(value):
                raise TypeError(
                    f"{type(self).__name__} streams lazy Dask collections (read from files or "
                    f"computed block by block); {name} is "
                    + (
                        "persisted on the cluster: train it with the parent class"
                        if is_dask_collection(value)
                        else f"a {type(value).__name__}"
                    )
                )
        params = self.get_xgb_params()
        _, metric, params, _ = self._configure_fit(None, params, None)
        params = self._stream_objective(params, y)
        results = stream_train(
            self.client,
            params,
            {"max_bin": self.max_bin, "missing": self.missing},
            X,
            y,
            eval_set,
            num_boost_round=self.get_num_boosting_rounds(),
            early_stopping_rounds=self.early_stopping_rounds,
            custom_metric=metric,
            verbose_eval=verbose,
            callbacks=self.callbacks,
        )
        self._Booster = results["booster"]
        self._set_evaluation_result(results["history"])
        return self

    def _stream_objective(self, params: dict, y: Any) -> dict:
        return params


class StreamingDaskXGBRegressor(_StreamingFit, DaskXGBRegressor):
    """``xgboost.dask.DaskXGBRegressor`` trained one partition at a time per worker.

    Same parameters and predictions as ``DaskXGBRegressor``; ``fit`` takes
    lazy Dask collections (e.g. read from Parquet or Zarr) and ``eval_set``
    and ``verbose``, and never holds more than one partition of a worker's
    share in that worker's memory (see :mod:`engine.models._xgboost_stream`).

    Examples
    --------
    >>> StreamingDaskXGBRegressor(n_estimators=5).get_params()["n_estimators"]
    5
    """


class StreamingDaskXGBClassifier(_StreamingFit, DaskXGBClassifier):
    """``xgboost.dask.DaskXGBClassifier`` trained one partition at a time per worker.

    ``y`` holds class codes ``0..k-1`` (wrap it in
    :class:`engine.models.LabelEncodedClassifier` for other labels); the
    classes are found in one pass over ``y``.

    Examples
    --------
    >>> StreamingDaskXGBClassifier(max_depth=2).get_params()["max_depth"]
    2
    """

    def _stream_objective(self, params: dict, y: Any) -> dict:
        codes = y.to_dask_array() if isinstance(y, dd.Series) else y
        self.classes_ = np.asarray(self.client.compute(da.unique(codes)).result())
        self.n_classes_ = len(self.classes_)
        if self.n_classes_ > 2:
            params = {**params, "objective": "multi:softprob", "num_class": self.n_classes_}
        else:
            params = {**params, "objective": "binary:logistic"}
        if not callable(self.objective):
            self.objective = params["objective"]
        return params


_STREAMING = {
    DaskXGBRegressor: StreamingDaskXGBRegressor,
    DaskXGBClassifier: StreamingDaskXGBClassifier,
}


def streaming_if_too_large(estimator: Any, X: Any, n_rows: int, client: Any) -> Any:
    """``estimator`` as its streaming twin when ``n_rows`` of ``X`` cannot fit the workers; else itself.

    ``xgboost.dask`` holds each worker's whole share of the partitions at
    once: a share of ``nbytes(X) / n_workers`` more than the room one worker
    has left (:func:`engine.models.one_worker_budget`) would get workers
    killed, so the part is streamed instead. Only lazy collections can be
    streamed (persisted ones are in the workers' memory already). Dask config
    ``engine.xgboost.stream``: ``"auto"`` (this rule, default), ``True``
    (always, for lazy parts), ``False`` (never).
    """
    twin = _STREAMING.get(type(estimator))
    mode = dask.config.get(STREAM_KEY, "auto")
    if twin is None or client is None or mode is False or futures_of(X):
        return estimator
    if mode != "auto" and mode is not True:
        raise ValueError(f"dask config {STREAM_KEY!r} must be 'auto', True or False, got {mode!r}")
    if mode == "auto":
        n_workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
        budget, _ = one_worker_budget(client)
        if budget is None or estimated_nbytes(X, n_rows) / n_workers <= budget:
            return estimator
    return twin(**estimator.get_params())

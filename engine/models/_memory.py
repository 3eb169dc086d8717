"""Will a fold gathered on one worker fit there? Worker memory limits and data sizes.

The searches train in-memory estimators by concatenating the data on one
worker and cutting folds there (the whole data plus one fold's copy). Before
doing so on Dask input they compare that size with the memory one worker
can still take: the largest ``memory_limit x pause fraction - memory in
use`` over the distributed client's workers (Dask pauses a worker at that
fraction), or the available memory of this machine under the local
schedulers. Sizes of Dask collections come from their dtypes and row counts
(no data is read); strings and objects count as 8 bytes, so the estimate
errs low and the check only refuses what surely cannot fit.
"""

from __future__ import annotations

import os
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

__all__ = ["check_fits_on_one_worker", "estimated_nbytes", "one_worker_budget"]


def _available_memory() -> int:
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil is normally present
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def one_worker_budget(client: Any = None) -> tuple[int | None, str]:
    """``(bytes, where)``: the most memory one worker (or this process) can still take.

    With a distributed ``client``: the largest ``memory_limit x
    distributed.worker.memory.pause - process memory`` over its workers
    (``None`` when no worker has a limit); without: the machine's available
    memory.

    Examples
    --------
    >>> nbytes, where = one_worker_budget(None)
    >>> nbytes > 0 and where
    'this machine (local scheduler)'
    """
    if client is None:
        return _available_memory(), "this machine (local scheduler)"
    pause = dask.config.get("distributed.worker.memory.pause", 0.8) or 1.0
    best, where = None, "no worker with a memory limit"
    for address, info in client.scheduler_info(n_workers=-1)["workers"].items():
        limit = info.get("memory_limit") or 0
        if not limit:
            continue
        used = int(info.get("metrics", {}).get("memory", 0))
        room = int(limit * pause) - used
        if best is None or room > best:
            best, where = room, f"worker {address} (memory_limit {limit / 2**20:.0f} MiB)"
    return best, where


def estimated_nbytes(X: Any, n_rows: int | None = None) -> int:
    """Bytes of ``X`` in memory, from dtypes and the number of rows (nothing computed).

    Examples
    --------
    >>> estimated_nbytes(np.zeros((10, 3)))
    240
    >>> estimated_nbytes(pd.Series(["a", "b"], dtype="string"))
    16
    """
    if X is None:
        return 0
    if isinstance(X, pd.DataFrame | dd.DataFrame):  # one item per column
        row = sum(d.itemsize if isinstance(d, np.dtype) else 8 for d in X.dtypes)
    else:
        dtype = getattr(X, "dtype", None)
        itemsize = np.dtype(dtype).itemsize if isinstance(dtype, np.dtype) else 8
        # not getattr's default: len() of a dask array with unknown chunks raises
        shape = X.shape if hasattr(X, "shape") else (len(X),)
        row = itemsize * int(np.prod([s for s in shape[1:]], dtype=np.int64))
    if n_rows is None:
        n_rows = int(X.shape[0])
    return int(row * n_rows)


def check_fits_on_one_worker(
    estimator: Any,
    needed: int,
    client: Any = None,
    *,
    gathered: str = "the search would gather the data and a fold",
) -> None:
    """Raise ``MemoryError`` when ``needed`` bytes cannot fit on one worker.

    ``gathered`` says what would be gathered (the message's subject): by
    default a search's data and one fold's copy.

    The message names the estimator and the ways out: ``engine.models.Incremental``
    (``partial_fit`` block by block), a Dask-native estimator (XGBoost's or
    LightGBM's Dask interface, trained across the cluster), or a sample.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> check_fits_on_one_worker(Ridge(), 1_000)
    """
    budget, where = one_worker_budget(client)
    if budget is None or needed <= budget:
        return
    name = type(estimator).__name__
    raise MemoryError(
        f"{name} trains in memory: {gathered} on one worker, about {needed / 2**20:.0f} MiB, but {where} can take about "
        f"{max(budget, 0) / 2**20:.0f} MiB. Train it with engine.models.Incremental "
        "(partial_fit one block at a time), use a Dask-native estimator "
        "(xgboost.dask.DaskXGBClassifier/DaskXGBRegressor, lightgbm.DaskLGBMClassifier/"
        "DaskLGBMRegressor) that trains across the cluster, or search on a sample of the rows."
    )

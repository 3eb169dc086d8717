"""Parity harness: run one computation on several schedulers and chunkings, compare the bits.

A *result* is anything the engine returns once computed: NumPy arrays,
scalars, pandas objects, dicts/lists of them, or a fitted estimator (its
public fitted attributes, the names ending in ``_``). :func:`leaves` flattens
it to named NumPy arrays; :func:`assert_bitwise_equal` compares their bytes
(so ``-0.0`` vs ``0.0`` and NaN payloads count), :func:`assert_close`
compares floats within ``rtol`` relative to each array's magnitude.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import dask
import dask.array as da
import numpy as np
import pandas as pd
from cluster_helpers import ROW_CHUNKINGS

from engine.cluster import prepare_scheduler

SCHEDULERS = ("sync", "threads", "cluster")

_PREPARED: set[int] = set()

#: cv_results_ keys that measure time, not results.
_TIMING = ("fit_time", "score_time")


def chunked(X: np.ndarray, n_blocks: int) -> da.Array:
    """``X`` as a dask array with ``n_blocks`` row blocks (a single column block)."""
    rows = max(1, math.ceil(X.shape[0] / n_blocks))
    return da.from_array(X, chunks=(rows,) + X.shape[1:])


def _concrete(result: Any) -> Any:
    """Compute Dask collections inside ``result`` on the active scheduler."""
    if dask.is_dask_collection(result):
        return dask.compute(result)[0]
    if isinstance(result, tuple | list):
        return type(result)(_concrete(r) for r in result)
    if isinstance(result, dict):
        return {k: _concrete(v) for k, v in result.items()}
    return result


def run_on(scheduler: str, client, func: Callable[[], Any]) -> Any:
    """Call ``func()`` (and compute what it returns) with ``scheduler`` as Dask's default.

    For ``"cluster"`` the test also checks that tasks really ran on the
    distributed cluster, so a parity test cannot pass by never leaving the
    process.
    """
    if scheduler != "cluster":
        with dask.config.set(scheduler=scheduler):
            return _concrete(func())
    from distributed import get_task_stream

    if id(client) not in _PREPARED:  # kernels travel by name: workers load them from cache
        assert prepare_scheduler(client), "the scheduler cannot import engine"
        _PREPARED.add(id(client))
    with dask.config.set(scheduler=client), get_task_stream(client) as stream:
        out = _concrete(func())
    assert stream.data, "nothing ran on the distributed cluster"
    return out


def fitted_attributes(estimator: Any) -> dict:
    """Public fitted attributes of an estimator (names ending in ``_``)."""
    return {
        k: v
        for k, v in sorted(vars(estimator).items())
        if k.endswith("_") and not k.startswith("_")
    }


def leaves(result: Any, prefix: str = "") -> dict[str, np.ndarray]:
    """Flatten a result to ``{path: numpy array}``."""
    if hasattr(result, "get_params") and hasattr(result, "fit"):
        return leaves(fitted_attributes(result), prefix)
    if isinstance(result, dict):
        out = {}
        for k, v in result.items():
            if any(str(k).endswith(t) for t in _TIMING):
                continue
            out.update(leaves(v, f"{prefix}.{k}"))
        return out
    if isinstance(result, list | tuple):
        out = {}
        for i, v in enumerate(result):
            out.update(leaves(v, f"{prefix}[{i}]"))
        return out
    if isinstance(result, pd.DataFrame):
        out = {f"{prefix}.columns": np.asarray(result.columns.astype(str))}
        for name in result.columns:
            out.update(leaves(result[name], f"{prefix}[{name}]"))
        return out
    if isinstance(result, pd.Series):
        values = result.to_numpy()
        if values.dtype == object:
            values = values.astype(str)
        return {prefix: values, f"{prefix}.index": np.asarray(result.index.astype(str))}
    if hasattr(result, "values") and hasattr(result, "dims"):  # xarray
        return {prefix: np.asarray(result.values)}
    array = np.asarray(result)
    if array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            array = array.astype(str)
    return {prefix: array}


def assert_bitwise_equal(a: Any, b: Any, what: str = "") -> None:
    """The two results have the same structure and the same bytes in every array."""
    la, lb = leaves(a), leaves(b)
    assert la.keys() == lb.keys(), f"{what}: different structure {la.keys() ^ lb.keys()}"
    for key in la:
        x, y = la[key], lb[key]
        assert x.shape == y.shape and x.dtype == y.dtype, (
            f"{what}{key}: {x.dtype}{x.shape} vs {y.dtype}{y.shape}"
        )
        if x.dtype.kind in "fc":
            same = np.ascontiguousarray(x).tobytes() == np.ascontiguousarray(y).tobytes()
            if not same:  # show where
                np.testing.assert_array_equal(x, y, err_msg=f"{what}{key}", strict=True)
                raise AssertionError(
                    f"{what}{key}: equal values but different bits (signed zero or NaN payload)"
                )
        else:
            np.testing.assert_array_equal(x, y, err_msg=f"{what}{key}", strict=True)


def assert_close(a: Any, b: Any, rtol: float = 1e-12, what: str = "") -> None:
    """Same structure; floats within ``rtol`` of each array's largest finite magnitude."""
    la, lb = leaves(a), leaves(b)
    assert la.keys() == lb.keys(), f"{what}: different structure {la.keys() ^ lb.keys()}"
    for key in la:
        x, y = la[key], lb[key]
        assert x.shape == y.shape, f"{what}{key}: shape {x.shape} vs {y.shape}"
        if x.dtype.kind in "fc":
            finite = np.abs(x[np.isfinite(x)])
            scale = float(finite.max()) if finite.size else 0.0
            np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol * scale, err_msg=f"{what}{key}")
        else:
            np.testing.assert_array_equal(x, y, err_msg=f"{what}{key}")


def check_parity(client, compute: Callable[[int], Any], *, rtol: float = 1e-12) -> dict:
    """Bit parity across schedulers per chunking, ``rtol`` parity across chunkings.

    ``compute(n_blocks)`` builds the Dask inputs with ``n_blocks`` row blocks
    and returns the (possibly lazy) result; it is called once per scheduler.
    Returns the synchronous results by chunking.
    """
    by_chunking = {}
    for n_blocks in ROW_CHUNKINGS:
        results = {s: run_on(s, client, lambda n=n_blocks: compute(n)) for s in SCHEDULERS}
        for s in SCHEDULERS[1:]:
            assert_bitwise_equal(results["sync"], results[s], what=f"[{n_blocks} blocks, {s}] ")
        by_chunking[n_blocks] = results["sync"]
    first, *others = ROW_CHUNKINGS
    for n_blocks in others:
        assert_close(
            by_chunking[first], by_chunking[n_blocks], rtol, what=f"[{first} vs {n_blocks} blocks] "
        )
    return by_chunking

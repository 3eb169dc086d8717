"""Shared helpers for the metrics/fairness tests: the same data as NumPy and Dask."""

from __future__ import annotations

import math

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd


def as_dask(x, n_blocks: int, kind: str = "array"):
    """``x`` as a dask array (or dask Series/DataFrame) with ``n_blocks`` row blocks."""
    if x is None:
        return None
    x = np.asarray(x)
    n = x.shape[0]
    if kind == "series" and x.ndim == 1:
        return dd.from_pandas(pd.Series(x), npartitions=n_blocks, sort=False)
    chunk = max(1, math.ceil(n / n_blocks))
    return da.from_array(x, chunks=(chunk,) + x.shape[1:])


def assert_close(a, b, rtol=1e-12):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_close(a[k], b[k], rtol)
        return
    if isinstance(a, tuple | list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_close(x, y, rtol)
        return
    if a is None or b is None:
        assert a is None and b is None
        return
    np.testing.assert_allclose(
        np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=0
    )

"""Dataset fingerprints for data versioning: a content hash independent of chunking.

Every row is hashed (values and, for tables, the index and the column
schema); row hashes are mixed with a SplitMix64 finaliser and summed modulo
2**64. A sum does not depend on how the rows are split into blocks, so the
same data gives the same fingerprint as NumPy, pandas or a Dask collection of
any chunking, computed in one pass with tiny partial results.
"""

from __future__ import annotations

import hashlib

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data._table import input_kind

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix(h: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = h + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _sum64(values: np.ndarray) -> int:
    with np.errstate(over="ignore"):
        return int(values.sum(dtype=np.uint64) & _MASK)


def _frame_partial(frame: pd.DataFrame) -> tuple[int, int]:
    rows = pd.util.hash_pandas_object(frame, index=True).to_numpy(np.uint64)
    return _sum64(_splitmix(rows)), len(frame)


def _array_partial(block: np.ndarray, offset: int) -> tuple[int, int]:
    flat = np.ascontiguousarray(block).reshape(block.shape[0], -1)
    rows = _splitmix(np.arange(offset, offset + flat.shape[0], dtype=np.uint64))
    for j in range(flat.shape[1]):
        rows = _splitmix(rows ^ pd.util.hash_array(flat[:, j]))
    return _sum64(rows), flat.shape[0]


def _combine(parts: list[tuple[int, int]], schema: str) -> str:
    total = 0
    count = 0
    for value, n in parts:
        total = (total + value) & 0xFFFFFFFFFFFFFFFF
        count += n
    digest = hashlib.blake2b(f"{schema}|{count}|{total}".encode(), digest_size=16)
    return digest.hexdigest()


def _dtype_name(dtype) -> str:
    if pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return "string"  # object, str and string[pyarrow] hold the same text
    return str(dtype)


def _schema(X) -> str:
    if isinstance(X, pd.DataFrame | dd.DataFrame):
        return ";".join(f"{c}:{_dtype_name(X.dtypes[c])}" for c in X.columns)
    return f"{X.dtype}:{tuple(X.shape[1:])}"


def fingerprint(X, *, compute: bool = True):
    """A content fingerprint of a table, the same for any chunking and scheduler.

    Exact (a change of any value, label or dtype changes it, up to hash
    collisions of 64-bit row hashes); one pass over the data.

    Parameters
    ----------
    X : NumPy array, pandas DataFrame, dask array or dask DataFrame
    compute : bool
        With ``False``, a Dask ``Delayed`` of the fingerprint for Dask input.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> x = np.arange(12.0).reshape(6, 2)
    >>> fingerprint(x) == fingerprint(da.from_array(x, chunks=(4, 2)))
    True
    """
    kind = input_kind(X)
    if kind in ("pandas", "dask_dataframe") and isinstance(X, pd.Series | dd.Series):
        X = X.to_frame()
    schema = _schema(X)
    if kind == "pandas":
        return _combine([_frame_partial(X)], schema)
    if kind == "numpy":
        return _combine([_array_partial(np.asarray(X), 0)], schema)
    if kind == "xarray":
        return fingerprint(X.data, compute=compute)
    if kind == "dask_dataframe":
        parts = [dask.delayed(_frame_partial, pure=True)(p) for p in X.to_delayed()]
    else:
        X = X if isinstance(X, da.Array) else da.asarray(X)
        if any(np.isnan(c) for c in X.chunks[0]):
            raise ValueError(
                "fingerprint of a dask array needs known row chunks; call compute_chunk_sizes()"
            )
        X = X.rechunk({i: -1 for i in range(1, X.ndim)})
        offsets = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]])
        parts = [
            dask.delayed(_array_partial, pure=True)(b, int(o))
            for b, o in zip(X.to_delayed().ravel(), offsets, strict=True)
        ]
    result = dask.delayed(_combine, pure=True)(parts, schema)
    return result.compute() if compute else result

"""Grouped (keyed) counts over aligned row blocks, and one-pass block reductions.

:func:`reduce_blocks` runs a block function over the aligned row blocks of
several 1-D/2-D inputs (NumPy, pandas, dask.array, dask DataFrame/Series,
aligned by :func:`engine.data.internal.align_rows`) and merges the partials
in a fixed binary tree: NumPy/pandas input is one
block computed now; Dask input gives one ``Delayed`` (one pass, identical on
every scheduler). :class:`KeyedCounts` is the partial of grouped counts:
the sorted distinct values of each key column and the number of rows (and
weight sum) of every key combination -- a confusion matrix for the keys
``(y_true, y_pred)``, per-group confusion counts for
``(group, y_true, y_pred)``. Exact: counts are integers, weight sums add in a
fixed order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dask
import numpy as np
import pandas as pd

from engine.data import as_table, is_lazy
from engine.data.internal import align_rows
from engine.kernels import grouped_counts as gk
from engine.stats._reduce import tree_merge

MAX_SMALL_DISTINCT = 64


def _call_block(block_fn: Callable, block: dict) -> Any:
    return block_fn(**block)


def reduce_blocks(
    block_fn: Callable, merge_fn: Callable, arrays: Mapping[str, Any], *, name: str
) -> Any:
    """``block_fn(**block)`` over aligned row blocks, merged by ``merge_fn`` in a fixed tree.

    The inputs are aligned without a pass
    (:func:`engine.data.internal.align_rows` with ``known_lengths=False``:
    dask arrays rechunked to the first known row chunks, in-memory inputs
    chunked like them, blocks paired by position). NumPy/pandas input: the
    result now (one block). Dask input: a ``Delayed`` (one pure task per row
    block plus a binary merge tree), computed later with every other lazy
    result in one ``dask.compute``.
    """
    present = {k: v for k, v in arrays.items() if v is not None}
    aligned = align_rows(present, convertible=tuple(present), known_lengths=False)
    blocks = aligned.blocks()
    if not aligned.lazy:
        return block_fn(**blocks[0])
    call = dask.delayed(_call_block, pure=True, name=name + "-block")
    parts = [call(block_fn, block) for block in blocks]
    return tree_merge(parts, merge_fn, name=name + "-merge")


def as_block_array(block: Any) -> np.ndarray:
    """A block (NumPy, pandas, list) as a NumPy array; pandas extension types to object/float."""
    if isinstance(block, pd.DataFrame):
        if all(getattr(t, "kind", "O") in "biuf" for t in block.dtypes):
            return block.to_numpy(dtype=np.float64, na_value=np.nan)
        return block.to_numpy()
    if isinstance(block, pd.Series | pd.Index | pd.Categorical):
        dtype = block.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            return np.asarray(block.astype(object))
        kind = getattr(dtype, "kind", "O")
        if kind in "biuf" and isinstance(dtype, np.dtype):
            return block.to_numpy()
        if kind in "iu" or kind == "f":
            return block.to_numpy(dtype=np.float64, na_value=np.nan)
        if kind == "b":
            return block.to_numpy(dtype=object)
        return block.to_numpy(dtype=object)
    return np.asarray(block)


def encode_column(values: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of a 1-D block and each row's code; NaN/None raise.

    Numeric columns with few distinct values use the Numba linear-scan
    encoder; others fall back to a sort (``numpy.unique`` /
    ``pandas.factorize``).
    """
    values = np.asarray(values)
    if values.ndim != 1:
        values = values.reshape(-1)
    kind = values.dtype.kind
    if kind in "iufb":
        if kind == "b":
            work = values.view(np.uint8) if values.dtype.itemsize == 1 else values.astype(np.uint8)
        elif kind == "f":
            work = values.astype(np.float64, copy=False)
        else:
            work = values.astype(np.int64, copy=False)
        work = np.ascontiguousarray(work)
        codes = np.empty(work.shape[0], np.int64)
        uniques, n_nan, ok = gk.encode_into(work, MAX_SMALL_DISTINCT, codes)
        if n_nan:
            raise ValueError(f"{what} contains NaN ({n_nan} missing value(s) in a block)")
        if not ok:
            uniques, inverse = np.unique(work, return_inverse=True)
            codes = inverse.astype(np.int64).ravel()
        uniques = uniques.astype(values.dtype) if kind != "f" else uniques
        return uniques, codes
    series = pd.Series(values, dtype=object)
    if series.isna().any():
        raise ValueError(f"{what} contains missing values (None/NaN); remove or replace them")
    try:
        codes, uniques = pd.factorize(series, sort=True)
    except TypeError as exc:
        raise TypeError(f"{what} mixes values that cannot be sorted together: {exc}") from exc
    return np.asarray(uniques, dtype=object), codes.astype(np.int64)


@dataclass
class KeyedCounts:
    """Rows and weight sums per combination of key values (one axis per key).

    Attributes
    ----------
    keys : tuple of ndarray
        Sorted distinct values of each key column.
    rows : ndarray of int64, shape ``tuple(len(k) for k in keys)``
        Number of rows per key combination.
    wsum : ndarray of float64 or None
        Weight sum per key combination (None when unweighted).
    """

    keys: tuple
    rows: np.ndarray
    wsum: np.ndarray | None

    @property
    def weights(self) -> np.ndarray:
        """Weight sums, or the row counts as float when unweighted."""
        return self.rows.astype(np.float64) if self.wsum is None else self.wsum


def _block_columns(columns: Sequence[Any], names: Sequence[str]) -> list[np.ndarray]:
    """The key columns of a block as 1-D NumPy arrays; different lengths raise naming them."""
    arrays = [as_block_array(c).reshape(-1) for c in columns]
    for col, name in zip(arrays, names, strict=True):
        if col.shape[0] != arrays[0].shape[0]:
            raise ValueError(
                "inconsistent numbers of samples in a block: "
                f"{names[0]}={arrays[0].shape[0]}, {name}={col.shape[0]}"
            )
    return arrays


def _block_weights(weights: Any, n: int, first: str, name: str) -> np.ndarray:
    """A block's weights as a contiguous 1-D int64 (kept exact) or float64 array of length ``n``."""
    w = as_block_array(weights)
    w = np.ascontiguousarray(w, dtype=np.int64 if w.dtype == np.int64 else np.float64).reshape(-1)
    if w.shape[0] != n:
        raise ValueError(
            f"inconsistent numbers of samples in a block: {first}={n}, {name}={w.shape[0]}"
        )
    return w


def keyed_counts_block(
    columns: Sequence[np.ndarray],
    weights: np.ndarray | None,
    names: Sequence[str],
    encoded: Mapping[int, tuple[np.ndarray, np.ndarray]] | None = None,
) -> KeyedCounts:
    """Grouped counts of one block (see :class:`KeyedCounts`).

    ``encoded`` maps a column position to its already computed
    ``(uniques, codes)`` (from :func:`encode_column`). Weights are summed as
    float64, or exactly as int64 when they are ``int64`` already.
    """
    encoded = encoded or {}
    columns = _block_columns(columns, names)
    n = columns[0].shape[0] if columns else 0
    codes = np.empty((len(columns), n), np.int64)
    keys = []
    for j, (col, name) in enumerate(zip(columns, names, strict=True)):
        uniques, c = encoded[j] if j in encoded else encode_column(col, name)
        codes[j] = c
        keys.append(uniques)
    sizes = np.array([len(k) for k in keys], np.int64)
    w = np.empty(0) if weights is None else _block_weights(weights, n, names[0], "sample_weight")
    rows, wsum = gk.keyed_counts(codes, sizes, w)
    shape = tuple(int(s) for s in sizes)
    return KeyedCounts(
        tuple(keys), rows.reshape(shape), wsum.reshape(shape) if weights is not None else None
    )


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape == b.shape and (a.size == 0 or bool(np.all(a == b))):
        return a
    if a.dtype == object or b.dtype == object:
        return np.asarray(sorted(set(a.tolist()) | set(b.tolist())), dtype=object)
    return np.union1d(a, b)


def _searchsorted_keys(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    if new.dtype == object:
        pos = {v: i for i, v in enumerate(new.tolist())}
        return np.array([pos[v] for v in old.tolist()], np.int64)
    return np.searchsorted(new, old)


def merge_keyed_counts(a: KeyedCounts, b: KeyedCounts) -> KeyedCounts:
    """Merge two grouped-count partials: union the key values, add counts (exact)."""
    keys = tuple(_union(ka, kb) for ka, kb in zip(a.keys, b.keys, strict=True))

    def expand(arr, old):
        if all(
            o is n or (o.shape == n.shape and bool(np.all(o == n)))
            for o, n in zip(old, keys, strict=True)
        ):
            return arr
        out = np.zeros(tuple(len(k) for k in keys), arr.dtype)
        idx = np.ix_(*[_searchsorted_keys(n, o) for o, n in zip(old, keys, strict=True)])
        out[idx] = arr
        return out

    rows = expand(a.rows, a.keys) + expand(b.rows, b.keys)
    wsum = None
    if a.wsum is not None:
        wsum = expand(a.wsum, a.keys) + expand(b.wsum, b.keys)
    return KeyedCounts(keys, rows, wsum)


def keyed_counts(columns: Mapping[str, Any], sample_weight: Any = None) -> Any:
    """Grouped counts of the rows by the given key columns, in one pass.

    Parameters
    ----------
    columns : mapping of name to 1-D array-like
        Key columns (NumPy, pandas, dask array or dask Series), aligned by rows.
    sample_weight : array-like, optional
        Row weights, summed per key combination.

    Returns
    -------
    KeyedCounts or Delayed
        Exact counts; a ``Delayed`` for Dask input (one pass, fixed-order merge).

    Examples
    --------
    >>> import numpy as np
    >>> kc = keyed_counts({"y_true": np.array([0, 1, 1]), "y_pred": np.array([0, 1, 0])})
    >>> kc.rows.tolist()
    [[1, 0], [1, 1]]
    """
    names = list(columns)
    arrays = {f"c{i}": v for i, v in enumerate(columns.values())}
    arrays["w"] = sample_weight
    block = _KeyedBlock(tuple(names))
    return reduce_blocks(block, merge_keyed_counts, arrays, name="engine-keyed-counts")


@dataclass(frozen=True)
class _KeyedBlock:
    names: tuple

    def __call__(self, w=None, **cols) -> KeyedCounts:
        ordered = [cols[f"c{i}"] for i in range(len(self.names))]
        return keyed_counts_block(ordered, w, self.names)

    def __dask_tokenize__(self):
        return ("engine-keyed-block", self.names)


def _length(x: Any) -> float:
    if is_lazy(x):
        return as_table(x, numeric=False).n_rows
    if hasattr(x, "shape"):
        return float(x.shape[0]) if len(x.shape) else 1.0
    return float(len(x))


def check_lengths(**arrays: Any) -> None:
    """Raise ``ValueError`` for inputs of known different lengths or an empty input.

    The message lists the lengths in argument order, as scikit-learn's
    ``check_consistent_length`` does, then names them.
    """
    lengths = {k: _length(v) for k, v in arrays.items() if v is not None}
    known = {k: int(v) for k, v in lengths.items() if not np.isnan(v)}
    if len(set(known.values())) > 1:
        listed = ", ".join(str(v) for v in known.values())
        detail = ", ".join(f"{k}={v}" for k, v in known.items())
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{listed}] ({detail})"
        )
    for name, n in known.items():
        if n == 0:
            raise ValueError(
                f"Found empty input: {name} has 0 samples; a metric needs at least one"
            )

"""Row-aligned selection over NumPy, pandas, SciPy sparse, dask.array and dask.dataframe.

Splits, folds and resamplers decide, for every row, a part label or a repeat
count; the helpers here align several inputs on the same row blocks and apply
such per-row decisions block by block, lazily for Dask (one task per block,
no shuffle, the data never comes to the client).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np


def is_dask(a: Any) -> bool:
    """True for dask arrays, DataFrames and Series."""
    return isinstance(a, da.Array | dd.DataFrame | dd.Series)


def n_rows_in_memory(a: Any) -> int:
    """Number of rows of an in-memory array-like."""
    shape = getattr(a, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    if shape is not None:
        raise TypeError("a 0-d array has no rows")
    return len(a)


def as_in_memory(a: Any) -> Any:
    """Lists and tuples become NumPy arrays; arrays, pandas and sparse pass through."""
    if isinstance(a, list | tuple):
        return np.asarray(a)
    return a


@dataclass
class Aligned:
    """Inputs aligned on the same row blocks.

    ``arrays`` maps each name to its (possibly rechunked) input, ``lengths`` are
    the row counts per block (one block for in-memory input) and ``lazy`` says
    whether the inputs are Dask collections.
    """

    arrays: dict
    lengths: list
    lazy: bool

    @property
    def n_rows(self) -> int:
        return int(sum(self.lengths))


def _block_lengths(values: Sequence[Any]) -> list:
    """Row counts per block of each dask input (one ``dask.compute`` for those not known)."""
    out: list = [None] * len(values)
    pending = {}
    for pos, a in enumerate(values):
        if isinstance(a, da.Array) and not any(np.isnan(c) for c in a.chunks[0]):
            out[pos] = [int(c) for c in a.chunks[0]]
        elif isinstance(a, da.Array):
            pending[pos] = a.map_blocks(
                lambda b: np.array([b.shape[0]]),
                chunks=(1,),
                drop_axis=list(range(1, a.ndim)),
                dtype=np.int64,
            )
        else:
            pending[pos] = a.map_partitions(len)
    if pending:
        computed = dask.compute(*pending.values())
        for pos, lengths in zip(pending, computed, strict=True):
            out[pos] = [int(n) for n in np.asarray(lengths).ravel()]
    return out


def align_rows(named: Mapping[str, Any], convertible: Sequence[str] = ()) -> Aligned:
    """Check that inputs have the same number of rows and put them on the same row blocks.

    All inputs must be in memory, or all Dask collections; the names in
    ``convertible`` (e.g. ``stratify``) may be in-memory vectors next to Dask
    inputs and are then wrapped as dask arrays chunked like the others.
    Dask arrays are rechunked (lazily) to the first Dask input's row blocks;
    dask DataFrames must already share them. Unknown block lengths are found
    with one ``dask.compute`` of the lengths (a pass over those inputs).

    Raises
    ------
    ValueError
        Naming the inputs whose numbers of rows differ.
    TypeError
        When in-memory and Dask inputs are mixed.
    """
    named = {k: v for k, v in named.items() if v is not None}
    lazy_names = [k for k, v in named.items() if is_dask(v)]
    eager_names = [k for k in named if k not in lazy_names]
    if not lazy_names:
        arrays = {k: as_in_memory(v) for k, v in named.items()}
        lengths = {k: n_rows_in_memory(v) for k, v in arrays.items()}
        _check_lengths(lengths)
        return Aligned(arrays, [next(iter(lengths.values()))] if lengths else [0], False)
    mixed = [k for k in eager_names if k not in convertible]
    if mixed:
        raise TypeError(
            f"cannot mix in-memory and Dask inputs: {mixed[0]} is in memory while "
            f"{lazy_names[0]} is a Dask collection; convert it with dask.array.from_array "
            "or dask.dataframe.from_pandas"
        )
    lengths = dict(zip(lazy_names, _block_lengths([named[k] for k in lazy_names]), strict=True))
    totals = {k: sum(v) for k, v in lengths.items()}
    totals.update({k: n_rows_in_memory(as_in_memory(named[k])) for k in eager_names})
    _check_lengths(totals)
    ref_name = lazy_names[0]
    ref = lengths[ref_name]
    arrays = {}
    for k, v in named.items():
        if k in eager_names:
            v = da.from_array(
                np.asarray(as_in_memory(v)), chunks=(tuple(ref),) + (-1,) * (np.ndim(v) - 1)
            )
        elif lengths[k] != ref:
            if not isinstance(v, da.Array):
                raise ValueError(
                    f"{k} is partitioned differently from {ref_name} (rows per partition "
                    f"{lengths[k]} vs {ref}); repartition them the same way"
                )
            v = v.rechunk({0: tuple(ref)})
        elif isinstance(v, da.Array) and any(np.isnan(c) for c in v.chunks[0]):
            v = _with_known_chunks(v, ref)
        arrays[k] = v
    return Aligned(arrays, list(ref), True)


def _with_known_chunks(v: da.Array, lengths: list) -> da.Array:
    v = v.copy()
    v._chunks = (tuple(lengths),) + v.chunks[1:]
    return v


def _check_lengths(lengths: Mapping[str, int]) -> None:
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {detail}")


def row_blocks(a: Any) -> list:
    """One Delayed per row block of a Dask input (the whole row range of other chunks)."""
    if isinstance(a, da.Array):
        if a.ndim > 1 and any(n > 1 for n in a.numblocks[1:]):
            a = a.rechunk({i: -1 for i in range(1, a.ndim)})
        return list(a.to_delayed().reshape(a.numblocks[0], -1)[:, 0])
    return list(a.to_delayed())


def take(block: Any, index: np.ndarray) -> Any:
    """Rows ``index`` of a NumPy/sparse array or pandas object (index labels kept)."""
    if hasattr(block, "iloc"):
        return block.iloc[index]
    return block[index]


def select_part(block: Any, labels: np.ndarray, part: int) -> Any:
    """The rows of ``block`` whose label is ``part``, in their original order."""
    return take(block, np.flatnonzero(labels == part))


def repeat_rows(block: Any, repeats: np.ndarray) -> Any:
    """Each row of ``block`` repeated ``repeats[r]`` times (0 drops it), in row order."""
    return take(block, np.repeat(np.arange(len(repeats)), repeats))


def map_rows(
    a: Any,
    row_values: Sequence[Any],
    func: Callable[..., Any],
    out_lengths: Sequence[int] | None,
    *args: Any,
    name: str = "engine-rows",
) -> Any:
    """Apply ``func(block, values_b, *args)`` to each row block; same kind as ``a``.

    ``row_values`` holds one per-row vector (or Delayed of it) per block of
    ``a``. In memory, ``a`` is one block. For dask arrays, ``out_lengths``
    gives the output rows per block (known chunks); ``None`` leaves them
    unknown. dask DataFrames keep their divisions (rows are only dropped or
    repeated inside a partition).
    """
    if not is_dask(a):
        return func(as_in_memory(a), row_values[0], *args)
    if isinstance(a, da.Array):
        call = dask.delayed(func, pure=True, name=name)
        blocks = row_blocks(a)
        parts = [call(blk, vals, *args) for blk, vals in zip(blocks, row_values, strict=True)]
        if out_lengths is None:
            out_lengths = [np.nan] * len(parts)
        rest = tuple(int(s) for s in a.shape[1:])
        meta = a._meta
        return (
            da.concatenate(
                [
                    da.from_delayed(p, shape=(n, *rest), dtype=a.dtype, meta=meta)
                    for p, n in zip(parts, out_lengths, strict=True)
                ]
            )
            if parts
            else a
        )
    # DataFrames: map_partitions keeps the expression graph whole; from_delayed frames
    # lose dependencies under ``.values``/``to_dask_array`` (dask 2026.8).
    every_block = dask.delayed(list, pure=True, name=name + "-values")(list(row_values))
    return a.map_partitions(
        _on_partition,
        func,
        every_block,
        *args,
        meta=a._meta,
        enforce_metadata=False,
        align_dataframes=False,
    )


def _on_partition(
    part: Any,
    func: Callable[..., Any],
    every_block: list,
    *args: Any,
    partition_info: dict | None = None,
) -> Any:
    return func(part, every_block[partition_info["number"]], *args)

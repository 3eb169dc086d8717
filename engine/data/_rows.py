"""Row alignment of several inputs, and per-row decisions applied block by block.

Splits, folds and resamplers decide, for every row, a part label or a repeat
count; metrics, fairness and drift reduce several row-aligned inputs
(``y_true``, ``y_pred``, weights, groups) block by block. :func:`align_rows`
puts such inputs on the same row blocks, once for every caller:

* in memory (NumPy, pandas, SciPy sparse, lists): one block, equal numbers
  of rows checked (lists become NumPy arrays for splits; one-pass reductions
  get them as given, so their block functions read them as scikit-learn does);
* Dask: dask arrays are rechunked (lazily) to the reference row blocks and
  in-memory inputs named ``convertible`` are chunked like them. With
  ``known_lengths=True`` (splits, resampling: they need global row
  positions) unknown block lengths are found in one ``dask.compute`` (a pass
  over those inputs); the reference is the first dask frame (frames cannot
  be rechunked cheaply), else the first input. With ``known_lengths=False``
  (one-pass reductions) nothing is computed: the reference is the first
  dask array with known chunks, and blocks are paired by position (each
  block task checks its lengths).

:func:`map_rows` then applies a per-row decision to every row block, lazily
for Dask (one task per block, no shuffle, the data never comes to the client).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data._table import Table, as_table, is_lazy, known_row_lengths

#: What other engine packages use, re-exported by :mod:`engine.data.internal`.
__all__ = [
    "Aligned",
    "align_rows",
    "concat_rows",
    "map_rows",
    "repeat_rows",
    "row_blocks",
    "select_part",
    "take",
]


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


def row_blocks(a: Any) -> list:
    """One ``Delayed`` per row block of a Dask input (the input's own blocks, all columns)."""
    return as_table(a, numeric=False, any_ndim=True).source_blocks()


@dataclass
class Aligned:
    """Inputs aligned on the same row blocks.

    ``arrays`` maps each name to its (possibly rechunked) input, ``lengths``
    are the rows per block (one block in memory; None when unknown, see
    ``known_lengths``) and ``lazy`` says whether the inputs are Dask collections.
    """

    arrays: dict
    lengths: list | None
    lazy: bool

    @property
    def n_rows(self) -> int:
        return int(sum(self.lengths))

    def blocks(self) -> list[dict]:
        """One ``{name: block}`` per row block (in memory: the inputs themselves).

        Raises ``ValueError`` naming the inputs when their numbers of row
        blocks differ.
        """
        if not self.lazy:
            return [dict(self.arrays)]
        per_name = {name: row_blocks(value) for name, value in self.arrays.items()}
        counts = {name: len(blocks) for name, blocks in per_name.items()}
        if len(set(counts.values())) > 1:
            detail = ", ".join(f"{k}={v}" for k, v in counts.items())
            raise ValueError(
                f"inputs have different numbers of row blocks (partitions): {detail}; "
                "partition them alike"
            )
        n = next(iter(counts.values()))
        return [{name: per_name[name][i] for name in per_name} for i in range(n)]


def align_rows(
    named: Mapping[str, Any], convertible: Collection[str] = (), *, known_lengths: bool = True
) -> Aligned:
    """Check that inputs have the same number of rows and put them on the same row blocks.

    All inputs must be in memory, or all Dask collections, except the names
    in ``convertible`` (e.g. ``stratify``, or every input of a metric), which
    may be in memory next to Dask inputs and are then chunked like them.
    ``None`` values are left out. See the module docstring for
    ``known_lengths``.

    Raises
    ------
    ValueError
        Naming the inputs whose numbers of rows differ, or that cannot be
        aligned without a pass (``known_lengths=False``).
    TypeError
        When in-memory and Dask inputs are mixed outside ``convertible``.
    """
    named = {k: v for k, v in named.items() if v is not None}
    lazy_names = [k for k, v in named.items() if is_lazy(v)]
    eager_names = [k for k in named if k not in lazy_names]
    if not lazy_names:
        # a reduction's block function converts lists itself (scikit-learn's checks see
        # [1, "a"] as mixed types, numpy.asarray as two strings); splits index arrays
        arrays = {k: as_in_memory(v) if known_lengths else v for k, v in named.items()}
        lengths = {k: n_rows_in_memory(v) for k, v in arrays.items()}
        _check_totals(lengths)
        return Aligned(arrays, [next(iter(lengths.values()))] if lengths else [0], False)
    mixed = [k for k in eager_names if k not in convertible]
    if mixed:
        raise TypeError(
            f"cannot mix in-memory and Dask inputs: {mixed[0]} is in memory while "
            f"{lazy_names[0]} is a Dask collection; convert it with dask.array.from_array "
            "or dask.dataframe.from_pandas"
        )
    tables = {k: as_table(named[k], numeric=False, any_ndim=True) for k in lazy_names}
    if known_lengths:
        return _align_known(named, tables, eager_names)
    return _align_blockwise(named, tables, eager_names)


def _align_known(named: dict, tables: dict[str, Table], eager_names: list) -> Aligned:
    lengths = dict(zip(tables, known_row_lengths(list(tables.values())), strict=True))
    totals = {k: sum(v) for k, v in lengths.items()}
    totals.update({k: n_rows_in_memory(as_in_memory(named[k])) for k in eager_names})
    _check_totals(totals)
    fixed = [k for k, t in tables.items() if not t.rows_rechunkable]
    ref_name = fixed[0] if fixed else next(iter(tables))
    ref = lengths[ref_name]
    arrays = {}
    for k, v in named.items():
        if k in eager_names:
            v = _chunked_like(v, ref)
        elif k in fixed and lengths[k] != ref:
            raise ValueError(
                f"{k} is partitioned differently from {ref_name} (rows per partition "
                f"{lengths[k]} vs {ref}); repartition them the same way"
            )
        else:
            v = tables[k].rechunk_rows(ref, current=lengths[k])
        arrays[k] = v
    return Aligned(arrays, list(ref), True)


def _align_blockwise(named: dict, tables: dict[str, Table], eager_names: list) -> Aligned:
    known = [t.row_chunks() for t in tables.values() if t.row_chunks() is not None]
    ref = known[0] if known else None
    arrays = {}
    for k, v in named.items():
        if k in eager_names:
            if ref is None:
                raise ValueError(
                    f"{k!r} is in memory while the other inputs are Dask collections with "
                    "unknown chunk sizes; pass it as a Dask collection partitioned like them"
                )
            v = _chunked_like(v, ref)
        elif ref is not None and tables[k].row_chunks() is not None:
            v = tables[k].rechunk_rows(ref)
        arrays[k] = v
    return Aligned(arrays, list(ref) if ref is not None else None, True)


def _chunked_like(value: Any, lengths: Sequence[int]) -> da.Array:
    array = np.asarray(as_in_memory(value))
    return da.from_array(array, chunks=(tuple(lengths),) + (-1,) * (array.ndim - 1))


def _check_totals(lengths: Mapping[str, int]) -> None:
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {detail}")


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


def concat_rows(a: Any, extra: Any) -> Any:
    """The rows of ``a`` followed by those of ``extra`` (same kind; frames keep their labels).

    Dask frames lose their divisions (the appended index labels repeat some of
    ``a``'s); SciPy sparse matrices keep their format.
    """
    if isinstance(a, da.Array):
        return da.concatenate([a, extra])
    if isinstance(a, dd.DataFrame | dd.Series):
        return dd.concat([a.clear_divisions(), extra.clear_divisions()])
    if isinstance(a, pd.DataFrame | pd.Series):
        return pd.concat([a, extra])
    if hasattr(a, "tocsr"):
        import scipy.sparse as sp

        return sp.vstack([a, extra], format=a.format)
    return np.concatenate([np.asarray(a), extra])


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
    if not is_lazy(a):
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

"""A per-column profile (count, missing, mean, std, min, max, quartiles) in one compute."""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd
from dask.delayed import Delayed

from engine.data._adapters import as_table
from engine.data._validation import check_not_empty
from engine.kernels import moments as mk
from engine.kernels import selection as sk
from engine.stats._moments import Moments
from engine.stats._quantile import (
    check_q,
    column_extremes,
    column_quantiles,
    first_pass,
    first_round,
    merge_partials,
    round_partial,
)
from engine.stats._reduce import map_blocks_delayed, tree_merge

__all__ = ["profile", "PROFILE_COLUMNS"]

PROFILE_COLUMNS = ["count", "missing", "mean", "std", "min", "max", "25%", "50%", "75%"]
_QUARTILES = check_q([0.25, 0.5, 0.75])


def _block_stats(block: np.ndarray, first):
    """Moments and the quantiles' first-pass partial of one block (the block is loaded once)."""
    values = np.asarray(block, dtype=np.float64)
    return mk.block_moments(values), round_partial(values, first)


def _merge_moments(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    acc = a.copy()
    mk.merge_moments_into(acc, b)
    return acc


def _first(pair):
    return pair[0]


def _second(pair):
    return pair[1]


def _frame(raw_moments: np.ndarray, merged1, quartiles: np.ndarray, names: list) -> pd.DataFrame:
    """Assemble the profile; ``+-inf`` counts as a value, as in ``pandas.DataFrame.describe``."""
    m = Moments(raw_moments)
    kmin, kmax = column_extremes(merged1)
    count = m.count + m.n_inf
    has = count > 0
    lo = np.where(has, sk.keys_to_floats(kmin), np.nan)
    hi = np.where(has, sk.keys_to_floats(kmax), np.nan)
    neg_inf, pos_inf = lo == -np.inf, hi == np.inf
    inf_mean = np.where(neg_inf & pos_inf, np.nan, np.where(pos_inf, np.inf, -np.inf))
    mean = np.where(m.n_inf > 0, inf_mean, m.mean)
    std = np.where(m.n_inf > 0, np.nan, m.std(ddof=1))
    data = {
        "count": count,
        "missing": m.missing,
        "mean": mean,
        "std": std,
        "min": lo,
        "max": hi,
        "25%": quartiles[0],
        "50%": quartiles[1],
        "75%": quartiles[2],
    }
    return pd.DataFrame(data, index=pd.Index(names), columns=PROFILE_COLUMNS)


def profile(X, *, compute: bool = True) -> pd.DataFrame | Delayed:
    """Per-column count, missing, mean, std, min, max and exact quartiles.

    Method: one read of every block computes both its moments (count,
    missing, mean, M2, min, max; merged by Chan et al.'s formula in a fixed
    order) and the first pass of the exact quartiles, which usually finds
    them (:func:`engine.stats.quantile`: a row sample places narrow windows,
    the pass counts and gathers inside them; a miss costs one more pass).
    Cost: one pass over the data plus a row sample on every realistic shape
    (at most three), one ``dask.compute`` for Dask input. NumPy input reads
    the data once more for the moments (in memory, that is cheaper than
    fusing). ``count``,
    ``missing``, ``min``, ``max`` and the quartiles are exact (quartiles equal
    ``numpy.nanquantile`` bit for bit); ``mean`` and ``std`` (``ddof=1``, as in
    ``pandas.DataFrame.describe``) are within a few ulps. ``+-inf`` count as
    values, as in pandas.

    Parameters
    ----------
    X : array-like of shape (n_rows, n_columns)
        NumPy array, pandas DataFrame, dask array, dask DataFrame or xarray
        DataArray, numeric.
    compute : bool, default True
        With Dask input, ``False`` returns a ``dask.delayed`` object of the
        profile instead of computing it.

    Returns
    -------
    pandas.DataFrame or dask.delayed.Delayed
        One row per column (index: column names, or ``x0, x1, ...``), columns
        ``count, missing, mean, std, min, max, 25%, 50%, 75%``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 5.0], [2.0, np.nan], [4.0, 7.0]])
    >>> profile(X)[["count", "missing", "mean", "50%"]]
        count  missing      mean  50%
    x0    3.0      0.0  2.333333  2.0
    x1    2.0      1.0  6.000000  6.0
    """
    table = as_table(X)
    check_not_empty(table.values.shape[0], table.n_columns)
    names = table.column_names()
    if not table.is_lazy:
        values = np.ascontiguousarray(table.values)
        first = first_pass(table, _QUARTILES)
        quartiles = column_quantiles(table, _QUARTILES, first=first)
        return _frame(mk.parallel_block_moments(values), first[1], quartiles, names)
    selection = first_round(table, _QUARTILES)
    pairs = map_blocks_delayed(table, _block_stats, selection, name="engine-profile-block")
    first = dask.delayed(_first, pure=True)
    second = dask.delayed(_second, pure=True)
    moments = tree_merge([first(p) for p in pairs], _merge_moments, name="engine-profile-moments")
    merged1 = tree_merge([second(p) for p in pairs], merge_partials, name="engine-profile-pass1")
    quartiles = column_quantiles(table, _QUARTILES, first=(selection, merged1))
    result = dask.delayed(_frame, pure=True, name="engine-profile")(
        moments, merged1, quartiles, names
    )
    return result.compute() if compute else result

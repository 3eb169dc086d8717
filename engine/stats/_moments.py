"""Column moments (count, missing, mean, M2, min, max, inf count) in one pass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data import Table
from engine.kernels import moments as mk
from engine.stats._reduce import Lazy, map_blocks_delayed, tree_merge


def merge_moments(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Two moments partials merged by Chan et al.'s formula (a new partial; exact counts)."""
    acc = a.copy()
    mk.merge_moments_into(acc, b)
    return acc


def eager_moments(table: Table) -> np.ndarray:
    """Moments partial of an in-memory table, on Numba threads over fixed row ranges."""
    return mk.parallel_block_moments(np.ascontiguousarray(table.values))


def column_moments(table: Table) -> Lazy:
    """Moments partial of every column: NumPy now, or a Dask ``Delayed`` (one pass).

    Cost: one read of the data. Exact in the sense of a fixed-order
    compensation-free Chan merge (relative error ~1e-15 on ordinary data);
    bit-identical across schedulers for a given chunking.
    """
    if not table.is_lazy:
        return eager_moments(table)
    parts = map_blocks_delayed(table, mk.block_moments, name="engine-moments-block")
    return tree_merge(parts, merge_moments, name="engine-moments-merge")


@dataclass(frozen=True)
class Moments:
    """Named view of a computed moments partial."""

    raw: np.ndarray

    @property
    def count(self) -> np.ndarray:
        return self.raw[mk.COUNT]

    @property
    def missing(self) -> np.ndarray:
        return self.raw[mk.MISSING]

    @property
    def n_inf(self) -> np.ndarray:
        return self.raw[mk.N_INF]

    @property
    def mean(self) -> np.ndarray:
        return np.where(self.count > 0, self.raw[mk.MEAN], np.nan)

    @property
    def min(self) -> np.ndarray:
        return np.where(self.count > 0, self.raw[mk.MIN], np.nan)

    @property
    def max(self) -> np.ndarray:
        return np.where(self.count > 0, self.raw[mk.MAX], np.nan)

    def var(self, ddof: int = 0) -> np.ndarray:
        """Variance with ``ddof`` degrees of freedom (NaN where count <= ddof)."""
        denom = self.count - ddof
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denom > 0, self.raw[mk.M2] / np.where(denom > 0, denom, 1), np.nan)

    def std(self, ddof: int = 0) -> np.ndarray:
        return np.sqrt(self.var(ddof))

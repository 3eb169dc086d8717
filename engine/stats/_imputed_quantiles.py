"""Quantiles of a median-imputed column, derived exactly from the raw column's selection.

Let ``S`` be a column's ``c`` non-NaN values sorted ascending, ``n`` its
rows and ``k = n - c`` its missing values, each replaced by ``m`` (the
raw median, rounded to the imputed column's dtype). With ``S[j] = -inf``
for ``j < 0`` and ``+inf`` for ``j >= c``, order statistic ``i`` (0-based)
of the imputed column is ``T[i] = min(max(S[i - k], m), S[i])``: ``m``
sits at ranks ``[r, r + k)`` of the imputed column, where ``r`` values of
``S`` are below it, and every other rank holds ``S[i]`` (before ``m``) or
``S[i - k]`` (after). The quantile ``q`` is numpy's linear interpolation
between ``T[floor(h)]`` and ``T[floor(h) + 1]``, ``h = q (n - 1)``, replayed
with numpy's own ``_lerp`` (:func:`~engine.stats._quantile_plan.finish`).

Every raw rank this needs (the median's two, and ``i - k`` and ``i`` for each
``i`` the imputed quantiles read) is known once round 0 has counted ``n`` and
``c``, so one exact selection (:mod:`engine.stats._quantile`) finds the
median and the imputed column's quantiles together: the passes a median
imputer followed by a quantile step make over the data are those of one
selection instead of two (1 on typical data, at most 3).

Zeros: :func:`imputed_quantiles` follows the selection's rule (when the
imputed column holds both ``-0.0`` and ``+0.0``, from the raw values or ``m``,
every zero of it reads as ``+0.0``). :class:`MedianImputedSpec` describes the
column the engine's ``SimpleImputer`` writes: its kernel computes
``(x - 0) / 1 * 1 + 0``, which turns every ``-0.0`` into ``+0.0`` (and changes
no other value), so its order statistics and ``m`` are read plus ``0.0``
(``x + 0.0`` keeps the order, so it commutes with sorting).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from engine.data import Table
from engine.kernels import selection as sk
from engine.stats._fused import moments_and_quantiles
from engine.stats._quantile_plan import QuantileSpec, check_q, finish, mixed_zeros, virtual_indexes
from engine.stats._reduce import Lazy

MEDIAN = check_q(0.5)  # the level SimpleImputer(strategy="median") asks for


def _order_statistic(keys: dict, column: int, rank: int) -> float:
    """Order statistic ``rank`` of ``column`` as the imputer writes it: ``x + 0.0`` (no ``-0.0``)."""
    return float(sk.keys_to_floats(np.array([keys[column, rank]], dtype=np.uint64))[0]) + 0.0


def _ravel_unique(*arrays) -> np.ndarray:
    return np.unique(np.concatenate([np.ravel(a) for a in arrays]))


def imputed_quantiles(
    spec: QuantileSpec,
    order_statistic: Callable[[int], float],
    count: int,
    rows: int,
    fill: float,
    raw_zeros: tuple[bool, bool],
) -> np.ndarray:
    """``numpy.nanquantile`` at ``spec`` of a column whose missing values are set to ``fill``.

    Parameters
    ----------
    spec : QuantileSpec
        The levels.
    order_statistic : callable
        ``order_statistic(r)``: the raw column's ``r``-th smallest non-NaN value
        (0-based), called only for ``0 <= r < count``.
    count, rows : int
        The raw column's non-NaN values and rows (``count >= 1``).
    fill : float
        The value every missing row takes (the median, in the imputed dtype).
    raw_zeros : (bool, bool)
        Whether the raw values hold ``-0.0``, ``+0.0``.

    Returns
    -------
    numpy.ndarray
        Shape ``spec.q.shape``.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([1.0, 2.0, 10.0])  # raw [1, nan, 10, 2, nan]: median 2
    >>> imputed_quantiles(check_q([0.25, 0.75]), S.__getitem__, 3, 5, 2.0, (False, False))
    array([2., 2.])
    """
    missing = rows - count
    previous, nxt, gamma = virtual_indexes(rows, spec)
    keys = {}
    for i in _ravel_unique(previous, nxt).tolist():
        low = order_statistic(i - missing) if i >= missing else -np.inf
        high = order_statistic(i) if i < count else np.inf
        value = min(max(low, fill), high)
        keys[0, i] = int(sk.floats_to_keys(np.array([value], dtype=np.float64))[0])
    fill_zero = missing > 0 and fill == 0
    negative = raw_zeros[0] or (fill_zero and bool(np.signbit(fill)))
    positive = raw_zeros[1] or (fill_zero and not np.signbit(fill))
    mixed = np.array([negative and positive])
    return finish(spec, np.array([rows]), {0: (previous, nxt, gamma)}, keys, mixed)[..., 0]


@dataclass(frozen=True)
class MedianImputedSpec(QuantileSpec):
    """The median of every column, and the quantiles ``q`` of the median-imputed column.

    A :class:`QuantileSpec` for the exact selection: its round 0 places the
    windows where the needed raw ranks are likely to be (the missing share
    estimated from the sample), :meth:`ranks` asks for every raw rank both
    results need, :meth:`result` returns ``(median, quantiles)``: the median as
    ``numpy.nanquantile(X, 0.5, axis=0)`` (NaN and ``RuntimeWarning`` for an
    all-NaN column) and the imputed column's quantiles, shape
    ``q.shape + (n_columns,)`` (NaN for an all-NaN column, whose imputed value
    is its imputer's business). ``fill_dtype``: the imputed column's dtype
    (the median is rounded to it before it fills). The imputed column is the
    one the engine's ``SimpleImputer`` writes: without ``-0.0`` (module notes).
    """

    fill_dtype: str = "float64"

    def __dask_tokenize__(self):
        return ("engine-median-imputed-spec", super().__dask_tokenize__(), self.fill_dtype)

    def fractions(self, n_keys: int, n_sample: int) -> np.ndarray:
        """The median, and ``(q - p) / (1 - p)`` and ``q / (1 - p)``, ``p`` the sample's missing share."""
        kept = max(n_keys, 1) / max(n_sample, 1)
        levels = np.asarray(super().fractions(n_keys, n_sample))
        wanted = np.concatenate([MEDIAN.fractions(n_keys, n_sample), (levels - 1 + kept) / kept])
        wanted = np.clip(np.concatenate([wanted, levels / kept]), 0.0, 1.0)
        return np.unique(wanted[wanted < 1.0])

    def ranks(self, count: int, rows: int) -> tuple:
        """The median's two ranks, and ``i - k`` and ``i`` for every ``i`` the quantiles read."""
        median, median_ranks = MEDIAN.ranks(count, rows)
        previous, nxt, _ = virtual_indexes(rows, self)
        imputed = _ravel_unique(previous, nxt)
        raw = np.concatenate([imputed - (rows - count), imputed])
        raw = raw[(raw >= 0) & (raw < count)]
        return median, _ravel_unique(median_ranks, raw)

    def result(self, sel) -> tuple[np.ndarray, np.ndarray]:
        """``(median, quantiles)`` of a finished selection (see the class docstring)."""
        medians = finish(MEDIAN, sel.counts, sel.indexes, sel.keys, mixed_zeros(sel.stats))
        fills = medians.astype(self.fill_dtype).astype(np.float64)
        out = np.full(self.q.shape + (len(sel.counts),), np.nan)
        for j, count in enumerate(sel.counts.tolist()):
            if count == 0:
                continue
            order_statistic = partial(_order_statistic, sel.keys, j)
            zeros = bool(sel.stats[j, sk.NEG_ZEROS] or sel.stats[j, sk.POS_ZEROS])
            out[..., j] = imputed_quantiles(
                self, order_statistic, count, sel.rows, float(fills[j]) + 0.0, (False, zeros)
            )
        return medians, out


def median_and_imputed_quantiles(table: Table, q, fill_dtype="float64") -> tuple[Lazy, Lazy]:
    """The moments, and ``(median, quantiles of the median-imputed columns)`` from one selection.

    See :class:`MedianImputedSpec`; NumPy values now, or Dask ``Delayed``
    objects. The moments share the selection's first read of every block.
    """
    spec = check_q(q)
    return moments_and_quantiles(
        table, MedianImputedSpec(spec.q, spec.weak, np.dtype(fill_dtype).str)
    )

"""numpy's quantile arithmetic for the exact selection: levels, indexes, interpolation.

:func:`check_q` validates the levels like numpy; :func:`virtual_indexes` gives
the order statistics numpy's linear method reads for ``n`` values;
:func:`finish` replays ``numpy.nanquantile``'s interpolation on the
order statistics the selection found (see :mod:`engine.stats._quantile` for
the method and :mod:`engine.stats._quantile_rounds` for the passes).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from engine.kernels import selection as sk


@dataclass(frozen=True)
class QuantileSpec:
    """Validated quantile levels, kept in numpy's own dtype (its arithmetic depends on it)."""

    q: np.ndarray
    weak: bool

    @property
    def scalar(self) -> bool:
        return self.q.ndim == 0

    def __dask_tokenize__(self):
        return ("engine-quantile-spec", self.q.dtype.str, self.q.tobytes(), self.q.shape, self.weak)

    def fractions(self, n_keys: int, n_sample: int) -> np.ndarray:
        """Where round 0 places a column's windows: fractions of its non-NaN values, below 1.

        ``n_keys`` of the column's ``n_sample`` sampled rows are not NaN (unused here).
        """
        levels = np.unique(np.asarray(self.q, dtype=np.float64).ravel())
        return levels[levels < 1.0]  # q = 1 is the largest value, known from round 0's extremes

    def ranks(self, count: int, rows: int) -> tuple:
        """``(indexes, ranks)``: what :meth:`result` needs, and the order statistics to find.

        ``count`` of the column's ``rows`` values are not NaN; ranks are 0-based among them.
        """
        previous, nxt, gamma = virtual_indexes(count, self)
        return (previous, nxt, gamma), np.unique(
            np.concatenate([np.ravel(previous), np.ravel(nxt)])
        )

    def result(self, sel) -> np.ndarray:
        """numpy's quantiles from a finished :class:`~engine.stats._quantile_rounds.Selection`."""
        return finish(self, sel.counts, sel.indexes, sel.keys, mixed_zeros(sel.stats))


def check_q(q) -> QuantileSpec:
    """Validate ``q`` like numpy (scalar or 1-D, every level in [0, 1])."""
    weak = type(q) in (int, float)
    arr = np.asanyarray(q)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"q must be a number or a 1-D array of numbers in [0, 1], got {q!r}")
    if arr.ndim > 1:
        raise ValueError(f"q must be a scalar or 1-D, got shape {arr.shape}")
    with np.errstate(invalid="ignore"):
        if arr.size and not (np.all(arr >= 0) and np.all(arr <= 1)):
            raise ValueError(f"Quantiles must be in the range [0, 1], got q={q!r}")
    return QuantileSpec(arr, weak)


# ------------------------------------------------------------ numpy's arithmetic


def virtual_indexes(n: int, spec: QuantileSpec):
    """numpy's linear method: ``(previous, next, gamma)``, or ``gamma=None`` for integer q."""
    virtual = np.asanyarray((n - 1) * spec.q)
    if np.issubdtype(virtual.dtype, np.integer):
        index = virtual.astype(np.intp)
        return index, index, None
    previous = np.floor(virtual)
    nxt = previous + 1
    above = virtual >= n - 1
    previous = np.where(above, -1, previous)
    nxt = np.where(above, -1, nxt)
    previous = previous.astype(np.intp)
    nxt = nxt.astype(np.intp)
    gamma = np.asanyarray(virtual - previous, dtype=virtual.dtype)
    previous = np.where(previous < 0, n - 1, previous)
    nxt = np.where(nxt < 0, n - 1, nxt)
    return previous, nxt, gamma


def _lerp(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """numpy's ``_lerp`` (same operations, same order)."""
    diff_b_a = np.subtract(b, a)
    out = np.add(a, diff_b_a * t, out=...)
    np.subtract(b, diff_b_a * (1 - t), out=out, where=np.asanyarray(t >= 0.5), casting="unsafe")
    return out


# ------------------------------------------------------------ the result

_NEG_ZERO_KEY = int(sk.floats_to_keys(np.array([-0.0]))[0])
_POS_ZERO_KEY = int(sk.floats_to_keys(np.array([0.0]))[0])


def mixed_zeros(stats: np.ndarray) -> np.ndarray:
    """Per column, whether it holds both ``-0.0`` and ``+0.0`` (from round 0's stats)."""
    return (stats[:, sk.NEG_ZEROS] > 0) & (stats[:, sk.POS_ZEROS] > 0)


def _zero_sign(key: int, mixed_zeros: bool) -> int:
    """Read ``-0.0`` as ``+0.0`` in a column holding both zeros (see :mod:`engine.stats._quantile`)."""
    return _POS_ZERO_KEY if key == _NEG_ZERO_KEY and mixed_zeros else key


def finish(
    spec: QuantileSpec, counts: np.ndarray, indexes: dict, keys: dict, mixed_zeros: np.ndarray
) -> np.ndarray:
    """numpy's result from the order statistics: ``keys[(column, rank)]`` for every needed rank.

    ``indexes[j]`` is :func:`virtual_indexes` of column ``j``'s count
    ``counts[j]``; a column without values gives NaN and a ``RuntimeWarning``.
    """
    out = np.empty(spec.q.shape + (len(counts),))
    empty = []
    for j, n in enumerate(counts):
        if n == 0:
            out[..., j] = np.nan
            empty.append(j)
            continue
        previous, nxt, gamma = indexes[j]
        lookup = np.vectorize(
            lambda r, j=j: _zero_sign(keys[j, int(r)], bool(mixed_zeros[j])), otypes=[np.uint64]
        )
        a = sk.keys_to_floats(np.atleast_1d(lookup(previous))).reshape(previous.shape)
        if gamma is None:
            out[..., j] = a
            continue
        b = sk.keys_to_floats(np.atleast_1d(lookup(nxt))).reshape(nxt.shape)
        t = float(gamma) if spec.weak else gamma
        out[..., j] = _lerp(a, b, t)
    if empty:
        warnings.warn(f"All-NaN slice encountered (columns {empty})", RuntimeWarning, stacklevel=4)
    return out

"""Key windows for the exact quantile selection, placed from a row sample.

Given the sortable keys of a sample of a column's values inside a key interval
``[a, b]`` (the whole key range at first, later the interval where a missed
rank is known to lie) and the fractions ``p`` of that interval's values where
the wanted order statistics sit, :func:`place_windows` returns key windows
that hold them with high probability: for each ``p``, the keys of the
sample's order statistics ``Z`` binomial standard deviations (plus
:data:`SLACK` ranks) on either side of position ``p (k - 1)``. A window
touching the sample's first or last position extends to ``a`` or ``b``.
Overlapping windows merge. A key repeated in the sample (:data:`ATOM_SHARE`
of a window's sample keys, at least twice: a tie, an integer, a zero) becomes
a count-only window of its own, so heavy ties cost counts instead of gathered
keys. Whether a window holds its order statistic only changes the cost: the
pass counts exactly how many values lie below and inside every window, and a
miss sends that rank to another round.

:func:`pack_windows` lays the windows of all columns out for
:func:`engine.kernels.selection.window_pass`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from engine.kernels import selection as sk

Z = 4.5  # standard deviations of the sample rank on either side: a miss has odds ~1e-5
SLACK = 2.0  # extra sample ranks on either side (discreteness, n versus the sample size)
ATOM_SHARE = 1 / 16  # a sample key this frequent in a window becomes a count-only window
MAX_ATOMS = 3  # per window
MAX_KEY = int(sk.TOP)  # above every float's key (+inf's key is smaller)


@dataclass(frozen=True)
class Window:
    """Keys ``lo..hi`` of one column; ``gather``: keep its keys (else count only).

    ``expected`` estimates how many of the column's values lie inside (it
    sizes the gather buffers). A ``histogram`` window keeps no keys: it
    counts them in ``2**HIST_BITS`` equal sub-ranges of its keys, which
    narrows its ranks to one sub-range for the next pass (memory bounded,
    one more pass).
    """

    column: int
    lo: int
    hi: int
    gather: bool
    expected: float
    histogram: bool = False

    @property
    def shift(self) -> int:
        """Sub-range of a key: ``(key - lo) >> shift`` (below ``2**HIST_BITS``)."""
        return max(0, (self.hi - self.lo).bit_length() - sk.HIST_BITS)

    def sub_range(self, bucket: int) -> tuple[int, int]:
        """Keys of sub-range ``bucket`` of a histogram window."""
        lo = self.lo + (bucket << self.shift)
        return lo, min(self.hi, lo + (1 << self.shift) - 1)


def bound_gathers(windows: list[Window], budget: float) -> list[Window]:
    """The windows, the largest gather windows made histograms until the rest expect ``budget``.

    Keeps a pass's gathered keys (8 bytes each) near ``budget`` whatever the
    data's size: a histogram window costs a 32 KB count table instead, and
    its ranks one more pass.
    """
    gathers = sorted((w for w in windows if w.gather), key=lambda w: -w.expected)
    total = sum(w.expected for w in gathers)
    counted = set()
    for window in gathers:
        if total <= budget:
            break
        counted.add(id(window))
        total -= window.expected
    return [replace(w, histogram=True) if id(w) in counted else w for w in windows]


def _spans(k: int, fractions: np.ndarray) -> list[tuple[int, int]]:
    """Sample position ranges (``-1``/``k``: open towards ``a``/``b``), merged when overlapping."""
    spans = []
    for p in sorted(float(f) for f in fractions):
        center = p * (k - 1)
        half = Z * np.sqrt(p * (1 - p) * k) + SLACK
        lo = max(-1, int(np.floor(center - half)))
        hi = min(k, int(np.ceil(center + half)))
        if lo <= 0:
            lo = -1
        if hi >= k - 1:
            hi = k
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))
    return spans


def _atoms(inside: np.ndarray) -> list[int]:
    """Keys repeated in a window's sorted sample keys often enough to be counted, not gathered."""
    if len(inside) < 2:
        return []
    values, counts = np.unique(inside, return_counts=True)
    threshold = max(2, int(np.ceil(ATOM_SHARE * len(inside))))
    heavy = np.flatnonzero(counts >= threshold)
    heavy = heavy[np.argsort(-counts[heavy], kind="stable")][:MAX_ATOMS]
    return sorted(int(v) for v in values[heavy])


def _split(column: int, lo: int, hi: int, inside: np.ndarray, per_key: float) -> list[Window]:
    """Window ``[lo, hi]`` cut around its atoms; gather pieces between two atoms need sample keys."""
    atoms = _atoms(inside)
    pieces, start = [], lo
    for i, atom in enumerate(atoms + [None]):
        end = hi if atom is None else atom - 1
        if start <= end:
            n_keys = int(np.count_nonzero((inside >= start) & (inside <= end)))
            between_atoms = 0 < i < len(atoms)
            if n_keys or not between_atoms:
                expected = (n_keys + Z * np.sqrt(n_keys) + SLACK) * per_key
                pieces.append(Window(column, start, end, True, expected))
        if atom is not None:
            n_keys = int(np.count_nonzero(inside == atom))
            pieces.append(Window(column, atom, atom, False, n_keys * per_key))
            start = atom + 1
    return pieces


def place_windows(
    column: int, keys: np.ndarray, fractions, a: int, b: int, population: float
) -> list[Window]:
    """Windows of ``[a, b]`` likely to hold the order statistics at ``fractions`` of it.

    Parameters
    ----------
    column : int
        The column the windows belong to.
    keys : numpy.ndarray of uint64
        Sample keys, all inside ``[a, b]`` (any order).
    fractions : array-like of float
        Where the wanted order statistics sit, as fractions in [0, 1] of the
        interval's values.
    a, b : int
        The key interval.
    population : float
        How many values the interval holds (exact or estimated): scales the
        windows' expected sizes.

    Returns
    -------
    list of Window
        Disjoint, sorted by key. Empty when ``keys`` is empty.
    """
    k = len(keys)
    if k == 0:
        return []
    spans = _spans(k, np.asarray(fractions, dtype=np.float64))
    inner = sorted({p for span in spans for p in span if 0 <= p < k})
    ordered = np.partition(keys, inner) if inner else keys
    merged: list[list[int]] = []
    for lo_pos, hi_pos in spans:
        lo = a if lo_pos < 0 else int(ordered[lo_pos])
        hi = b if hi_pos >= k else int(ordered[hi_pos])
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(hi, merged[-1][1])
        else:
            merged.append([lo, hi])
    per_key = population / k
    windows = []
    for lo, hi in merged:
        inside = np.sort(keys[(keys >= np.uint64(lo)) & (keys <= np.uint64(hi))])
        windows.extend(_split(column, lo, hi, inside, per_key))
    return windows


def whole_interval(column: int, a: int, b: int, count: int) -> list[Window]:
    """One gather window over ``[a, b]`` (a single key: count only)."""
    return [Window(column, a, b, a != b, float(count))]


def pack_windows(n_columns: int, windows: list[Window]) -> tuple[tuple, list, list[Window]]:
    """Kernel layout of the windows, where each one went, and the gather windows.

    Every window gets a start at its first key (the count below it). A gather
    window is counted by its keys; a count-only window also needs a start
    just past its key (unless the next window begins there). Returns
    ``((starts, lo, hi, slot, shift), placed, gathers)`` (layout of
    :func:`engine.kernels.selection.window_pass`); ``placed`` lists
    ``(window, start, end, slot)``: the indexes of the window's start and of
    the start just past it (``None`` for a gather window); ``gathers[s]`` is
    slot ``s``'s window (gathering or histogram; ``shift[s]`` says which).
    """
    per_column: list[list[Window]] = [[] for _ in range(n_columns)]
    for window in windows:
        per_column[window.column].append(window)
    column_starts, column_gathers, placed, gathers = [], [], [], []
    for ws in per_column:
        ws = sorted(ws, key=lambda w: w.lo)
        starts: list[int] = []
        mine: list[tuple[int, int, int]] = []
        for i, window in enumerate(ws):
            start = len(starts)
            starts.append(window.lo)
            if window.gather:
                mine.append((window.lo, window.hi, len(gathers)))
                placed.append((window, start, None, len(gathers)))
                gathers.append(window)
                continue
            if i + 1 == len(ws) or ws[i + 1].lo != window.hi + 1:
                starts.append(window.hi + 1)
            placed.append((window, start, start + 1, sk.NO_SLOT))
        column_starts.append(starts)
        column_gathers.append(mine)
    n_starts = max(1, max(map(len, column_starts)))
    n_gathers = max(map(len, column_gathers), default=0)
    starts = np.full((n_columns, n_starts), sk.ALL_ONES, dtype=np.uint64)
    lo = np.full((n_columns, n_gathers), sk.TOP, dtype=np.uint64)
    hi = np.full((n_columns, n_gathers), sk.TOP, dtype=np.uint64)
    slot = np.full((n_columns, n_gathers), sk.NO_SLOT, dtype=np.int64)
    for j in range(n_columns):
        starts[j, : len(column_starts[j])] = column_starts[j]
        for g, (a, b, s) in enumerate(column_gathers[j]):
            lo[j, g], hi[j, g], slot[j, g] = a, b, s
    shift = np.array([w.shift if w.histogram else int(sk.GATHER) for w in gathers], dtype=np.uint64)
    return (starts, lo, hi, slot, shift), placed, gathers

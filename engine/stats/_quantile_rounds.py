"""Rounds of the exact quantile selection: what each pass looks for, and what it settled.

A :class:`Selection` carries what is known between passes: every column's
count of non-NaN values and extreme keys (from round 0), the keys of the
order statistics found so far, and, for every rank still missing, the key
interval that holds it with its exact count of values. Each pass counts the
values below every window it was given, so every window start becomes an
*edge* with an exact count of values below it; the rank ``r`` then lies
between the last edge with at most ``r`` values below and the next one. If
those two edges bound a window of this round, the rank is read off it (a
count-only window: its one key; a gather window: a partition of its keys);
else the interval between them is what the next round searches.

Rounds: 0 places windows from the first row sample (and its pass also
samples every block for round 1); 1 places windows inside the intervals of
the ranks round 0 missed, from that second sample; 2 gathers what is left
whole. An interval of at most :data:`GATHER_ALL` values is gathered whole in
any round. So every order statistic is found exactly in at most three
passes, whatever the data; the samples only decide how many are needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from engine.kernels import selection as sk
from engine.stats._quantile_plan import QuantileSpec
from engine.stats._quantile_windows import (
    MAX_KEY,
    Window,
    bound_gathers,
    pack_windows,
    place_windows,
    whole_interval,
)

FIRST_SAMPLE_MIN = 1 << 15  # rows
FIRST_SAMPLE_MAX = 1 << 18
SAMPLE_VALUES_MAX = 1 << 23  # rows x columns in a sample (64 MB)
RETRY_SAMPLE_ROWS = 1 << 15
RETRY_SAMPLE_MIN = 32  # an interval with fewer sample keys is gathered whole
GATHER_ALL = 1 << 16  # an interval with at most this many values is gathered whole
GATHER_BUDGET = 1 << 22  # keys a pass may expect to gather (32 MB; see gather_budget)...
RESIDENT_SHARE = 1 / 8  # ...or this share of an in-memory array's values
LAST_ROUND = 2
CAPACITY_FACTOR = 4  # a block keeps at most this many times a window's expected keys...
CAPACITY_PAD = 1024  # ...plus this many (beyond: the window's ranks go to the next round)
SAMPLE_SEED = 0x5E1EC7


def first_sample_rows(n_rows: float, n_columns: int) -> int:
    """Rows of the first sample: about ``2 n^(2/3)`` (a power of two within bounds)."""
    n = n_rows if np.isfinite(n_rows) else 1e7
    m = 1 << int(np.round(np.log2(max(2.0 * n ** (2 / 3), 1.0))))
    m = min(max(m, FIRST_SAMPLE_MIN), FIRST_SAMPLE_MAX, SAMPLE_VALUES_MAX // max(1, n_columns))
    return int(max(1, min(m, n)))


def retry_sample_rows(n_columns: int) -> int:
    """Rows of the second sample (taken by round 0's pass, used only after a miss)."""
    return max(1, min(RETRY_SAMPLE_ROWS, SAMPLE_VALUES_MAX // 4 // max(1, n_columns)))


def gather_budget(n_values: float, *, resident: bool) -> float:
    """Keys a pass may expect to gather before its largest windows become histograms.

    ``GATHER_BUDGET`` (32 MB), or more when the data allow: in memory, the
    input is resident, so up to :data:`RESIDENT_SHARE` of its ``n_values``;
    under Dask the merged keys sit in one task, so up to the values of one
    block (``n_values``, the largest block's): never more than the workers
    already hold for a block.
    """
    if not np.isfinite(n_values):
        return float(GATHER_BUDGET)
    return float(max(GATHER_BUDGET, n_values * RESIDENT_SHARE if resident else n_values))


def stratified_rows(n_rows: int, n_wanted: int, seed) -> np.ndarray:
    """``n_wanted`` sorted row indices, one drawn at random in each of as many equal strata."""
    if n_wanted >= n_rows:
        return np.arange(n_rows)
    edges = (np.arange(n_wanted + 1, dtype=np.int64) * n_rows) // n_wanted
    draws = np.random.default_rng(seed).random(n_wanted)
    return edges[:-1] + (draws * np.diff(edges)).astype(np.int64)


class Partial(NamedTuple):
    """One pass's result over some rows (see :func:`engine.kernels.selection.window_pass`)."""

    below: np.ndarray
    stats: np.ndarray
    keys: np.ndarray
    kept: np.ndarray
    inside: np.ndarray
    sample: np.ndarray | None  # round 0: rows sampled for round 1
    rows: int
    hist: np.ndarray  # counts of the histogram windows' sub-ranges, one row per window


def merge_partials(*parts: Partial | None) -> Partial | None:
    """Merge partials in the order given (rows of the first first); ``None``: nothing to do."""
    parts = [p for p in parts if p is not None]
    if len(parts) <= 1:
        return parts[0] if parts else None
    stats = np.sum([p.stats for p in parts], axis=0, dtype=np.uint64)
    stats[:, sk.KMIN] = np.min([p.stats[:, sk.KMIN] for p in parts], axis=0)
    stats[:, sk.KMAX] = np.max([p.stats[:, sk.KMAX] for p in parts], axis=0)
    split = [np.split(p.keys, np.cumsum(p.kept)[:-1]) for p in parts] if len(parts[0].kept) else []
    keys = [part[s] for s in range(len(parts[0].kept)) for part in split]
    samples = [p.sample for p in parts if p.sample is not None]
    return Partial(
        np.sum([p.below for p in parts], axis=0),
        stats,
        np.concatenate(keys) if keys else parts[0].keys,
        np.sum([p.kept for p in parts], axis=0),
        np.sum([p.inside for p in parts], axis=0),
        np.concatenate(samples) if samples else None,
        sum(p.rows for p in parts),
        np.sum([p.hist for p in parts], axis=0),
    )


def column_extremes(merged: Partial) -> tuple[np.ndarray, np.ndarray]:
    """Each column's smallest and largest key (all-ones / zero for a column without values)."""
    return merged.stats[:, sk.KMIN], merged.stats[:, sk.KMAX]


@dataclass
class Cost:
    """What a selection cost: passes, sampled rows, gathered keys, overflows, histogram windows."""

    passes: int = 0
    sample_rows: int = 0
    retry_sample_rows: int = 0
    gathered_keys: int = 0
    overflows: int = 0
    histograms: int = 0


@dataclass
class Selection:
    """The state between passes (see the module notes) and the next pass's windows."""

    spec: QuantileSpec
    n_columns: int
    round: int
    windows: tuple  # kernel layout of this round's windows
    placed: list  # this round's windows: (window, start, end, slot), see pack_windows
    gathers: list  # this round's gather windows, in slot order
    n_rows: float  # rows of the table (an estimate, or nan when unknown)
    budget: float = GATHER_BUDGET  # keys a pass may expect to gather (see gather_budget)
    retry_share: float = 0.0  # share of each block's rows to sample in this pass
    counts: np.ndarray | None = None
    rows: int = 0  # rows of the table, exact after round 0 (NaN included)
    stats: np.ndarray | None = None
    indexes: dict = field(default_factory=dict)  # column -> the spec's ranks() indexes
    keys: dict = field(default_factory=dict)  # (column, rank) -> key
    pending: dict = field(default_factory=dict)  # (column, rank) -> (a, b, count, local)
    edges: dict = field(default_factory=dict)  # column -> {key: values below it}
    cost: Cost = field(default_factory=Cost)

    @property
    def has_work(self) -> bool:
        """Whether this round's pass reads the data (round 0 always does)."""
        return self.round == 0 or bool(self.placed)

    def capacity(self, rows: int) -> np.ndarray:
        """Keys each window may keep in a block of ``rows`` rows (a histogram window: none)."""
        expected = np.array([w.expected for w in self.gathers], dtype=np.float64)
        wanted = np.minimum(np.ceil(expected * CAPACITY_FACTOR) + CAPACITY_PAD, float(rows))
        wanted[[w.histogram for w in self.gathers]] = 0
        return wanted.astype(np.int64)


def _with_windows(sel: Selection, windows: list[Window], **changes) -> Selection:
    """``sel`` with the next pass's windows (histograms where gathers exceed the budget)."""
    if changes.get("round", sel.round) < LAST_ROUND:
        windows = bound_gathers(windows, sel.budget)
    layout, placed, gathers = pack_windows(sel.n_columns, windows)
    return replace(sel, windows=layout, placed=placed, gathers=gathers, **changes)


def _column_keys(sample: np.ndarray) -> list[np.ndarray]:
    """Each column's sample keys, NaN left out (all columns converted at once)."""
    columns = np.ascontiguousarray(sample.T)
    keys = sk.floats_to_keys(columns)
    valid = ~np.isnan(columns)
    return [k[v] for k, v in zip(keys, valid, strict=True)]


def first_selection(
    sample: np.ndarray, spec: QuantileSpec, n_rows: float, budget: float = GATHER_BUDGET
) -> Selection:
    """Round 0: windows from the first sample (``sample``: rows x columns float64).

    ``budget``: keys a pass may expect to gather (:func:`gather_budget`).
    """
    n_columns = sample.shape[1]
    windows: list[Window] = []
    for j, keys in enumerate(_column_keys(sample)):
        population = n_rows * len(keys) / max(1, len(sample)) if np.isfinite(n_rows) else np.inf
        levels = spec.fractions(len(keys), len(sample))
        windows.extend(place_windows(j, keys, levels, 0, MAX_KEY, population))
    sel = Selection(spec, n_columns, 0, (), [], [], n_rows, budget)
    share = retry_sample_rows(n_columns) / n_rows if np.isfinite(n_rows) and n_rows else 1.0
    sel = _with_windows(sel, windows, retry_share=min(1.0, share))
    sel.cost.sample_rows = len(sample)
    return sel


def _start(sel: Selection, merged: Partial) -> None:
    """After round 0: counts, numpy's indexes, the extremes' ranks, every other rank pending."""
    sel.stats = merged.stats
    sel.counts = merged.stats[:, sk.COUNT].astype(np.int64)
    sel.rows = int(merged.rows)
    kmin, kmax = column_extremes(merged)
    for j, n in enumerate(sel.counts):
        if n == 0:
            continue
        sel.indexes[j], ranks = sel.spec.ranks(int(n), sel.rows)
        sel.edges[j] = {0: 0, int(sk.ALL_ONES): int(n)}
        for rank in ranks:
            rank = int(rank)
            if rank == 0:
                sel.keys[j, rank] = int(kmin[j])
            elif rank == n - 1:
                sel.keys[j, rank] = int(kmax[j])
            else:
                sel.pending[j, rank] = (int(kmin[j]), int(kmax[j]), int(n), rank)


def _in_sub_range(window: Window, counts: np.ndarray, local: int) -> tuple:
    """The pending entry of the ``local``-th value of a histogram window: its sub-range."""
    ends = np.cumsum(counts)
    bucket = int(np.searchsorted(ends, local, side="right"))
    before = int(ends[bucket - 1]) if bucket else 0
    a, b = window.sub_range(bucket)
    return a, b, int(counts[bucket]), local - before


def _settle(sel: Selection, merged: Partial) -> None:
    """Record this round's edges; read off the ranks its windows hold; re-bound the others."""
    regions: dict = {}
    for window, start, end, slot in sel.placed:
        j = window.column
        below = int(merged.below[j, start])
        sel.edges[j][window.lo] = below
        if slot == sk.NO_SLOT:
            sel.edges[j][window.hi + 1] = int(merged.below[j, end])
        else:
            sel.edges[j][window.hi + 1] = below + int(merged.inside[slot])
        if slot == sk.NO_SLOT or window.histogram or merged.kept[slot] == merged.inside[slot]:
            regions[j, window.lo] = (window, slot)  # an overflowed window is searched again
    counted = [s for s, w in enumerate(sel.gathers) if w.histogram]
    hist_row = {s: i for i, s in enumerate(counted)}
    gathered = np.split(merged.keys, np.cumsum(merged.kept)[:-1]) if len(merged.kept) else []
    kmin, kmax = sel.stats[:, sk.KMIN], sel.stats[:, sk.KMAX]
    wanted: dict = {}
    still = {}
    for (j, rank), _ in sel.pending.items():
        keys = np.fromiter(sorted(sel.edges[j]), dtype=np.uint64)
        below = np.array([sel.edges[j][int(k)] for k in keys], dtype=np.int64)
        i = int(np.searchsorted(below, rank, side="right")) - 1
        start, stop = int(keys[i]), int(keys[i + 1])
        window, slot = regions.get((j, start), (None, sk.NO_SLOT))
        local = rank - int(below[i])
        if window is not None and window.hi + 1 == stop:
            if slot == sk.NO_SLOT:
                sel.keys[j, rank] = window.lo
            elif window.histogram:
                still[j, rank] = _in_sub_range(window, merged.hist[hist_row[slot]], local)
            else:
                wanted.setdefault(slot, []).append((j, rank, local))
            continue
        a, b = max(start, int(kmin[j])), min(stop - 1, int(kmax[j]))
        still[j, rank] = (a, b, int(below[i + 1] - below[i]), local)
    for s, items in wanted.items():
        ordered = np.partition(gathered[s], sorted({local for _, _, local in items}))
        for j, rank, local in items:
            sel.keys[j, rank] = int(ordered[local])
    sel.pending = still


def _next_windows(sel: Selection, sample: np.ndarray | None) -> list[Window]:
    """Windows for the pending ranks: placed from the second sample, or whole intervals."""
    by_interval: dict = {}
    for (j, _), (a, b, count, local) in sel.pending.items():
        by_interval.setdefault((j, a, b, count), []).append(local)
    windows = []
    columns = _column_keys(sample) if sample is not None else None
    for (j, a, b, count), locals_ in sorted(by_interval.items()):
        keys = np.empty(0, dtype=np.uint64)
        if columns is not None:
            keys = columns[j][(columns[j] >= np.uint64(a)) & (columns[j] <= np.uint64(b))]
        last = sel.round + 1 >= LAST_ROUND
        if last or count <= GATHER_ALL or len(keys) < RETRY_SAMPLE_MIN:
            windows.extend(whole_interval(j, a, b, count))
        else:
            fractions = (np.array(sorted(set(locals_)), dtype=np.float64) + 0.5) / count
            windows.extend(place_windows(j, keys, fractions, a, b, count))
    return windows


def advance(sel: Selection, merged: Partial | None) -> Selection:
    """Settle a finished pass; the returned selection holds the next pass's windows (maybe none)."""
    sel = replace(
        sel,
        keys=dict(sel.keys),
        pending=dict(sel.pending),
        edges={j: dict(e) for j, e in sel.edges.items()},
        cost=replace(sel.cost),
    )
    if merged is not None:
        sel.cost.passes += 1
        sel.cost.gathered_keys += int(merged.kept.sum())
        histogram = np.array([w.histogram for w in sel.gathers], dtype=bool)
        sel.cost.overflows += int(np.sum((merged.kept < merged.inside) & ~histogram))
        sel.cost.histograms += int(histogram.sum())
        if sel.round == 0:
            _start(sel, merged)
            if merged.sample is not None:
                sel.cost.retry_sample_rows = len(merged.sample)
        _settle(sel, merged)
    sample = merged.sample if merged is not None else None
    windows = _next_windows(sel, sample) if sel.pending else []
    if sel.pending and sel.round + 1 > LAST_ROUND:
        raise RuntimeError("exact quantile selection left ranks unresolved (a bug: please report)")
    return _with_windows(sel, windows, round=sel.round + 1, retry_share=0.0)


def result(sel: Selection):
    """The spec's result from a finished selection (numpy's quantiles for a :class:`QuantileSpec`)."""
    return sel.spec.result(sel)

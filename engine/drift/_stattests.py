"""Drift tests on exact distributions, with Evidently's conventions.

Every test takes the merged partials of one column (see
:mod:`engine.drift._distributions`) and returns ``(statistic, p_value)``
(``p_value`` NaN for distances). Values equal those of the reference
implementations run on the raw data: ``scipy.stats.ks_2samp``,
``scipy.stats.wasserstein_distance`` (divided by the reference standard
deviation, floored at 0.001, as Evidently norms it),
``scipy.stats.chisquare`` (expected = reference counts scaled to the current
size), a two-proportion Z-test, PSI and ``scipy.spatial.distance.jensenshannon``
(base 2) over Evidently's binning (Sturges bins over both samples for a
numerical column with more than 20 reference values, else one bin per value).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from engine.drift._distributions import n_rows
from engine.drift._inputs import CATEGORICAL, NUMERICAL
from engine.kernels import distinct as dk
from engine.kernels.ecdf import ecdf_two_sample

P_VALUE_METHODS = ("ks", "chisquare", "z")
DISTANCE_METHODS = ("psi", "wasserstein", "jensenshannon")
METHODS = P_VALUE_METHODS + DISTANCE_METHODS
NUMERICAL_ONLY = ("ks", "wasserstein")
DEFAULT_THRESHOLDS = {
    "ks": 0.05,
    "chisquare": 0.05,
    "z": 0.05,
    "psi": 0.1,
    "wasserstein": 0.1,
    "jensenshannon": 0.1,
}
SMALL_SAMPLE = 1000  # Evidently: reference sizes up to this use p-value tests
FEW_VALUES = 5  # Evidently: numerical columns with at most this many values count as categories
HISTOGRAM_MIN_VALUES = 20  # Evidently: PSI/JS bin numerical columns with more reference values
KS_EXACT_MAX_N = 10000  # scipy.stats.ks_2samp(method="auto"): exact p-value up to this size


def _flat(counts: np.ndarray | None) -> np.ndarray | None:
    return None if counts is None else np.ascontiguousarray(counts[:, 0])


class Distribution:
    """The merged distribution of one column in both datasets."""

    def __init__(self, reference, current, kind: str):
        self.reference = reference
        self.current = current
        self.kind = kind
        self.is_float = not isinstance(reference, pd.Series)
        if self.is_float:
            self.ref_values, self.ref_counts = reference[0], _flat(reference[1])
            self.cur_values, self.cur_counts = current[0], _flat(current[1])
            self.n_ref, self.n_cur = n_rows(reference), n_rows(current)
        else:
            self.n_ref = float(reference.sum())
            self.n_cur = float(current.sum())

    def sample(self, role: str) -> np.ndarray:
        """The sorted sample rebuilt from its exact counts (for small samples only)."""
        values, counts = (
            (self.ref_values, self.ref_counts)
            if role == "reference"
            else (self.cur_values, self.cur_counts)
        )
        return values if counts is None else np.repeat(values, counts.astype(np.int64))

    def kernel_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Counts for the ECDF kernel (an empty array stands for one row per value)."""
        empty = np.empty(0)
        return (
            empty if self.ref_counts is None else self.ref_counts,
            empty if self.cur_counts is None else self.cur_counts,
        )

    def n_ref_values(self) -> int:
        return len(self.ref_values) if self.is_float else len(self.reference)

    def n_values(self, cap: int | None = None) -> int:
        """Number of distinct values over both datasets (only exact up to ``cap`` when given)."""
        if self.is_float:
            if cap is not None and max(len(self.ref_values), len(self.cur_values)) > cap:
                return cap + 1
            return len(np.union1d(self.ref_values, self.cur_values))
        return len(self.reference.index.union(self.current.index))

    def aligned(self) -> tuple[list, np.ndarray, np.ndarray]:
        """Union of values (sorted) with the reference and current count of each."""
        if self.is_float:
            zeros_r = np.zeros((len(self.ref_values), 2))
            zeros_r[:, 0] = 1.0 if self.ref_counts is None else self.ref_counts
            zeros_c = np.zeros((len(self.cur_values), 2))
            zeros_c[:, 1] = 1.0 if self.cur_counts is None else self.cur_counts
            keys, counts = dk.merge_value_counts(self.ref_values, zeros_r, self.cur_values, zeros_c)
            return list(keys), counts[:, 0].copy(), counts[:, 1].copy()
        frame = pd.concat([self.reference, self.current], axis=1).fillna(0.0)
        try:
            frame = frame.sort_index()
        except TypeError:  # mixed category types: order by their text
            frame = frame.iloc[np.argsort([str(k) for k in frame.index], kind="stable")]
        return list(frame.index), frame.iloc[:, 0].to_numpy(), frame.iloc[:, 1].to_numpy()


def choose_method(dist: Distribution) -> str:
    """Evidently's default test for a column, from its kind, reference size and distinct values."""
    few = dist.n_values(cap=FEW_VALUES)
    if dist.n_ref <= SMALL_SAMPLE:
        if dist.kind == CATEGORICAL or few <= FEW_VALUES:
            return "chisquare" if few > 2 else "z"
        return "ks"
    if dist.kind == CATEGORICAL or few <= FEW_VALUES:
        return "jensenshannon"
    return "wasserstein"


def ks_test(dist: Distribution) -> tuple[float, float]:
    """Two-sample KS statistic and p-value exactly as ``scipy.stats.ks_2samp(method="auto")``.

    The statistic comes from one merge walk over the exact distributions. For
    ``max(n1, n2) <= 10000`` scipy computes an exact p-value, which has no
    public function of the statistic alone: the samples are rebuilt from the
    exact counts (at most 20,000 values) and passed to ``ks_2samp``. Larger
    samples use Smirnov's limit distribution ``scipy.stats.kstwo.sf(d, round(en))``.
    """
    ref_c, cur_c = dist.kernel_counts()
    hi, lo, _ = ecdf_two_sample(dist.ref_values, ref_c, dist.cur_values, cur_c)
    min_s = float(np.clip(-lo, 0.0, 1.0))
    d = min_s if min_s > hi else float(hi)
    n1, n2 = int(dist.n_ref), int(dist.n_cur)
    if max(n1, n2) <= KS_EXACT_MAX_N:
        g = math.gcd(n1, n2)
        lcm = (n1 // g) * n2
        d = int(np.round(d * lcm)) * 1.0 / lcm
        ref = dist.sample("reference")
        cur = dist.sample("current")
        return d, float(stats.ks_2samp(ref, cur, method="auto").pvalue)
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    return d, float(np.clip(stats.kstwo.sf(d, np.round(en)), 0.0, 1.0))


def wasserstein_test(dist: Distribution) -> tuple[float, float]:
    """Wasserstein-1 distance divided by ``max(std(reference), 0.001)`` (population std)."""
    ref_c, cur_c = dist.kernel_counts()
    _, _, w = ecdf_two_sample(dist.ref_values, ref_c, dist.cur_values, cur_c)
    return float(w) / max(reference_std(dist), 0.001), np.nan


def reference_std(dist: Distribution) -> float:
    """Population standard deviation of the reference sample, from its exact counts."""
    v, c = dist.ref_values, dist.ref_counts
    mean = float(v.sum() if c is None else np.dot(c, v)) / dist.n_ref
    dev = v - mean
    sq = dev * dev
    return math.sqrt(float(sq.sum() if c is None else np.dot(c, sq)) / dist.n_ref)


def sturges_edges(first: float, last: float, n: int) -> np.ndarray:
    """``numpy.histogram_bin_edges(data, bins="sturges")`` from the data's min, max and size."""
    width = np.subtract(last, first) / (np.log2(n) + 1.0)
    if first == last:
        first, last = first - 0.5, last + 0.5
    n_bins = int(np.ceil(np.subtract(last, first) / width)) if width else 1
    return np.linspace(first, last, n_bins + 1, endpoint=True, dtype=np.float64)


def binned(dist: Distribution) -> tuple[object, np.ndarray, np.ndarray]:
    """Evidently's binning for PSI and Jensen-Shannon: ``(bins, ref_share, cur_share)``.

    ``bins`` is the array of histogram edges (numerical column with more than
    20 distinct reference values: Sturges bins over both samples) or the list
    of values/categories (one bin each).
    """
    if dist.kind == NUMERICAL and dist.is_float and dist.n_ref_values() > HISTOGRAM_MIN_VALUES:
        first = float(min(dist.ref_values[0], dist.cur_values[0]))
        last = float(max(dist.ref_values[-1], dist.cur_values[-1]))
        edges = sturges_edges(first, last, int(dist.n_ref + dist.n_cur))
        ref = np.histogram(dist.ref_values, edges, weights=dist.ref_counts)[0]
        cur = np.histogram(dist.cur_values, edges, weights=dist.cur_counts)[0]
        return edges, ref / dist.n_ref, cur / dist.n_cur
    keys, ref, cur = dist.aligned()
    return keys, ref / dist.n_ref, cur / dist.n_cur


def _fill_zeros(share: np.ndarray) -> np.ndarray:
    share = share.copy()
    smallest = share[share != 0].min()
    share[share == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return share


def psi_test(dist: Distribution) -> tuple[float, float]:
    """Population stability index over Evidently's bins (empty bins get a tiny share)."""
    _, ref, cur = binned(dist)
    ref, cur = _fill_zeros(ref), _fill_zeros(cur)
    return float(np.sum((ref - cur) * np.log(ref / cur))), np.nan


def jensenshannon_test(dist: Distribution) -> tuple[float, float]:
    """Jensen-Shannon distance (base 2) over Evidently's bins."""
    _, ref, cur = binned(dist)
    return float(distance.jensenshannon(ref, cur, base=2)), np.nan


def chisquare_test(dist: Distribution) -> tuple[float, float]:
    """Pearson's chi-square: current counts vs reference counts scaled to the current size."""
    _, ref, cur = dist.aligned()
    with np.errstate(divide="ignore", invalid="ignore"):
        result = stats.chisquare(cur, ref * (dist.n_cur / dist.n_ref))
    return float(result.statistic), float(result.pvalue)


def z_test(dist: Distribution) -> tuple[float, float]:
    """Two-proportion Z-test of the share of rows not in the first (smallest) category."""
    keys, ref, cur = dist.aligned()
    if len(keys) == 1:
        return 0.0, 1.0
    n1, n2 = dist.n_ref, dist.n_cur
    p1 = float(n1 - ref[0]) / n1
    p2 = float(n2 - cur[0]) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(z), float(2 * (1 - stats.norm.cdf(np.abs(z))))


TESTS = {
    "ks": ks_test,
    "wasserstein": wasserstein_test,
    "psi": psi_test,
    "jensenshannon": jensenshannon_test,
    "chisquare": chisquare_test,
    "z": z_test,
}


def column_result(
    reference, current, name: str, kind: str, method: str, threshold: float | None
) -> dict:
    """Run one column's drift test on its merged partials; a dict row (or an ``error``)."""
    dist = Distribution(reference, current, kind)
    row = {
        "column": name,
        "kind": kind,
        "n_reference": int(dist.n_ref),
        "n_current": int(dist.n_cur),
    }
    for role, n in (("reference", dist.n_ref), ("current", dist.n_cur)):
        if n == 0:
            row["error"] = (
                f"column {name!r} has no non-missing values in the {role} data "
                "(empty, or all NaN/inf)"
            )
            return row
    chosen = choose_method(dist) if method == "auto" else method
    if chosen in NUMERICAL_ONLY and kind != NUMERICAL:
        row["error"] = (
            f"method {chosen!r} applies to numerical columns only, and column "
            f"{name!r} is categorical; use 'chisquare', 'z', 'psi' or "
            "'jensenshannon'"
        )
        return row
    statistic, p_value = TESTS[chosen](dist)
    thr = DEFAULT_THRESHOLDS[chosen] if threshold is None else float(threshold)
    drifted = p_value < thr if chosen in P_VALUE_METHODS else statistic >= thr
    row.update(
        method=chosen, statistic=statistic, p_value=p_value, threshold=thr, drifted=bool(drifted)
    )
    return row

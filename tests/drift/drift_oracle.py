"""Reference drift tests on raw data (Evidently's recipe with scipy/numpy), for comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance


def clean(x) -> pd.Series:
    """Drop NaN/None and +/-inf, as Evidently does before testing."""
    s = pd.Series(x)
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        s = s.astype(np.float64).replace([np.inf, -np.inf], np.nan)
    return s.dropna().reset_index(drop=True)


def _keys(ref: pd.Series, cur: pd.Series) -> list:
    return list(set(ref.unique()) | set(cur.unique()))


def binned(ref: pd.Series, cur: pd.Series, numerical: bool):
    if numerical and ref.nunique() > 20:
        bins = np.histogram_bin_edges(pd.concat([ref, cur]).to_numpy(), bins="sturges")
        return np.histogram(ref, bins)[0] / len(ref), np.histogram(cur, bins)[0] / len(cur)
    keys = _keys(ref, cur)
    rc, cc = ref.value_counts(), cur.value_counts()
    return (
        np.array([rc.get(k, 0) / len(ref) for k in keys]),
        np.array([cc.get(k, 0) / len(cur) for k in keys]),
    )


def _fill(p):
    p = p.copy()
    m = min(p[p != 0])
    np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return p


def reference_test(ref, cur, method: str, numerical: bool = True) -> tuple[float, float]:
    """``(statistic, p_value)`` of ``method`` on the raw (cleaned) samples."""
    ref, cur = clean(ref), clean(cur)
    if method == "ks":
        res = stats.ks_2samp(ref.to_numpy(), cur.to_numpy())
        return float(res.statistic), float(res.pvalue)
    if method == "wasserstein":
        norm = max(np.std(ref.to_numpy()), 0.001)
        return float(stats.wasserstein_distance(ref, cur) / norm), np.nan
    if method == "psi":
        r, c = binned(ref, cur, numerical)
        r, c = _fill(r), _fill(c)
        return float(np.sum((r - c) * np.log(r / c))), np.nan
    if method == "jensenshannon":
        r, c = binned(ref, cur, numerical)
        return float(distance.jensenshannon(r, c, 2)), np.nan
    if method == "chisquare":
        keys = _keys(ref, cur)
        rc, cc = ref.value_counts(), cur.value_counts()
        k = len(cur) / len(ref)
        with np.errstate(divide="ignore", invalid="ignore"):
            res = stats.chisquare(
                [cc.get(key, 0) for key in keys], [rc.get(key, 0) * k for key in keys]
            )
        return float(res.statistic), float(res.pvalue)
    if method == "z":
        keys = sorted(_keys(ref, cur))
        if len(keys) == 1:
            return 0.0, 1.0
        a = (ref != keys[0]).astype(float)
        b = (cur != keys[0]).astype(float)
        n1, n2 = len(a), len(b)
        p1, p2 = a.sum() / n1, b.sum() / n2
        pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        return float(z), float(2 * (1 - stats.norm.cdf(abs(z))))
    raise AssertionError(method)


def evidently_auto(ref, cur, numerical: bool) -> str:
    """Evidently's default test choice on the cleaned samples."""
    ref, cur = clean(ref), clean(cur)
    n_values = pd.concat([ref, cur]).nunique()
    if len(ref) <= 1000:
        if not numerical or n_values <= 5:
            return "chisquare" if n_values > 2 else "z"
        return "ks"
    if not numerical or n_values <= 5:
        return "jensenshannon"
    return "wasserstein"

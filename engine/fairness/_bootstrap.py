"""Bootstrap confidence intervals of a MetricFrame, drawn exactly as fairlearn draws them.

fairlearn turns ``random_state`` into ``n_boot`` unsigned 32-bit seeds and
resamples all rows with replacement for each (pandas'
``DataFrame.sample(frac=1, replace=True, random_state=seed)``, which is
``RandomState(seed).choice(n, n)``); every statistic of the frame is
computed on each resample and the ``ci_quantiles`` are taken over the
resamples (``numpy.quantile`` for the overall values, ``numpy.nanquantile``
over the groups, so a group absent from a resample is skipped). The same
seeds give the same rows here, hence fairlearn's intervals.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Sequence
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd

NEED_N_AND_CI = "Must specify both n_boot and ci_quantiles"
N_BOOT_INT_GT_ZERO = "Must have n_boot be a positive integer"
CI_INVALID = "Must have all ci_quantiles be floats in (0, 1)"
NOT_INITIALIZED = (
    "Could not compute confidence intervals: Bootstrapping parameters n_boot and "
    "ci_quantiles were not specified in the MetricFrame constructor."
)
QUANTILE_ERROR = (
    "Error calling numpy.quantiles. Most likely due to a metric returning a non-scalar result"
)
_UINT32_MAX = np.iinfo(np.uint32).max


def check_bootstrap(n_boot: Any, ci_quantiles: Any) -> bool:
    """Whether bootstrapping is asked for; fairlearn's ``ValueError`` for a bad request."""
    has_ci = ci_quantiles is not None and len(ci_quantiles) > 0
    if n_boot is None and not has_ci:
        return False
    if n_boot is None or not has_ci:
        raise ValueError(NEED_N_AND_CI)
    if not isinstance(n_boot, numbers.Integral) or n_boot < 1:
        raise ValueError(N_BOOT_INT_GT_ZERO)
    if any(not isinstance(q, float) or not 0 < q < 1 for q in ci_quantiles):
        raise ValueError(CI_INVALID)
    return True


def bootstrap_rows(n_rows: int, n_boot: int, random_state: Any) -> Iterator[np.ndarray]:
    """The row indices of each resample, as fairlearn draws them for ``random_state``.

    The seeds are drawn now (so ``random_state`` is consumed as fairlearn
    consumes it); each resample's ``n_rows`` indices only when iterated.
    """
    if random_state is None:
        seeds = np.random.default_rng().integers(0, _UINT32_MAX, size=n_boot, dtype=np.uint32)
    elif isinstance(random_state, np.random.RandomState):
        seeds = random_state.randint(low=0, high=_UINT32_MAX, size=n_boot, dtype=np.uint32)
    elif isinstance(random_state, numbers.Integral):
        rng = np.random.default_rng(seed=int(random_state))
        seeds = rng.integers(0, _UINT32_MAX, size=n_boot, dtype=np.uint32)
    else:
        raise ValueError(f"Unsupported random_state: {random_state}")
    return (np.random.RandomState(seed).choice(n_rows, size=n_rows, replace=True) for seed in seeds)


def quantiles_of(quantiles: Sequence[float], samples: list) -> list:
    """fairlearn's quantiles over resampled Series (``quantile``) or frames (``nanquantile``)."""
    if isinstance(samples[0], pd.Series):
        try:
            values = np.quantile(np.asarray(samples, dtype=float), q=quantiles, axis=0)
        except (ValueError, TypeError) as exc:
            raise ValueError(QUANTILE_ERROR) from exc
        return [pd.Series(v, index=samples[0].index, name=samples[0].name) for v in values]
    index = reduce(lambda a, b: a.union(b), [s.index for s in samples])
    aligned = [s.reindex(index) for s in samples]
    try:
        values = np.nanquantile(np.asarray(aligned, dtype=float), q=quantiles, axis=0)
    except (ValueError, TypeError) as exc:
        raise ValueError(QUANTILE_ERROR) from exc
    return [pd.DataFrame(v, index=index, columns=samples[0].columns) for v in values]


class BootstrapIntervals:
    """Every ``*_ci`` result of a MetricFrame, from the frames of the resamples.

    ``frames`` are MetricFrames of the resampled rows built with a dict of
    metrics (so their results are Series and DataFrames by metric name);
    ``extract`` turns a result into the user's shape (a scalar or a Series
    for a single callable).
    """

    def __init__(self, frames: list, quantiles: Sequence[float], extract: Callable):
        self.overall = [extract(x) for x in quantiles_of(quantiles, [f._overall for f in frames])]
        self.by_group = [
            extract(x, by_group=True)
            for x in quantiles_of(quantiles, [f._by_group for f in frames])
        ]
        self.group_min = [
            extract(x) for x in quantiles_of(quantiles, [f._group("min", "raise") for f in frames])
        ]
        self.group_max = [
            extract(x) for x in quantiles_of(quantiles, [f._group("max", "raise") for f in frames])
        ]
        self.difference, self.ratio = {}, {}
        for method in ("between_groups", "to_overall"):
            for out, name in ((self.difference, "difference"), (self.ratio, "ratio")):
                samples = [getattr(f, name)(method, errors="raise") for f in frames]
                samples = [s.where(s.notna(), np.nan) for s in samples]
                out[method] = [extract(x) for x in quantiles_of(quantiles, samples)]

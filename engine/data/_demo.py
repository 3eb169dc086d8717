"""The built-in demo table: a realistic, seeded customer data set generated lazily.

Each partition draws from its own ``numpy.random.SeedSequence`` child of the
given seed, so the table is the same whatever the scheduler and whichever
worker generates a partition, and it never has to exist in one process.
"""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd

NUMERIC_COLUMNS = [
    "age",
    "income",
    "balance",
    "transactions",
    "credit_score",
    "tenure_months",
    "utilization",
    "late_payments",
]
CATEGORICAL_COLUMNS = ["region", "channel", "product"]
SENSITIVE_COLUMN = "gender"
TARGET_COLUMN = "default"

_REGIONS = np.array(["north", "south", "east", "west", "central"])
_CHANNELS = np.array(["branch", "online", "partner"])
_PRODUCTS = np.array(["basic", "silver", "gold", "platinum"])
_GENDERS = np.array(["female", "male"])


def _partition(
    n_rows: int, seed: np.random.SeedSequence, start: int, missing_rate: float, outlier_rate: float
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    gender = rng.choice(_GENDERS, size=n_rows, p=[0.48, 0.52])
    age = np.clip(rng.normal(42, 13, n_rows), 18, 95).round()
    income = rng.lognormal(mean=10.6, sigma=0.7, size=n_rows)
    balance = rng.standard_t(df=3, size=n_rows) * 4_000 + 12_000
    transactions = rng.poisson(25, n_rows).astype(np.float64)
    credit_score = np.clip(rng.normal(680, 70, n_rows), 300, 850).round()
    tenure = rng.gamma(2.0, 24.0, n_rows).round()
    utilization = rng.beta(2, 5, n_rows)
    late = rng.poisson(0.4 + 1.2 * utilization, n_rows).astype(np.float64)
    numeric = np.column_stack(
        [age, income, balance, transactions, credit_score, tenure, utilization, late]
    )

    logit = (
        -3.7
        + 2.5 * utilization
        + 0.6 * late
        - 0.004 * (credit_score - 680)
        - 0.25 * np.log(income / 40_000)
        + 0.35 * (gender == "male")
    )
    target = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)

    outliers = rng.random(numeric.shape) < outlier_rate
    numeric = np.where(outliers, numeric * rng.choice([-30.0, 50.0], size=numeric.shape), numeric)
    numeric[rng.random(numeric.shape) < missing_rate] = np.nan

    frame = pd.DataFrame(
        numeric, columns=NUMERIC_COLUMNS, index=pd.RangeIndex(start, start + n_rows)
    )
    frame["region"] = pd.Categorical(
        rng.choice(_REGIONS, n_rows, p=[0.3, 0.25, 0.2, 0.15, 0.1]), categories=_REGIONS
    )
    frame["channel"] = pd.Categorical(
        rng.choice(_CHANNELS, n_rows, p=[0.35, 0.5, 0.15]), categories=_CHANNELS
    )
    frame["product"] = pd.Categorical(
        rng.choice(_PRODUCTS, n_rows, p=[0.5, 0.3, 0.15, 0.05]), categories=_PRODUCTS
    )
    frame[SENSITIVE_COLUMN] = pd.Categorical(gender, categories=_GENDERS)
    frame[TARGET_COLUMN] = target
    return frame


def demo_table(
    n_rows: int = 1_000_000,
    *,
    npartitions: int = 10,
    random_state: int = 0,
    missing_rate: float = 0.02,
    outlier_rate: float = 0.005,
) -> dd.DataFrame:
    """The built-in demo table as a lazy dask DataFrame.

    Eight numeric columns (heavy-tailed income and balance, about 2 % missing
    values and 0.5 % injected outliers), three categorical columns, a binary
    sensitive attribute (``gender``) and an imbalanced binary target
    (``default``, about 10 % positive) that depends on the features and, as a
    planted bias, on the sensitive attribute.

    Parameters
    ----------
    n_rows : int
        Number of rows.
    npartitions : int
        Number of partitions (row blocks).
    random_state : int
        Seed; the same seed gives the same table on every scheduler.
    missing_rate, outlier_rate : float
        Share of numeric cells set to NaN / multiplied into outliers.

    Examples
    --------
    >>> table = demo_table(1_000, npartitions=2)
    >>> table.compute().shape
    (1000, 13)
    """
    if n_rows < 1 or npartitions < 1:
        raise ValueError(f"n_rows and npartitions must be >= 1, got {n_rows} and {npartitions}")
    npartitions = min(npartitions, n_rows)
    seeds = np.random.SeedSequence(random_state).spawn(npartitions)
    bounds = np.linspace(0, n_rows, npartitions + 1).astype(np.int64)
    meta = _partition(2, np.random.SeedSequence(0), 0, 0.0, 0.0).iloc[:0]
    return dd.from_map(
        _DemoPartition(missing_rate, outlier_rate),
        [
            (int(b - a), seed.entropy, seed.spawn_key, int(a))
            for a, b, seed in zip(bounds[:-1], bounds[1:], seeds, strict=True)
        ],
        meta=meta,
        divisions=[int(b) for b in bounds[:-1]] + [int(bounds[-1]) - 1],
        label="engine-demo-table",
        enforce_metadata=False,
    )


class _DemoPartition:
    """Picklable partition factory for ``dd.from_map`` (one call per partition)."""

    def __init__(self, missing_rate: float, outlier_rate: float):
        self.missing_rate, self.outlier_rate = missing_rate, outlier_rate

    def __dask_tokenize__(self):
        return ("engine-demo-partition", self.missing_rate, self.outlier_rate)

    def __call__(self, args: tuple) -> pd.DataFrame:
        n_rows, entropy, spawn_key, start = args
        seed = np.random.SeedSequence(entropy, spawn_key=spawn_key)
        return _partition(n_rows, seed, start, self.missing_rate, self.outlier_rate)

"""scikit-learn's diabetes data as a fairness problem: sex sensitive, age and BMI band as controls.

The target (disease progression after a year) above its median is the
positive label; the prediction thresholds blood pressure plus ten times the
log triglycerides (``s5``) at their median, so its errors differ by group.
``s1`` (total cholesterol) / 100 is a positive row weight.
"""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes


def diabetes_frame() -> pd.DataFrame:
    """Columns ``y_true``, ``y_pred`` (0/1), ``sex``, ``age``, ``bmi`` (strings) and ``w``."""
    data = load_diabetes(as_frame=True, scaled=False).frame
    score = data["bp"] + 10 * data["s5"]
    return pd.DataFrame(
        {
            "y_true": (data["target"] > data["target"].median()).astype(int),
            "y_pred": (score > score.median()).astype(int),
            "sex": data["sex"].map({1.0: "f", 2.0: "m"}),
            "age": pd.cut(data["age"], [0, 40, 55, 100], labels=["<40", "40-55", ">55"]).astype(
                str
            ),
            "bmi": np.where(data["bmi"] > 27, "high", "low"),
            "w": data["s1"] / 100,
        }
    )


def as_dask_columns(frame: pd.DataFrame, n_blocks: int) -> dict[str, dd.Series]:
    """Every column of ``frame`` as a dask Series of ``n_blocks`` partitions."""
    ddf = dd.from_pandas(frame, npartitions=n_blocks, sort=False)
    return {name: ddf[name] for name in frame.columns}

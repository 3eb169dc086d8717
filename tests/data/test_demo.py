import numpy as np
import pandas as pd
import pytest

from engine.data import demo_table
from engine.data._demo import CATEGORICAL_COLUMNS, NUMERIC_COLUMNS, SENSITIVE_COLUMN, TARGET_COLUMN


def test_demo_table_is_seeded_and_realistic():
    a = demo_table(20_000, npartitions=4, random_state=3).compute()
    b = demo_table(20_000, npartitions=4, random_state=3).compute(scheduler="threads")
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == NUMERIC_COLUMNS + CATEGORICAL_COLUMNS + [
        SENSITIVE_COLUMN,
        TARGET_COLUMN,
    ]
    missing = a[NUMERIC_COLUMNS].isna().mean()
    assert ((missing > 0.01) & (missing < 0.03)).all()
    positive = a[TARGET_COLUMN].mean()
    assert 0.03 < positive < 0.25  # imbalanced
    income = a["income"].dropna()
    assert income.max() > 20 * income.median()  # heavy tail and outliers
    rates = a.groupby(SENSITIVE_COLUMN, observed=True)[TARGET_COLUMN].mean()
    assert rates["male"] > rates["female"]  # the planted bias


def test_demo_table_other_seed_differs():
    a = demo_table(1_000, npartitions=2, random_state=0).compute()
    b = demo_table(1_000, npartitions=2, random_state=1).compute()
    assert not np.allclose(a["age"].fillna(0), b["age"].fillna(0))


def test_demo_table_rejects_no_rows():
    with pytest.raises(ValueError, match="n_rows"):
        demo_table(0)

"""Automatic features: IDs, row names, datetimes, too many categories, the sensitive column."""

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from engine.workflow import check_spec
from engine.workflow._columns import column_facts, plan_features
from engine.workflow._features import TablePreprocessor

ROWS = 60


def _table() -> dd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "Unnamed: 0": np.arange(1, ROWS + 1),  # a CSV's row names
            "customer": [f"C{i:04d}" for i in rng.permutation(ROWS)],  # string ID
            "signed_up": pd.date_range("2024-01-01", periods=ROWS, freq="37h").strftime(
                "%Y-%m-%d %H:%M"
            ),
            "income": rng.normal(size=ROWS),  # unique floats: a feature, not an ID
            "visits": rng.permutation(ROWS) * 3,  # unique whole numbers, not a row count
            "plan": rng.choice(["basic", "pro"], ROWS),
            "gender": rng.choice(["f", "m"], ROWS),
            "churned": rng.choice(["Yes", "No"], ROWS),
        }
    )
    return dd.from_pandas(frame, npartitions=3)


def _plan(table, **data):
    spec = check_spec({"name": "t", "data": {"target": "churned", "sensitive": "gender", **data}})
    candidates = [c for c in table.columns if c != "churned"]
    (facts,) = dask.compute(column_facts(table, candidates))
    return plan_features(table, spec.data, facts)


def test_automatic_features_leave_out_ids_row_names_and_the_sensitive_column():
    plan = _plan(_table())
    assert plan.numeric == ("income", "visits")
    assert plan.categorical == ("plan",)
    assert plan.datetime == ("signed_up",)
    assert plan.left_out == {
        "gender": "sensitive column (data.sensitive_as_feature: false)",
        "Unnamed: 0": "unique per row (row numbers)",
        "customer": "unique per row (an ID)",
    }


def test_spec_choices_sensitive_as_feature_exclude_and_drop_datetimes():
    plan = _plan(_table(), sensitive_as_feature=True, exclude=["plan"], datetime="drop")
    assert "gender" in plan.categorical and "plan" not in plan.columns
    assert plan.left_out["signed_up"] == "datetime (data.datetime: drop)"
    assert plan.left_out["plan"] == "data.exclude"
    assert plan.as_record()["sensitive_as_feature"] is True


def test_too_many_categories_name_the_columns():
    with pytest.raises(ValueError, match=r"data\.max_categories: .*customer \(60 values\)"):
        _plan(_table(), features=["customer", "income"])
    with pytest.raises(ValueError, match=r"data\.exclude: columns \['nope'\] are not in the data"):
        _plan(_table(), exclude=["nope"])


def test_datetimes_expand_into_numeric_parts_lazily():
    table = _table()
    pre = TablePreprocessor(["income"], [], ["signed_up"], []).fit(table)
    out = pre.transform(table)
    assert isinstance(out, dd.DataFrame)
    names = ["income"] + [f"signed_up_{p}" for p in ("year", "month", "day", "weekday", "hour")]
    assert list(pre.get_feature_names_out()) == names
    when = pd.to_datetime(table["signed_up"].compute())
    got = out.compute()
    np.testing.assert_array_equal(got["signed_up_hour"], when.dt.hour)
    np.testing.assert_array_equal(got["signed_up_weekday"], when.dt.day_of_week)
    assert got.shape == (ROWS, 6)

"""New rows against a training schema: JSON records checked column by column, as conform checks frames."""

import numpy as np
import pandas as pd
import pytest

from engine.workflow import SchemaError, conform, records_frame

SCHEMA = {"age": "float64", "visits": "int64", "region": "str", "income": "float64"}


def _both(records):
    frame = conform(pd.DataFrame.from_records(records), SCHEMA, allow_extra=False)
    return records_frame(records, SCHEMA), frame


@pytest.mark.parametrize(
    "records",
    [
        [{"age": 31.5, "visits": 3, "region": "north", "income": None}],
        [
            {"age": 31, "visits": 3, "region": None, "income": 2.5},
            {"age": None, "visits": 4, "region": "south", "income": 1},
        ],
        [{"age": None, "visits": 2**62, "region": "east", "income": None}] * 3,
    ],
)
def test_records_frame_equals_conform_of_the_records_as_a_frame(records):
    got, expected = _both(records)
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize(
    ("column", "value"),
    [("age", "forty"), ("age", True), ("visits", "3"), ("region", 3), ("region", False)],
)
def test_a_mistyped_value_names_its_column_as_conform_does(column, value):
    records = [{"age": 1.0, "visits": 1, "region": "x", "income": 1.0} for _ in range(3)]
    records[1][column] = value
    with pytest.raises(SchemaError) as ours:
        records_frame(records, SCHEMA)
    with pytest.raises(SchemaError) as theirs:
        conform(pd.DataFrame.from_records(records), SCHEMA, allow_extra=False)
    assert ours.value.column == theirs.value.column == column
    assert str(ours.value) == str(theirs.value)


def test_missing_numbers_become_nan_in_float64():
    out = records_frame([{"age": None}, {"age": 2}], {"age": "float64"})
    assert out["age"].dtype == np.float64 and np.isnan(out["age"].iloc[0])


def test_a_text_column_of_numbers_only_is_named_as_numbers():
    records = [{"region": 3}, {"region": None}]
    with pytest.raises(SchemaError, match="must be text \\(str\\), got numbers such as 3"):
        records_frame(records, {"region": "str"})
    with pytest.raises(SchemaError, match="must be text \\(str\\), got numbers such as"):
        conform(pd.DataFrame.from_records(records), {"region": "str"}, allow_extra=False)

"""Which columns a run uses as features, and why the others are left out.

One lazy pass over the table gives, for each column that is not a float,
its exact distinct count and, for strings, whether every value is an ISO
date. From those and the dtypes, :func:`plan_features` decides:

- the target is never a feature; the sensitive column only with
  ``data.sensitive_as_feature: true``; ``data.exclude`` is left out;
- in automatic mode (no ``data.features``) columns unique per row are left out:
  strings with one value per row (IDs), whole numbers counting rows (row
  numbers, a CSV's row-name column ``Unnamed: 0``);
- datetime columns (datetime dtype, or strings all ``YYYY-MM-DD...``) are expanded
  into year, month, day, weekday and hour, or left out with ``data.datetime: drop``;
- string columns with more than ``data.max_categories`` distinct values are an
  error naming them (one-hot encoding them would make thousands of columns).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import dask.dataframe as dd
import pandas as pd

from engine.workflow._spec import DataSpec

ISO_DATE = r"^\d{4}-\d{2}-\d{2}"
ROW_NAME_COLUMNS = ("", "Unnamed: 0")


@dataclass(frozen=True)
class FeaturePlan:
    """The features of a run by kind, and the columns left out with the reason for each."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    datetime: tuple[str, ...]
    left_out: dict[str, str] = field(default_factory=dict)
    sensitive_as_feature: bool = False

    @property
    def columns(self) -> list[str]:
        """Every input column the model reads."""
        return [*self.numeric, *self.categorical, *self.datetime]

    def as_record(self) -> dict:
        """The plan as plain data for ``record.json``."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def _is_text(dtype) -> bool:
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def column_facts(table: dd.DataFrame, columns: list[str]) -> dict:
    """Lazy facts for :func:`plan_features`: row count, distinct counts, ISO-date strings."""
    counted = [
        c
        for c in columns
        if not pd.api.types.is_float_dtype(table.dtypes[c])
        and not pd.api.types.is_datetime64_any_dtype(table.dtypes[c])
    ]
    text = [c for c in counted if _is_text(table.dtypes[c])]
    integers = [c for c in counted if pd.api.types.is_integer_dtype(table.dtypes[c])]
    return {
        "rows": table.shape[0],
        "nunique": {c: table[c].nunique() for c in counted},
        "iso_dates": {c: table[c].dropna().astype(str).str.match(ISO_DATE).all() for c in text},
        "span": {c: (table[c].max() - table[c].min()) for c in integers},
    }


def _check_listed(columns: list[str], names, key: str) -> None:
    unknown = [c for c in names if c not in columns]
    if unknown:
        raise ValueError(f"data.{key}: columns {unknown} are not in the data; columns: {columns}")


def plan_features(table: dd.DataFrame, data: DataSpec, facts: dict) -> FeaturePlan:
    """Decide the features from the spec, the dtypes and the computed :func:`column_facts`."""
    columns = [str(c) for c in table.columns]
    for key in ("target", "sensitive"):
        name = getattr(data, key)
        if name is not None and name not in columns:
            raise ValueError(f"data.{key}: column {name!r} is not in the data; columns: {columns}")
    for key in ("features", "exclude", "categorical"):
        _check_listed(columns, getattr(data, key) or (), key)
    left_out: dict[str, str] = {data.target: "target"}
    if data.sensitive is not None and not data.sensitive_as_feature:
        left_out[data.sensitive] = "sensitive column (data.sensitive_as_feature: false)"
    for c in data.exclude:
        left_out.setdefault(c, "data.exclude")
    automatic = data.features is None
    wanted = list(data.features) if not automatic else [c for c in columns if c not in left_out]
    rows = int(facts["rows"])
    numeric, categorical, datetimes, too_many = [], [], [], []
    for c in wanted:
        dtype, distinct = table.dtypes[c], facts["nunique"].get(c)
        dated = pd.api.types.is_datetime64_any_dtype(dtype) or bool(facts["iso_dates"].get(c))
        if dated:
            if data.datetime == "drop":
                left_out[c] = "datetime (data.datetime: drop)"
            else:
                datetimes.append(c)
            continue
        if automatic and c not in data.categorical and rows > 1 and distinct == rows:
            if _is_text(dtype):
                left_out[c] = "unique per row (an ID)"
                continue
            if c in ROW_NAME_COLUMNS or int(facts["span"].get(c, -1)) == rows - 1:
                left_out[c] = "unique per row (row numbers)"
                continue
        if c in data.categorical or not pd.api.types.is_numeric_dtype(dtype):
            if distinct is not None and distinct > data.max_categories:
                too_many.append(f"{c} ({distinct} values)")
            categorical.append(c)
        else:
            numeric.append(c)
    if too_many:
        raise ValueError(
            f"data.max_categories: string columns with more than {data.max_categories} distinct "
            f"values would become as many one-hot columns: {', '.join(too_many)}; list them in "
            "data.exclude, or raise data.max_categories"
        )
    if not (numeric or categorical or datetimes):
        raise ValueError(f"data.features: no feature column left; left out: {left_out}")
    return FeaturePlan(
        tuple(numeric),
        tuple(categorical),
        tuple(datetimes),
        {k: v for k, v in left_out.items() if k != data.target},
        data.sensitive_as_feature,
    )

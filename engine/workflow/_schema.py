"""New rows checked against a model's training schema, naming the column at fault."""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter

import numpy as np
import pandas as pd


class SchemaError(ValueError):
    """Rows that do not fit a model's training schema; ``column`` names the culprit."""

    def __init__(self, message: str, column: str):
        super().__init__(message)
        self.column = column


def is_numeric(dtype: str) -> bool:
    """Whether a recorded dtype name is numeric (integers, unsigned, floats; not booleans)."""
    try:
        return np.dtype(dtype).kind in "iuf"
    except TypeError:  # pandas' own dtypes: category, string
        return False


def _is_text(value) -> bool:
    return value is None or isinstance(value, str) or (isinstance(value, float) and np.isnan(value))


def conform(frame: pd.DataFrame, features: dict[str, str], *, allow_extra: bool) -> pd.DataFrame:
    """The model's feature columns of ``frame``, in training order, checked against their dtypes.

    Parameters
    ----------
    frame : pandas.DataFrame
        New rows.
    features : dict
        ``{column: training dtype name}`` from the model's schema.
    allow_extra : bool
        Whether columns the model does not use are ignored (batch files with
        IDs) or refused (an API request).

    Returns
    -------
    pandas.DataFrame
        The feature columns; numeric ones as float64 when they hold missing values.

    Raises
    ------
    SchemaError
        A missing or extra column, or a numeric feature holding text (or a
        categorical feature holding numbers), naming the column.

    Examples
    --------
    >>> conform(pd.DataFrame({"age": [31, None]}), {"age": "float64"}, allow_extra=False).dtypes["age"]
    dtype('float64')
    >>> conform(pd.DataFrame({"age": ["x"]}), {"age": "float64"}, allow_extra=False)
    Traceback (most recent call last):
    ...
    engine.workflow._schema.SchemaError: column 'age' must be numeric (float64), got text such as 'x'
    """
    columns = [str(c) for c in frame.columns]
    missing = [c for c in features if c not in columns]
    if missing:
        raise SchemaError(
            f"missing column {missing[0]!r} (the model needs {list(features)})", missing[0]
        )
    extra = [c for c in columns if c not in features]
    if extra and not allow_extra:
        raise SchemaError(
            f"unexpected column {extra[0]!r} (the model takes {list(features)})", extra[0]
        )
    out = {}
    for name, dtype in features.items():
        column = frame[name]
        if is_numeric(dtype):
            out[name] = _numeric(column, name, dtype)
        else:
            out[name] = _categorical(column, name, dtype)
    return pd.DataFrame(out, index=frame.index)


_NUMBERS = frozenset({int, float, type(None)})
_TEXTS = frozenset({str, type(None)})


def records_columns(records: list[dict], features: dict[str, str]) -> dict[str, np.ndarray]:
    """Rows given as records (dicts of JSON values) as NumPy columns of the model's features, checked.

    The records must hold every feature (check their keys first). Each column
    is checked as a whole (the set of its values' types), not value by value
    through pandas: a numeric feature takes ints, floats and None (missing),
    a categorical one text and None. Numeric columns are int64 when every
    value is an int that fits (as pandas infers), else float64 (None: NaN);
    categorical columns are object arrays of the values (None kept).

    Raises
    ------
    SchemaError
        A numeric feature holding text or booleans (or a categorical feature
        holding numbers), naming the column and the first such value.

    Examples
    --------
    >>> records_columns([{"age": 31}, {"age": None}], {"age": "float64"})["age"]
    array([31., nan])
    >>> records_columns([{"age": "x"}], {"age": "float64"})
    Traceback (most recent call last):
    ...
    engine.workflow._schema.SchemaError: column 'age' must be numeric (float64), got text such as 'x'
    """
    out = {}
    for name, dtype in features.items():
        values = list(map(itemgetter(name), records))
        kinds = set(map(type, values))
        allowed = _NUMBERS if is_numeric(dtype) else _TEXTS
        if not kinds <= allowed:
            wrong = next(v for v in values if type(v) not in allowed)
            present = kinds - {type(None)}
            numbers = present <= {int, float} or present == {bool}  # a numeric dtype in pandas
            got = "numbers" if allowed is _TEXTS and numbers else _kind(wrong)
            expected = "numeric" if allowed is _NUMBERS else "text"
            raise SchemaError(
                f"column {name!r} must be {expected} ({dtype}), got {got} such as {wrong!r}", name
            )
        out[name] = _number_array(values, kinds) if allowed is _NUMBERS else _object_array(values)
    return out


def records_frame(records: list[dict], features: dict[str, str]) -> pd.DataFrame:
    """Rows given as records as a frame of the model's columns, checked (:func:`records_columns`).

    The frame equals
    ``conform(pandas.DataFrame.from_records(records), features, allow_extra=False)``.

    Examples
    --------
    >>> records_frame([{"age": 31}, {"age": None}], {"age": "float64"})["age"].tolist()
    [31.0, nan]
    """
    return columns_frame(records_columns(records, features))


def columns_frame(columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Columns of :func:`records_columns` as the frame pandas infers from the same records.

    Examples
    --------
    >>> columns_frame({"region": np.array(["north", None], dtype=object)})["region"].isna().tolist()
    [False, True]
    """
    if isinstance(columns, pd.DataFrame):
        return columns
    return pd.DataFrame({c: v.tolist() if v.dtype == object else v for c, v in columns.items()})


def _object_array(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _number_array(values: list, kinds: set) -> np.ndarray:
    """int64 when every value is an int that fits (as pandas infers), else float64 (None: NaN)."""
    if kinds == {int}:
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:
            pass
    return np.array(values, dtype=np.float64)


def _numeric(column: pd.Series, name: str, dtype: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column
    present = column.dropna()
    if present.empty:
        return column.astype(np.float64)
    wrong = present[present.map(lambda v: isinstance(v, bool) or not isinstance(v, int | float))]
    if len(wrong):
        raise SchemaError(
            f"column {name!r} must be numeric ({dtype}), got {_kind(wrong.iloc[0])} such as "
            f"{wrong.iloc[0]!r}",
            name,
        )
    return column.astype(np.float64)


def _categorical(column: pd.Series, name: str, dtype: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column.dtype) and column.notna().any():
        raise SchemaError(
            f"column {name!r} must be text ({dtype}), got numbers such as {column.dropna().iloc[0]!r}",
            name,
        )
    if column.dtype == object:
        wrong = column[~column.map(_is_text)]
        if len(wrong):
            raise SchemaError(
                f"column {name!r} must be text ({dtype}), got {_kind(wrong.iloc[0])} such as "
                f"{wrong.iloc[0]!r}",
                name,
            )
    return column


def _kind(value) -> str:
    return "text" if isinstance(value, str) else type(value).__name__


__all__ = [
    "SchemaError",
    "columns_frame",
    "conform",
    "is_numeric",
    "records_columns",
    "records_frame",
]

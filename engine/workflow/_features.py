"""The feature preprocessor a spec describes: a numeric chain, datetime parts, one-hot categories.

scikit-learn's ``ColumnTransformer`` concatenates in memory; this estimator
does the same job on pandas and dask DataFrames and stays lazy for Dask: the
numeric columns go through an engine pipeline, the categorical columns
through ``OneHotEncoder``, and the two outputs are joined side by side with the
same partitions.
"""

from __future__ import annotations

from collections.abc import Sequence

import dask.dataframe as dd
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

import engine.preprocessing as ep

DATE_PARTS = ("year", "month", "day", "weekday", "hour")


def expand_datetimes(X: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Replace each datetime (or ISO date string) column by its numeric parts (NaN where missing)."""
    out = X.drop(columns=list(columns))
    for c in columns:
        when = pd.to_datetime(X[c], format="ISO8601", errors="coerce", utc=True)
        for part in DATE_PARTS:
            values = when.dt.day_of_week if part == "weekday" else getattr(when.dt, part)
            out[f"{c}_{part}"] = values.astype(np.float64)
    return out


class TablePreprocessor(TransformerMixin, BaseEstimator):
    """Numeric and datetime columns through ``numeric_steps``, categorical columns one-hot encoded.

    Parameters
    ----------
    numeric : list of str
        Numeric feature columns.
    categorical : list of str
        Categorical feature columns (one-hot encoded; unseen categories ignored).
    datetime : list of str
        Datetime columns (or ISO date strings), expanded into numeric parts
        (year, month, day, weekday, hour) that join the numeric columns.
    numeric_steps : list of estimators
        Engine transformers applied in order to the numeric columns; fitted
        with :func:`engine.preprocessing.make_pipeline` (fewest passes over
        Dask input).

    Examples
    --------
    >>> import pandas as pd
    >>> from engine.preprocessing import StandardScaler
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]})
    >>> TablePreprocessor(["x"], ["c"], [], [StandardScaler()]).fit_transform(df).shape
    (3, 3)
    """

    def __init__(
        self,
        numeric: Sequence[str],
        categorical: Sequence[str],
        datetime: Sequence[str],
        numeric_steps: Sequence,
    ):
        self.numeric = numeric
        self.categorical = categorical
        self.datetime = datetime
        self.numeric_steps = numeric_steps

    def _numeric_columns(self) -> list[str]:
        parts = [f"{c}_{part}" for c in self.datetime for part in DATE_PARTS]
        return [*self.numeric, *parts]

    def _expanded(self, X):
        if not self.datetime:
            return X
        if isinstance(X, dd.DataFrame):
            meta = expand_datetimes(X._meta, self.datetime)
            return X.map_partitions(expand_datetimes, self.datetime, meta=meta)
        return expand_datetimes(X, self.datetime)

    def fit(self, X, y=None):
        X = self._expanded(X)
        self.numeric_ = (
            ep.make_pipeline(*[clone(s) for s in self.numeric_steps])
            if self.numeric_steps
            else None
        )
        self.categorical_ = (
            ep.OneHotEncoder(handle_unknown="ignore", sparse_output=False)
            if self.categorical
            else None
        )
        if self.numeric_ is not None:
            self.numeric_.set_output(transform="pandas").fit(X[self._numeric_columns()])
        if self.categorical_ is not None:
            self.categorical_.set_output(transform="pandas").fit(X[list(self.categorical)])
        self.feature_names_out_ = np.asarray(self._names(), dtype=object)
        return self

    def _names(self) -> list[str]:
        names = (
            list(self.numeric_.get_feature_names_out())
            if self.numeric_ is not None
            else self._numeric_columns()
        )
        if self.categorical_ is not None:
            names += list(self.categorical_.get_feature_names_out())
        return [str(n) for n in names]

    def transform(self, X):
        """Transform a pandas frame, or a dask frame lazily partition by partition (index kept)."""
        check_is_fitted(self, "feature_names_out_")
        if isinstance(X, dd.DataFrame):
            meta = self._transform_frame(X._meta_nonempty).iloc[:0]
            return X.map_partitions(self._transform_frame, meta=meta)
        return self._transform_frame(X)

    def _transform_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        X = self._expanded(X)
        numeric = self._numeric_columns()
        parts = [
            self.numeric_.transform(X[numeric])
            if self.numeric_ is not None
            else X[numeric].astype(np.float64)
        ]
        if self.categorical_ is not None:
            parts.append(self.categorical_.transform(X[list(self.categorical)]))
        return pd.concat(parts, axis=1)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_

"""The feature preprocessor a spec describes: a numeric chain plus one-hot categories.

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


def build_steps(steps: Sequence[tuple[str, dict]]) -> list:
    """Instantiate ``engine.preprocessing`` steps from ``(ClassName, params)`` pairs."""
    built = []
    for i, (name, params) in enumerate(steps):
        cls = getattr(ep, name, None)
        if cls is None or not isinstance(cls, type) or name.startswith("Random"):
            valid = sorted(
                n
                for n in ep.__all__
                if isinstance(getattr(ep, n), type) and not n.startswith("Random")
            )
            raise ValueError(
                f"spec key preprocessing[{i}]: unknown step {name!r}; valid steps: {valid}"
            )
        try:
            built.append(cls(**params))
        except TypeError as exc:
            raise ValueError(f"spec key preprocessing[{i}].{name}: {exc}") from exc
    return built


class TablePreprocessor(TransformerMixin, BaseEstimator):
    """Numeric columns through ``numeric_steps``, categorical columns one-hot encoded.

    Parameters
    ----------
    numeric : list of str
        Numeric feature columns.
    categorical : list of str
        Categorical feature columns (one-hot encoded; unseen categories ignored).
    numeric_steps : list of estimators
        Engine transformers applied in order to the numeric columns; fitted
        with :func:`engine.preprocessing.make_pipeline` (fewest passes over
        Dask input).

    Examples
    --------
    >>> import pandas as pd
    >>> from engine.preprocessing import StandardScaler
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]})
    >>> TablePreprocessor(["x"], ["c"], [StandardScaler()]).fit_transform(df).shape
    (3, 3)
    """

    def __init__(self, numeric: Sequence[str], categorical: Sequence[str], numeric_steps: Sequence):
        self.numeric = numeric
        self.categorical = categorical
        self.numeric_steps = numeric_steps

    def fit(self, X, y=None):
        self.numeric_ = (
            ep.make_pipeline(*[clone(s) for s in self.numeric_steps])
            if self.numeric_steps
            else None
        )
        self.categorical_ = ep.OneHotEncoder(handle_unknown="ignore") if self.categorical else None
        if self.numeric_ is not None:
            self.numeric_.set_output(transform="pandas").fit(X[list(self.numeric)])
        if self.categorical_ is not None:
            self.categorical_.set_output(transform="pandas").fit(X[list(self.categorical)])
        self.feature_names_out_ = np.asarray(self._names(), dtype=object)
        return self

    def _names(self) -> list[str]:
        names = (
            list(self.numeric_.get_feature_names_out())
            if self.numeric_ is not None
            else list(self.numeric)
        )
        if self.categorical_ is not None:
            names += list(self.categorical_.get_feature_names_out())
        return [str(n) for n in names]

    def transform(self, X):
        check_is_fitted(self, "feature_names_out_")
        parts = [
            self.numeric_.transform(X[list(self.numeric)])
            if self.numeric_ is not None
            else X[list(self.numeric)].astype(np.float64)
        ]
        if self.categorical_ is not None:
            parts.append(self.categorical_.transform(X[list(self.categorical)]))
        if isinstance(X, dd.DataFrame):
            return dd.concat(parts, axis=1)
        return pd.concat(parts, axis=1)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_

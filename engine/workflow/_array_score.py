"""Scoring rows held as NumPy columns: a run's fitted steps applied to arrays, no frames built.

``engine serve`` scores small requests, where building pandas frames and
checking feature names in every step costs far more than the arithmetic. A
run's model is ``Pipeline([("preprocess", TablePreprocessor), ("model",
estimator)])``; :class:`ArrayScorer` checks ONCE, when it is built, that the
column names chain through it (the preprocessor's inputs, each numeric step's
``feature_names_in_`` against the previous step's output names, the
estimator's against the preprocessor's output), then applies each fitted
step to NumPy arrays: the columns are picked by name from the request, the
numeric block goes through the engine steps' own array transforms
(:meth:`engine.preprocessing.StandardScaler.array_transform` and its
siblings: their kernels, their checks done once), the categorical block
through the fitted ``OneHotEncoder``'s ``transform`` on an object array, and
the estimator's ``predict_proba``/``predict`` runs on the joined array (laid
out in memory as pandas lays out the frame it hands to scikit-learn, so the
products sum in the same order). The encoder and the estimator are shallow
copies without ``feature_names_in_`` and with the default output, so
scikit-learn neither warns about missing names nor wraps the results in
frames; the fitted parameters are shared, never copied.

A missing categorical value (JSON null, None) is NaN, as pandas reads a null
in a text column and as every run's training frame held it; so a row scores
the same alone or within a batch (the frame path gave a one-row request whose
text column is null an object column of None, which the encoder took for an
unknown category, not the missing one it learned).

An estimator that does not answer plain arrays exactly as it answers the
named frame (checked on a probe row when the scorer is built, warnings as
errors) gets the named frame; a model of another shape (datetime features,
steps that drop rows, no preprocessor) gets no array scorer:
:meth:`ArrayScorer.for_model` returns None and the caller scores frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from engine.data.internal import answers_arrays_alike, bare_estimator
from engine.preprocessing.internal import array_transforms
from engine.workflow._features import TablePreprocessor
from engine.workflow._predict import prediction_columns
from engine.workflow._score import run_target, task_columns


def _names(values: Any) -> list[str]:
    return [str(v) for v in values]


def _numeric_chain(pre: TablePreprocessor) -> list | None:
    """The numeric steps' array transforms, when their names chain from the preprocessor's columns."""
    if pre.numeric_ is None:
        return []
    chained = array_transforms([step for _, step in pre.numeric_.steps], pre._numeric_columns())
    return None if chained is None else chained[0]


def _frame_order(pre: TablePreprocessor) -> str:
    """The memory order ("C" or "F") of the array scikit-learn makes of the preprocessor's frame.

    pandas lays the frame out by how it was built (one step's output: C; the
    numeric and one-hot parts joined: F), and an estimator's products sum in
    an order that follows the layout, so the array path takes the frame's: it
    is read once, here, from the preprocessor's output on a two-row probe.
    """
    probe = {c: [0.0, 0.0] for c in pre.numeric}
    if pre.categorical_ is not None:
        for name, categories in zip(pre.categorical, pre.categorical_.categories_, strict=True):
            probe[name] = [categories[0]] * 2
    values = np.asarray(pre.transform(pd.DataFrame(probe)))
    return "F" if values.flags.f_contiguous and not values.flags.c_contiguous else "C"


class ArrayScorer:
    """A run's fitted pipeline applied to NumPy columns (see the module docstring).

    Build it with :meth:`for_model`; :meth:`score` gives
    :func:`engine.workflow.score_columns`'s columns, bit for bit.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import Pipeline
    >>> from engine.preprocessing import StandardScaler
    >>> from engine.workflow._features import TablePreprocessor
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "c": ["x", "y", "x", "y"]})
    >>> pre = TablePreprocessor(["a"], ["c"], [], [StandardScaler()])
    >>> model = Pipeline([("preprocess", pre), ("model", LogisticRegression())])
    >>> model = model.fit(X, [0, 0, 1, 1])
    >>> meta = {"features": ["a", "c"], "task": "binary", "classes": [0, 1], "positive_label": 1}
    >>> scorer = ArrayScorer.for_model(model, meta)
    >>> scorer.score({"a": np.array([3.0]), "c": np.array(["y"], dtype=object)})["prediction"]
    array([1])
    """

    def __init__(self, model: Pipeline, metadata: dict, pre: TablePreprocessor, numeric: list):
        self.target = run_target(model, metadata)
        self.numeric_columns = list(pre.numeric)
        self.categorical_columns = list(pre.categorical)
        self.numeric_steps = numeric
        self.encoder = None if pre.categorical_ is None else bare_estimator(pre.categorical_)
        self.names_out = _names(pre.get_feature_names_out())
        self.order = _frame_order(pre)
        self.final = model.steps[-1][1]
        self.bare_final = bare_estimator(self.final)
        self.final_takes_arrays = answers_arrays_alike(
            self.final, self.bare_final, self._predictions, self.names_out
        )

    @classmethod
    def for_model(cls, model: Any, metadata: dict) -> ArrayScorer | None:
        """The array scorer of a run's model, or None when the model is not of the shape it knows."""
        if not isinstance(model, Pipeline) or len(model.steps) != 2:
            return None
        pre, final = model.steps[0][1], model.steps[1][1]
        if not isinstance(pre, TablePreprocessor) or pre.datetime:
            return None
        numeric = _numeric_chain(pre)
        encoder = pre.categorical_
        if numeric is None or (
            encoder is not None
            and (
                getattr(encoder, "sparse_output", False)
                or _names(getattr(encoder, "feature_names_in_", [])) != _names(pre.categorical)
            )
        ):
            return None
        fitted = getattr(final, "feature_names_in_", None)
        if fitted is not None and _names(fitted) != _names(pre.get_feature_names_out()):
            return None
        if set(pre.numeric) | set(pre.categorical) != set(metadata["features"]):
            return None
        return cls(model, metadata, pre, numeric)

    def _predictions(self, estimator: Any, X: Any) -> np.ndarray:
        if self.target.task == "regression":
            return np.asarray(estimator.predict(X))
        return np.asarray(estimator.predict_proba(X))

    def transform(self, columns: Mapping[str, Any]) -> np.ndarray:
        """The preprocessed rows: one float64 array laid out as the frame path's, the estimator's input.

        ``columns`` maps every feature name to a 1-D array (or Series) of the
        same length: numbers for numeric features, objects for categorical ones.
        """
        n_rows = len(columns[(self.numeric_columns or self.categorical_columns)[0]])
        out = np.empty((n_rows, len(self.names_out)), order=self.order)
        width = 0
        if self.numeric_columns:
            block = np.empty((n_rows, len(self.numeric_columns)))
            for j, name in enumerate(self.numeric_columns):
                block[:, j] = columns[name]
            for transform in self.numeric_steps:
                block = transform(block)
            width = block.shape[1]
            out[:, :width] = block
        if self.encoder is not None:
            block = np.empty((n_rows, len(self.categorical_columns)), dtype=object)
            for j, name in enumerate(self.categorical_columns):
                block[:, j] = columns[name]
            block[pd.isna(block)] = np.nan  # None too: missing text, as pandas reads it
            out[:, width:] = self.encoder.transform(block)
        return out

    def score(
        self, columns: Mapping[str, Any], *, probabilities: bool = False
    ) -> dict[str, np.ndarray]:
        """:func:`engine.workflow.score_columns`'s columns for rows given as NumPy columns."""
        Xt = self.transform(columns)
        if self.final_takes_arrays:
            estimator, X = self.bare_final, Xt
        else:
            estimator, X = self.final, pd.DataFrame(Xt, columns=self.names_out, copy=False)
        return task_columns(
            prediction_columns(X, estimator, self.target), self.target, probabilities
        )


__all__ = ["ArrayScorer"]

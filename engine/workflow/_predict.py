"""Lazy block-by-block predictions of a fitted pipeline, named per task.

One Dask task per partition of the input; the output keeps the input's index
(the row id) and partitions. Columns: ``prediction`` for every task, and for
classification one ``proba_<class>`` column per class, in ``classes`` order.
A binary ``threshold`` turns the positive class's probability into the
prediction (``score >= threshold``); without one the most probable class wins,
as the estimator's own ``predict``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.workflow._task import CLASSIFICATION


@dataclass(frozen=True)
class Target:
    """The task of a run and what it implies: classes, positive label, threshold."""

    task: str
    column: str
    reason: str = ""
    classes: tuple = ()
    positive_label: Any = None
    threshold: float | None = None

    @staticmethod
    def proba_column(label: Any) -> str:
        return f"proba_{label}"

    def as_record(self) -> dict:
        """The task facts for ``record.json`` and the saved model's metadata."""
        out: dict[str, Any] = {"task": self.task, "task_reason": self.reason}
        if self.task in CLASSIFICATION:
            out["classes"] = [_plain(c) for c in self.classes]
        if self.task == "binary":
            out.update(positive_label=_plain(self.positive_label), threshold=self.threshold)
        return out

    @classmethod
    def from_record(cls, facts: dict, column: str) -> Target:
        return cls(
            facts["task"],
            column,
            facts.get("task_reason", ""),
            tuple(facts.get("classes", ())),
            facts.get("positive_label"),
            facts.get("threshold"),
        )


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def prediction_columns(X: pd.DataFrame, model, target: Target) -> dict[str, np.ndarray]:
    """``prediction`` (and ``proba_<class>`` per class) of rows in memory, as NumPy columns."""
    if target.task not in CLASSIFICATION:
        return {"prediction": np.asarray(model.predict(X), dtype=np.float64)}
    proba = model.predict_proba(X)
    classes = np.asarray(model.classes_)
    if target.threshold is not None:
        pos = int(np.flatnonzero(classes == target.positive_label)[0])
        other = classes[1 - pos]
        predicted = np.where(proba[:, pos] >= target.threshold, classes[pos], other)
    else:
        predicted = classes[proba.argmax(axis=1)]
    columns = {"prediction": predicted}
    for i, label in enumerate(classes):
        columns[Target.proba_column(label)] = proba[:, i]
    return columns


def predict_part(
    part: pd.DataFrame, model, target: Target, features: list[str], keep: list[str]
) -> pd.DataFrame:
    """Predictions of rows in memory, named as :func:`predict_frame` names them."""
    X = part if list(part.columns) == features else part[features]
    columns = prediction_columns(X, model, target)
    return pd.DataFrame({**{c: part[c].array for c in keep}, **columns}, index=part.index)


def predict_frame(
    model, X: dd.DataFrame, target: Target, features: list[str], keep: list[str] = ()
) -> dd.DataFrame:
    """Lazy predictions of ``model`` on ``X[features]`` (one task per partition), named per task.

    The ``keep`` columns of ``X`` are copied in front of the predictions.

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    >>> model = LinearRegression().fit(X, [0.0, 2.0, 4.0, 6.0])
    >>> out = predict_frame(model, dd.from_pandas(X, npartitions=2), Target("regression", "y"), ["x"])
    >>> out.compute()["prediction"].round(6).tolist()
    [0.0, 2.0, 4.0, 6.0]
    """
    features, keep = list(features), list(keep)
    meta = predict_part(X._meta, _EmptyModel(target), target, features, keep)
    return X.map_partitions(predict_part, model, target, features, keep, meta=meta)


class _EmptyModel:
    """Stands in for the model to build the (empty) output schema without calling it."""

    def __init__(self, target: Target):
        self.classes_ = np.asarray(target.classes)

    def predict(self, part):
        return np.empty(len(part))

    def predict_proba(self, part):
        return np.empty((len(part), len(self.classes_)))

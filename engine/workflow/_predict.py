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

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data import takes_whole_collections
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


def model_output(X: Any, model, target: Target) -> Any:
    """The model's answer the columns are built from: ``predict_proba`` or, for regression, ``predict``."""
    return model.predict_proba(X) if target.task in CLASSIFICATION else model.predict(X)


def output_columns(output: Any, classes: Any, target: Target) -> dict[str, np.ndarray]:
    """``prediction`` (and ``proba_<class>`` per class) from :func:`model_output` on some rows."""
    if target.task not in CLASSIFICATION:
        return {"prediction": np.asarray(output, dtype=np.float64)}
    proba = np.asarray(output)
    classes = np.asarray(classes)
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


def prediction_columns(X: pd.DataFrame, model, target: Target) -> dict[str, np.ndarray]:
    """``prediction`` (and ``proba_<class>`` per class) of rows in memory, as NumPy columns."""
    return output_columns(model_output(X, model, target), _classes(model, target), target)


def _classes(model, target: Target) -> Any:
    return model.classes_ if target.task in CLASSIFICATION else ()


def predictions_part(
    part: pd.DataFrame, output: Any, classes: Any, target: Target, keep: list[str]
) -> pd.DataFrame:
    """The ``keep`` columns of ``part`` and the prediction columns of its model ``output``."""
    columns = output_columns(output, classes, target)
    return pd.DataFrame({**{c: part[c].array for c in keep}, **columns}, index=part.index)


def _final_estimator(model) -> Any:
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model


def takes_whole_test_part(model) -> bool:
    """Whether ``model`` (or its pipeline's final step) predicts whole Dask collections.

    Such models (XGBoost's and LightGBM's Dask estimators, as registered in
    ``engine.data``'s registry of collection models) cannot predict a pandas
    partition inside a task: they are handed the whole collection instead.
    """
    return takes_whole_collections(model) or takes_whole_collections(_final_estimator(model))


def _output_blocks(model, X: dd.DataFrame, target: Target) -> list:
    """The whole-collection model's output on ``X``, one ``Delayed`` block per partition of ``X``."""
    steps = getattr(model, "steps", None)
    final = _final_estimator(model)
    Xt = model[:-1].transform(X) if steps and len(steps) > 1 else X
    output = model_output(Xt, final, target)
    if isinstance(output, dd.DataFrame | dd.Series):
        output = output.to_dask_array()
    grid = output.to_delayed()  # row blocks x column blocks (XGBoost's binary proba: 2 columns)
    blocks = [dask.delayed(np.hstack)(list(row)) for row in grid] if grid.ndim == 2 else list(grid)
    if len(blocks) != X.npartitions:
        raise RuntimeError(
            f"{type(final).__name__} answered {X.npartitions} partitions with {len(blocks)} "
            "blocks; its predictions cannot be paired with the rows"
        )
    return blocks


def map_predictions(
    model, X: dd.DataFrame, target: Target, features: list[str], make_part, *args: Any
) -> dd.DataFrame:
    """``make_part(partition, output, classes, target, *args)`` over ``X``, lazily, partition by partition.

    ``output`` is :func:`model_output` of the model on the partition's
    ``features``: computed inside each partition's task for a model that
    predicts rows in memory; for a whole-collection model
    (:func:`takes_whole_test_part`), the model's own Dask prediction on
    ``X[features]`` is paired block for block with the partitions it came from.
    The result keeps ``X``'s index and divisions.
    """
    classes = _classes(model, target)
    width = (len(target.classes),) if target.task in CLASSIFICATION else ()
    meta = make_part(X._meta, np.empty((0, *width)), target.classes, target, *args)
    if not takes_whole_test_part(model):
        return X.map_partitions(
            _predicted_part, model, target, features, make_part, args, meta=meta
        )
    # a selection by map_partitions: Dask cannot fuse this projection's partitions differently
    blocks = _output_blocks(
        model, X.map_partitions(_select, features, meta=X._meta[features]), target
    )
    parts = [
        dask.delayed(make_part)(part, block, classes, target, *args)
        for part, block in zip(X.to_delayed(), blocks, strict=True)
    ]
    return dd.from_delayed(parts, meta=meta, divisions=X.divisions, verify_meta=False)


def _select(part: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    return part[features]


def _predicted_part(part, model, target: Target, features: list[str], make_part, args) -> Any:
    X = part if list(part.columns) == features else part[features]
    output = model_output(X, model, target)
    return make_part(part, output, _classes(model, target), target, *args)


def predict_frame(
    model, X: dd.DataFrame, target: Target, features: list[str], keep: list[str] = ()
) -> dd.DataFrame:
    """Lazy predictions of ``model`` on ``X[features]`` (one task per partition), named per task.

    The ``keep`` columns of ``X`` are copied in front of the predictions. A
    model whose final step predicts whole Dask collections (XGBoost's Dask
    estimators, see :func:`takes_whole_test_part`) predicts ``X[features]``
    with its own Dask method; its blocks are paired with ``X``'s partitions.

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
    return map_predictions(model, X, target, list(features), predictions_part, list(keep))

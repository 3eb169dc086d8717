"""The evaluation stage of a run: predictions, metrics, fairness, drift and importance per task."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.drift import drift_report
from engine.fairness import bias_report
from engine.inspection import permutation_importance
from engine.metrics import evaluate
from engine.workflow._predict import (
    Target,
    map_predictions,
    predictions_part,
    takes_whole_test_part,
)
from engine.workflow._record import RunRecord
from engine.workflow._spec import RunSpec
from engine.workflow._task import DEFAULT_METRICS, metric_requests, metric_values

IMPORTANCE_ROWS = 20_000
IMPORTANCE_SCORING = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "r2"}
GROUP = "group"
IMPORTANCE_SKIPPED = (
    "skipped: the model predicts whole Dask collections only, and permutation importance "
    "predicts row blocks"
)


def label_part(
    part: pd.DataFrame, output, classes, target: Target, sensitive: str | None
) -> pd.DataFrame:
    """Predictions of one test partition with its true values (and sensitive groups) beside them."""
    out = predictions_part(part, output, classes, target, [])
    out["true"] = part[target.column].array  # positional, dtype kept
    if sensitive is not None:
        out[GROUP] = part[sensitive].array
    return out


def label_test_part(model, splits, target: Target) -> dd.DataFrame:
    """Lazy :func:`label_part` over the test part, one task per partition.

    The true values and the groups are read from the very partition that is
    predicted (or, for a model predicting whole collections, that its
    prediction block came from), never joined from another collection.
    """
    features = list(splits.features)
    return map_predictions(model, splits.test, target, features, label_part, splits.sensitive)


@dataclass
class Evaluation:
    """What the evaluation stage found (lazy, persisted inputs kept for the report's plots)."""

    target: Target
    metrics: dict
    labelled: dd.DataFrame  # row id index; prediction, proba_<class>, true (and group) columns
    bias: Any = None
    group_errors: pd.DataFrame | None = None
    drift: Any = None
    importance: Any = None
    drift_reference: Any = None
    drift_current: Any = None
    feature_names: list[str] = field(default_factory=list)

    @property
    def task(self) -> str:
        return self.target.task

    @property
    def predictions(self) -> dd.DataFrame:
        """The test rows' predictions and true values (``predictions.parquet``)."""
        return self.labelled[[c for c in self.labelled.columns if c != GROUP]]

    @property
    def sensitive(self) -> dd.Series | None:
        """The test rows' sensitive attribute, on the predictions' partitions."""
        return self.labelled[GROUP] if GROUP in self.labelled.columns else None

    def binary_columns(self) -> tuple[dd.Series, dd.Series, dd.Series]:
        """``(y_true, y_pred, score)`` of a binary task as 0/1 for the positive label."""
        pos = self.target.positive_label
        frame = self.predictions
        return (
            (frame["true"] == pos).astype(np.int64),
            (frame["prediction"] == pos).astype(np.int64),
            frame[self.target.proba_column(pos)],
        )

    @property
    def summary(self) -> dict:
        out: dict[str, Any] = {"metrics": {k: float(v) for k, v in self.metrics.items()}}
        if self.drift is not None:
            out["drift"] = {
                "share_drifted": float(self.drift.share_drifted),
                "drifted": bool(self.drift.drifted),
            }
        if self.bias is not None:
            out["bias_flagged"] = self.bias.disparities.loc[
                self.bias.disparities["flagged"], "metric"
            ].tolist()
        if self.group_errors is not None:
            out["fairness"] = self.group_errors.reset_index().to_dict(orient="records")
        return out


def compute_metrics(evaluation: Evaluation, names) -> dict[str, float]:
    """The task's metrics on the test predictions, in one pass (values as scikit-learn's)."""
    target, frame = evaluation.target, evaluation.predictions
    requests = metric_requests(target.task, names)
    if target.task == "binary":
        y_true, y_pred, score = evaluation.binary_columns()
    elif target.task == "multiclass":
        y_true, y_pred = frame["true"], frame["prediction"]
        score = frame[[target.proba_column(c) for c in target.classes]].to_dask_array(lengths=True)
    else:
        y_true, y_pred, score = frame["true"], frame["prediction"], None
    # ``evaluate`` labels results by metric: names sharing one (f1_macro, f1_weighted)
    # go in separate rounds over the persisted predictions.
    rounds: list[dict[str, tuple[str, dict]]] = []
    for name, (base, kwargs) in requests.items():
        free = next((r for r in rounds if all(b != base for b, _ in r.values())), None)
        if free is None:
            free = {}
            rounds.append(free)
        free[name] = (base, kwargs)
    raw: dict[str, float] = {}
    for chunk in rounds:
        values = evaluate(y_true, y_pred, score, metrics=list(chunk.values()))
        raw.update({name: values[base] for name, (base, _) in chunk.items()})
    return metric_values(target.task, {name: raw[name] for name in requests})


def group_errors(evaluation: Evaluation) -> pd.DataFrame:
    """Per group of the sensitive column: rows and accuracy, or error and mean prediction."""
    frame = evaluation.labelled
    if evaluation.task == "regression":
        frame = frame.assign(abs_error=(frame["prediction"] - frame["true"]).abs())
        stats = frame.groupby(GROUP).agg(
            {"true": ["count", "mean"], "prediction": "mean", "abs_error": "mean"}
        )
        names = ["rows", "mean actual", "mean prediction", "mean absolute error"]
    else:
        frame = frame.assign(correct=(frame["prediction"] == frame["true"]).astype(np.float64))
        stats = frame.groupby(GROUP).agg({"correct": ["count", "mean"]})
        names = ["rows", "accuracy"]
    table = stats.compute()
    table.columns = names
    return table.sort_index()


def evaluate_model(
    spec: RunSpec, model, splits, target: Target, numeric: list[str], record: RunRecord
) -> Evaluation:
    """Predict the test part lazily (block by block), persist it once, evaluate it."""
    config = spec.evaluation
    with record.stage("predict test part"):
        splits.test = splits.test.persist()
        labelled = label_test_part(model, splits, target).persist()
    result = Evaluation(target, {}, labelled, feature_names=list(splits.features))
    with record.stage("metrics"):
        result.metrics = compute_metrics(result, config.metrics or DEFAULT_METRICS[target.task])
    if config.fairness and result.sensitive is not None:
        with record.stage("fairness"):
            if target.task == "binary":
                y_true, y_pred, _ = result.binary_columns()
                result.bias = bias_report(y_true, y_pred, sensitive_features=result.sensitive)
            else:
                result.group_errors = group_errors(result)
    if config.drift and numeric:
        with record.stage("drift (train vs test)"):
            result.drift_reference, result.drift_current = (
                splits.X_train[numeric],
                splits.X_test[numeric],
            )
            result.drift = drift_report(result.drift_reference, result.drift_current)
    if config.importance and takes_whole_test_part(model):
        record.results["importance"] = IMPORTANCE_SKIPPED
        if record.echo is not None:
            record.echo(f"permutation importance: {IMPORTANCE_SKIPPED}")
    elif config.importance:
        with record.stage("permutation importance"):
            X_small, y_small = dask.compute(
                splits.X_test.head(IMPORTANCE_ROWS, npartitions=-1, compute=False),
                splits.y_test.head(IMPORTANCE_ROWS, npartitions=-1, compute=False),
            )
            result.importance = permutation_importance(
                model,
                X_small,
                y_small,
                scoring=IMPORTANCE_SCORING[target.task],
                n_repeats=config.importance_repeats,
                random_state=spec.split.random_state,
            )
    return result

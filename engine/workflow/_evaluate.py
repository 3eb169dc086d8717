"""The evaluation stage of a run: metrics, bias, drift and importance on the test part."""

from __future__ import annotations

from collections.abc import Callable
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
from engine.workflow._record import RunRecord

IMPORTANCE_ROWS = 20_000


@dataclass
class Evaluation:
    """What the evaluation stage found (lazy inputs kept for the report's plots)."""

    metrics: dict
    y_true: Any
    y_pred: Any
    y_score: Any
    sensitive: Any
    bias: pd.DataFrame | None = None
    drift: Any = None
    importance: Any = None
    drift_reference: Any = None
    drift_current: Any = None
    feature_names: list[str] = field(default_factory=list)
    #: What the model predicts; the run scores the positive class's probability.
    task: str = "binary classification"

    @property
    def summary(self) -> dict:
        out: dict[str, Any] = {
            "task": self.task,
            "metrics": {k: float(v) for k, v in self.metrics.items()},
        }
        if self.drift is not None:
            out["drift"] = {
                "share_drifted": float(self.drift.share_drifted),
                "drifted": bool(self.drift.drifted),
            }
        if self.bias is not None:
            out["bias_flagged"] = self.bias.disparities.loc[
                self.bias.disparities["flagged"], "metric"
            ].tolist()
        return out


def _positive_scores(model, X: dd.DataFrame) -> dd.Series:
    def score(part: pd.DataFrame) -> pd.Series:
        return pd.Series(model.predict_proba(part)[:, 1], index=part.index, name="score")

    return X.map_partitions(score, meta=pd.Series([], dtype=np.float64, name="score"))


def evaluate_model(
    spec: dict, model, splits, numeric: list[str], record: RunRecord, echo: Callable[[str], Any]
) -> Evaluation:
    """Score the test part lazily and evaluate it (each check is one pass over the test part)."""
    config = spec["evaluation"]
    # Metrics, bias, drift, importance and the report's plots each read the test
    # part: score it once and keep the scores (a few columns) and the test rows.
    with record.stage("score test part"):
        splits.X_test = splits.X_test.persist()
        y_score = _positive_scores(model, splits.X_test)
        y_pred = (y_score >= 0.5).astype(np.int64)
        y_score, y_pred, splits.y_test, splits.s_test = dask.persist(
            y_score, y_pred, splits.y_test, splits.s_test
        )
    with record.stage("metrics"):
        metrics = evaluate(splits.y_test, y_pred, y_score, metrics=config["metrics"])
    echo("metrics: " + "  ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    result = Evaluation(
        metrics,
        splits.y_test,
        y_pred,
        y_score,
        splits.s_test,
        feature_names=list(splits.X_test.columns),
    )
    if config["fairness"] and splits.s_test is not None:
        with record.stage("fairness"):
            result.bias = bias_report(splits.y_test, y_pred, sensitive_features=splits.s_test)
        echo(
            f"bias by {spec['data']['sensitive']}:\n{result.bias.by_group.to_string()}\n"
            f"{result.bias.disparities.to_string(index=False)}"
        )
    if config["drift"]:
        with record.stage("drift (train vs test)"):
            result.drift_reference, result.drift_current = (
                splits.X_train[numeric],
                splits.X_test[numeric],
            )
            result.drift = drift_report(result.drift_reference, result.drift_current)
        echo(f"drift: {result.drift.share_drifted:.0%} of columns drifted")
    if config["importance"]:
        with record.stage("permutation importance"):
            X_small, y_small = dask.compute(
                splits.X_test.head(IMPORTANCE_ROWS, npartitions=-1, compute=False),
                splits.y_test.head(IMPORTANCE_ROWS, npartitions=-1, compute=False),
            )
            result.importance = permutation_importance(
                model,
                X_small,
                y_small,
                scoring="roc_auc",
                n_repeats=config["importance_repeats"],
                random_state=spec["split"]["random_state"],
            )
    return result

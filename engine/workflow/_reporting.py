"""The HTML report of a run: a summary of verdicts first, then data, model, checks and timings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from engine.report import plots
from engine.report.html import write_report
from engine.workflow._record import RunRecord

TASK_NAMES = {
    "binary": "binary classification",
    "multiclass": "multiclass classification",
    "regression": "regression",
}

#: The metric the summary shows when the spec's search names no scoring.
PREFERRED_METRICS = ("roc_auc", "roc_auc_ovr", "accuracy", "r2")
#: Decimals kept in the profile of standardised columns (their float noise, ~1e-17, reads as 0).
SCALED_DECIMALS = 4


def headline_metric(spec: dict, metrics: dict) -> tuple[str, float]:
    """The search's scoring metric when it was computed, else a preferred one, else the first."""
    search = spec["model"]["search"] or {}
    for name in (search.get("scoring"), *PREFERRED_METRICS):
        if name in metrics:
            return name, float(metrics[name])
    name = next(iter(metrics))
    return name, float(metrics[name])


def drift_verdict(drift) -> tuple[str, str]:
    """``(text, status)`` for the summary: how many columns drifted and the dataset verdict."""
    columns = len(drift.columns)
    methods = ", ".join(sorted(set(drift.columns["method"])))
    text = f"{drift.n_drifted} of {columns} columns drifted ({methods})"
    if drift.drifted:
        return f"DRIFT: {text}", "alert"
    return f"no dataset drift: {text}", "ok"


def fairness_verdict(bias, sensitive: str) -> tuple[str, str]:
    """``(text, status)``: the flagged fairness criteria, or none."""
    flagged = bias.disparities.loc[bias.disparities["flagged"], "criterion"].tolist()
    if flagged:
        return f"flagged by {sensitive}: {', '.join(flagged)}", "alert"
    return f"no disparity flagged by {sensitive}", "ok"


def run_summary(record: RunRecord, evaluation, test_rows: int) -> dict[str, Any]:
    """The summary block: task, data, fingerprint, model, headline metric, drift, fairness."""
    spec, data = record.spec, record.spec["data"]
    name, value = headline_metric(spec, evaluation.metrics)
    summary: dict[str, Any] = {
        "Task": f"{TASK_NAMES[evaluation.task]} of {data['target']!r}",
        "Data": f"{data['source']}: {record.results['train_rows']:,} training rows, "
        f"{test_rows:,} test rows",
        "Data fingerprint": record.data_fingerprint,
        "Model": record.results["estimator"].rpartition(".")[2],
        f"{name} (test part)": value,
    }
    if evaluation.drift is not None:
        summary["Drift (train vs test)"] = drift_verdict(evaluation.drift)
    if evaluation.bias is not None:
        summary["Fairness"] = fairness_verdict(evaluation.bias, data["sensitive"])
    return summary


def _data_section(record: RunRecord, before: pd.DataFrame, test_rows: int) -> list:
    data = record.spec["data"]
    facts = {
        "source": data["source"],
        "target": data["target"],
        "sensitive attribute": data["sensitive"] or "none",
        "training rows": record.results["train_rows"],
        "test rows": test_rows,
        "fingerprint": record.data_fingerprint,
    }
    return [facts, "Numeric columns before cleaning (all rows):", before]


def _model_section(record: RunRecord) -> list:
    model = record.spec["model"]
    facts: dict[str, Any] = {
        "estimator": record.results["estimator"],
        "parameters": model["params"],
    }
    search = record.results.get("search")
    if search is not None:
        facts.update(
            {
                "search": model["search"]["kind"],
                "candidates": search["n_candidates"],
                "best parameters": search["best_params"],
                f"best cross-validated {model['search']['scoring'] or 'score'}": search[
                    "best_score"
                ],
            }
        )
    return [facts]


def performance_figures(evaluation) -> list:
    """Per task: ROC curve and confusion matrix (binary), k x k confusion matrix and
    one-vs-rest ROC curves (multiclass), predicted vs actual and residuals (regression)."""
    frame, target = evaluation.predictions, evaluation.target
    if target.task == "regression":
        return [plots.plot_predicted_vs_actual(frame["true"], frame["prediction"])]
    matrix = plots.plot_confusion_matrix(
        frame["true"], frame["prediction"], labels=list(target.classes)
    )
    if target.task == "binary":
        y_true, _, score = evaluation.binary_columns()
        return [
            plots.plot_roc_curve(y_true, score, name=f"positive: {target.positive_label}"),
            matrix,
        ]
    fig = None
    for label in target.classes:
        fig = plots.plot_roc_curve(
            (frame["true"] == label).astype("int64"),
            frame[target.proba_column(label)],
            name=f"{label} vs rest",
            ax=None if fig is None else fig.axes[0],
        )
    fig.axes[0].set_title("One-vs-rest ROC curves")
    return [matrix, fig]


def write_run_report(
    path: Path, record: RunRecord, before: pd.DataFrame, after: pd.DataFrame, evaluation
) -> Path:
    """Write ``report.html`` for a finished run (figures embedded, nothing overwritten)."""
    test_rows = record.results["test_rows"]
    steps = ", ".join(step["name"] for step in record.spec["preprocessing"]) or "none"
    metrics = pd.DataFrame(
        {
            "metric": list(evaluation.metrics),
            "value": [float(v) for v in evaluation.metrics.values()],
        }
    )
    sections: list[tuple[str, object]] = [
        ("Data", _data_section(record, before, test_rows)),
        (
            "After cleaning and scaling (training part)",
            [f"Steps: {steps}.", after.round(SCALED_DECIMALS)],
        ),
        ("Model", _model_section(record)),
        ("Performance on the test part", [metrics, *performance_figures(evaluation)]),
    ]
    if evaluation.bias is not None:
        sensitive = record.spec["data"]["sensitive"]
        sections.append(
            (
                f"Fairness by {sensitive}",
                [
                    fairness_verdict(evaluation.bias, sensitive)[0],
                    evaluation.bias.by_group,
                    evaluation.bias.disparities,
                    plots.plot_fairness(evaluation.bias),
                ],
            )
        )
    if evaluation.group_errors is not None:
        sensitive = record.spec["data"]["sensitive"]
        sections.append((f"Errors by {sensitive}", [evaluation.group_errors.reset_index()]))
    if evaluation.drift is not None:
        sections.append(
            (
                "Drift: training vs test part",
                [
                    evaluation.drift.summary(),
                    evaluation.drift.to_frame(),
                    plots.plot_drift_histograms(
                        evaluation.drift_reference,
                        evaluation.drift_current,
                        report=evaluation.drift,
                    ),
                ],
            )
        )
    if evaluation.importance is not None:
        sections.append(
            (
                "Permutation importance (test part)",
                plots.plot_permutation_importance(evaluation.importance, evaluation.feature_names),
            )
        )
    return write_report(
        path,
        sections,
        title=f"engine run: {record.name}",
        summary=run_summary(record, evaluation, test_rows),
        timings=record.timings,
    )

"""The HTML report of a run: profiles, metrics, plots, bias, drift and importance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from engine.report import (
    plot_confusion_matrix,
    plot_drift_histograms,
    plot_fairness,
    plot_permutation_importance,
    plot_roc_curve,
)
from engine.report.html import write_report
from engine.workflow._record import RunRecord


def write_run_report(
    path: Path, record: RunRecord, before: pd.DataFrame, after: pd.DataFrame, evaluation
) -> Path:
    """Write ``report.html`` for a finished run (figures embedded, nothing overwritten)."""
    sections: list[tuple[str, object]] = [
        (
            "Data",
            f"fingerprint {record.data_fingerprint}; {record.results.get('train_rows', '?')} training rows",
        ),
        ("Profile before cleaning", before),
        ("Profile after cleaning and scaling (training part)", after),
        ("Metrics (test part)", pd.Series(evaluation.metrics, name="value").to_frame()),
    ]
    if "search" in record.results:
        sections.append(
            ("Model search", pd.Series(record.results["search"], dtype=object).to_frame("value"))
        )
    sections.append(("ROC curve", plot_roc_curve(evaluation.y_true, evaluation.y_score)))
    sections.append(
        ("Confusion matrix", plot_confusion_matrix(evaluation.y_true, evaluation.y_pred))
    )
    if evaluation.bias is not None:
        sections.append(("Bias by group", evaluation.bias.by_group))
        sections.append(("Disparities", evaluation.bias.disparities))
        sections.append(("Group rates", plot_fairness(evaluation.bias)))
    if evaluation.drift is not None:
        sections.append(("Drift (train vs test)", evaluation.drift.to_frame()))
        sections.append(
            (
                "Drift histograms",
                plot_drift_histograms(
                    evaluation.drift_reference, evaluation.drift_current, report=evaluation.drift
                ),
            )
        )
    if evaluation.importance is not None:
        sections.append(
            (
                "Permutation importance",
                plot_permutation_importance(evaluation.importance, evaluation.feature_names),
            )
        )
    return write_report(path, sections, title=f"engine run: {record.name}", timings=record.timings)

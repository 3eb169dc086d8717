"""The pages of ``engine monitor``: one batch's drift page and the history of all batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from engine.report import plot_drift_histograms, write_report


def _verdict(drifted: bool, text: str) -> tuple[str, str]:
    return (f"DRIFT: {text}" if drifted else f"no drift: {text}", "alert" if drifted else "ok")


def write_monitor_page(path: Path, check: Any, summary: dict[str, Any]) -> Path:
    """One self-contained page for a batch: verdicts, drift tables and histograms."""
    prediction = check.prediction.columns.iloc[0]
    boxes: dict[str, Any] = {
        "Batch": f"{summary['source']}: {check.rows:,} rows",
        "Data drift": _verdict(
            check.data.drifted, f"{check.data.n_drifted} of {len(check.data.columns)} columns"
        ),
        "Prediction drift": _verdict(
            bool(prediction["drifted"]),
            f"{prediction['method']} = {prediction['statistic']:.4g} "
            f"(threshold {prediction['threshold']:g})",
        ),
    }
    sections: list[tuple[str, Any]] = [
        (
            "Data drift per column",
            [
                check.data.columns,
                plot_drift_histograms(check.reference, check.current, report=check.data),
            ],
        ),
        (
            "Prediction drift",
            [
                check.prediction.columns,
                plot_drift_histograms(
                    check.scores[0][[prediction["column"]]],
                    check.scores[1][[prediction["column"]]],
                    report=check.prediction,
                ),
            ],
        ),
    ]
    if check.performance is not None:
        boxes["Performance"] = _verdict(
            check.performance_drifted,
            ", ".join(check.performance.loc[check.performance["degraded"], "metric"])
            or "no metric degraded",
        )
        sections.append(("Performance vs the run", check.performance))
    return write_report(path, sections, title=f"engine monitor: {summary['time']}", summary=boxes)


def plot_history(history: pd.DataFrame) -> Figure:
    """Share of drifted columns, prediction-drift statistic and metrics, batch after batch."""
    metrics = [c for c in history.columns if c.startswith("metric_")]
    panels = [
        ("share_drifted", "share of drifted columns"),
        ("prediction_statistic", "prediction drift"),
    ]
    panels += [(c, c.removeprefix("metric_")) for c in metrics]
    fig = Figure(figsize=(6.0, 2.4 * len(panels)), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False).ravel()
    for ax, (column, label) in zip(axes, panels, strict=True):
        ax.plot(history["time"], history[column], marker="o")
        drifted = history["drifted"].to_numpy()
        ax.plot(
            history["time"][drifted], history[column][drifted], "o", color="tab:red", label="drift"
        )
        ax.set_ylabel(label)
    axes[0].set_title("Monitored batches (red: drift detected)")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def write_history_page(path: Path, history: pd.DataFrame) -> Path:
    """The trend page: the history plot and table (replaces an earlier history page)."""
    drifted = int(history["drifted"].sum())
    return write_report(
        path,
        [("Trend", plot_history(history)), ("Batches", history)],
        title="engine monitor: history",
        summary={
            "Batches": len(history),
            "Drift detected": _verdict(drifted > 0, f"{drifted} batches"),
        },
        overwrite=True,
    )

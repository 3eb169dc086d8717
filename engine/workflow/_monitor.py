"""Monitoring new batches against a run: data drift, prediction drift, performance drift.

A run keeps its reference in its folder as ``reference.parquet``: the raw
feature columns of the training part, every row up to ``REFERENCE_ROWS``
and above that a seeded uniform sample (``dask.dataframe.sample`` with the
split's seed). Drift is tested on exactly those rows, so anyone can
recompute a monitor verdict with ``engine.drift.drift_report`` on the same
two files. Each checked batch is written to ``monitor/<UTC time>/`` in the
run folder (``monitor.json`` and a self-contained ``monitor.html``; the
folder appears only when complete) and appended as one row to
``monitor/history.parquet``.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import pandas as pd

from engine.data import read_table
from engine.drift import DriftReport, drift_report
from engine.workflow._evaluate import Evaluation, compute_metrics
from engine.workflow._model_file import load_model
from engine.workflow._monitor_report import write_history_page, write_monitor_page
from engine.workflow._schema import conform
from engine.workflow._score import run_target, score_frame

REFERENCE_FILE = "reference.parquet"
REFERENCE_ROWS = 100_000
MONITOR_DIR = "monitor"
HISTORY_FILE = "history.parquet"
#: Metrics where lower is better; their drop is relative to the run's value.
LOSSES = frozenset(
    {"log_loss", "mean_squared_error", "root_mean_squared_error", "mean_absolute_error"}
)


def write_reference(path: Path, X_train: dd.DataFrame, *, random_state: int) -> Path:
    """Keep the training part's raw features as the run's drift reference (see module doc)."""
    rows = len(X_train)
    if rows > REFERENCE_ROWS:
        X_train = X_train.sample(frac=REFERENCE_ROWS / rows, random_state=random_state)
    X_train.compute().to_parquet(path)
    return path


@dataclass
class BatchCheck:
    """What :func:`check_batch` found for one batch."""

    rows: int
    data: DriftReport
    prediction: DriftReport
    performance: pd.DataFrame | None = None
    #: The rows compared (reference, batch) and the model's scores of each, for the page's plots.
    reference: pd.DataFrame | None = field(repr=False, default=None)
    current: pd.DataFrame | None = field(repr=False, default=None)
    scores: tuple[pd.DataFrame, pd.DataFrame] | None = field(repr=False, default=None)

    @property
    def performance_drifted(self) -> bool:
        return self.performance is not None and bool(self.performance["degraded"].any())

    @property
    def drifted(self) -> bool:
        """Data drift (dataset level), prediction drift or a degraded metric."""
        return self.data.drifted or self.prediction.drifted or self.performance_drifted

    def headline(self) -> str:
        """One line for the terminal: the verdict and what drifted."""
        parts = [f"data drift: {self.data.n_drifted} of {len(self.data.columns)} columns"]
        parts.append(f"prediction drift: {'yes' if self.prediction.drifted else 'no'}")
        if self.performance is not None:
            worse = self.performance.loc[self.performance["degraded"], "metric"].tolist()
            parts.append(f"degraded metrics: {', '.join(worse) or 'none'}")
        return ("DRIFT  " if self.drifted else "no drift  ") + "; ".join(parts)

    def summary(self) -> dict[str, Any]:
        """The JSON-ready verdicts and per-column tables."""
        out: dict[str, Any] = {
            "rows": self.rows,
            "drifted": self.drifted,
            "data_drift": {
                "drifted": self.data.drifted,
                "share_drifted": self.data.share_drifted,
                "columns": self.data.columns.to_dict(orient="records"),
            },
            "prediction_drift": self.prediction.columns.to_dict(orient="records")[0],
        }
        if self.performance is not None:
            out["performance"] = self.performance.to_dict(orient="records")
        return out


def _scores_column(meta: dict) -> str:
    return "score" if meta.get("task", "binary") == "binary" else "prediction"


def performance_table(
    model: Any,
    meta: dict,
    y_true: pd.Series,
    scores: pd.DataFrame,
    reference: dict,
    tolerance: float,
) -> pd.DataFrame:
    """The run's metrics on the batch next to the run's own; ``degraded`` past ``tolerance``.

    Computed as the run computed them (same names, same code). ``drop`` is how
    much worse the batch is: absolute for scores (accuracy, F1, ROC AUC, R², ...),
    relative to the run's value for losses and errors (log loss, MSE, ``neg_*``).
    Only scores set ``degraded`` (a drop above ``tolerance``): they are
    scale-free, while a loss moves by several percent between small batches of
    the same distribution, so losses are reported, not judged.
    """
    target = run_target(model, meta)
    predictions = dd.from_pandas(scores.assign(true=y_true.to_numpy()), npartitions=1)
    evaluation = Evaluation(target=target, metrics={}, labelled=predictions)
    values = compute_metrics(evaluation, list(reference))
    rows = []
    for name, value in values.items():
        ref = float(reference[name])
        loss = name in LOSSES or name.startswith("neg_")
        worse = value - ref if name in LOSSES else ref - value
        drop = worse / abs(ref) if loss and ref != 0 else worse
        rows.append(
            {
                "metric": name,
                "value": value,
                "run_value": ref,
                "drop": drop,
                "degraded": not loss and drop > tolerance,
            }
        )
    return pd.DataFrame(rows)


def check_batch(
    run_dir: str | Path,
    batch: pd.DataFrame,
    *,
    labels: str | None = None,
    tolerance: float = 0.05,
    model: tuple[Any, dict] | None = None,
) -> BatchCheck:
    """Check one in-memory batch against a run: data, prediction and (with labels) performance.

    Parameters
    ----------
    run_dir : path
        The run folder (holding ``model.skops``, ``record.json`` and ``reference.parquet``).
    batch : pandas.DataFrame
        New rows with the model's feature columns (others are ignored).
    labels : str, optional
        The batch's column of true outcomes: adds performance drift.
    tolerance : float, default 0.05
        How far a metric may fall behind the run's before it counts as degraded.
    model : (model, metadata), optional
        An already loaded model (as :func:`engine.workflow.load_model` returns).

    Examples
    --------
    >>> # check = check_batch("runs/churn/20260101T000000", pd.read_parquet("june.parquet"))
    >>> # check.drifted, check.data.share_drifted
    """
    run_dir = Path(run_dir)
    fitted, meta = model or load_model(run_dir)
    reference_path = run_dir / REFERENCE_FILE
    if not reference_path.exists():
        raise FileNotFoundError(f"the run keeps no drift reference: no {str(reference_path)!r}")
    if labels is not None and labels not in batch.columns:
        raise ValueError(f"--labels {labels!r} is not a column of the batch: {list(batch.columns)}")
    if batch.empty:
        raise ValueError("the batch has no rows")
    current = conform(batch, meta["dtypes"], allow_extra=True)
    reference = pd.read_parquet(reference_path)[meta["features"]]
    ref_scores = score_frame(fitted, reference, meta)
    cur_scores = score_frame(fitted, current, meta, probabilities=True)
    column = _scores_column(meta)
    check = BatchCheck(
        rows=len(current),
        data=drift_report(reference, current),
        prediction=drift_report(ref_scores[[column]], cur_scores[[column]]),
        reference=reference,
        current=current,
        scores=(ref_scores, cur_scores),
    )
    if labels is not None:
        record = json.loads((run_dir / "record.json").read_text())
        check.performance = performance_table(
            fitted, meta, batch[labels], cur_scores, record["results"]["metrics"], tolerance
        )
    return check


def monitor_batch(
    run_dir: str | Path,
    data: str | Path,
    *,
    labels: str | None = None,
    out: str | Path | None = None,
    tolerance: float = 0.05,
) -> tuple[BatchCheck, Path]:
    """Check a batch file against a run and record it: ``(check, folder written)``.

    Writes ``<out>/<UTC time>/monitor.json`` and ``monitor.html`` (out:
    the run's ``monitor/`` folder by default) atomically, then appends one
    row to ``<out>/history.parquet``.

    Examples
    --------
    >>> # check, folder = monitor_batch("runs/churn/20260101T000000", "june.parquet", labels="churned")
    """
    table = read_table(data)
    if not isinstance(table, dd.DataFrame):
        raise ValueError(f"{str(data)!r} is an array; monitoring needs a table (CSV or Parquet)")
    check = check_batch(run_dir, table.compute(), labels=labels, tolerance=tolerance)
    out = Path(out) if out is not None else Path(run_dir) / MONITOR_DIR
    stamp = datetime.now(UTC)
    folder = write_check(check, out, stamp, source=str(data))
    append_history(out / HISTORY_FILE, history_row(check, stamp, str(data)))
    return check, folder


def write_check(check: BatchCheck, out: Path, stamp: datetime, *, source: str) -> Path:
    """Write ``out/<time>/`` (JSON + HTML) through a hidden temporary folder renamed when done."""
    out.mkdir(parents=True, exist_ok=True)
    final = out / stamp.strftime("%Y%m%dT%H%M%S%fZ")
    tmp = out / f".{final.name}.tmp"
    tmp.mkdir()
    try:
        summary = {"time": stamp.isoformat(), "source": source, **check.summary()}
        (tmp / "monitor.json").write_text(json.dumps(summary, indent=2, default=_jsonable))
        write_monitor_page(tmp / "monitor.html", check, summary)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _jsonable(value: Any):
    return value.item() if hasattr(value, "item") else str(value)


def history_row(check: BatchCheck, stamp: datetime, source: str) -> dict[str, Any]:
    """One line of ``history.parquet``: time, source, rows, verdicts and metric values."""
    prediction = check.prediction.columns.iloc[0]
    row: dict[str, Any] = {
        "time": pd.Timestamp(stamp),
        "source": source,
        "rows": check.rows,
        "share_drifted": check.data.share_drifted,
        "data_drift": check.data.drifted,
        "prediction_statistic": float(prediction["statistic"]),
        "prediction_drift": bool(prediction["drifted"]),
        "performance_drift": check.performance_drifted,
        "drifted": check.drifted,
    }
    if check.performance is not None:
        row.update(
            {
                f"metric_{m}": v
                for m, v in zip(
                    check.performance["metric"], check.performance["value"], strict=True
                )
            }
        )
    return row


def append_history(path: Path, row: dict[str, Any]) -> Path:
    """Append one row to the history file (rewritten through a temporary file, then renamed)."""
    frame = pd.DataFrame([row])
    if path.exists():
        frame = pd.concat([pd.read_parquet(path), frame], ignore_index=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def read_history(run_dir: str | Path, out: str | Path | None = None) -> pd.DataFrame:
    """The monitor history of a run (one row per checked batch, oldest first)."""
    path = (Path(out) if out is not None else Path(run_dir) / MONITOR_DIR) / HISTORY_FILE
    if not path.exists():
        raise FileNotFoundError(f"no monitor history yet: no {str(path)!r}")
    return pd.read_parquet(path)


def monitor_history(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``history.html`` (the trend of every checked batch) beside the history file."""
    folder = Path(out) if out is not None else Path(run_dir) / MONITOR_DIR
    return write_history_page(folder / "history.html", read_history(run_dir, out))


__all__ = [
    "BatchCheck",
    "check_batch",
    "monitor_batch",
    "monitor_history",
    "read_history",
    "write_reference",
]

"""Run a checked spec end to end: load, profile, split, clean, fit, evaluate, report.

Every stage builds a lazy graph and computes it once: the fingerprint and the
before-profile share one pass over the source, the preprocessing chain fits
in its documented passes, and all evaluation metrics share one pass over the
test predictions. Outputs go to a fresh folder ``<output.dir>/<name>/<UTC
time>``, so a run never overwrites an earlier one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd

from engine.data import demo_table, fingerprint, read_table
from engine.stats import profile
from engine.workflow._evaluate import evaluate_model
from engine.workflow._features import TablePreprocessor, build_steps
from engine.workflow._model_file import save_model, training_schema
from engine.workflow._monitor import write_reference
from engine.workflow._progress import progress_bar
from engine.workflow._record import RunRecord, new_run_dir
from engine.workflow._reporting import write_run_report
from engine.workflow._training import train_model


def load_source(data: dict) -> dd.DataFrame:
    """The spec's data as a dask DataFrame (the built-in demo table or a file)."""
    if data["source"] == "demo":
        return demo_table(
            data["rows"], npartitions=data["partitions"], random_state=data["random_state"]
        )
    table = read_table(data["source"])
    if not isinstance(table, dd.DataFrame):
        raise ValueError(
            f"spec key data.source: {data['source']!r} is an array; a run needs a table (CSV or Parquet)"
        )
    return table


def feature_columns(table: dd.DataFrame, data: dict) -> tuple[list[str], list[str]]:
    """Numeric and categorical feature columns (all but target and sensitive by default)."""
    columns = [str(c) for c in table.columns]
    for key in ("target", "sensitive"):
        if data[key] is not None and data[key] not in columns:
            raise ValueError(
                f"spec key data.{key}: column {data[key]!r} is not in the data; columns: {columns}"
            )
    excluded = {data["target"], data["sensitive"]}
    wanted = data["features"] or [c for c in columns if c not in excluded]
    unknown = [c for c in wanted if c not in columns]
    if unknown:
        raise ValueError(f"spec key data.features: unknown columns {unknown}; columns: {columns}")
    declared = set(data["categorical"] or [])
    numeric = [
        c for c in wanted if c not in declared and pd.api.types.is_numeric_dtype(table.dtypes[c])
    ]
    categorical = [c for c in wanted if c not in numeric]
    return numeric, categorical


@contextlib.contextmanager
def cluster_for(cluster: dict):
    """A distributed client when the spec (or the environment) names a scheduler; else threads."""
    if (
        cluster["address"] is None
        and not os.environ.get("DASK_SCHEDULER_ADDRESS")
        and cluster["n_workers"] is None
    ):
        with dask.config.set(scheduler="threads"):
            yield None
        return
    from engine.cluster import connect

    with connect(
        cluster["address"],
        n_workers=cluster["n_workers"],
        threads_per_worker=cluster["threads_per_worker"],
    ) as client:
        yield client


def run_spec(spec: dict, *, progress: bool = True, echo: Callable[[str], Any] = print) -> RunRecord:
    """Run a spec checked by :func:`engine.workflow.check_spec`; return its record.

    Examples
    --------
    >>> from engine.workflow import check_spec
    >>> spec = check_spec({"name": "tiny", "data": {"rows": 3000, "partitions": 2, "target": "default",
    ...     "sensitive": "gender"}, "output": {"dir": __import__("tempfile").mkdtemp(), "report": False},
    ...     "evaluation": {"importance": False}})
    >>> record = run_spec(spec, progress=False, echo=lambda s: None)
    >>> 0.5 < record.results["metrics"]["accuracy"] <= 1.0
    True
    """
    out_dir = new_run_dir(spec["output"]["dir"], spec["name"])
    record = RunRecord(name=spec["name"], spec=spec)
    data = spec["data"]
    with cluster_for(spec["cluster"]) as client, progress_bar(progress, client):
        record.results["scheduler"] = "threads" if client is None else client.scheduler.address
        if client is not None:
            echo(f"scheduler: {client.scheduler.address}  dashboard: {client.dashboard_link}")
        table = load_source(data)
        numeric, categorical = feature_columns(table, data)
        echo(
            f"data: {data['source']}  {table.npartitions} partitions  features: "
            f"{len(numeric)} numeric, {len(categorical)} categorical"
        )

        with record.stage("profile (before) + fingerprint"):
            record.data_fingerprint, before = dask.compute(
                fingerprint(table, compute=False), profile(table[numeric], compute=False)
            )
        echo(f"data fingerprint: {record.data_fingerprint}")

        preprocessor = TablePreprocessor(numeric, categorical, build_steps(spec["preprocessing"]))
        model, splits, after = train_model(
            spec, table, preprocessor, numeric, record, echo, progress
        )
        echo(_side_by_side(before, after, record))
        with record.stage("drift reference"):
            record.outputs["reference"] = str(
                write_reference(out_dir, splits.X_train, random_state=spec["split"]["random_state"])
            )

        evaluation = evaluate_model(spec, model, splits, numeric, record, echo)
        record.results.update(evaluation.summary)

        if spec["output"]["save_model"]:
            schema = training_schema(model, numeric + categorical, table.dtypes, data["target"])
            record.model = save_model(model, out_dir, schema=schema)
            record.outputs["model"] = str(out_dir / record.model["file"])
        if spec["output"]["report"]:
            with record.stage("report"):
                record.outputs["report"] = str(
                    write_run_report(out_dir / "report.html", record, before, after, evaluation)
                )
    record.outputs["record"] = str(out_dir / "record.json")
    record.write(Path(record.outputs["record"]))
    for label, path in record.outputs.items():
        echo(f"{label}: {path}")
    return record


def _side_by_side(before: pd.DataFrame, after: pd.DataFrame, record: RunRecord) -> str:
    cols = ["missing", "mean", "std", "min", "50%", "max"]
    joined = pd.concat(
        {"before": before[cols], "after (train, cleaned + scaled)": after[cols]}, axis=1
    )
    timings = "  ".join(f"{k}: {v:.2f} s" for k, v in record.timings.items())
    with pd.option_context(
        "display.width",
        160,
        "display.max_columns",
        20,
        "display.float_format",
        lambda v: f"{v:,.3g}",
    ):
        return f"\n{joined}\n\ntimings  {timings}\n"


__all__ = ["run_spec"]

"""Run a checked spec end to end: check, load, profile, split, clean, fit, evaluate, write.

Everything the spec names is checked before any data is read
(:func:`~engine.workflow.validate_spec`). Then one pass over the source
computes the fingerprint, the before-profile, the column facts and the
target's distinct values; the task and features follow from them, the
training part is cleaned and fitted lazily, the test part is predicted block
by block and evaluated in one pass. The run is written atomically
(:class:`~engine.workflow._rundir.RunFolder`): ``<output.dir>/<name>/<UTC time>/``
when complete, ``<UTC time>.failed/`` with the record and the error otherwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data import demo_table, fingerprint, read_table
from engine.stats import profile
from engine.workflow._checks import build_estimator, build_steps, check_for_task, validate_spec
from engine.workflow._columns import column_facts, plan_features
from engine.workflow._evaluate import evaluate_model
from engine.workflow._features import TablePreprocessor
from engine.workflow._model_file import save_model
from engine.workflow._monitor import REFERENCE_FILE, write_reference
from engine.workflow._predict import Target
from engine.workflow._record import RunRecord
from engine.workflow._reporting import write_run_report
from engine.workflow._rundir import RunFolder
from engine.workflow._scheduler import scheduler_for
from engine.workflow._spec import RunSpec
from engine.workflow._task import MAX_CLASSES, TargetSummary, detect_task, positive_label
from engine.workflow._training import split_table, train_model


def load_source(spec: RunSpec) -> dd.DataFrame:
    """The spec's data as a dask DataFrame (the built-in demo table or a file)."""
    data = spec.data
    if data.source == "demo":
        return demo_table(data.rows, npartitions=data.partitions, random_state=data.random_state)
    table = read_table(data.source)
    if not isinstance(table, dd.DataFrame):
        raise ValueError(
            f"data.source: {data.source!r} is an array; a run needs a table (CSV or Parquet)"
        )
    return table


def _distinct_part(part: pd.Series) -> pd.DataFrame:
    values = pd.unique(part.dropna())[: MAX_CLASSES + 1]
    numeric = pd.api.types.is_numeric_dtype(part.dtype) and not pd.api.types.is_bool_dtype(
        part.dtype
    )
    integral = bool(np.all(np.mod(part.dropna().to_numpy(np.float64), 1) == 0)) if numeric else True
    return pd.DataFrame({"value": pd.Series(values, dtype=object), "integral": integral})


def target_facts(y: dd.Series):
    """Lazy per-partition distinct values (at most ``MAX_CLASSES + 1``) and integrality of the target."""
    meta = pd.DataFrame(
        {"value": pd.Series([], dtype=object), "integral": pd.Series([], dtype=bool)}
    )
    return y.map_partitions(_distinct_part, meta=meta)


def summarize_target(facts: pd.DataFrame, dtype, column: str) -> TargetSummary:
    """The :class:`TargetSummary` from the computed :func:`target_facts`."""
    values = facts["value"].dropna().tolist()
    try:
        distinct = tuple(sorted(set(values)))[: MAX_CLASSES + 1]
    except TypeError as exc:
        raise ValueError(
            f"data.target: column {column!r} mixes strings and numbers; make its labels one type"
        ) from exc
    kind = (
        "category"
        if isinstance(dtype, pd.CategoricalDtype)
        else np.dtype("O" if not isinstance(dtype, np.dtype) else dtype).kind
    )
    return TargetSummary(kind, distinct, bool(facts["integral"].all()))


def make_target(spec: RunSpec, summary: TargetSummary, y: dd.Series) -> Target:
    """The run's task (detected or given), classes, positive label and threshold."""
    column = spec.data.target
    detected, reason = detect_task(summary, column)
    task = spec.model.task
    if task == "auto":
        task = detected
    elif (task == "regression") != (detected == "regression") or (
        task == "binary" and detected != "binary"
    ):
        raise ValueError(f"model.task: {task} does not fit the target: {reason}")
    else:
        reason = f"given (model.task); {reason}"
    if task == "regression":
        if spec.model.threshold is not None:
            raise ValueError("model.threshold: applies to binary targets only")
        return Target(task, column, reason)
    if len(summary.distinct) > MAX_CLASSES:
        from engine.metrics import unique_labels

        classes = tuple(unique_labels(y))
    else:
        classes = summary.distinct
    classes = tuple(c.item() if isinstance(c, np.generic) else c for c in classes)
    if task == "multiclass":
        if spec.model.threshold is not None or spec.model.positive_label is not None:
            raise ValueError("model.threshold / positive_label: apply to binary targets only")
        return Target(task, column, reason, classes)
    pos = positive_label(classes, spec.model.positive_label, column)
    return Target(task, column, reason, classes, pos, spec.model.threshold)


def run_spec(
    spec: RunSpec, *, progress: bool = True, echo: Callable[[str], Any] = print
) -> RunRecord:
    """Run a spec checked by :func:`engine.workflow.check_spec`; return its record.

    Examples
    --------
    >>> from engine.workflow import check_spec
    >>> spec = check_spec({"name": "tiny", "data": {"rows": 3000, "partitions": 2,
    ...     "target": "default", "sensitive": "gender"},
    ...     "output": {"dir": __import__("tempfile").mkdtemp(), "report": False},
    ...     "evaluation": {"importance": False}})
    >>> record = run_spec(spec, progress=False, echo=lambda s: None)
    >>> record.results["task"], 0.5 < record.results["metrics"]["accuracy"] <= 1.0
    ('binary', True)
    """
    validate_spec(spec)
    steps = build_steps(spec.preprocessing)
    record = RunRecord(name=spec.name, spec=spec.to_dict(), echo=echo if progress else None)
    with (
        RunFolder(spec.output.dir, spec.name, record) as folder,
        scheduler_for(spec.cluster) as client,
    ):
        record.results["scheduler"] = "threads" if client is None else client.scheduler.address
        if client is not None:
            echo(f"scheduler: {client.scheduler.address}  dashboard: {client.dashboard_link}")
        table = load_source(spec)
        if spec.data.target not in table.columns:
            raise ValueError(
                f"data.target: column {spec.data.target!r} is not in the data; "
                f"columns: {list(table.columns)}"
            )
        y = table[spec.data.target]
        candidates = [c for c in table.columns if c != spec.data.target]
        numeric_all = [
            c
            for c in candidates
            if pd.api.types.is_numeric_dtype(table.dtypes[c])
            and not pd.api.types.is_bool_dtype(table.dtypes[c])
        ]
        with record.stage("profile"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Computing mixed collections")
            record.data_fingerprint, before, facts, y_facts, missing = dask.compute(
                fingerprint(table, compute=False),
                profile(table[numeric_all], compute=False),
                column_facts(table, candidates),
                target_facts(y),
                y.isna().sum(),
            )
        if missing:
            raise ValueError(
                f"data.target: column {spec.data.target!r} has {missing} missing values; "
                "drop those rows first"
            )
        target = make_target(spec, summarize_target(y_facts, y.dtype, spec.data.target), y)
        plan = plan_features(table, spec.data, facts)
        estimator = build_estimator(spec, target.task)
        check_for_task(spec, estimator, target.task)
        record.results.update(target.as_record())
        record.results["estimator"] = f"{type(estimator).__module__}.{type(estimator).__name__}"
        record.results["features"] = plan.as_record()
        echo(
            f"task: {target.task} ({target.reason})"
            + (f"; positive label {target.positive_label!r}" if target.task == "binary" else "")
        )
        echo(
            f"data: {spec.data.source}  {table.npartitions} partitions  features: "
            f"{len(plan.numeric)} numeric, {len(plan.categorical)} categorical, "
            f"{len(plan.datetime)} datetime; left out: {plan.left_out or 'none'}"
        )
        with record.stage("split"):
            splits = split_table(spec, table, plan, target.task)
            splits.train = splits.train.persist()
        preprocessor = TablePreprocessor(plan.numeric, plan.categorical, plan.datetime, steps)
        model, after = train_model(
            spec, splits, preprocessor, estimator, record, progress, client=client
        )
        if "search" in record.results:
            search = record.results["search"]
            echo(f"search: best {search['best_params']} score {search['best_score']:.4f}")
        record.results["train_rows"] = len(splits.y_train)
        evaluation = evaluate_model(spec, model, splits, target, list(plan.numeric), record)
        record.results["test_rows"] = len(evaluation.predictions)
        record.results.update(evaluation.summary)
        echo("metrics: " + "  ".join(f"{k} {v:.4f}" for k, v in evaluation.metrics.items()))
        if spec.output.predictions:
            with record.stage("write predictions"):
                folder.write(
                    "predictions.parquet",
                    lambda p: evaluation.predictions.to_parquet(p, write_index=True),
                )
        if spec.output.save_model:
            metadata = {
                "features": plan.columns,
                "dtypes": {c: str(table.dtypes[c]) for c in plan.columns},
                "target": spec.data.target,
                "data_fingerprint": record.data_fingerprint,
                **target.as_record(),
            }
            record.model = save_model(model, folder.path, schema=metadata)
            record.outputs["model"] = record.model["file"]
            with record.stage("drift reference"):
                folder.write(
                    REFERENCE_FILE,
                    lambda p: write_reference(
                        p, splits.X_train[plan.columns], random_state=spec.split.random_state
                    ),
                )
        if spec.output.report:
            with record.stage("report"):
                folder.write(
                    "report.html",
                    lambda p: write_run_report(p, record, before, after, evaluation),
                )
        folder.commit()
    for label, name in record.outputs.items():
        echo(f"{label}: {record.path / name}")
    return record


__all__ = ["run_spec"]

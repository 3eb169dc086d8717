"""Log a finished run folder to MLflow: parameters, metrics, tags, artifacts, the model."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.models import infer_signature

from engine.tracking._pyfunc import EngineRunModel
from engine.workflow import load_model, score_frame

#: Files of a run folder logged as artifacts when present.
ARTIFACTS = ("record.json", "report.html", "predictions.parquet")
#: MLflow's longest parameter value.
MAX_PARAM_CHARS = 6000
INPUT_EXAMPLE_ROWS = 5


@dataclass(frozen=True)
class MlflowSettings:
    """Where and how a run is logged (the spec's ``output.mlflow``)."""

    tracking_uri: str
    experiment: str
    run_name: str | None = None
    register_as: str | None = None


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """A nested spec as ``{"dotted.key": "value"}``, as MLflow parameter names allow.

    Lists of plain values stay one value; other lists are indexed (``steps.0``).

    Examples
    --------
    >>> flatten({"model": {"params": {"C": [0.1, 1.0]}}, "steps": [("Scaler", {})]})
    {'model.params.C': '[0.1, 1.0]', 'steps.0.0': 'Scaler', 'steps.0.1': '{}'}
    """
    if isinstance(value, Mapping) and value:
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list | tuple) and any(
        isinstance(v, Mapping | list | tuple) for v in value
    ):
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}.{i}"))
        return out
    return {prefix: str(value)[:MAX_PARAM_CHARS]}


def _tags(record: dict) -> dict[str, str]:
    tags = {"engine.data_fingerprint": str(record.get("data_fingerprint"))}
    tags.update({f"engine.version.{k}": str(v) for k, v in record.get("versions", {}).items()})
    tags["engine.scheduler"] = str(record.get("results", {}).get("scheduler", "unknown"))
    tags["engine.task"] = str(record.get("model", {}).get("schema", {}).get("task"))
    return tags


def _log_search(search: dict) -> None:
    candidates = search.get("candidates")
    if candidates:
        table = pd.DataFrame(candidates)
        table["params"] = table["params"].map(json.dumps)
        mlflow.log_table(table, artifact_file="search/candidates.json")


def _log_model(run_dir: Path, settings: MlflowSettings) -> str:
    model, meta = load_model(run_dir)
    example = pd.read_parquet(run_dir / "reference.parquet")[meta["features"]].head(
        INPUT_EXAMPLE_ROWS
    )
    # MLflow signatures know strings, not pandas categories: the example holds plain text.
    example = example.astype({c: object for c in example.select_dtypes("category").columns})
    signature = infer_signature(example, score_frame(model, example, meta))
    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "run"
        bundle.mkdir()
        for name in ("record.json", *meta.get("files", [meta["file"]])):
            shutil.copy2(run_dir / name, bundle / name)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=EngineRunModel(),
            artifacts={"run": str(bundle)},
            signature=signature,
            input_example=example,
            registered_model_name=settings.register_as,
        )
    return info.model_uri


def log_run(run_dir: str | Path, settings: MlflowSettings) -> dict[str, str]:
    """Log a finished run folder to MLflow; return ``{"run_id", "model_uri"}``.

    Parameters are the resolved spec flattened (``model.params.C``), metrics
    the run's test metrics, tags the data fingerprint, library versions,
    scheduler and task; artifacts ``record.json``, ``report.html``,
    ``predictions.parquet`` (when present) and the search's per-candidate
    scores as a table; the model as a pyfunc model (:class:`EngineRunModel`)
    with its signature and an input example, registered under
    ``register_as`` when given.

    Examples
    --------
    >>> # log_run("runs/churn/20260101T000000", MlflowSettings("sqlite:///mlflow.db", "churn"))
    """
    run_dir = Path(run_dir)
    record = json.loads((run_dir / "record.json").read_text())
    mlflow.set_tracking_uri(settings.tracking_uri)
    mlflow.set_experiment(settings.experiment)
    with mlflow.start_run(run_name=settings.run_name or run_dir.name) as run:
        mlflow.log_params(flatten(record["spec"]))
        results = record.get("results", {})
        mlflow.log_metrics({k: float(v) for k, v in results.get("metrics", {}).items()})
        mlflow.set_tags(_tags(record))
        for name in ARTIFACTS:
            if (run_dir / name).exists():
                mlflow.log_artifact(str(run_dir / name))
        _log_search(results.get("search", {}))
        model_uri = _log_model(run_dir, settings) if record.get("model") else ""
    return {"run_id": run.info.run_id, "model_uri": model_uri}

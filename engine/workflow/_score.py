"""Batch scoring: a saved model applied partition by partition to a file, written lazily."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data import read_table, write_table
from engine.workflow._model_file import load_model
from engine.workflow._predict import (
    Target,
    predict_frame,
    prediction_columns,
    takes_whole_test_part,
)
from engine.workflow._scheduler import scheduler_for
from engine.workflow._spec import ClusterSpec


def _kind(dtype) -> str:
    dtype = pd.api.types.pandas_dtype(dtype) if isinstance(dtype, str) else dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "text"


def check_schema(table: dd.DataFrame, metadata: dict) -> None:
    """The table has every training column, each of the same kind (numeric, text, ...)."""
    features = list(metadata["features"])
    missing = [c for c in features if c not in table.columns]
    if missing:
        raise ValueError(f"the data lacks columns the model was trained on: {missing}")
    for column, trained in metadata.get("dtypes", {}).items():
        given = table.dtypes[column]
        if _kind(trained) != _kind(given) and not (
            _kind(trained) == "datetime" and _kind(given) == "text"
        ):
            raise ValueError(
                f"column {column!r}: the model was trained on {trained} values, the data has {given}"
            )


def run_target(model, metadata: dict) -> Target:
    """The task facts a saved model was trained for (older files: binary, the last class positive)."""
    facts = metadata if "task" in metadata else {"task": "binary", "classes": list(model.classes_)}
    target = Target.from_record(facts, metadata.get("target", ""))
    if target.task == "binary" and target.positive_label is None:
        target = Target(target.task, target.column, "", target.classes, target.classes[-1])
    return target


def _binary_order(target: Target, keep: Sequence[str], probabilities: bool) -> list[str]:
    """The output columns of a binary model: ``score`` (positive-class probability) first."""
    probas = [target.proba_column(c) for c in target.classes] if probabilities else []
    return [*keep, "score", "prediction", *probas]


def _named(out, target: Target, keep: Sequence[str], probabilities: bool):
    """Binary scores as ``score`` (positive-class probability) and ``prediction``."""
    if target.task != "binary":
        return out
    order = _binary_order(target, keep, probabilities)
    scores = out[target.proba_column(target.positive_label)].rename("score")
    return out[[c for c in order if c != "score"]].assign(score=scores)[order]


def score_table(
    model, table: dd.DataFrame, metadata: dict, keep: Sequence[str] = ()
) -> dd.DataFrame:
    """Lazy scores of ``table`` with the input's index and the ``keep`` columns.

    Binary: ``score`` (probability of the positive class) and ``prediction``;
    multiclass: one ``proba_<class>`` column per class and ``prediction``;
    regression: ``prediction``.
    """
    check_schema(table, metadata)
    unknown = [c for c in keep if c not in table.columns]
    if unknown:
        raise ValueError(f"--keep: columns {unknown} are not in the data")
    target = run_target(model, metadata)
    out = predict_frame(model, table, target, list(metadata["features"]), list(keep))
    return _named(out, target, list(keep), probabilities=False)


def score_columns(
    model, X: pd.DataFrame, metadata: dict, *, probabilities: bool = False
) -> dict[str, np.ndarray]:
    """:func:`score_frame`'s columns as NumPy arrays, without building a frame (``engine serve``).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> meta = {"features": ["a"], "task": "binary", "classes": [0, 1], "positive_label": 1}
    >>> list(score_columns(model, X, meta, probabilities=True))
    ['score', 'prediction', 'proba_0', 'proba_1']
    """
    target = run_target(model, metadata)
    features = list(metadata["features"])
    columns = prediction_columns(X if list(X.columns) == features else X[features], model, target)
    return task_columns(columns, target, probabilities)


def task_columns(
    columns: dict[str, np.ndarray], target: Target, probabilities: bool
) -> dict[str, np.ndarray]:
    """:func:`engine.workflow._predict.prediction_columns` named per task, as ``engine score`` names them."""
    if target.task != "binary":
        return columns
    columns["score"] = columns[target.proba_column(target.positive_label)]
    return {c: columns[c] for c in _binary_order(target, [], probabilities)}


def score_frame(
    model, X: pd.DataFrame, metadata: dict, *, probabilities: bool = False
) -> pd.DataFrame:
    """:func:`score_table`'s columns for rows in memory (``engine serve``, ``engine monitor``).

    With ``probabilities=True`` a binary model also gives ``proba_<class>`` per class.
    Row for row the same numbers as ``engine score``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> meta = {"features": ["a"], "task": "binary", "classes": [0, 1], "positive_label": 1}
    >>> score_frame(model, X, meta)["prediction"].tolist()
    [0, 0, 1, 1]
    """
    return pd.DataFrame(
        score_columns(model, X, metadata, probabilities=probabilities), index=X.index
    )


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def score_file(
    model_path: str | Path,
    data_path: str | Path,
    output: str | Path,
    *,
    overwrite: bool = False,
    keep: Sequence[str] = (),
    trust_pickle: bool = False,
    address: str | None = None,
    connect_timeout: float = 10.0,
) -> Path:
    """Score a CSV/Parquet file with a model saved by a run; write CSV/Parquet scores.

    Streaming: one partition at a time, so the data may be larger than memory.
    The output is never the input file (whatever ``overwrite`` says). The model
    loads safely (see :func:`engine.workflow.load_model`; pickles only with
    ``trust_pickle=True``). A model whose final step predicts whole Dask
    collections (XGBoost's Dask estimators) predicts on a distributed cluster:
    the scheduler at ``address``, else ``DASK_SCHEDULER_ADDRESS``, else the
    caller's default client, else a local cluster started for the scoring.

    Examples
    --------
    >>> # engine score runs/demo/<time> new_customers.parquet -o scores.parquet
    """
    output, data_path = Path(output), Path(data_path)
    if _same_file(output, data_path) or data_path.resolve() in output.resolve().parents:
        raise ValueError(f"--output {str(output)!r} is the input data; choose another path")
    if output.exists() and not overwrite:
        raise FileExistsError(f"{str(output)!r} exists; pass --overwrite to replace it")
    if not data_path.exists():
        raise FileNotFoundError(f"no such data file: {str(data_path)!r}")
    model, metadata = load_model(model_path, trust_pickle=trust_pickle)
    table = read_table(data_path)
    if not isinstance(table, dd.DataFrame):
        raise ValueError(f"{str(data_path)!r} is an array; scoring needs a table (CSV or Parquet)")
    needs_client = takes_whole_test_part(model)
    if address is None and not needs_client:
        write_table(score_table(model, table, metadata, keep), output, overwrite=overwrite)
        return output
    cluster = ClusterSpec(address=address, connect_timeout=connect_timeout)
    with scheduler_for(cluster, needs_client=needs_client):
        write_table(score_table(model, table, metadata, keep), output, overwrite=overwrite)
    return output

"""Batch scoring: a saved model applied partition by partition to a file, written lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data import read_table, write_table
from engine.workflow._model_file import load_model
from engine.workflow._schema import conform


def score_frame(model: Any, X: pd.DataFrame, *, probabilities: bool = False) -> pd.DataFrame:
    """Scores of in-memory rows: ``score`` (positive-class probability) and ``prediction``.

    A classifier gives the probability of its last class as ``score`` and the
    most probable class as ``prediction`` (and, with ``probabilities=True``,
    one ``proba_<class>`` column per class); a regressor gives ``prediction``.
    ``engine score``, ``engine serve`` and ``engine monitor`` all score through
    this function, so they agree row for row.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    >>> score_frame(LogisticRegression().fit(X, [0, 0, 1, 1]), X)["prediction"].tolist()
    [0, 0, 1, 1]
    """
    out = pd.DataFrame(index=X.index)
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(X)
        out["score"] = proba[:, -1]
        classes = getattr(model, "classes_", None)
        best = proba.argmax(axis=1)
        out["prediction"] = classes[best] if classes is not None else best
        if probabilities:
            names = classes if classes is not None else range(proba.shape[1])
            for i, name in enumerate(names):
                out[f"proba_{name}"] = proba[:, i]
    else:
        out["prediction"] = model.predict(X)
    return out


def score_table(model, table: dd.DataFrame, features: dict[str, str] | list[str]) -> dd.DataFrame:
    """Lazy scores of ``table``: the predicted label and, for classifiers, the positive-class score.

    ``features`` is the training schema's ``{column: dtype}`` (columns and
    dtypes are checked per partition) or a list of column names.
    """
    if not isinstance(features, dict):
        features = {c: str(table.dtypes[c]) for c in features if c in table.columns}
    conform(table._meta, features, allow_extra=True)

    def score(part: pd.DataFrame) -> pd.DataFrame:
        return score_frame(model, conform(part, features, allow_extra=True))

    return table.map_partitions(score, meta=_scores_meta(model, table._meta.index))


def _scores_meta(model: Any, index: pd.Index) -> pd.DataFrame:
    meta = pd.DataFrame(index=index)
    classes = getattr(model, "classes_", None)
    if hasattr(model, "predict_proba"):
        meta["score"] = pd.Series([], dtype=np.float64)
    dtype = np.float64 if classes is None else np.asarray(classes).dtype
    meta["prediction"] = pd.Series([], dtype=dtype)
    return meta


def score_file(
    model_path: str | Path,
    data_path: str | Path,
    output: str | Path,
    *,
    overwrite: bool = False,
    trust_pickle: bool = False,
) -> Path:
    """Score a CSV/Parquet file with a model saved by a run; write CSV/Parquet scores.

    Streaming: one partition at a time, so the data may be larger than memory.
    The model loads safely (see :func:`engine.workflow.load_model`); the
    data's feature columns are checked against the training schema.

    Examples
    --------
    >>> # engine score runs/demo/<time>/model.skops new_customers.parquet -o scores.parquet
    """
    output = Path(output)
    if output.exists() and not overwrite:
        raise FileExistsError(f"{str(output)!r} exists; pass --overwrite to replace it")
    model, metadata = load_model(model_path, trust_pickle=trust_pickle)
    table = read_table(data_path)
    if not isinstance(table, dd.DataFrame):
        raise ValueError(f"{str(data_path)!r} is an array; scoring needs a table (CSV or Parquet)")
    features = metadata.get("dtypes") or list(metadata["features"])  # older files: names only
    write_table(score_table(model, table, features), output, overwrite=overwrite)
    return output

"""Batch scoring: a saved model applied partition by partition to a file, written lazily."""

from __future__ import annotations

from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data import read_table, write_table
from engine.workflow._record import load_model


def score_table(model, table: dd.DataFrame, features: list[str]) -> dd.DataFrame:
    """Lazy scores of ``table``: the predicted label and, for classifiers, the positive-class score."""
    missing = [c for c in features if c not in table.columns]
    if missing:
        raise ValueError(f"the data lacks columns the model was trained on: {missing}")
    has_proba = hasattr(model, "predict_proba")

    def score(part: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(index=part.index)
        X = part[features]
        if has_proba:
            proba = model.predict_proba(X)
            out["score"] = proba[:, -1]
            out["prediction"] = (
                model.classes_[proba.argmax(axis=1)]
                if hasattr(model, "classes_")
                else proba.argmax(1)
            )
        else:
            out["prediction"] = model.predict(X)
        return out

    meta = pd.DataFrame(index=table._meta.index)
    if has_proba:
        meta["score"] = pd.Series([], dtype=np.float64)
    meta["prediction"] = pd.Series([], dtype=np.int64)
    return table.map_partitions(score, meta=meta)


def score_file(
    model_path: str | Path, data_path: str | Path, output: str | Path, *, overwrite: bool = False
) -> Path:
    """Score a CSV/Parquet file with a model saved by a run; write CSV/Parquet scores.

    Streaming: one partition at a time, so the data may be larger than memory.

    Examples
    --------
    >>> # engine score runs/demo/<time>/model.joblib new_customers.parquet -o scores.parquet
    """
    output = Path(output)
    if output.exists() and not overwrite:
        raise FileExistsError(f"{str(output)!r} exists; pass --overwrite to replace it")
    model, metadata = load_model(model_path)
    table = read_table(data_path)
    if not isinstance(table, dd.DataFrame):
        raise ValueError(f"{str(data_path)!r} is an array; scoring needs a table (CSV or Parquet)")
    write_table(score_table(model, table, list(metadata["features"])), output, overwrite=overwrite)
    return output

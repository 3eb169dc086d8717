"""Give row-aligned Dask inputs the same row chunks (grouped passes need aligned blocks).

``engine.fairness`` counts groups block by block, so ``y_true``, ``y_pred``,
the sensitive features and the weights must share their row chunking. The
plots accept them as they come (a dask Series next to a dask array, in-memory
pieces next to lazy ones) and rechunk them all to the first lazy input's row
chunks here; nothing is computed except unknown partition lengths.
"""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd


def _as_dask_array(values: Any, chunks: Any) -> da.Array:
    if isinstance(values, dd.Series):
        if values.dtype.kind not in "biuf":
            values = values.astype(object)
        values = values.to_dask_array(lengths=True)
    elif not isinstance(values, da.Array):
        values = np.asarray(values)
        if values.dtype.kind not in "biuf":
            values = values.astype(object)
        return da.from_array(values, chunks=chunks)
    return values.rechunk(chunks)


def _named_columns(features: Any) -> dict | None:
    if isinstance(features, pd.DataFrame | dd.DataFrame):
        return {str(c): features[c] for c in features.columns}
    if isinstance(features, pd.Series | dd.Series) and features.name is not None:
        return {str(features.name): features}
    return None


def align_rows(y_true: Any, y_pred: Any, sensitive_features: Any, sample_weight: Any = None):
    """The inputs, with every one rechunked like the first lazy one (unchanged if none is)."""
    named = _named_columns(sensitive_features)
    features = list(named.values()) if named is not None else [sensitive_features]
    candidates = [y_true, y_pred, *features, sample_weight]
    lazy = [v for v in candidates if v is not None and dask.is_dask_collection(v)]
    if not lazy:
        return y_true, y_pred, sensitive_features, sample_weight
    reference = _as_dask_array(lazy[0], "auto")
    chunks = (reference.chunks[0],)

    def aligned(value):
        return None if value is None else _as_dask_array(value, chunks)

    if named is not None:
        sensitive = {name: aligned(col) for name, col in named.items()}
    else:
        sensitive = aligned(sensitive_features)
    return aligned(y_true), aligned(y_pred), sensitive, aligned(sample_weight)

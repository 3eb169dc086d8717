"""Per-group selection rate, TPR, FPR and counts from one grouped counting pass.

Rows are counted by (group, true label is positive, prediction is positive):
pandas ``groupby`` for in-memory input, one task per row block for Dask input
with the integer counts merged in a fixed binary tree, so the rates are exact
(ratios of integer counts) and identical on every scheduler and chunking.
"""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.stats._reduce import tree_merge

RATE_COLUMNS = ("selection_rate", "true_positive_rate", "false_positive_rate")


def group_rates(
    y_true: Any, y_pred: Any, sensitive_features: Any, pos_label: Any = 1
) -> pd.DataFrame:
    """One row per group: ``selection_rate``, ``true_positive_rate``, ``false_positive_rate``, ``count``."""
    names, features = _feature_columns(sensitive_features)
    lazy = any(dask.is_dask_collection(v) for v in (y_true, y_pred, *features))
    if lazy:
        counts = _lazy_counts(y_true, y_pred, features, names, pos_label)
    else:
        counts = _block_counts(
            np.asarray(y_true),
            np.asarray(y_pred),
            *map(np.asarray, features),
            names=names,
            pos_label=pos_label,
        )
    if counts.empty:
        raise ValueError("cannot compute group rates of an empty input")
    return _rates(counts, names)


def _feature_columns(sensitive_features: Any) -> tuple[list[str], list]:
    if isinstance(sensitive_features, pd.DataFrame | dd.DataFrame):
        names = [str(c) for c in sensitive_features.columns]
        return names, [sensitive_features[c] for c in sensitive_features.columns]
    name = getattr(sensitive_features, "name", None)
    return [str(name) if name is not None else "sensitive_feature_0"], [sensitive_features]


def _block_counts(y_true, y_pred, *features, names, pos_label) -> pd.Series:
    frame = pd.DataFrame({name: np.asarray(f) for name, f in zip(names, features, strict=True)})
    if len(frame) != len(y_true) or len(y_true) != len(y_pred):
        raise ValueError(
            f"inconsistent numbers of samples: y_true={len(y_true)}, y_pred={len(y_pred)}, "
            f"sensitive_features={len(frame)}"
        )
    frame["_positive"] = np.asarray(y_true) == pos_label
    frame["_selected"] = np.asarray(y_pred) == pos_label
    return frame.groupby([*names, "_positive", "_selected"], sort=True).size()


def _merge_counts(left: pd.Series, right: pd.Series) -> pd.Series:
    return left.add(right, fill_value=0).astype(np.int64)


def _as_dask_array(values, chunks):
    if hasattr(values, "to_dask_array"):
        if values.dtype.kind not in "biuf":
            values = values.astype(object)
        values = values.to_dask_array(lengths=True)
    elif not isinstance(values, da.Array):
        values = da.from_array(np.asarray(values), chunks=chunks)
    return values.rechunk(chunks)


def _lazy_counts(y_true, y_pred, features, names, pos_label) -> pd.Series:
    first = next(v for v in (y_true, y_pred, *features) if dask.is_dask_collection(v))
    reference = _as_dask_array(first, "auto")
    chunks = reference.chunks[0]
    arrays = [_as_dask_array(v, (chunks,)) for v in (y_true, y_pred, *features)]
    blocks = [a.to_delayed().ravel() for a in arrays]
    count = dask.delayed(_block_counts, pure=True)
    parts = [count(*row, names=names, pos_label=pos_label) for row in zip(*blocks, strict=True)]
    (merged,) = dask.compute(tree_merge(parts, _merge_counts, name="group-rate-counts"))
    return merged


def _rates(counts: pd.Series, names: list[str]) -> pd.DataFrame:
    table = counts.unstack(["_positive", "_selected"], fill_value=0)
    for key in [(p, s) for p in (False, True) for s in (False, True)]:
        if key not in table.columns:
            table[key] = 0
    tp, fn = table[(True, True)], table[(True, False)]
    fp, tn = table[(False, True)], table[(False, False)]
    total = tp + fn + fp + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "selection_rate": (tp + fp) / total,
                "true_positive_rate": tp / (tp + fn),
                "false_positive_rate": fp / (fp + tn),
                "count": total.astype(np.int64),
            }
        )
    out.index.names = names if len(names) > 1 else names[:1]
    out.columns.name = None
    return out

"""``performance_drift``: a model metric per time window or batch, against a reference window."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data import Interval, StrOptions, check_consistent_length, validate_params
from engine.drift._window_metrics import (
    CLASSIFICATION,
    LOWER_IS_BETTER,
    REGRESSION,
    classification_value,
    regression_value,
)
from engine.stats._reduce import tree_merge

INPUT_NAMES = ("y_true", "y_pred", "time_or_batch")


def _is_lazy(x: Any) -> bool:
    return isinstance(x, da.Array | dd.Series | dd.DataFrame)


def _to_numpy(x: Any) -> np.ndarray:
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise ValueError(f"expected a 1-D array or one column, got {x.shape[1]} columns")
        x = x.iloc[:, 0]
    if isinstance(x, pd.Series):
        return x.to_numpy()
    array = np.asarray(x)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"expected a 1-D array, got shape {array.shape}")
    return array


def _missing(x: np.ndarray) -> int:
    return int(pd.isna(x).sum())


def _block_counts(y_true, y_pred, window, task: str):
    """Grouped sufficient statistics of one row block: ``(stats, n_missing per input)``."""
    t, p, w = _to_numpy(y_true), _to_numpy(y_pred), _to_numpy(window)
    if not (len(t) == len(p) == len(w)):
        raise ValueError(
            "y_true, y_pred and time_or_batch have different lengths in a row block "
            f"({len(t)}, {len(p)}, {len(w)}); pass collections with the same row chunks"
        )
    missing = np.array([_missing(t), _missing(p), _missing(w)], dtype=np.int64)
    if task == REGRESSION:
        err = p.astype(np.float64) - t.astype(np.float64)
        frame = pd.DataFrame({"w": w, "abs": np.abs(err), "sq": err * err, "n": 1.0})
        return frame.groupby("w", sort=True, observed=True).sum(), missing
    frame = pd.DataFrame({"w": w, "t": t, "p": p})
    return frame.groupby(["w", "t", "p"], sort=True, observed=True).size().astype(
        np.float64
    ), missing


def _merge(a, b):
    return a[0].add(b[0], fill_value=0.0), a[1] + b[1]


def _window_order(x: Any) -> list | None:
    dtype = getattr(x, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None:
        return list(dtype.categories)
    return None


def _counts(y_true, y_pred, time_or_batch, task: str):
    items = (y_true, y_pred, time_or_batch)
    if not any(_is_lazy(x) for x in items):
        return _block_counts(*items, task)
    chunks = next((x.chunks[0] for x in items if isinstance(x, da.Array)), None)
    blocks = []
    for name, x in zip(INPUT_NAMES, items, strict=True):
        if isinstance(x, dd.DataFrame | dd.Series):
            blocks.append(list(x.to_delayed()))
        elif isinstance(x, da.Array):
            blocks.append(list(x.to_delayed().ravel()))
        else:
            if chunks is None or any(np.isnan(c) for c in chunks):
                raise ValueError(
                    f"{name} is in memory while another input is a dask DataFrame/Series; "
                    "pass all three as Dask collections with the same partitions"
                )
            blocks.append(list(da.from_array(_to_numpy(x), chunks=(chunks,)).to_delayed()))
    sizes = {len(b) for b in blocks}
    if len(sizes) != 1:
        detail = ", ".join(f"{n}={len(b)}" for n, b in zip(INPUT_NAMES, blocks, strict=True))
        raise ValueError(
            f"inputs have different numbers of row blocks ({detail}); rechunk them alike"
        )
    call = dask.delayed(_block_counts, pure=True, name="engine-perf-drift-block")
    parts = [call(t, p, w, task) for t, p, w in zip(*blocks, strict=True)]
    return tree_merge(parts, _merge, name="engine-perf-drift-merge")


def _as_list(windows) -> list:
    if isinstance(windows, list | tuple | np.ndarray | pd.Index):
        return list(windows)
    return [windows]


def _index_of(windows: list, label) -> int:
    for i, w in enumerate(windows):
        try:
            if w == label:
                return i
        except (TypeError, ValueError):
            continue
    raise ValueError(
        f"reference_window {label!r} is not a window of time_or_batch; windows are {windows}"
    )


def performance_drift(
    y_true: Any,
    y_pred: Any,
    time_or_batch: Any,
    metric: str = "accuracy",
    reference_window: Any = None,
    tolerance: float = 0.05,
    *,
    average: str = "binary",
    pos_label: Any = 1,
    windows: Sequence | None = None,
) -> pd.DataFrame:
    """A model metric per time window or batch, flagged when it falls behind a reference.

    Concept drift shows as a model's quality decaying over time. The metric is
    computed per window (each distinct value of ``time_or_batch``) from
    grouped sufficient statistics -- confusion counts per window for
    classification, error sums per window for regression -- gathered in one
    pass (for Dask input one task per row block, merged in a fixed order, so
    every scheduler gives the same numbers). The reference value is the
    metric over all rows of the reference window(s) pooled. A window is
    flagged when its metric is worse than the reference by more than
    ``tolerance`` (absolute): lower for scores, higher for errors.

    Parameters
    ----------
    y_true, y_pred : array-like
        True and predicted labels (classification) or values (regression):
        1-D NumPy arrays, pandas Series, dask arrays or dask Series.
    time_or_batch : array-like
        The window of each row (a batch id, a date, a period...). Windows are
        reported in sorted order, or in category order for a categorical dtype.
    metric : {"accuracy", "precision", "recall", "f1", "mae", "mse", "rmse"}
        Classification metrics as scikit-learn's ``accuracy_score``,
        ``precision_score``, ``recall_score`` and ``f1_score`` (with
        ``average`` and ``pos_label``); regression metrics as
        ``mean_absolute_error``, ``mean_squared_error`` and
        ``root_mean_squared_error``.
    reference_window : label or list of labels, optional
        The reference window(s); default: the first window.
    tolerance : float, default 0.05
        Allowed degradation from the reference before a window is flagged.
    average : {"binary", "micro", "macro", "weighted"}, default "binary"
        Averaging for precision/recall/F1, as in scikit-learn.
    pos_label : label, default 1
        The positive class for ``average="binary"``.
    windows : sequence, optional
        The windows to report, in order (rows of other windows are left out).
        A listed window without rows is reported with ``n = 0`` and a NaN
        metric, with a warning naming it.

    Returns
    -------
    pandas.DataFrame
        One row per window: ``window``, ``n``, ``metric``, ``value``,
        ``reference_value``, ``drop`` (degradation from the reference:
        ``reference - value`` for scores, ``value - reference`` for errors),
        ``flagged`` (``drop > tolerance``) and ``is_reference``.

    Notes
    -----
    Exact for count metrics (integer counts); error sums merge in a fixed
    order (relative error ~1e-15). One pass over the data.

    Examples
    --------
    >>> import numpy as np
    >>> y_true = np.array([1, 0, 1, 1, 0, 1, 0, 1])
    >>> y_pred = np.array([1, 0, 1, 1, 1, 0, 1, 1])
    >>> batch = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> out = performance_drift(y_true, y_pred, batch, metric="accuracy")
    >>> out["value"].tolist(), out["drop"].tolist(), out["flagged"].tolist()
    ([1.0, 0.25], [0.0, 0.75], [False, True])
    """
    validate_params(
        "performance_drift",
        {"metric": metric, "tolerance": tolerance, "average": average},
        {
            "metric": [StrOptions({*CLASSIFICATION, *REGRESSION})],
            "tolerance": [Interval(numbers.Real, 0, None, closed="left")],
            "average": [StrOptions({"binary", "micro", "macro", "weighted"})],
        },
    )
    known = {
        name: x
        for name, x in zip(INPUT_NAMES, (y_true, y_pred, time_or_batch), strict=True)
        if not isinstance(x, dd.DataFrame | dd.Series)
    }  # dask Series: length unknown
    check_consistent_length(**known)
    for name, x in known.items():
        if (x.shape[0] if hasattr(x, "shape") else len(x)) == 0:
            raise ValueError(f"{name} is empty")
    task = REGRESSION if metric in REGRESSION else CLASSIFICATION
    result = _counts(y_true, y_pred, time_or_batch, task)
    ((stats, missing),) = dask.compute(result) if dask.is_dask_collection(result) else (result,)
    for name, m in zip(INPUT_NAMES, missing, strict=True):
        if m:
            raise ValueError(
                f"{name} contains {int(m)} missing values (NaN/None); drop or fill those rows first"
            )
    found = list(stats.index.get_level_values(0).unique())
    order = _as_list(windows) if windows is not None else (_window_order(time_or_batch) or found)
    refs = order[:1] if reference_window is None else _as_list(reference_window)
    ref_idx = [_index_of(order, r) for r in refs]
    present = set(found)
    empty = [w for w in order if w not in present]
    empty_refs = [order[i] for i in ref_idx if order[i] not in present]
    if empty_refs:
        raise ValueError(f"reference window(s) {empty_refs} have no rows")
    if empty:
        warnings.warn(
            f"windows {empty} have no rows; their metric is NaN", UserWarning, stacklevel=2
        )
    value_of = _evaluator(task, metric, stats, average, pos_label)
    ref_labels = [order[i] for i in ref_idx]
    reference = value_of(ref_labels, "the reference window(s)")
    rows = []
    for i, w in enumerate(order):
        if w in present:
            n, value = value_of([w], f"window {w!r}")
        else:
            n, value = 0, np.nan
        drop = value - reference[1] if metric in LOWER_IS_BETTER else reference[1] - value
        rows.append(
            {
                "window": w,
                "n": int(n),
                "metric": metric,
                "value": value,
                "reference_value": reference[1],
                "drop": drop,
                "flagged": bool(drop > tolerance),
                "is_reference": i in ref_idx,
            }
        )
    return pd.DataFrame(rows)


def _evaluator(task: str, metric: str, stats, average: str, pos_label):
    if task == REGRESSION:

        def value_of(labels: list, where: str):
            sums = stats.loc[stats.index.isin(labels)].sum()
            return sums["n"], regression_value(metric, sums)

        return value_of
    labels = np.unique(
        np.concatenate(
            [stats.index.get_level_values(1).to_numpy(), stats.index.get_level_values(2).to_numpy()]
        )
    )
    if average == "binary" and metric != "accuracy" and len(labels) > 2:
        raise ValueError(
            f"Target is multiclass (labels {labels.tolist()}) but average='binary'; "
            "choose average='micro', 'macro' or 'weighted'"
        )
    if (
        average == "binary"
        and metric != "accuracy"
        and len(labels) == 2
        and pos_label not in labels
    ):
        raise ValueError(f"pos_label={pos_label!r} is not a valid label: {labels.tolist()}")
    windows_level = stats.index.get_level_values(0)

    def value_of(window_labels: list, where: str):
        sub = stats[windows_level.isin(window_labels)].groupby(level=[1, 2]).sum()
        return sub.sum(), classification_value(metric, sub, average, pos_label, where)

    return value_of

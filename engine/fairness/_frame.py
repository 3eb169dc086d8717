"""MetricFrame: metrics overall and per sensitive group (fairlearn's semantics)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

from engine.data import is_lazy
from engine.fairness import _groups as grp
from engine.fairness._bootstrap import (
    NOT_INITIALIZED,
    BootstrapIntervals,
    bootstrap_rows,
    check_bootstrap,
)
from engine.fairness._frame_compare import GroupComparisons, check_compare
from engine.fairness._frame_inputs import (
    feature_columns,
    grouped_counts,
    metric_functions,
    named_weights,
    squeeze,
    weight_name,
)
from engine.stats.internal import check_lengths, compute_all, keyed_rows


def _cell_rows(flat: np.ndarray, n_cells: int) -> list[np.ndarray]:
    """The row positions of each cell code in ``range(n_cells)``, in row order."""
    order = np.argsort(flat, kind="stable")
    bounds = np.searchsorted(flat[order], np.arange(n_cells + 1))
    return [order[bounds[c] : bounds[c + 1]] for c in range(n_cells)]


def _frame_of(names: list[str], columns: dict, which: int, index: pd.Index) -> pd.DataFrame:
    """A frame by metric name of ``columns[name][which]`` (one value per index entry)."""
    rows = [pd.Series({name: columns[name][which][i] for name in names}) for i in range(len(index))]
    frame = pd.DataFrame(rows, index=index) if rows else pd.DataFrame(index=index)
    frame.columns = names
    return frame


class MetricFrame(GroupComparisons):
    """Metrics overall and for every group of one or more sensitive features.

    fairlearn's ``MetricFrame`` names and results (``overall``, ``by_group``,
    ``group_min``, ``group_max``, ``difference``, ``ratio``; several sensitive
    features give their intersections with a ``MultiIndex`` over the product
    of their values, missing combinations NaN). Control features split every
    result as fairlearn's do: ``by_group`` is indexed by the control then the
    sensitive features, ``overall`` and the aggregates have one row per
    control group (a frame by metric name, or a Series for one callable).

    Method: metrics that are functions of the confusion counts (the engine's
    and fairlearn's ``selection_rate``, ``true_positive_rate``,
    ``false_positive_rate``, ``true_negative_rate``, ``false_negative_rate``,
    ``mean_prediction``, ``count``; scikit-learn's and the engine's
    ``accuracy_score``, ``precision_score``, ``recall_score``, ``f1_score``,
    ``fbeta_score`` (also as ``functools.partial``), ``balanced_accuracy_score``,
    ``jaccard_score``, ``zero_one_loss``, ``matthews_corrcoef``), with at most a
    ``sample_weight`` sample parameter, come from one grouped pass: exact
    per-group counts of ``(y_true, y_pred)`` pairs over the control and
    sensitive features, evaluated per group on the weighted summary rows. For
    Dask input this is the only path (one pass, nothing but the count table
    reaches the client; other callables raise ``NotImplementedError``); for
    in-memory input other callables are applied to each group's rows, as
    fairlearn does. Values equal fairlearn's.

    Bootstrap on Dask input: still one pass, which gathers on the client every
    row's key combination -- per feature, ``y_true`` and ``y_pred``, the row's
    position among their sorted distinct values, in the smallest unsigned
    integer type that holds it (one byte for up to 256 values) -- and each
    ``sample_weight`` column as float64; no feature value itself. The client
    then draws fairlearn's rows of the concatenated input for each resample
    and counts them (``numpy.bincount``): the intervals equal fairlearn's on
    the concatenated data, whatever the chunking. Cost: that gathered column
    set, plus ``n_boot`` draws of ``n`` rows on the client.

    Parameters
    ----------
    metrics : callable or dict of str to callable
    y_true, y_pred : array-like (NumPy, pandas, dask.array, dask Series)
    sensitive_features : array-like, Series, DataFrame, dict or 2-D array
    control_features : array-like, Series, DataFrame, dict or 2-D array, optional
        Features whose groups are reported separately rather than compared
        (unnamed columns are ``control_feature_0``, ...).
    sample_params : dict, optional
        ``{param: array}`` for a single metric or ``{metric name: {param: array}}``.
    n_boot : int, optional
        Number of bootstrap resamples for confidence intervals (with ``ci_quantiles``).
    ci_quantiles : list of float, optional
        Quantiles in (0, 1) reported by ``overall_ci``, ``by_group_ci``,
        ``group_min_ci``, ``group_max_ci``, ``difference_ci()``, ``ratio_ci()``.
    random_state : int, numpy.random.RandomState or None
        Seed of the resamples: the same rows as fairlearn draws for it, so the
        intervals are fairlearn's (NumPy, pandas and Dask input alike).

    Examples
    --------
    >>> from engine.fairness import MetricFrame, selection_rate
    >>> mf = MetricFrame(metrics=selection_rate, y_true=[0, 1, 1, 0], y_pred=[1, 1, 0, 0],
    ...                  sensitive_features=["a", "a", "b", "b"])
    >>> mf.by_group.tolist(), float(mf.difference())
    ([1.0, 0.0], 1.0)
    >>> mf = MetricFrame(metrics=selection_rate, y_true=[0, 1, 1, 0], y_pred=[1, 1, 0, 1],
    ...                  sensitive_features=["a", "b", "a", "b"],
    ...                  control_features=["x", "x", "y", "y"])
    >>> mf.difference().tolist()
    [0.0, 1.0]
    """

    def __init__(
        self,
        *,
        metrics: Callable | dict[str, Callable],
        y_true,
        y_pred,
        sensitive_features,
        control_features=None,
        sample_params: dict | None = None,
        n_boot: int | None = None,
        ci_quantiles: list[float] | None = None,
        random_state: int | np.random.RandomState | None = None,
    ):
        check_lengths(y_true=y_true, y_pred=y_pred)
        self._user_supplied_callable = not isinstance(metrics, dict)
        funcs, params = metric_functions(metrics, sample_params)
        features, controls = feature_columns(sensitive_features, control_features)
        groups = controls + features  # control features lead the by_group index, as fairlearn's
        for name, col in groups:
            check_lengths(y_true=y_true, **{name: col})
        self._sf_names = [n for n, _ in features]
        self._cf_names = [n for n, _ in controls] or None
        lazy = any(is_lazy(x) for x in (y_true, y_pred, *[c for _, c in groups]))
        lazy = lazy or any(is_lazy(v) for p in params.values() for v in p.values())
        kinds = {name: grp.count_kind(f) for name, f in funcs.items()}
        countable = {
            n for n, k in kinds.items() if k is not None and set(params[n]) <= {"sample_weight"}
        }
        if lazy and len(countable) < len(funcs):
            bad = sorted(set(funcs) - countable)
            raise NotImplementedError(
                f"metric(s) {bad} cannot be computed from grouped confusion counts; for Dask input "
                "MetricFrame supports selection_rate, true/false positive/negative rates, "
                "mean_prediction, count and scikit-learn's accuracy/precision/recall/F-scores "
                "(optionally with sample_weight). Compute other metrics on in-memory data."
            )
        boot = check_bootstrap(n_boot, ci_quantiles)
        weights = {
            id(params[n].get("sample_weight")): params[n].get("sample_weight") for n in countable
        }
        cols = {f"control feature {n!r}": c for n, c in controls}
        cols.update({f"sensitive feature {n!r}": c for n, c in features})
        cols.update({"y_true": y_true, "y_pred": y_pred})
        rows = None
        if lazy and boot:  # the resamples are counted from every row's gathered key combination
            (rows,) = compute_all(keyed_rows(cols, named_weights(weights)))
            counts = {k: rows.counts(weight_name(k, w)) for k, w in weights.items()}
        else:
            counts = grouped_counts(cols, weights)
        for kc in counts.values():
            if kc.rows.sum() == 0:
                raise ValueError("Found empty input: y_true has 0 samples")
        columns, keys = self._count_columns(funcs, kinds, params, counts, countable)
        others = [n for n in funcs if n not in countable]
        if others:
            rows_cols, keys = self._from_rows(groups, y_true, y_pred, funcs, params, others)
            columns.update(rows_cols)
        self._warn_single_groups(keys)
        self._set_results(list(funcs), columns, keys)
        self._n_boot, self._ci_quantiles, self._intervals = n_boot, ci_quantiles, None
        if boot:
            with warnings.catch_warnings():  # a resample may hold a single group
                warnings.simplefilter("ignore")
                if rows is not None:
                    draws = bootstrap_rows(rows.n_rows, n_boot, random_state)
                    frames = [
                        self._counted_frame(
                            funcs,
                            kinds,
                            params,
                            {k: rows.counts(weight_name(k, w), draw) for k, w in weights.items()},
                        )
                        for draw in draws
                    ]
                else:
                    draws = bootstrap_rows(len(squeeze(y_true)), n_boot, random_state)
                    frames = self._resampled(
                        funcs, params, features, controls, y_true, y_pred, draws
                    )
            self._intervals = BootstrapIntervals(frames, ci_quantiles, self._extract)

    # ---- construction -------------------------------------------------------------------
    def _count_columns(self, funcs, kinds, params, counts, names) -> tuple[dict, list | None]:
        """``(by-group values, overall values)`` of the metrics ``names`` from the counts."""
        columns, keys = {}, None
        n_cf = len(self._cf_names or [])
        for name in funcs:
            if name in names:
                kc = counts[id(params[name].get("sample_weight"))]
                keys = list(kc.keys[:-2])
                extra = {k: v for k, v in params[name].items() if k != "sample_weight"}
                shape = kc.rows.shape[:-2]
                columns[name] = tuple(
                    [grp.evaluate_cell(funcs[name], kinds[name], kc, cell, extra) for cell in cells]
                    for cells in (np.ndindex(*shape), np.ndindex(*shape[:n_cf]))
                )
        return columns, keys

    def _counted_frame(self, funcs, kinds, params, counts) -> MetricFrame:
        """A frame of the same features from grouped counts alone (a bootstrap resample's)."""
        frame = object.__new__(MetricFrame)
        frame._user_supplied_callable = False
        frame._sf_names, frame._cf_names = self._sf_names, self._cf_names
        columns, keys = frame._count_columns(funcs, kinds, params, counts, set(funcs))
        frame._set_results(list(funcs), columns, keys)
        return frame

    def _from_rows(self, groups, y_true, y_pred, funcs, params, names) -> tuple[dict, list]:
        y_t, y_p = squeeze(y_true), squeeze(y_pred)
        if len(y_t) == 0:
            raise ValueError("Found empty input: y_true has 0 samples")
        keys, flat = grp.row_groups([np.asarray(c) for _, c in groups], [n for n, _ in groups])
        n_cf = len(self._cf_names or [])
        per_control = int(np.prod([len(k) for k in keys[n_cf:]]))
        cells = (
            _cell_rows(flat, int(np.prod([len(k) for k in keys]))),
            _cell_rows(flat // per_control, int(np.prod([len(k) for k in keys[:n_cf]]))),
        )
        out = {}
        for name in names:
            func = funcs[name]
            p = {k: np.asarray(v) for k, v in params[name].items()}
            out[name] = tuple(
                [
                    func(y_t[idx], y_p[idx], **{k: v[idx] for k, v in p.items()})
                    if len(idx)
                    else np.nan
                    for idx in rows
                ]
                for rows in cells
            )
        return out, keys

    def _set_results(self, names: list[str], columns: dict, keys: list | None) -> None:
        """``_overall`` and ``_by_group`` (by metric name) from each metric's cell values."""
        n_cf = len(self._cf_names or [])
        levels = (self._cf_names or []) + self._sf_names
        self._by_group = _frame_of(names, columns, 0, grp.group_index(keys, levels))
        if self._cf_names:
            index = grp.group_index(keys[:n_cf], self._cf_names)
            self._overall = _frame_of(names, columns, 1, index)
        elif names:
            self._overall = pd.Series({name: columns[name][1][0] for name in names})
        else:
            self._overall = pd.Series(dtype=float)

    def _resampled(self, funcs, params, features, controls, y_true, y_pred, draws) -> list:
        """MetricFrames of the bootstrap resamples' rows (in-memory input)."""
        y_t, y_p = squeeze(y_true), squeeze(y_pred)
        sensitive = {name: np.asarray(col) for name, col in features}
        control = {name: np.asarray(col) for name, col in controls}
        arrays = {n: {k: np.asarray(v) for k, v in p.items()} for n, p in params.items()}
        return [
            MetricFrame(
                metrics=funcs,
                y_true=y_t[rows],
                y_pred=y_p[rows],
                sensitive_features={n: c[rows] for n, c in sensitive.items()},
                control_features={n: c[rows] for n, c in control.items()} or None,
                sample_params={n: {k: v[rows] for k, v in p.items()} for n, p in arrays.items()},
            )
            for rows in draws
        ]

    def _warn_single_groups(self, keys) -> None:
        sensitive = (keys or [])[len(self._cf_names or []) :]
        for name, k in zip(self._sf_names, sensitive, strict=False):
            if len(k) == 1:
                warnings.warn(
                    f"sensitive feature {name!r} has a single group ({k[0]!r}): every "
                    "between-group difference is 0 and every ratio 1",
                    UserWarning,
                    stacklevel=3,
                )

    # ---- results ------------------------------------------------------------------------
    def _extract(self, result, by_group: bool = False):
        if not self._user_supplied_callable:
            return result
        return result.iloc[:, 0] if by_group or self._cf_names else result.iloc[0]

    @property
    def overall(self):
        """Metric(s) on all rows: a scalar for one callable, else a Series by metric name."""
        return self._extract(self._overall)

    @property
    def by_group(self):
        """Metric(s) per group: a Series (one callable) or DataFrame indexed by the groups."""
        return self._extract(self._by_group, by_group=True)

    def _ci(self) -> BootstrapIntervals:
        if self._intervals is None:
            raise ValueError(NOT_INITIALIZED)
        return self._intervals

    @property
    def n_boot(self) -> int | None:
        """Number of bootstrap resamples (``None`` without confidence intervals)."""
        return self._n_boot

    @property
    def ci_quantiles(self) -> list[float] | None:
        """Quantiles of the bootstrap confidence intervals."""
        return self._ci_quantiles

    @property
    def overall_ci(self) -> list:
        """``overall`` at each of ``ci_quantiles`` over the bootstrap resamples."""
        return self._ci().overall

    @property
    def by_group_ci(self) -> list:
        """``by_group`` at each of ``ci_quantiles`` (groups absent from a resample skipped)."""
        return self._ci().by_group

    def group_min_ci(self) -> list:
        """``group_min()`` at each of ``ci_quantiles`` over the bootstrap resamples."""
        return self._ci().group_min

    def group_max_ci(self) -> list:
        """``group_max()`` at each of ``ci_quantiles`` over the bootstrap resamples."""
        return self._ci().group_max

    def difference_ci(self, method: Literal["between_groups", "to_overall"] = "between_groups"):
        """``difference(method)`` at each of ``ci_quantiles`` over the bootstrap resamples."""
        check_compare(method, "raise")
        return self._ci().difference[method]

    def ratio_ci(self, method: Literal["between_groups", "to_overall"] = "between_groups"):
        """``ratio(method)`` at each of ``ci_quantiles`` over the bootstrap resamples."""
        check_compare(method, "raise")
        return self._ci().ratio[method]

    @property
    def sensitive_levels(self) -> list[str]:
        """Names of the sensitive features (the index levels of ``by_group``)."""
        return list(self._sf_names)

    @property
    def control_levels(self) -> list[str] | None:
        """Names of the control features (the leading index levels), or None."""
        return None if self._cf_names is None else list(self._cf_names)

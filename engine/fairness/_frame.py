"""MetricFrame: metrics overall and per sensitive group (fairlearn's semantics)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Literal

import dask
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
from engine.stats.internal import check_lengths, keyed_counts

_NON_SCALAR = (
    "Metric frame contains non-scalar cells. Please remove non-scalar columns from your "
    "metric frame or use parameter errors='coerce'."
)
_ERRORS = ("raise", "coerce")
_METHODS = ("between_groups", "to_overall")


def _squeeze(y: Any) -> np.ndarray:
    arr = np.asarray(y)
    return arr.reshape(-1) if arr.ndim > 1 and 1 in arr.shape[1:] else arr


def _scalars_only(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.apply(lambda col: col.apply(lambda v: v if np.isscalar(v) else np.nan))


def _check_compare(method: str, errors: str) -> None:
    if errors not in _ERRORS:
        raise ValueError(f"Invalid error value specified. Valid values are {list(_ERRORS)}")
    if method not in _METHODS:
        raise ValueError(f"Unrecognised comparison method: {method}")


def _ratio_sub_one(x):
    return 1 / x if x > 1 else x


class MetricFrame:
    """Metrics overall and for every group of one or more sensitive features.

    fairlearn's ``MetricFrame`` names and results (``overall``, ``by_group``,
    ``group_min``, ``group_max``, ``difference``, ``ratio``; several sensitive
    features give their intersections with a ``MultiIndex`` over the product
    of their values, missing combinations NaN).

    Method: metrics that are functions of the confusion counts (the engine's
    and fairlearn's ``selection_rate``, ``true_positive_rate``,
    ``false_positive_rate``, ``true_negative_rate``, ``false_negative_rate``,
    ``mean_prediction``, ``count``; scikit-learn's and the engine's
    ``accuracy_score``, ``precision_score``, ``recall_score``, ``f1_score``,
    ``fbeta_score`` (also as ``functools.partial``), ``balanced_accuracy_score``,
    ``jaccard_score``, ``zero_one_loss``, ``matthews_corrcoef``), with at most a
    ``sample_weight`` sample parameter, come from one grouped pass: exact
    per-group counts of ``(y_true, y_pred)`` pairs, evaluated per group on the
    weighted summary rows. For Dask input this is the only path (one pass,
    nothing but the count table reaches the client; other callables raise
    ``NotImplementedError``); for in-memory input other callables are applied
    to each group's rows, as fairlearn does. Values equal fairlearn's.

    Parameters
    ----------
    metrics : callable or dict of str to callable
    y_true, y_pred : array-like (NumPy, pandas, dask.array, dask Series)
    sensitive_features : array-like, Series, DataFrame, dict or 2-D array
    control_features : None
        Not supported (raises ``NotImplementedError``).
    sample_params : dict, optional
        ``{param: array}`` for a single metric or ``{metric name: {param: array}}``.
    n_boot : int, optional
        Number of bootstrap resamples for confidence intervals (with ``ci_quantiles``).
    ci_quantiles : list of float, optional
        Quantiles in (0, 1) reported by ``overall_ci``, ``by_group_ci``,
        ``group_min_ci``, ``group_max_ci``, ``difference_ci()``, ``ratio_ci()``.
    random_state : int, numpy.random.RandomState or None
        Seed of the resamples: the same rows as fairlearn draws for it, so the
        intervals are fairlearn's. In-memory input only (Dask raises
        ``NotImplementedError``).

    Examples
    --------
    >>> from engine.fairness import MetricFrame, selection_rate
    >>> mf = MetricFrame(metrics=selection_rate, y_true=[0, 1, 1, 0], y_pred=[1, 1, 0, 0],
    ...                  sensitive_features=["a", "a", "b", "b"])
    >>> mf.by_group.tolist(), float(mf.difference())
    ([1.0, 0.0], 1.0)
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
        if control_features is not None:
            raise NotImplementedError(
                "control_features are not supported by engine.fairness.MetricFrame"
            )
        check_lengths(y_true=y_true, y_pred=y_pred)
        self._user_supplied_callable = not isinstance(metrics, dict)
        funcs, params = self._annotate(metrics, sample_params)
        features = grp.sensitive_columns(sensitive_features)
        names = [n for n, _ in features]
        seen = set()
        for name in names:
            if name in seen:
                raise ValueError(f"Detected duplicate feature name: '{name}'")
            seen.add(name)
        for name, col in features:
            check_lengths(y_true=y_true, **{name: col})
        self._sf_names = names
        lazy = any(is_lazy(x) for x in (y_true, y_pred, *[c for _, c in features]))
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
        columns: dict[str, tuple[list, Any]] = {}
        self._counts = self._grouped_counts(features, y_true, y_pred, funcs, params, countable)
        keys = None
        for name in funcs:
            if name in countable:
                kc = self._counts[id(params[name].get("sample_weight"))]
                keys = list(kc.keys[:-2])
                columns[name] = self._from_counts(funcs[name], kinds[name], kc, params[name])
        others = [n for n in funcs if n not in countable]
        if others:
            columns.update(self._from_rows(features, y_true, y_pred, funcs, params, others))
            keys = self._row_keys
        self._warn_single_groups(keys)
        index = grp.group_index(keys, names)
        overall = (
            pd.Series({name: columns[name][1] for name in funcs})
            if funcs
            else pd.Series(dtype=float)
        )
        rows = [pd.Series({name: columns[name][0][i] for name in funcs}) for i in range(len(index))]
        by_group = pd.DataFrame(rows, index=index) if rows else pd.DataFrame(index=index)
        by_group.columns = list(funcs)
        self._overall, self._by_group = overall, by_group
        self._n_boot, self._ci_quantiles, self._intervals = n_boot, ci_quantiles, None
        if check_bootstrap(n_boot, ci_quantiles):
            if lazy:
                raise NotImplementedError(
                    "bootstrap confidence intervals (n_boot, ci_quantiles) need in-memory "
                    "input; compute y_true, y_pred and the features first"
                )
            frames = self._resampled(funcs, params, features, y_true, y_pred, n_boot, random_state)
            self._intervals = BootstrapIntervals(frames, ci_quantiles, self._extract)

    # ---- construction -------------------------------------------------------------------
    def _annotate(self, metrics, sample_params) -> tuple[dict, dict]:
        if sample_params is not None and not isinstance(sample_params, dict):
            raise ValueError("Sample parameters must be a dictionary")
        sample_params = sample_params or {}
        if not isinstance(metrics, dict):
            name = getattr(metrics, "__name__", None)
            if metrics is None:
                raise ValueError("Found 'None' instead of metric function")
            if not callable(metrics):
                raise ValueError("Object passed as metric function not callable")
            if name is None:
                warnings.warn("Supplied 'func' had no __name__ attribute", stacklevel=3)
                name = "metric"
            return {name: metrics}, {
                name: {k: v for k, v in sample_params.items() if v is not None}
            }
        if not set(sample_params).issubset(metrics):
            raise ValueError("Keys in 'sample_params' do not match those in 'metric'")
        funcs, params = {}, {}
        for name, func in metrics.items():
            if func is None:
                raise ValueError("Found 'None' instead of metric function")
            if not callable(func):
                raise ValueError("Object passed as metric function not callable")
            p = sample_params.get(name, {})
            if not isinstance(p, dict):
                raise ValueError("Sample parameters must be a dictionary")
            funcs[name] = func
            params[name] = {k: v for k, v in p.items() if v is not None}
        return funcs, params

    def _grouped_counts(self, features, y_true, y_pred, funcs, params, countable) -> dict:
        weights = {}
        for name in countable:
            w = params[name].get("sample_weight")
            weights[id(w)] = w
        cols = {f"sensitive feature {n!r}": c for n, c in features}
        cols.update({"y_true": y_true, "y_pred": y_pred})
        pending = {k: keyed_counts(cols, w) for k, w in weights.items()}
        lazy = {k: v for k, v in pending.items() if dask.is_dask_collection(v)}
        if lazy:
            computed = dask.compute(*lazy.values())
            pending.update(dict(zip(lazy, computed, strict=True)))
        for kc in pending.values():
            if kc.rows.sum() == 0:
                raise ValueError("Found empty input: y_true has 0 samples")
        return pending

    @staticmethod
    def _from_counts(func, kind, kc, params) -> tuple[list, Any]:
        extra = {k: v for k, v in params.items() if k != "sample_weight"}
        shape = kc.rows.shape[:-2]
        cells = list(np.ndindex(*shape))
        values = [grp.evaluate_cell(func, kind, kc, cell, extra) for cell in cells]
        overall = grp.evaluate_cell(func, kind, kc, (), extra)
        return values, overall

    def _from_rows(self, features, y_true, y_pred, funcs, params, names) -> dict:
        y_t, y_p = _squeeze(y_true), _squeeze(y_pred)
        if len(y_t) == 0:
            raise ValueError("Found empty input: y_true has 0 samples")
        keys, flat = grp.row_groups([np.asarray(c) for _, c in features], self._sf_names)
        self._row_keys = keys
        n_cells = int(np.prod([len(k) for k in keys]))
        order = np.argsort(flat, kind="stable")
        bounds = np.searchsorted(flat[order], np.arange(n_cells + 1))
        arrays = {n: {k: np.asarray(v) for k, v in params[n].items()} for n in names}
        out = {}
        for name in names:
            func, p = funcs[name], arrays[name]
            values = []
            for cell in range(n_cells):
                idx = order[bounds[cell] : bounds[cell + 1]]
                values.append(
                    func(y_t[idx], y_p[idx], **{k: v[idx] for k, v in p.items()})
                    if len(idx)
                    else np.nan
                )
            out[name] = (values, func(y_t, y_p, **p))
        return out

    @staticmethod
    def _resampled(funcs, params, features, y_true, y_pred, n_boot, random_state) -> list:
        """MetricFrames of the bootstrap resamples (fairlearn's rows for ``random_state``)."""
        y_t, y_p = _squeeze(y_true), _squeeze(y_pred)
        columns = {name: np.asarray(col) for name, col in features}
        arrays = {n: {k: np.asarray(v) for k, v in p.items()} for n, p in params.items()}
        frames = []
        with warnings.catch_warnings():  # a resample may hold a single group
            warnings.simplefilter("ignore")
            for rows in bootstrap_rows(len(y_t), n_boot, random_state):
                frames.append(
                    MetricFrame(
                        metrics=funcs,
                        y_true=y_t[rows],
                        y_pred=y_p[rows],
                        sensitive_features={n: c[rows] for n, c in columns.items()},
                        sample_params={
                            n: {k: v[rows] for k, v in p.items()} for n, p in arrays.items()
                        },
                    )
                )
        return frames

    def _warn_single_groups(self, keys) -> None:
        for name, k in zip(self._sf_names, keys or [], strict=False):
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
        return result.iloc[:, 0] if by_group else result.iloc[0]

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
        _check_compare(method, "raise")
        return self._ci().difference[method]

    def ratio_ci(self, method: Literal["between_groups", "to_overall"] = "between_groups"):
        """``ratio(method)`` at each of ``ci_quantiles`` over the bootstrap resamples."""
        _check_compare(method, "raise")
        return self._ci().ratio[method]

    @property
    def sensitive_levels(self) -> list[str]:
        """Names of the sensitive features (the index levels of ``by_group``)."""
        return list(self._sf_names)

    @property
    def control_levels(self) -> None:
        return None

    def _group(self, how: str, errors: str):
        if errors not in _ERRORS:
            raise ValueError(f"Invalid error value specified. Valid values are {list(_ERRORS)}")
        if errors == "raise":
            try:
                return self._by_group.agg(how, axis=0)
            except ValueError as exc:
                raise ValueError(_NON_SCALAR) from exc
        return _scalars_only(self._by_group).agg(how, axis=0)

    def group_min(self, errors: Literal["raise", "coerce"] = "raise"):
        """Smallest value of each metric over the groups."""
        return self._extract(self._group("min", errors))

    def group_max(self, errors: Literal["raise", "coerce"] = "raise"):
        """Largest value of each metric over the groups."""
        return self._extract(self._group("max", errors))

    def difference(
        self,
        method: Literal["between_groups", "to_overall"] = "between_groups",
        errors: Literal["raise", "coerce"] = "coerce",
    ):
        """Largest absolute difference between groups (or from the overall value)."""
        _check_compare(method, errors)
        sub = self._group("min", errors) if method == "between_groups" else self._overall
        result = (_scalars_only(self._by_group) - sub).abs().max()
        return self._extract(result.where(result.notna(), np.nan))

    def ratio(
        self,
        method: Literal["between_groups", "to_overall"] = "between_groups",
        errors: Literal["raise", "coerce"] = "coerce",
    ):
        """Smallest ratio between groups (or to the overall value), at most 1."""
        _check_compare(method, errors)
        if method == "between_groups":
            result = self._group("min", errors) / self._group("max", errors)
        else:
            ratios = self._by_group / self._overall
            result = ratios.apply(lambda x: x.transform(_ratio_sub_one)).min()
        return self._extract(result.where(result.notna(), np.nan))

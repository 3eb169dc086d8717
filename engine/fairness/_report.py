"""Bias report (per-group rates and four-fifths-rule flags) and Reweighing mitigation."""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import dask
import dask.array as da
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from engine.data import is_lazy
from engine.data.internal import align_rows
from engine.fairness import _groups as grp
from engine.fairness._base import count, false_positive_rate, selection_rate, true_positive_rate
from engine.fairness._frame import MetricFrame
from engine.stats.internal import compute_all, keyed_counts


@dataclass
class BiasReport:
    """Result of :func:`bias_report`.

    Attributes
    ----------
    by_group : pandas.DataFrame
        Per group: ``count``, ``selection_rate``, ``true_positive_rate``,
        ``false_positive_rate``.
    disparities : pandas.DataFrame
        One row per criterion (demographic parity, equal opportunity, false
        positive rate parity, equalized odds): ``metric``, ``difference``,
        ``ratio``, the thresholds, ``flagged`` and ``reason``.
    overall : pandas.Series
        The same rates on all rows.
    """

    by_group: pd.DataFrame
    disparities: pd.DataFrame
    overall: pd.Series

    @property
    def flagged(self) -> bool:
        """True when any disparity passes its threshold."""
        return bool(self.disparities["flagged"].any())

    def summary(self) -> str:
        """One line: the verdict and the flagged criteria.

        Examples
        --------
        >>> bias_report([0, 1, 0, 1], [0, 1, 0, 1], ["a", "a", "b", "b"]).summary()
        'Bias: none flagged -- 0 of 4 criteria over 2 groups'
        """
        flagged = self.disparities.loc[self.disparities["flagged"], "criterion"].tolist()
        verdict = "flagged" if flagged else "none flagged"
        named = f" ({', '.join(flagged)})" if flagged else ""
        return (
            f"Bias: {verdict} -- {len(flagged)} of {len(self.disparities)} criteria{named} "
            f"over {len(self.by_group)} groups"
        )

    def __repr__(self) -> str:
        with pd.option_context("display.max_columns", None, "display.width", 120):
            criteria = self.disparities.drop(columns=["difference_threshold", "ratio_threshold"])
            return f"{self.summary()}\n{criteria.to_string(index=False)}\n\n{self.by_group}"

    def _repr_html_(self) -> str:
        criteria = self.disparities.drop(columns=["difference_threshold", "ratio_threshold"])
        return (
            f"<p><b>{html.escape(self.summary())}</b></p>"
            f"{criteria.to_html(index=False, float_format='{:.4g}'.format)}"
            f"<p>Per group</p>{self.by_group.to_html(float_format='{:.4g}'.format)}"
        )


def bias_report(
    y_true,
    y_pred,
    sensitive_features,
    *,
    pos_label=1,
    sample_weight=None,
    difference_threshold: float = 0.1,
    ratio_threshold: float = 0.8,
) -> BiasReport:
    """Per-group selection rate, TPR, FPR and counts, with disparity flags.

    A criterion is flagged when its between-group difference exceeds
    ``difference_threshold`` or its ratio falls below ``ratio_threshold``
    (0.8: the four-fifths rule). Exact; one grouped pass over the data (Dask
    input: one ``dask.compute``, only the count table reaches the client).

    Examples
    --------
    >>> report = bias_report([0, 1, 1, 0, 1, 0], [1, 1, 1, 0, 0, 0], ["a", "a", "a", "b", "b", "b"])
    >>> report.by_group["selection_rate"].tolist(), report.flagged
    ([1.0, 0.0], True)
    """
    for name, value in (
        ("difference_threshold", difference_threshold),
        ("ratio_threshold", ratio_threshold),
    ):
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}")
    metrics = {
        "count": count,
        "selection_rate": functools.partial(selection_rate, pos_label=pos_label),
        "true_positive_rate": functools.partial(true_positive_rate, pos_label=pos_label),
        "false_positive_rate": functools.partial(false_positive_rate, pos_label=pos_label),
    }
    sw = {"sample_weight": sample_weight}
    frame = MetricFrame(
        metrics=metrics,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=sensitive_features,
        sample_params={k: sw for k in metrics if k != "count"},
    )
    diff = frame.difference()
    ratio = frame.ratio()
    rows = []
    for label, metric in (
        ("demographic_parity", "selection_rate"),
        ("equal_opportunity", "true_positive_rate"),
        ("false_positive_rate_parity", "false_positive_rate"),
    ):
        rows.append((label, metric, float(diff[metric]), float(ratio[metric])))
    rows.append(
        (
            "equalized_odds",
            "true_positive_rate,false_positive_rate",
            float(max(diff["true_positive_rate"], diff["false_positive_rate"])),
            float(min(ratio["true_positive_rate"], ratio["false_positive_rate"])),
        )
    )
    table = pd.DataFrame(rows, columns=["criterion", "metric", "difference", "ratio"])
    table["difference_threshold"] = difference_threshold
    table["ratio_threshold"] = ratio_threshold
    over_diff = table["difference"] > difference_threshold
    under_ratio = table["ratio"] < ratio_threshold
    table["flagged"] = over_diff | under_ratio
    table["reason"] = [
        "; ".join(
            r
            for r, on in (
                (f"difference {d:.3g} > {difference_threshold}", od),
                (f"ratio {q:.3g} < {ratio_threshold}", ur),
            )
            if on
        )
        for d, q, od, ur in zip(
            table["difference"], table["ratio"], over_diff, under_ratio, strict=True
        )
    ]
    by_group = frame.by_group.copy()
    by_group["count"] = by_group["count"].astype(np.int64)
    return BiasReport(by_group, table, frame.overall)


class Reweighing(BaseEstimator):
    """Kamiran & Calders reweighing: sample weights that make label and group independent.

    ``w(g, y) = P(g) P(y) / P(g, y)`` for the row's (intersectional) group
    ``g`` and label ``y``, from exact counts in one grouped pass (Dask: one
    ``dask.compute``). Train a model with ``sample_weight=fit_transform(...)``
    to reduce demographic-parity disparity.

    Attributes
    ----------
    groups_ : list of ndarray
        Sorted groups of each sensitive feature.
    classes_ : ndarray
        Sorted labels.
    weights_ : ndarray, shape (n_groups_1, ..., n_classes)
        The weight of every (group, label) cell (NaN for unseen cells).

    Examples
    --------
    >>> w = Reweighing().fit_transform(None, [1, 1, 0, 0], sensitive_features=["a", "a", "a", "b"])
    >>> w.round(3).tolist()
    [0.75, 0.75, 1.5, 0.5]
    """

    def __init__(self):
        pass

    def fit(self, X, y, sensitive_features):
        """Count rows per (group, label) and compute the weights (one pass)."""
        if y is None:
            raise ValueError("Reweighing needs y (the labels)")
        features = grp.sensitive_columns(sensitive_features)
        cols = {f"sensitive feature {n!r}": c for n, c in features}
        cols["y"] = y
        (kc,) = compute_all(keyed_counts(cols))
        rows = kc.rows.astype(np.float64)
        n = rows.sum()
        if n == 0:
            raise ValueError("Found empty input: y has 0 samples")
        p_gy = rows / n
        p_g = p_gy.sum(axis=-1, keepdims=True)
        p_y = p_gy.reshape(-1, p_gy.shape[-1]).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            weights = np.where(rows > 0, p_g * p_y / p_gy, np.nan)
        self.groups_ = [np.asarray(k) for k in kc.keys[:-1]]
        self.classes_ = np.asarray(kc.keys[-1])
        self.weights_ = weights
        self.feature_names_ = [n for n, _ in features]
        return self

    def transform(self, X, y, sensitive_features):
        """Weight of every row (NumPy, or a lazy dask array for Dask input)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "weights_")
        features = grp.sensitive_columns(sensitive_features)
        if [n for n, _ in features] != self.feature_names_:
            raise ValueError(
                f"sensitive features {[n for n, _ in features]} differ from those seen in fit "
                f"{self.feature_names_}"
            )
        columns = [c for _, c in features] + [y]
        if not any(is_lazy(c) for c in columns):
            return self._lookup(*[np.asarray(c) for c in columns])
        named = {f"column {i}": c for i, c in enumerate(columns)}
        aligned = align_rows(named, convertible=tuple(named))
        lookup = dask.delayed(self._lookup, pure=True, name="engine-reweighing")
        return da.concatenate(
            [
                da.from_delayed(lookup(*block.values()), shape=(n,), dtype=np.float64)
                for block, n in zip(aligned.blocks(), aligned.lengths, strict=True)
            ]
        )

    def _lookup(self, *columns) -> np.ndarray:
        keys = [*self.groups_, self.classes_]
        names = [*self.feature_names_, "y"]
        index = []
        for col, k, name in zip(columns, keys, names, strict=True):
            col = np.asarray(col).reshape(-1)
            pos = {v: i for i, v in enumerate(k.tolist())}
            try:
                index.append(np.array([pos[v] for v in col.tolist()], dtype=np.int64))
            except KeyError as exc:
                raise ValueError(f"{name!r} has a value not seen in fit: {exc.args[0]!r}") from exc
        w = self.weights_[tuple(index)]
        if np.isnan(w).any():
            raise ValueError("a (group, label) combination not seen in fit has no weight")
        return w

    def fit_transform(self, X, y, sensitive_features):
        """Fit, then return the weight of every row."""
        return self.fit(X, y, sensitive_features).transform(X, y, sensitive_features)

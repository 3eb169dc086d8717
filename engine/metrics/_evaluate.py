"""Several metrics in one pass: ``evaluate``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import dask

from engine.metrics import _classification as cls
from engine.metrics import _probabilistic as prob
from engine.metrics import _ranking as rank
from engine.metrics import _regression as reg
from engine.metrics._partials import Needs, Partials, finish, lazy_partials


@dataclass(frozen=True)
class _Entry:
    needs: Needs
    finalize: Callable[..., Any]
    uses: str  # "pred" or "score"

    def needs_for(self, kwargs: dict) -> Needs:
        """The partials this metric needs with these keyword arguments."""
        if self.needs.confusion:
            return self.needs | cls.confusion_needs(kwargs.get("labels"))
        return self.needs


def _prf(what: str, beta: float | None = None):
    def fin(parts: Partials, weighted: bool, **kw):
        if beta is not None:
            kw["beta"] = beta
        value = cls.finalize_prf_score(parts, weighted, what, **kw)
        return float(value) if kw.get("average", "binary") is not None else value

    return fin


def _acc(parts, weighted, **kw):
    return cls.finalize_accuracy(parts, weighted, **kw)


def _cm(parts, weighted, **kw):
    return cls.finalize_confusion_matrix(parts, weighted, **kw)


def _mcm(parts, weighted, **kw):
    return cls.finalize_multilabel_confusion_matrix(parts, weighted, **kw)


def _hamming(parts, weighted, **kw):
    return cls.finalize_hamming(parts, weighted, **kw)


def _report(parts, weighted, **kw):
    return cls.finalize_report(parts, weighted, **kw)


def _auc(parts, weighted, **kw):
    return rank.finalize_roc_auc(parts, weighted=weighted, **kw)


def _curve(parts, weighted, **kw):
    return rank.finalize_roc_curve(parts, **kw)


def _logloss(parts, weighted, **kw):
    return prob.finalize_log_loss(parts, **kw)


def _regression(fin):
    def call(parts, weighted, **kw):
        return fin(parts, **kw)

    return call


_C, _S, _L, _R = cls.CONFUSION, rank.SCORES, prob.LOGLOSS, reg.REGRESSION
METRICS: dict[str, _Entry] = {
    "accuracy": _Entry(_C, _acc, "pred"),
    "precision": _Entry(_C, _prf("precision"), "pred"),
    "recall": _Entry(_C, _prf("recall"), "pred"),
    "f1": _Entry(_C, _prf("f-score", beta=1.0), "pred"),
    "fbeta": _Entry(_C, _prf("f-score"), "pred"),
    "confusion_matrix": _Entry(_C, _cm, "pred"),
    "multilabel_confusion_matrix": _Entry(_C, _mcm, "pred"),
    "hamming_loss": _Entry(_C, _hamming, "pred"),
    "classification_report": _Entry(_C, _report, "pred"),
    "roc_auc": _Entry(_S, _auc, "score"),
    "roc_curve": _Entry(_S, _curve, "score"),
    "log_loss": _Entry(_L, _logloss, "score"),
    "mean_squared_error": _Entry(_R, _regression(reg.finalize_mse), "pred"),
    "root_mean_squared_error": _Entry(_R, _regression(reg.finalize_rmse), "pred"),
    "mean_absolute_error": _Entry(_R, _regression(reg.finalize_mae), "pred"),
    "r2": _Entry(_R, _regression(reg.finalize_r2), "pred"),
    "explained_variance": _Entry(_R, _regression(reg.finalize_explained_variance), "pred"),
}
ALIASES = {
    "accuracy_score": "accuracy",
    "precision_score": "precision",
    "recall_score": "recall",
    "f1_score": "f1",
    "fbeta_score": "fbeta",
    "roc_auc_score": "roc_auc",
    "mse": "mean_squared_error",
    "rmse": "root_mean_squared_error",
    "mae": "mean_absolute_error",
    "r2_score": "r2",
    "explained_variance_score": "explained_variance",
}


def _normalize(metrics: Iterable | Mapping) -> list[tuple[str, str, dict]]:
    if isinstance(metrics, str):
        metrics = [metrics]
    items = (
        metrics.items()
        if isinstance(metrics, Mapping)
        else [(m, {}) if isinstance(m, str) else tuple(m) for m in metrics]
    )
    out = []
    for label, kwargs in items:
        base = ALIASES.get(label, label)
        if base not in METRICS:
            known = sorted(set(METRICS) | set(ALIASES))
            raise ValueError(f"unknown metric {label!r}; known metrics: {known}")
        out.append((label, base, dict(kwargs or {})))
    return out


def evaluate(y_true, y_pred=None, y_score=None, metrics=("accuracy",), sample_weight=None) -> dict:
    """Compute several metrics in one pass over the data (one ``dask.compute``).

    Parameters
    ----------
    y_true : array-like
        True labels or targets (NumPy, pandas, dask.array, dask Series).
    y_pred : array-like, optional
        Predicted labels (classification) or values (regression).
    y_score : array-like, optional
        Scores or probabilities (``roc_auc``, ``roc_curve``, ``log_loss``).
    metrics : sequence of str, or mapping of str to dict
        Metric names (``"accuracy"``, ``"precision"``, ``"recall"``, ``"f1"``,
        ``"fbeta"``, ``"confusion_matrix"``, ``"multilabel_confusion_matrix"``,
        ``"hamming_loss"``, ``"classification_report"``,
        ``"roc_auc"``, ``"roc_curve"``, ``"log_loss"``, ``"mean_squared_error"``,
        ``"root_mean_squared_error"``, ``"mean_absolute_error"``, ``"r2"``,
        ``"explained_variance"``; scikit-learn function names work too), or
        ``{name: keyword arguments}``, e.g. ``{"f1": {"average": "macro"}}``.
    sample_weight : array-like, optional

    Returns
    -------
    dict
        ``{name: value}`` in the order requested; values equal the
        corresponding ``engine.metrics`` (and scikit-learn) functions.

    Notes
    -----
    Every requested metric is finalized from partials of the same single pass
    (confusion counts, exact score distribution, log-loss and regression
    sums), so the cost is one read of the data whatever the number of metrics.

    Examples
    --------
    >>> evaluate([0, 1, 1, 0], [0, 1, 0, 0], [0.1, 0.9, 0.4, 0.3],
    ...          metrics=["accuracy", "recall", "roc_auc"])
    {'accuracy': 0.75, 'recall': 0.5, 'roc_auc': 1.0}
    """
    requests = _normalize(metrics)
    needs = Needs()
    for _, base, kwargs in requests:
        entry = METRICS[base]
        needs = needs | entry.needs_for(kwargs)
        if entry.uses == "pred" and y_pred is None:
            raise ValueError(f"metric {base!r} needs y_pred")
        if entry.uses == "score" and y_score is None:
            raise ValueError(f"metric {base!r} needs y_score")
    if needs.confusion and needs.regression:
        raise ValueError("cannot mix classification and regression metrics in one evaluate call")
    parts = lazy_partials(needs, y_true, y_pred, y_score, sample_weight)
    if dask.is_dask_collection(parts):
        (parts,) = dask.compute(parts)
    parts = finish(parts, sample_weight)
    weighted = sample_weight is not None
    return {label: METRICS[base].finalize(parts, weighted, **kw) for label, base, kw in requests}

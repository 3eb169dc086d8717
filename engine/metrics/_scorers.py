"""scikit-learn scorers built on the engine's metric functions (usable in searches)."""

from __future__ import annotations

from sklearn.metrics import make_scorer

from engine.metrics._classification import accuracy_score, f1_score, precision_score, recall_score
from engine.metrics._probabilistic import log_loss
from engine.metrics._ranking import roc_auc_score
from engine.metrics._regression import (
    explained_variance_score,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)

_PROBA = "predict_proba"
_RANK = ("decision_function", "predict_proba")


def _table() -> dict:
    table = {
        "accuracy": (accuracy_score, {}, True, "predict"),
        "roc_auc": (roc_auc_score, {}, True, _RANK),
        "roc_auc_ovr": (roc_auc_score, {"multi_class": "ovr"}, True, _PROBA),
        "roc_auc_ovo": (roc_auc_score, {"multi_class": "ovo"}, True, _PROBA),
        "roc_auc_ovr_weighted": (
            roc_auc_score,
            {"multi_class": "ovr", "average": "weighted"},
            True,
            _PROBA,
        ),
        "roc_auc_ovo_weighted": (
            roc_auc_score,
            {"multi_class": "ovo", "average": "weighted"},
            True,
            _PROBA,
        ),
        "neg_log_loss": (log_loss, {}, False, _PROBA),
        "neg_mean_squared_error": (mean_squared_error, {}, False, "predict"),
        "neg_root_mean_squared_error": (root_mean_squared_error, {}, False, "predict"),
        "neg_mean_absolute_error": (mean_absolute_error, {}, False, "predict"),
        "r2": (r2_score, {}, True, "predict"),
        "explained_variance": (explained_variance_score, {}, True, "predict"),
    }
    for name, func in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
        table[name] = (func, {}, True, "predict")
        for average in ("micro", "macro", "weighted"):
            table[f"{name}_{average}"] = (
                func,
                {"average": average, "pos_label": None},
                True,
                "predict",
            )
    return table


_SCORERS = _table()


def get_scorer_names() -> list[str]:
    """Names accepted by :func:`get_scorer` (scikit-learn's scorer names).

    Examples
    --------
    >>> "roc_auc" in get_scorer_names()
    True
    """
    return sorted(_SCORERS)


def get_scorer(scoring):
    """A scikit-learn scorer computing the metric with the engine's function.

    The scorer is ``sklearn.metrics.make_scorer`` around the engine's metric
    (same sign convention, response method and keyword arguments as
    scikit-learn's scorer of that name), so it works in ``cross_validate``,
    ``GridSearchCV`` and the engine's searches. Callables pass through.

    Examples
    --------
    >>> scorer = get_scorer("roc_auc")
    >>> scorer._score_func.__module__
    'engine.metrics._ranking'
    """
    if callable(scoring):
        return scoring
    if scoring not in _SCORERS:
        raise ValueError(
            f"{scoring!r} is not a valid scoring value; valid names: {get_scorer_names()}"
        )
    func, kwargs, greater, response = _SCORERS[scoring]
    return make_scorer(func, greater_is_better=greater, response_method=response, **kwargs)

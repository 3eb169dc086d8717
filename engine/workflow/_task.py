"""Task types of a run: detection from the target, metric names and defaults per task.

Metric names are scikit-learn's scoring names (``f1_macro``, ``roc_auc_ovr``,
``neg_root_mean_squared_error``, ...) plus the plain metric names the engine's
:func:`engine.metrics.evaluate` knows (``f1``, ``log_loss``,
``root_mean_squared_error``, ...). A ``neg_`` name has the negated value, as
scikit-learn's scorer of that name. Pure Python: nothing heavy is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CLASSIFICATION = ("binary", "multiclass")
#: The most distinct integer values of a target still read as classes (more: regression).
MAX_CLASSES = 20

DEFAULT_METRICS = {
    "binary": ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"),
    "multiclass": ("accuracy", "f1_macro", "f1_weighted", "roc_auc_ovr", "log_loss"),
    "regression": (
        "mean_squared_error",
        "root_mean_squared_error",
        "mean_absolute_error",
        "r2",
    ),
}


@dataclass(frozen=True)
class Metric:
    """How a metric name is computed: the ``evaluate`` metric, its arguments and sign."""

    base: str
    kwargs: tuple = ()
    sign: float = 1.0


def _catalog() -> dict[str, dict[str, Metric]]:
    averaged = {
        f"{name}_{avg}": Metric(name, (("average", avg),))
        for name in ("precision", "recall", "f1")
        for avg in ("micro", "macro", "weighted")
    }
    log_loss = {"log_loss": Metric("log_loss"), "neg_log_loss": Metric("log_loss", (), -1.0)}
    binary = {
        "accuracy": Metric("accuracy"),
        "precision": Metric("precision"),
        "recall": Metric("recall"),
        "f1": Metric("f1"),
        "roc_auc": Metric("roc_auc"),
        **averaged,
        **log_loss,
    }
    multiclass = {"accuracy": Metric("accuracy"), **averaged, **log_loss}
    for multi in ("ovr", "ovo"):
        multiclass[f"roc_auc_{multi}"] = Metric("roc_auc", (("multi_class", multi),))
        multiclass[f"roc_auc_{multi}_weighted"] = Metric(
            "roc_auc", (("multi_class", multi), ("average", "weighted"))
        )
    regression = {"r2": Metric("r2"), "explained_variance": Metric("explained_variance")}
    for name in ("mean_squared_error", "root_mean_squared_error", "mean_absolute_error"):
        regression[name] = Metric(name)
        regression[f"neg_{name}"] = Metric(name, (), -1.0)
    return {"binary": binary, "multiclass": multiclass, "regression": regression}


METRICS = _catalog()


def valid_metrics(task: str) -> list[str]:
    """Metric names accepted for ``task`` (``"auto"``: any task's)."""
    if task == "auto":
        return sorted({name for names in METRICS.values() for name in names})
    return sorted(METRICS[task])


def scoring_names(task: str) -> list[str]:
    """Search ``scoring`` names for ``task``: its metrics, losses only as ``neg_<loss>`` (as scikit-learn)."""
    valid = valid_metrics(task)
    return [name for name in valid if f"neg_{name}" not in valid]


def metric_requests(task: str, names) -> dict[str, tuple[str, dict]]:
    """``{name: (evaluate metric, keyword arguments)}`` for :func:`engine.metrics.evaluate`."""
    return {name: (METRICS[task][name].base, dict(METRICS[task][name].kwargs)) for name in names}


def metric_values(task: str, raw: dict[str, float]) -> dict[str, float]:
    """Apply the sign of each name (``neg_*`` names are negated, as scikit-learn's scorers)."""
    return {name: METRICS[task][name].sign * float(value) for name, value in raw.items()}


@dataclass(frozen=True)
class TargetSummary:
    """What one pass over the target found: dtype kind, distinct values (capped), integrality."""

    kind: str  # numpy dtype kind of the target ('O' for strings)
    distinct: tuple  # sorted distinct values, at most MAX_CLASSES + 1 of them
    integral: bool  # every numeric value is a whole number


def detect_task(target: TargetSummary, column: str) -> tuple[str, str]:
    """``(task, reason)`` from the target's dtype and exact distinct count.

    Two distinct values: binary. Strings, booleans or categories: multiclass
    when more than two. Whole numbers with at most :data:`MAX_CLASSES`
    distinct values: multiclass. Anything else numeric: regression.

    Examples
    --------
    >>> detect_task(TargetSummary("O", ("No", "Yes"), True), "default")
    ('binary', "'default' has 2 distinct values")
    """
    n = len(target.distinct)
    shown = f"{MAX_CLASSES}+" if n > MAX_CLASSES else str(n)
    if n < 2:
        raise ValueError(
            f"data.target: column {column!r} has {n} distinct value(s); nothing to learn"
        )
    if n == 2:
        return "binary", f"{column!r} has 2 distinct values"
    if target.kind in "OUSb" or target.kind == "category":
        return "multiclass", f"{column!r} holds labels ({shown} distinct)"
    if target.integral and n <= MAX_CLASSES:
        return "multiclass", f"{column!r} holds {n} distinct whole numbers"
    return "regression", f"{column!r} is numeric with {shown} distinct values"


def positive_label(classes, requested: Any, column: str) -> Any:
    """The positive class of a binary target: the requested one, else the greater (scikit-learn)."""
    if requested is None:
        return classes[-1]
    for label in classes:
        if label == requested or str(label) == str(requested):
            return label
    raise ValueError(
        f"model.positive_label: {requested!r} is not a class of {column!r}; classes: {list(classes)}"
    )

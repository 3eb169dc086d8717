"""Evaluation metrics with scikit-learn's names, exact and one pass on Dask input.

Every function accepts NumPy, pandas, dask.array and dask DataFrame/Series
input. For Dask input the metric is computed in one pass over the data with
per-block partial results (confusion counts, exact score distributions,
sums and moments) merged in a fixed order, so the value is identical on every
scheduler. :func:`evaluate` computes several metrics in the same pass.

Binary (any two labels: strings, booleans, {-1, 1}), multiclass and
multilabel-indicator targets are told apart with scikit-learn's rules
(:func:`type_of_target`, exact and one pass on Dask); :func:`unique_labels`
finds the classes of Dask targets in one pass without collecting them.
"""

from engine.metrics._classification import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    fbeta_score,
    hamming_loss,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from engine.metrics._default_score import default_score
from engine.metrics._evaluate import evaluate
from engine.metrics._probabilistic import log_loss
from engine.metrics._ranking import roc_auc_score, roc_curve
from engine.metrics._regression import (
    explained_variance_score,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)
from engine.metrics._scorers import get_scorer, get_scorer_names
from engine.metrics._target_kind import type_of_target
from engine.metrics._unique_labels import unique_labels

__all__ = [
    "accuracy_score",
    "classification_report",
    "confusion_matrix",
    "default_score",
    "evaluate",
    "explained_variance_score",
    "f1_score",
    "fbeta_score",
    "get_scorer",
    "get_scorer_names",
    "hamming_loss",
    "log_loss",
    "mean_absolute_error",
    "mean_squared_error",
    "multilabel_confusion_matrix",
    "precision_recall_fscore_support",
    "precision_score",
    "r2_score",
    "recall_score",
    "roc_auc_score",
    "roc_curve",
    "root_mean_squared_error",
    "type_of_target",
    "unique_labels",
]

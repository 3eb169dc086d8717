"""Binary targets with any two labels in every metric, scorer and evaluate (scikit-learn's pos_label)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from sklearn.linear_model import LogisticRegression

import engine.metrics as em
from tests.conftest import ROW_CHUNKINGS
from tests.metrics._helpers import as_dask, assert_close

LABELS = {
    "yes_no": np.array(["No", "Yes"], dtype=object),
    "bool": np.array([False, True]),
    "pm1": np.array([-1, 1]),
}
_rng = np.random.default_rng(5)
_T = _rng.integers(0, 2, 120)
_P = np.where(_rng.random(120) < 0.3, 1 - _T, _T)
_S = np.round(np.clip(0.35 * _T + _rng.random(120) * 0.65, 0, 1), 2)

CASES = [
    ("accuracy_score", {}, "pred"),
    ("confusion_matrix", {}, "pred"),
    ("multilabel_confusion_matrix", {}, "pred"),
    ("hamming_loss", {}, "pred"),
    ("precision_score", {}, "pred"),  # default pos_label=1: raises for strings, as sklearn
    ("precision_score", {"pos_label": "positive"}, "pred"),
    ("recall_score", {"pos_label": "positive"}, "pred"),
    ("f1_score", {"pos_label": "negative"}, "pred"),
    ("fbeta_score", {"beta": 2.0, "pos_label": "positive"}, "pred"),
    ("f1_score", {"average": "macro"}, "pred"),
    ("precision_recall_fscore_support", {"pos_label": "positive", "average": "binary"}, "pred"),
    ("classification_report", {"output_dict": True}, "pred"),
    ("roc_auc_score", {}, "score"),
    ("roc_curve", {}, "score"),  # pos_label=None: raises for strings and bools as sklearn
    ("roc_curve", {"pos_label": "positive"}, "score"),
    ("log_loss", {}, "score"),
]


def _resolve(kwargs: dict, labels: np.ndarray) -> dict:
    named = {"positive": labels[1], "negative": labels[0]}
    return {k: named.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}


def _outcome(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "value", func(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            return "error", type(exc), str(exc)


@pytest.mark.parametrize("name,kwargs,uses", CASES)
@pytest.mark.parametrize("kind", sorted(LABELS))
def test_every_metric_any_binary_labels(name, kwargs, uses, kind):
    labels = LABELS[kind]
    kwargs = _resolve(kwargs, labels)
    t = labels[_T]
    second = labels[_P] if uses == "pred" else _S
    expected = _outcome(getattr(skm, name), t, second, **kwargs)
    inputs = [(t, second)] + [
        (as_dask(t, b, "series"), as_dask(second, b, "series" if uses == "pred" else "array"))
        for b in ROW_CHUNKINGS
    ]
    if uses == "score":  # scores as a dask array need the target as an array too
        inputs[1:] = [(as_dask(t, b), as_dask(second, b)) for b in ROW_CHUNKINGS]
    for y_true, y_other in inputs:
        got = _outcome(getattr(em, name), y_true, y_other, **kwargs)
        assert got[0] == expected[0], (got, expected)
        if got[0] == "error":
            assert got[1] is expected[1] and got[2] == expected[2]
        else:
            assert_close(got[1], expected[1])


@pytest.mark.parametrize("kind", sorted(LABELS))
def test_every_scorer_equals_sklearn(kind):
    labels = LABELS[kind]
    X = np.column_stack([_S, _rng.random(120)])
    y = labels[_T]
    model = LogisticRegression().fit(X, y)
    for scoring in em.get_scorer_names():
        expected = _outcome(skm.get_scorer(scoring), model, X, y)
        got = _outcome(em.get_scorer(scoring), model, X, y)
        assert got[0] == expected[0], scoring
        if got[0] == "value":
            assert_close(got[1], expected[1])
        else:
            assert got[1] is expected[1], scoring


@pytest.mark.parametrize("kind", sorted(LABELS))
def test_evaluate_with_pos_label(kind):
    labels = LABELS[kind]
    t, p = labels[_T], labels[_P]
    metrics = {
        "accuracy": {},
        "precision": {"pos_label": labels[1]},
        "recall": {"pos_label": labels[0]},
        "f1": {"average": "macro"},
        "roc_auc": {},
        "log_loss": {},
        "confusion_matrix": {},
    }
    expected = {
        "accuracy": skm.accuracy_score(t, p),
        "precision": skm.precision_score(t, p, pos_label=labels[1]),
        "recall": skm.recall_score(t, p, pos_label=labels[0]),
        "f1": skm.f1_score(t, p, average="macro"),
        "roc_auc": skm.roc_auc_score(t, _S),
        "log_loss": skm.log_loss(t, _S),
        "confusion_matrix": skm.confusion_matrix(t, p),
    }
    for n_blocks in ROW_CHUNKINGS:
        got = em.evaluate(
            as_dask(t, n_blocks), as_dask(p, n_blocks), as_dask(_S, n_blocks), metrics=metrics
        )
        assert_close(got, expected)

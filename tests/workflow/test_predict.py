"""Task detection, positive label and threshold: predictions and metrics as scikit-learn's."""

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.linear_model import LogisticRegression

from engine.workflow._evaluate import Evaluation, compute_metrics
from engine.workflow._predict import Target, predict_frame
from engine.workflow._task import DEFAULT_METRICS, TargetSummary, detect_task


@pytest.mark.parametrize(
    ("summary", "task"),
    [
        (TargetSummary("O", ("No", "Yes"), True), "binary"),
        (TargetSummary("b", (False, True), True), "binary"),
        (TargetSummary("i", (-1, 1), True), "binary"),
        (TargetSummary("i", (0, 1, 2), True), "multiclass"),  # iris coded 0/1/2
        (TargetSummary("O", tuple("abcdefghijklmnopqrstuvwxyz"[:21]), True), "multiclass"),
        (TargetSummary("i", tuple(range(21)), True), "regression"),  # many whole numbers
        (TargetSummary("f", (0.5, 1.0, 2.5), False), "regression"),
    ],
)
def test_task_from_dtype_and_distinct_count(summary, task):
    assert detect_task(summary, "y")[0] == task


def test_constant_target_is_refused():
    with pytest.raises(ValueError, match="data.target: column 'y' has 1 distinct"):
        detect_task(TargetSummary("O", ("Yes",), True), "y")


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = np.where(X["a"] + rng.normal(scale=1.0, size=300) > 0.3, "Yes", "No")
    return X, pd.Series(y, index=X.index), LogisticRegression().fit(X, y)


@pytest.mark.parametrize(("positive", "threshold"), [("No", None), ("Yes", 0.3)])
def test_positive_label_and_threshold(fitted, positive, threshold):
    X, y, model = fitted
    target = Target("binary", "y", "", ("No", "Yes"), positive, threshold)
    frame = predict_frame(model, dd.from_pandas(X, npartitions=3), target, ["a", "b"])
    frame = frame.assign(true=dd.from_pandas(y, npartitions=3))
    result = Evaluation(target, {}, frame)
    metrics = compute_metrics(result, DEFAULT_METRICS["binary"])
    proba = model.predict_proba(X)
    pos = list(model.classes_).index(positive)
    if threshold is None:
        expected_pred = model.predict(X)
    else:
        expected_pred = np.where(proba[:, pos] >= threshold, positive, "No")
    assert list(frame["prediction"].compute()) == list(expected_pred)
    assert metrics == pytest.approx(
        {
            "accuracy": skm.accuracy_score(y, expected_pred),
            "precision": skm.precision_score(y, expected_pred, pos_label=positive),
            "recall": skm.recall_score(y, expected_pred, pos_label=positive),
            "f1": skm.f1_score(y, expected_pred, pos_label=positive),
            "roc_auc": skm.roc_auc_score(y == positive, proba[:, pos]),
            "log_loss": skm.log_loss(y, proba),
        },
        rel=1e-12,
    )

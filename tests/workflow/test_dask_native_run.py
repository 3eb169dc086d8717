"""Runs whose model is an XGBoost Dask estimator: evaluated and scored through its Dask predict.

On the real-cluster fixture (worker processes): the test part is predicted by
the estimator's own Dask ``predict_proba``/``predict`` on the whole collection,
each prediction block paired with the test rows it came from.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)

from engine.workflow import check_spec, load_model, run_spec, score_file

xgboost = pytest.importorskip("xgboost")
pytest.importorskip("xgboost.dask")

ROWS, FILES = 800, 4


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A Parquet folder of FILES files: a "Yes"/"No" target, a numeric target, a group column."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(ROWS, 4))
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["group"] = rng.choice(["f", "m"], ROWS)
    frame["answer"] = np.where(X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=ROWS) > 0, "Yes", "No")
    frame["amount"] = 2.0 * X[:, 0] + X[:, 2] + rng.normal(size=ROWS)
    path = tmp_path_factory.mktemp("native") / "table.parquet"
    path.mkdir()
    size = ROWS // FILES
    for i in range(FILES):
        frame.iloc[i * size : (i + 1) * size].to_parquet(path / f"part.{i}.parquet")
    return path, pd.read_parquet(path)


def _run(path, out, address, target):
    estimator, other = (
        ("DaskXGBClassifier", "amount") if target == "answer" else ("DaskXGBRegressor", "answer")
    )
    spec = check_spec(
        {
            "name": target,
            "data": {
                "source": str(path),
                "target": target,
                "sensitive": "group",
                "exclude": [other],
            },
            "model": {
                "estimator": f"xgboost.dask.{estimator}",
                "params": {"n_estimators": 8, "max_depth": 3},
            },
            "evaluation": {"drift": False},
            "output": {"dir": str(out), "report": False},
            "cluster": {"address": address},
        }
    )
    return run_spec(spec, progress=False, echo=lambda s: None)


def _own_output(record, frame, predictions):
    """XGBoost's own in-memory predict (the saved booster) on the test rows, and the rows."""
    model, metadata = load_model(record.path)
    rows = frame.loc[predictions.index, metadata["features"]]
    booster = model[-1]
    booster = getattr(booster, "estimator_", booster).get_booster()
    return booster.inplace_predict(model[:-1].transform(rows))


def test_dask_xgb_classifier_run_on_string_labels(source, real_cluster, tmp_path):
    path, frame = source
    record = _run(path, tmp_path, real_cluster.address, "answer")
    predictions = pd.read_parquet(record.path / "predictions.parquet")
    assert len(predictions) == record.results["test_rows"]
    np.testing.assert_array_equal(predictions["true"], frame.loc[predictions.index, "answer"])
    assert record.results["importance"].startswith("skipped")
    # the predictions are the booster's own, row for row (probability of class code 1 = "Yes")
    np.testing.assert_array_equal(predictions["proba_Yes"], _own_output(record, frame, predictions))
    expected = np.where(predictions["proba_Yes"] > predictions["proba_No"], "Yes", "No")
    np.testing.assert_array_equal(predictions["prediction"], expected)
    metrics = record.results["metrics"]
    y, pred, score = predictions["true"], predictions["prediction"], predictions["proba_Yes"]
    assert metrics["accuracy"] == pytest.approx(accuracy_score(y, pred), rel=1e-12)
    assert metrics["f1"] == pytest.approx(f1_score(y, pred, pos_label="Yes"), rel=1e-12)
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(y == "Yes", score), rel=1e-12)
    proba = predictions[["proba_No", "proba_Yes"]]
    assert metrics["log_loss"] == pytest.approx(log_loss(y, proba, labels=["No", "Yes"]), rel=1e-6)
    # engine score with the saved model: the run's test predictions again
    scores = tmp_path / "scores.parquet"
    score_file(record.path, path, scores, address=real_cluster.address)
    scored = pd.read_parquet(scores).loc[predictions.index]
    np.testing.assert_array_equal(scored["score"], predictions["proba_Yes"])
    np.testing.assert_array_equal(scored["prediction"], predictions["prediction"])


def test_dask_xgb_regressor_run(source, real_cluster, tmp_path):
    path, frame = source
    record = _run(path, tmp_path, real_cluster.address, "amount")
    predictions = pd.read_parquet(record.path / "predictions.parquet")
    np.testing.assert_array_equal(predictions["true"], frame.loc[predictions.index, "amount"])
    own = _own_output(record, frame, predictions).astype(np.float64)
    np.testing.assert_array_equal(predictions["prediction"], own)
    metrics = record.results["metrics"]
    y, pred = predictions["true"], predictions["prediction"]
    assert metrics["mean_squared_error"] == pytest.approx(mean_squared_error(y, pred), rel=1e-12)
    assert metrics["mean_absolute_error"] == pytest.approx(mean_absolute_error(y, pred), rel=1e-12)
    assert metrics["r2"] == pytest.approx(r2_score(y, pred), rel=1e-12)
    groups = pd.DataFrame(record.results["fairness"]).set_index("group")["rows"]
    counts = frame.loc[predictions.index, "group"].value_counts()
    assert groups.sort_index().tolist() == counts.sort_index().tolist()

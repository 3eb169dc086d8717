"""Runs on a multi-file Parquet source with a sensitive column: every test row stays whole.

Dask fuses small Parquet files differently per column projection, and
collections split or persisted separately are aligned by index (a shuffle):
the target, the predictions and the sensitive column of the test part must
nevertheless come from one split, row for row, on threads and on a cluster.
"""

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, roc_auc_score

from engine.data import demo_table
from engine.workflow import check_spec, run_spec, score_table

ROWS, FILES = 3_000, 6


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A Parquet folder of FILES small files (one per partition), row ids 0..ROWS-1."""
    path = tmp_path_factory.mktemp("parquet") / "customers.parquet"
    table = demo_table(ROWS, npartitions=FILES, random_state=3)
    table.assign(credit_score=table["credit_score"].fillna(680.0)).to_parquet(path)
    return path, pd.read_parquet(path)


def parquet_spec(path, out, target="default", **sections):
    raw = {
        "name": "parquet",
        "data": {"source": str(path), "target": target, "sensitive": "gender"},
        "preprocessing": [{"SimpleImputer": {"strategy": "median"}}, {"StandardScaler": {}}],
        "model": {
            "params": {"max_iter": 200},
            "search": {"kind": "grid", "params": {"C": [0.1, 1.0]}, "cv": 2, "scoring": "roc_auc"},
        }
        if target == "default"
        else {"estimator": "sklearn.linear_model.Ridge"},
        "evaluation": {"importance": False, "drift": False},
        "output": {"dir": str(out), "report": False, "save_model": False},
    }
    raw.update(sections)
    return check_spec(raw)


def _run(spec):
    return run_spec(spec, progress=False, echo=lambda s: None)


@pytest.fixture(scope="module")
def binary_run(source, tmp_path_factory):
    return _run(parquet_spec(source[0], tmp_path_factory.mktemp("runs")))


def test_source_has_one_partition_per_file(source):
    assert len(list(source[0].glob("*.parquet"))) == FILES


def test_binary_run_keeps_test_rows_whole(binary_run, source):
    _, frame = source
    predictions = pd.read_parquet(binary_run.path / "predictions.parquet")
    assert len(predictions) == binary_run.results["test_rows"] == ROWS // 5
    # every test row's true value is the source's value of that row
    np.testing.assert_array_equal(
        predictions["true"].to_numpy(), frame.loc[predictions.index, "default"].to_numpy()
    )
    metrics = binary_run.results["metrics"]
    assert metrics["accuracy"] == pytest.approx(
        accuracy_score(predictions["true"], predictions["prediction"]), rel=1e-12
    )
    assert metrics["roc_auc"] == pytest.approx(
        roc_auc_score(predictions["true"], predictions["proba_1"]), rel=1e-12
    )
    assert isinstance(binary_run.results["bias_flagged"], list)


def test_regression_fairness_groups_are_the_test_rows_groups(source, tmp_path):
    path, frame = source
    record = _run(parquet_spec(path, tmp_path, target="credit_score"))
    predictions = pd.read_parquet(record.path / "predictions.parquet")
    groups = frame.loc[predictions.index, "gender"].to_numpy()
    error = (predictions["prediction"] - predictions["true"]).abs()
    expected = (
        predictions.assign(group=groups, error=error)
        .groupby("group")
        .agg(rows=("true", "size"), actual=("true", "mean"), error=("error", "mean"))
    )
    found = pd.DataFrame(record.results["fairness"]).set_index("group").sort_index()
    assert found.index.tolist() == expected.index.tolist()
    np.testing.assert_array_equal(found["rows"], expected["rows"])
    np.testing.assert_allclose(found["mean actual"], expected["actual"], rtol=1e-12)
    np.testing.assert_allclose(found["mean absolute error"], expected["error"], rtol=1e-12)


def test_same_parquet_run_on_a_real_cluster(binary_run, source, real_cluster, tmp_path):
    spec = parquet_spec(source[0], tmp_path, cluster={"address": real_cluster.address})
    remote = _run(spec)
    assert remote.results["scheduler"] == real_cluster.address
    assert remote.results["metrics"] == binary_run.results["metrics"]
    assert remote.results["search"]["best_params"] == binary_run.results["search"]["best_params"]
    assert remote.results["bias_flagged"] == binary_run.results["bias_flagged"]
    local = pd.read_parquet(binary_run.path / "predictions.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(remote.path / "predictions.parquet"), local)


def test_score_table_keeps_rows_whole_on_a_users_own_parquet_frame(source):
    # A user's dd.read_parquet frame: Dask reads a one-column projection of it on fewer,
    # fused partitions than the whole frame. The scores and kept columns still pair row by row.
    path, frame = source
    table = dd.read_parquet(path)
    assert len(table[["gender"]].map_partitions(len).compute()) < table.npartitions
    features = ["utilization", "late_payments", "credit_score"]
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0)
    model.fit(frame[features], frame["default"])
    metadata = {"features": features, "task": "binary", "classes": [0, 1], "positive_label": 1}
    scores = score_table(model, table, metadata, keep=["gender"]).compute()
    np.testing.assert_array_equal(scores.index, frame.index)
    np.testing.assert_array_equal(scores["gender"], frame["gender"])
    np.testing.assert_allclose(
        scores["score"].to_numpy(), model.predict_proba(frame[features])[:, 1], rtol=1e-12
    )

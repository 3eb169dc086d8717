"""Every task end to end on data shaped like the R datasets, through the command line.

The example specs of ``examples/`` run on the tables ``examples/make_data.py`` writes:
"Yes"/"No" binary (as a subprocess), string multiclass from a CSV with R's row-name
column, and a regression with a date column and an ID column. The metrics in
``record.json`` equal scikit-learn's on ``predictions.parquet``.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn import metrics as skm

from engine.cli import main
from engine.workflow import load_model

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def _make_data():
    spec = importlib.util.spec_from_file_location("make_data", EXAMPLES / "make_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cli_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


def engine_cli(*args, cwd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *map(str, args)],
        cwd=cwd,
        env=cli_env(),
        capture_output=True,
        text=True,
        **kwargs,
    )


def example_spec(folder: Path, name: str, **changes) -> Path:
    """An example spec reading the tables in ``folder/examples/data``, written into ``folder``."""
    raw = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())
    for section, values in changes.items():
        raw[section] = {**raw.get(section, {}), **values}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    _make_data().write_examples(folder / "examples" / "data")
    return folder


def _only_run(folder: Path, name: str) -> Path:
    (run,) = (folder / "runs" / name).iterdir()
    return run


@pytest.fixture(scope="module")
def runs(workdir):
    """The three example specs: binary through a subprocess, the others through ``main``."""
    done = engine_cli("run", example_spec(workdir, "binary"), cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert "task: binary" in done.stdout and "positive label 'Yes'" in done.stdout
    old = Path.cwd()
    os.chdir(workdir)
    try:
        for name in ("multiclass", "regression"):  # importance is covered by the binary run
            spec = example_spec(workdir, name, evaluation={"importance": False})
            assert main(["run", str(spec), "--no-progress"]) == 0
    finally:
        os.chdir(old)
    names = {
        "binary": "default-binary",
        "multiclass": "flowers-multiclass",
        "regression": "prices-regression",
    }
    return {task: _only_run(workdir, name) for task, name in names.items()}


def _record_and_predictions(run: Path):
    record = json.loads((run / "record.json").read_text())
    return record, pd.read_parquet(run / "predictions.parquet")


def test_binary_yes_no_metrics_equal_sklearn(runs):
    record, pred = _record_and_predictions(runs["binary"])
    results = record["results"]
    assert results["task"] == "binary" and results["classes"] == ["No", "Yes"]
    assert results["positive_label"] == "Yes"
    assert results["features"]["left_out"] == {
        "student": "sensitive column (data.sensitive_as_feature: false)"
    }
    y, p, score = pred["true"], pred["prediction"], pred["proba_Yes"]
    expected = {
        "accuracy": skm.accuracy_score(y, p),
        "precision": skm.precision_score(y, p, pos_label="Yes"),
        "recall": skm.recall_score(y, p, pos_label="Yes"),
        "f1": skm.f1_score(y, p, pos_label="Yes"),
        "roc_auc": skm.roc_auc_score(y == "Yes", score),
        "log_loss": skm.log_loss(y, pred[["proba_No", "proba_Yes"]]),
    }
    assert results["metrics"] == pytest.approx(expected, rel=1e-12)
    assert len(pred) == results["test_rows"] == 150 and pred.index.is_unique
    # stratified by default for classification: the test part keeps the class shares
    source = pd.read_csv(runs["binary"].parents[2] / "examples" / "data" / "default.csv")
    assert abs((y == "Yes").mean() - (source["default"] == "Yes").mean()) < 0.01
    assert set(record["outputs"]) == {"predictions", "model", "reference", "report", "record"}
    assert record["error"] is None


def test_multiclass_strings_metrics_equal_sklearn(runs):
    record, pred = _record_and_predictions(runs["multiclass"])
    results = record["results"]
    classes = ["setosa", "versicolor", "virginica"]
    assert results["task"] == "multiclass" and results["classes"] == classes
    assert results["features"]["left_out"] == {"Unnamed: 0": "unique per row (row numbers)"}
    y, p = pred["true"], pred["prediction"]
    proba = pred[[f"proba_{c}" for c in classes]].to_numpy()
    expected = {
        "accuracy": skm.accuracy_score(y, p),
        "f1_macro": skm.f1_score(y, p, average="macro"),
        "f1_weighted": skm.f1_score(y, p, average="weighted"),
        "roc_auc_ovr": skm.roc_auc_score(y, proba, multi_class="ovr"),
        "log_loss": skm.log_loss(y, proba),
    }
    assert results["metrics"] == pytest.approx(expected, rel=1e-12)
    assert results["metrics"]["accuracy"] > 0.85  # argmax, not proba[:, 1] >= 0.5


def test_regression_metrics_equal_sklearn(runs):
    record, pred = _record_and_predictions(runs["regression"])
    results = record["results"]
    assert results["task"] == "regression"
    features = results["features"]
    assert features["datetime"] == ["sold"] and features["categorical"] == ["cut"]
    assert features["left_out"] == {"listing_id": "unique per row (an ID)"}
    y, p = pred["true"], pred["prediction"]
    expected = {
        "mean_squared_error": skm.mean_squared_error(y, p),
        "root_mean_squared_error": skm.root_mean_squared_error(y, p),
        "mean_absolute_error": skm.mean_absolute_error(y, p),
        "r2": skm.r2_score(y, p),
    }
    assert results["metrics"] == pytest.approx(expected, rel=1e-12)
    assert results["metrics"]["r2"] > 0.9
    assert "split" in record["timings"] and record["spec"]["split"]["stratify"] is None


def test_reports_show_the_task_plots(runs):
    for task, images in (("binary", 5), ("multiclass", 3), ("regression", 2)):
        html = (runs[task] / "report.html").read_text()
        # binary: ROC, confusion, fairness, drift, importance; multiclass: confusion,
        # one-vs-rest ROC, drift; regression: predicted vs actual + residuals, drift
        assert html.count("data:image/png;base64,") == images, task
    assert "One-vs-rest ROC" not in (runs["binary"] / "report.html").read_text()


@pytest.mark.parametrize(
    ("task", "columns"),
    [
        ("binary", ["student", "score", "prediction"]),
        ("multiclass", ["prediction", "proba_setosa", "proba_versicolor", "proba_virginica"]),
        ("regression", ["prediction"]),
    ],
)
def test_score_writes_the_task_columns_and_keeps_the_index(runs, workdir, tmp_path, task, columns):
    data = {"binary": "default", "multiclass": "flowers", "regression": "prices"}[task]
    source = workdir / "examples" / "data" / f"{data}.csv"
    frame = pd.read_csv(source).iloc[:40]
    frame.index = frame.index + 1000
    frame.to_parquet(tmp_path / "new.parquet")
    out = tmp_path / "scores.parquet"
    keep = ["--keep", "student"] if task == "binary" else []
    model_path = runs[task] / "model.skops"
    assert (
        main(["score", str(model_path), str(tmp_path / "new.parquet"), "-o", str(out), *keep]) == 0
    )
    scores = pd.read_parquet(out)
    assert list(scores.columns) == columns
    assert list(scores.index) == list(frame.index)
    model, meta = load_model(model_path)
    expected = model.predict(frame[meta["features"]])
    if task == "regression":
        np.testing.assert_allclose(scores["prediction"], expected, rtol=1e-12)
    else:
        assert list(scores["prediction"]) == list(expected)


def test_score_never_overwrites_its_input_and_checks_dtypes(runs, workdir, tmp_path, capsys):
    model_path = runs["binary"] / "model.skops"
    data = tmp_path / "new.csv"
    frame = pd.read_csv(workdir / "examples" / "data" / "default.csv").iloc[:20]
    frame.to_csv(data, index=False)
    before = data.read_bytes()
    code = main(["score", str(model_path), str(data), "-o", str(data), "--overwrite"])
    assert code == 2 and data.read_bytes() == before
    assert "is the input data" in capsys.readouterr().err
    frame.assign(balance="high").to_csv(tmp_path / "text.csv", index=False)
    assert (
        main(["score", str(model_path), str(tmp_path / "text.csv"), "-o", str(tmp_path / "o.csv")])
        == 2
    )
    err = capsys.readouterr().err
    assert "column 'balance': the model was trained on float64" in err and err.count("\n") == 1

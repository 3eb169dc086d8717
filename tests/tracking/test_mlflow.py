"""MLflow export of a run into a real local MLflow store (SQLite backend)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from engine.cli import main, mlflow_settings
from engine.data import demo_table
from engine.workflow import check_spec, score_file

mlflow = pytest.importorskip("mlflow")


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """``engine run`` of a spec with ``output.mlflow``: the store, the run folder, the MLflow run."""
    tmp = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    spec = {
        "name": "churn",
        "data": {"rows": 2_000, "partitions": 2, "target": "default", "sensitive": "gender"},
        "preprocessing": [{"SimpleImputer": {"strategy": "median"}}, {"StandardScaler": {}}],
        "model": {
            "params": {"max_iter": 300},
            "search": {"kind": "grid", "params": {"C": [0.1, 1.0]}, "cv": 2, "scoring": "roc_auc"},
        },
        "evaluation": {"fairness": False, "drift": False, "importance": False},
        "output": {
            "dir": str(tmp / "runs"),
            "mlflow": {
                "tracking_uri": uri,
                "experiment": "churn-experiments",
                "run_name": "first",
                "register_as": "churn-model",
            },
        },
    }
    (tmp / "spec.yaml").write_text(yaml.safe_dump(spec))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp)  # MLflow's default artifact root is relative to the working directory
        assert main(["run", str(tmp / "spec.yaml"), "--no-progress"]) == 0
    (run_dir,) = (p for p in (tmp / "runs" / "churn").iterdir() if not p.name.startswith("."))
    client = mlflow.MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("churn-experiments").experiment_id])
    return uri, tmp, run_dir, client, run


def test_the_run_its_params_metrics_and_tags_are_in_the_store(logged):
    _, _, run_dir, _, run = logged
    record = json.loads((run_dir / "record.json").read_text())
    assert run.info.run_name == "first" and run.info.status == "FINISHED"
    assert run.data.metrics == record["results"]["metrics"]
    assert run.data.params["model.params.max_iter"] == "300"
    assert run.data.params["model.search.params.C"] == "[0.1, 1.0]"
    assert run.data.params["preprocessing.0.name"] == "SimpleImputer"
    tags = run.data.tags
    assert tags["engine.data_fingerprint"] == record["data_fingerprint"]
    assert tags["engine.version.scikit-learn"] == record["versions"]["scikit-learn"]
    assert tags["engine.scheduler"] == "threads" and tags["engine.task"] == "binary"


def test_artifacts_and_search_table_are_in_the_store(logged):
    _, tmp, run_dir, client, run = logged
    names = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"record.json", "report.html", "search"} <= names
    table = client.download_artifacts(run.info.run_id, "search/candidates.json", str(tmp))
    candidates = json.loads(Path(table).read_text())
    record = json.loads((run_dir / "record.json").read_text())
    assert len(candidates["data"]) == record["results"]["search"]["n_candidates"] == 2


def test_the_registered_pyfunc_model_predicts_what_engine_score_predicts(logged, tmp_path):
    uri, _, run_dir, client, _ = logged
    (version,) = client.search_model_versions("name='churn-model'")
    mlflow.set_tracking_uri(uri)
    model = mlflow.pyfunc.load_model(f"models:/churn-model/{version.version}")
    assert model.metadata.signature is not None
    rows = demo_table(300, npartitions=1, random_state=21).compute()
    rows = rows.astype({c: object for c in rows.select_dtypes("category").columns})  # as JSON/CSV
    rows.to_parquet(tmp_path / "new.parquet")
    expected = pd.read_parquet(
        score_file(run_dir, tmp_path / "new.parquet", tmp_path / "s.parquet")
    )
    got = model.predict(rows)
    np.testing.assert_array_equal(got["score"].to_numpy(), expected["score"].to_numpy())
    np.testing.assert_array_equal(got["prediction"].to_numpy(), expected["prediction"].to_numpy())


def test_mlflow_option_overrides_the_spec_uri():
    spec = check_spec({"name": "x", "data": {"target": "y"}})
    assert mlflow_settings(spec, None) is None
    settings = mlflow_settings(spec, "sqlite:///other.db")
    assert (settings.tracking_uri, settings.experiment) == ("sqlite:///other.db", "x")
    with pytest.raises(ValueError, match="output.mlflow.tracking_uri: is required"):
        check_spec(
            {"name": "x", "data": {"target": "y"}, "output": {"mlflow": {"experiment": "e"}}}
        )
    with pytest.raises(ValueError, match="output.mlflow.run_nam"):
        check_spec(
            {
                "name": "x",
                "data": {"target": "y"},
                "output": {"mlflow": {"tracking_uri": "u", "run_nam": "r"}},
            }
        )

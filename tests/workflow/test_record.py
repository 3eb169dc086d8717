import json

import joblib
import pytest
from sklearn.linear_model import LinearRegression

from engine.workflow import RunRecord, load_model


def test_record_writes_json_with_timings(tmp_path):
    record = RunRecord(name="demo", spec={"name": "demo"}, data_fingerprint="abc")
    with record.stage("load"):
        pass
    record.results["accuracy"] = 0.5
    path = record.write(tmp_path / "record.json")
    payload = json.loads(path.read_text())
    assert payload["data_fingerprint"] == "abc"
    assert payload["timings"]["load"] >= 0
    assert payload["versions"]["numpy"]
    assert payload["finished"] is not None


def test_corrupt_trusted_pickle_is_named(tmp_path):
    path = tmp_path / "m.joblib"
    joblib.dump({"model": LinearRegression(), "metadata": {}}, path)
    path.write_bytes(path.read_bytes()[:40])  # truncated
    with (
        pytest.warns(UserWarning, match="runs any code"),
        pytest.raises(ValueError, match=r"m\.joblib' is not a readable model file"),
    ):
        load_model(path, trust_pickle=True)
    (tmp_path / "text.joblib").write_text("not a model")
    with (
        pytest.warns(UserWarning, match="runs any code"),
        pytest.raises(ValueError, match="not a readable model file"),
    ):
        load_model(tmp_path / "text.joblib", trust_pickle=True)


def test_record_reads_back_from_its_folder_and_shows_as_tables(tmp_path):
    record = RunRecord(name="churn", spec={"name": "churn"}, data_fingerprint="abc123")
    record.results.update(task="binary", metrics={"accuracy": 0.91, "roc_auc": 0.95})
    with record.stage("load"):
        pass
    record.outputs["report"] = "report.html"
    record.write(tmp_path / "record.json")

    read = RunRecord.read(tmp_path)
    assert (read.name, read.results, read.timings, read.path) == (
        "churn",
        record.results,
        record.timings,
        tmp_path,
    )
    page = read._repr_html_()
    assert "Run churn</b> (finished" in page and "task binary" in page and "abc123" in page
    assert page.count("<table") == 3 and "roc_auc" in page and "report.html" in page
    with pytest.raises(FileNotFoundError, match="no run record"):
        RunRecord.read(tmp_path / "nowhere")

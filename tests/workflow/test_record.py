import json

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from engine.workflow import RunRecord, _record, load_model


def test_record_writes_json_with_timings(tmp_path, monkeypatch):
    clock = iter([10.0, 12.5, 20.0, 20.25, 30.0, 31.0])  # start/end of each stage
    monkeypatch.setattr(_record.time, "perf_counter", lambda: next(clock))
    record = RunRecord(name="demo", spec={"name": "demo"}, data_fingerprint="abc")
    with record.stage("load"):
        pass
    with record.stage("fit"):
        pass
    with pytest.raises(RuntimeError), record.stage("score"):
        raise RuntimeError("a failed stage is timed too")
    record.results["accuracy"] = 0.5
    path = record.write(tmp_path / "record.json")
    payload = json.loads(path.read_text())
    assert payload["data_fingerprint"] == "abc"
    assert payload["timings"] == {"load": 2.5, "fit": 0.25, "score": 1.0}
    assert list(payload["timings"]) == ["load", "fit", "score"]  # in the order they ran
    assert payload["results"] == {"accuracy": 0.5}
    assert payload["versions"]["numpy"] == np.__version__
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

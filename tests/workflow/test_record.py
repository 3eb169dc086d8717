import json

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from engine.workflow import RunRecord, _record, load_model, save_model


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


def test_model_roundtrip_and_no_overwrite(tmp_path):
    model = LinearRegression().fit([[0.0], [1.0]], [0.0, 2.0])
    path = save_model(model, tmp_path / "m.joblib", metadata={"features": ["x"]})
    loaded, meta = load_model(path)
    assert meta == {"features": ["x"]}
    assert loaded.predict([[2.0]])[0] == pytest.approx(4.0)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_model(model, path)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "none.joblib")


def test_corrupt_model_file_is_named(tmp_path):
    path = save_model(LinearRegression(), tmp_path / "m.joblib")
    path.write_bytes(path.read_bytes()[:40])  # truncated
    with pytest.raises(ValueError, match=r"m\.joblib' is not a readable model file"):
        load_model(path)
    (tmp_path / "text.joblib").write_text("not a model")
    with pytest.raises(ValueError, match="not a readable model file"):
        load_model(tmp_path / "text.joblib")

import json

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from engine.workflow import _record
from engine.workflow._record import RunRecord, load_model, new_run_dir, save_model


def test_run_dirs_are_never_reused(tmp_path):
    first = new_run_dir(tmp_path, "demo")
    second = new_run_dir(tmp_path, "demo")
    assert first != second
    assert first.is_dir() and second.is_dir()


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

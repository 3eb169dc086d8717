import json

from engine.workflow._record import RunRecord, new_run_dir


def test_run_dirs_are_never_reused(tmp_path):
    first = new_run_dir(tmp_path, "demo")
    second = new_run_dir(tmp_path, "demo")
    assert first != second
    assert first.is_dir() and second.is_dir()


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

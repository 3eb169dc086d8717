"""Run folders are atomic: complete under <time>/, or <time>.failed/ with the record and error."""

import json

import pytest

from engine.workflow import RunFolder, RunRecord


def _runs(tmp_path):
    return sorted(p.name for p in (tmp_path / "demo").iterdir())


def test_complete_run_appears_at_once(tmp_path):
    record = RunRecord(name="demo", spec={})
    with RunFolder(tmp_path, "demo", record) as folder:
        folder.write("a.txt", lambda p: p.write_text("a"))
        hidden = _runs(tmp_path)
        assert len(hidden) == 1 and hidden[0].startswith(".")  # nothing visible while writing
    final = record.path
    assert _runs(tmp_path) == [final.name] and not final.name.startswith(".")
    assert sorted(p.name for p in final.iterdir()) == ["a.txt", "record.json"]
    payload = json.loads((final / "record.json").read_text())
    assert payload["error"] is None
    assert payload["outputs"] == {"a": "a.txt", "record": "record.json"}


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failed_or_interrupted_run_keeps_record_and_error(tmp_path, error):
    record = RunRecord(name="demo", spec={})
    with pytest.raises(type(error)) as caught, RunFolder(tmp_path, "demo", record) as folder:
        with record.stage("load"):
            pass
        folder.write("a.txt", lambda p: p.write_text("a"))
        raise error
    (name,) = _runs(tmp_path)
    assert name.endswith(".failed") and record.path.name == name
    assert sorted(p.name for p in record.path.iterdir()) == ["a.txt", "error.txt", "record.json"]
    payload = json.loads((record.path / "record.json").read_text())
    assert payload["error"].startswith(type(error).__name__)
    assert payload["timings"]["load"] >= 0
    assert type(error).__name__ in (record.path / "error.txt").read_text()
    assert any(name in note for note in caught.value.__notes__)


def test_runs_started_in_the_same_second_never_collide(tmp_path):
    paths = []
    for _ in range(3):
        record = RunRecord(name="demo", spec={})
        with RunFolder(tmp_path, "demo", record):
            pass
        paths.append(record.path)
    assert len(set(paths)) == 3 and len(_runs(tmp_path)) == 3

import dataclasses
from pathlib import Path

import pytest

from engine.workflow import RunSpec, SpecError, check_spec, load_spec
from engine.workflow._spec import spec_reference

BASE = {"name": "t", "data": {"source": "demo", "target": "default"}}
README = Path(__file__).resolve().parents[2] / "README.md"


def test_defaults_are_filled_into_frozen_dataclasses():
    spec = check_spec(BASE)
    assert isinstance(spec, RunSpec)
    assert spec.data.rows == 1_000_000
    assert spec.model.task == "auto" and spec.model.estimator is None
    assert spec.split.stratify is None  # decided by the task
    assert spec.evaluation.metrics is None  # the task's defaults
    assert spec.preprocessing == ()
    assert spec.model.search is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.data.rows = 3


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({**BASE, "modle": {}}, r"^modle: unknown key.*did you mean model\?"),
        (
            {**BASE, "data": {"target": "y", "rowz": 3}},
            r"^data\.rowz: unknown key.*did you mean rows\?",
        ),
        ({**BASE, "data": {"target": "y", "rows": "many"}}, r"data\.rows: must be an integer"),
        ({**BASE, "data": {"target": "y", "rows": True}}, r"data\.rows: must be an integer"),
        ({**BASE, "data": {"target": "y", "exclude": "id"}}, r"data\.exclude: must be a list"),
        (
            {**BASE, "data": {"target": "y", "datetime": "explode"}},
            r"data\.datetime: must be one of",
        ),
        ({**BASE, "split": {"test_size": 1.5}}, r"split\.test_size"),
        ({**BASE, "model": {"task": "classification"}}, r"model\.task: must be one of"),
        ({**BASE, "model": {"threshold": 2}}, r"model\.threshold: must be in \(0, 1\)"),
        ({**BASE, "model": {"search": {"kind": "exhaustive"}}}, r"model\.search\.kind"),
        ({**BASE, "model": {"search": {"cvv": 3}}}, r"model\.search\.cvv.*did you mean cv\?"),
        ({**BASE, "preprocessing": [{"A": {}, "B": {}}]}, r"preprocessing\[0\]"),
        ({"data": {"target": "y"}}, r"^name: is required"),
        ({"name": "../up", "data": {"target": "y"}}, r"^name: is required"),
        ({"name": "t", "data": {}}, r"data\.target: is required"),
    ],
)
def test_bad_specs_name_the_key(raw, message):
    with pytest.raises(SpecError, match=message):
        check_spec(raw)


def test_steps_shorthand():
    spec = check_spec(
        {**BASE, "preprocessing": ["StandardScaler", {"SimpleImputer": {"strategy": "median"}}]}
    )
    assert [(s.name, s.params) for s in spec.preprocessing] == [
        ("StandardScaler", {}),
        ("SimpleImputer", {"strategy": "median"}),
    ]


def test_load_spec_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: t\ndata:\n  target: default\n  rows: 1000\n")
    assert load_spec(path).data.rows == 1000
    (tmp_path / "bad.yaml").write_text("name: t\ndata: [unclosed\n")
    with pytest.raises(SpecError, match=r"not valid YAML \(line \d+\)"):
        load_spec(tmp_path / "bad.yaml")
    with pytest.raises(FileNotFoundError, match="no such spec file.*nope.yaml"):
        load_spec(tmp_path / "nope.yaml")
    with pytest.raises(FileNotFoundError, match="is a folder"):
        load_spec(tmp_path)


def test_readme_documents_every_key():
    assert spec_reference() in README.read_text()

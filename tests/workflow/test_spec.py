import pytest

from engine.workflow import check_spec, load_spec

BASE = {"name": "t", "data": {"source": "demo", "target": "default"}}


def test_defaults_are_filled():
    spec = check_spec(BASE)
    assert spec["data"]["rows"] == 1_000_000
    assert spec["evaluation"]["metrics"][0] == "accuracy"
    assert spec["preprocessing"] == []
    assert spec["model"]["search"] is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({**BASE, "modle": {}}, "unknown spec key 'modle'"),
        ({**BASE, "data": {"target": "y", "rowz": 3}}, r"data\.rowz"),
        ({**BASE, "data": {"target": "y", "rows": "many"}}, r"data\.rows must be int"),
        ({**BASE, "data": {"target": "y", "rows": True}}, r"data\.rows must be int"),
        ({**BASE, "split": {"test_size": 1.5}}, r"split\.test_size"),
        ({**BASE, "model": {"search": {"kind": "exhaustive"}}}, r"model\.search\.kind"),
        ({**BASE, "model": {"search": {"grid": {}}}}, r"model\.search\.grid"),
        ({**BASE, "preprocessing": [{"A": {}, "B": {}}]}, r"preprocessing\[0\]"),
        ({"data": {"target": "y"}}, "'name' is required"),
        ({"name": "t", "data": {}}, r"data\.target is required"),
    ],
)
def test_bad_specs_name_the_key(raw, message):
    with pytest.raises(ValueError, match=message):
        check_spec(raw)


def test_steps_shorthand():
    spec = check_spec(
        {**BASE, "preprocessing": ["StandardScaler", {"SimpleImputer": {"strategy": "median"}}]}
    )
    assert spec["preprocessing"] == [
        ("StandardScaler", {}),
        ("SimpleImputer", {"strategy": "median"}),
    ]


def test_load_spec_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: t\ndata:\n  target: default\n  rows: 1000\n")
    assert load_spec(path)["data"]["rows"] == 1000
    (tmp_path / "bad.yaml").write_text("name: [unclosed\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_spec(tmp_path / "bad.yaml")
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
        load_spec(tmp_path / "nope.yaml")

"""Everything a spec names is checked before any data is read, errors naming key and nearest name."""

import pytest

from engine.workflow import SpecError, check_spec, validate_spec, validate_spec_source


def _spec(tmp_path, **sections):
    raw = {"name": "t", "data": {"target": "y"}, "output": {"dir": str(tmp_path / "runs")}}
    raw.update(sections)
    return check_spec(raw)


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {"model": {"params": {"max_iters": 10}}},
            r"^model\.params\.max_iters: unknown parameter of LogisticRegression; did you mean max_iter\?$",
        ),
        ({"model": {"params": {"penalty": "l3"}}}, r"^model\.params: .*penalty.*l3"),
        (
            {"model": {"estimator": "sklearn.linear_model.LogisticRegresion"}},
            r"^model\.estimator: .*no class 'LogisticRegresion'.*did you mean LogisticRegression\?",
        ),
        (
            {"model": {"estimator": "sklearn.linear_modl.Ridge"}},
            r"^model\.estimator: cannot import",
        ),
        (
            {
                "model": {
                    "task": "regression",
                    "estimator": "sklearn.linear_model.LogisticRegression",
                }
            },
            r"^model\.estimator: LogisticRegression is not a regressor",
        ),
        (
            {"preprocessing": [{"StandardScalar": {}}]},
            r"^preprocessing\[0\]\.StandardScalar: unknown step.*did you mean StandardScaler\?",
        ),
        (
            {"preprocessing": [{"SimpleImputer": {"strategy": "medain"}}]},
            r"^preprocessing\[0\]\.SimpleImputer: .*medain",
        ),
        (
            {"preprocessing": [{"SimpleImputer": {"stratgy": "median"}}]},
            r"^preprocessing\[0\]\.SimpleImputer\.stratgy: unknown parameter.*did you mean strategy\?",
        ),
        (
            {"model": {"search": {"params": {"CC": [1.0]}}}},
            r"^model\.search\.params\.CC: not a parameter of LogisticRegression; did you mean C\?",
        ),
        (
            {"model": {"search": {"params": {"C": 1.0}}}},
            r"model\.search\.params\.C: a grid needs a list",
        ),
        (
            {"model": {"task": "binary", "search": {"scoring": "roc_acu"}}},
            r"^model\.search\.scoring: .*did you mean roc_auc\?",
        ),
        (
            {"model": {"task": "regression"}, "evaluation": {"metrics": ["rmse", "r2"]}},
            r"^evaluation\.metrics\[0\]: 'rmse' is not a metric for task regression",
        ),
        (
            {"model": {"task": "multiclass"}, "evaluation": {"metrics": ["f1_macro", "roc_auc"]}},
            r"^evaluation\.metrics\[1\]: 'roc_auc' is not a metric for task multiclass.*did you mean roc_auc_ovr\?",
        ),
        ({"data": {"target": "y", "source": "nowhere.csv"}}, r"^data\.source: no such file"),
        ({"data": {"target": "y", "sensitive": "y"}}, r"^data\.sensitive: is the target"),
    ],
)
@pytest.mark.parametrize("validate", [validate_spec, validate_spec_source])
def test_problems_found_before_any_data_is_read(tmp_path, sections, message, validate):
    # validate_spec_source (engine validate) reads the classes' source instead of importing them
    with pytest.raises(SpecError, match=message):
        validate(_spec(tmp_path, **sections))


def test_output_dir_that_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    for folder in (tmp_path / "file", tmp_path / "file" / "sub"):
        spec = _spec(tmp_path, output={"dir": str(folder)})
        with pytest.raises(SpecError, match=r"^output\.dir: .*is a file, not a folder"):
            validate_spec(spec)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing created


def test_a_valid_spec_returns_its_estimator(tmp_path):
    spec = _spec(
        tmp_path,
        model={"task": "regression", "params": {"alpha": 0.5}},
        preprocessing=["StandardScaler"],
        evaluation={"metrics": ["neg_root_mean_squared_error", "r2"]},
    )
    estimator = validate_spec(spec)
    assert type(estimator).__name__ == "Ridge" and estimator.alpha == 0.5


def test_source_validation_names_the_estimator_as_the_import_does(tmp_path):
    spec = _spec(
        tmp_path,
        model={
            "task": "regression",
            "params": {"alpha": 0.5},
            "search": {"params": {"alpha": [1]}},
        },
        preprocessing=[{"OutlierHandler": {"method": "iqr"}}, "StandardScaler"],
    )
    assert validate_spec_source(spec) == type(validate_spec(spec)).__name__ == "Ridge"


def test_scoring_names_are_the_scorers_of_each_task():
    from engine.metrics import get_scorer_names
    from engine.workflow import valid_metrics
    from engine.workflow._task import scoring_names

    for task in ("auto", "binary", "multiclass", "regression"):
        expected = [s for s in get_scorer_names() if s in valid_metrics(task)]
        assert sorted(scoring_names(task)) == sorted(expected), task

"""Checks of a spec that need the classes it names, all before any data is read.

:func:`validate_spec` imports the estimator and builds it with its
parameters, builds each preprocessing step, checks the search space against
the estimator's parameters, the metric and scoring names against the task,
and the output folder; the first problem raises :class:`SpecError` naming the
key path and, for a misspelling, the nearest valid name.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path
from typing import Any

from engine.workflow._spec import RunSpec, SpecError, Step
from engine.workflow._task import CLASSIFICATION, valid_metrics

DEFAULT_ESTIMATORS = {
    "classification": "sklearn.linear_model.LogisticRegression",
    "regression": "sklearn.linear_model.Ridge",
}


def estimator_path(spec: RunSpec, task: str) -> str:
    """The spec's estimator, else the default for the task."""
    if spec.model.estimator is not None:
        return spec.model.estimator
    return DEFAULT_ESTIMATORS["regression" if task == "regression" else "classification"]


def _construct(cls: type, params: dict, key: str) -> Any:
    """``cls(**params)`` with each parameter name and value checked, errors naming ``key``."""
    known = list(cls().get_params(deep=False)) if hasattr(cls, "get_params") else []
    for name in params:
        if known and name not in known:
            raise SpecError(f"{key}.{name}", f"unknown parameter of {cls.__name__}", known)
    try:
        instance = cls(**params)
        if hasattr(instance, "_parameter_constraints"):  # scikit-learn's own value checks
            instance._validate_params()
    except (TypeError, ValueError) as exc:  # scikit-learn's InvalidParameterError is both
        raise SpecError(key, f"{cls.__name__}: {exc}") from exc
    return instance


def import_class(dotted: str, key: str) -> type:
    """The class ``package.module.Class``; a :class:`SpecError` naming ``key`` if it cannot be imported."""
    module_name, _, class_name = dotted.rpartition(".")
    if not module_name:
        raise SpecError(key, f"{dotted!r} is not a dotted class path like sklearn.svm.SVC")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SpecError(key, f"cannot import module {module_name!r} ({exc})") from exc
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        names = [n for n in dir(module) if isinstance(getattr(module, n, None), type)]
        raise SpecError(
            key, f"module {module_name!r} has no class {class_name!r}", names, class_name
        )
    return cls


def build_estimator(spec: RunSpec, task: str) -> Any:
    """The unfitted estimator a spec names, checked against ``task``."""
    from sklearn.base import is_classifier, is_regressor

    cls = import_class(estimator_path(spec, task), "model.estimator")
    estimator = _construct(cls, spec.model.params, "model.params")
    if task in CLASSIFICATION and not is_classifier(estimator):
        raise SpecError(
            "model.estimator", f"{cls.__name__} is not a classifier; the task is {task}"
        )
    if task == "regression" and not is_regressor(estimator):
        raise SpecError(
            "model.estimator", f"{cls.__name__} is not a regressor; the task is regression"
        )
    return estimator


def build_steps(steps: tuple[Step, ...]) -> list:
    """Instantiate each ``engine.preprocessing`` step with its parameters (checked)."""
    import engine.preprocessing as ep

    valid = [
        n
        for n in ep.__all__
        if isinstance(getattr(ep, n), type) and not n.startswith(("Random", "Pipeline"))
    ]
    built = []
    for i, step in enumerate(steps):
        if step.name not in valid:
            raise SpecError(
                f"preprocessing[{i}].{step.name}",
                f"unknown step; valid steps: {sorted(valid)}",
                valid,
            )
        built.append(
            _construct(getattr(ep, step.name), step.params, f"preprocessing[{i}].{step.name}")
        )
    return built


def _check_search(spec: RunSpec, estimator: Any, task: str) -> None:
    search = spec.model.search
    if search is None:
        return
    known = list(estimator.get_params(deep=True))
    for name, values in search.params.items():
        if name not in known:
            raise SpecError(
                f"model.search.params.{name}",
                f"not a parameter of {type(estimator).__name__}",
                known,
            )
        if search.kind == "grid" and not isinstance(values, list):
            raise SpecError(
                f"model.search.params.{name}", f"a grid needs a list of values, got {values!r}"
            )
        if isinstance(values, list) and not values:
            raise SpecError(f"model.search.params.{name}", "needs at least one value")
    if search.cv < 2:
        raise SpecError("model.search.cv", f"must be at least 2, got {search.cv}")
    if search.scoring is not None:
        from engine.metrics import get_scorer_names

        scorers = get_scorer_names()
        fitting = scorers if task == "auto" else [s for s in scorers if s in valid_metrics(task)]
        if search.scoring not in fitting:
            raise SpecError(
                "model.search.scoring",
                f"not a scoring name for task {task}: {sorted(fitting)}",
                fitting,
                search.scoring,
            )


def check_for_task(spec: RunSpec, estimator: Any, task: str) -> None:
    """The search space, scoring and metric names fit ``task`` (run again once ``auto`` is decided)."""
    _check_search(spec, estimator, task)
    check_metrics(spec, task)


def check_metrics(spec: RunSpec, task: str) -> None:
    """Every ``evaluation.metrics`` name is valid for ``task``."""
    valid = valid_metrics(task)
    for i, name in enumerate(spec.evaluation.metrics or ()):
        if name not in valid:
            raise SpecError(
                f"evaluation.metrics[{i}]",
                f"{name!r} is not a metric for task {task}: {valid}",
                valid,
                name,
            )
    if task == "regression" and spec.model.positive_label is not None:
        raise SpecError(
            "model.positive_label", "applies to binary targets only; the task is regression"
        )


def check_output_dir(path: str | Path, key: str = "output.dir") -> None:
    """The folder can be created or written: no file in the way, write permission at its first existing ancestor."""
    path = Path(path)
    for parent in (path, *path.parents):
        if parent.exists():
            break
    if not parent.is_dir():
        raise SpecError(key, f"{str(parent)!r} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SpecError(key, f"{str(parent)!r} is not writable")
    try:
        tempfile.TemporaryDirectory(dir=parent, prefix=".engine-probe-").cleanup()
    except OSError as exc:
        raise SpecError(key, f"cannot write in {str(parent)!r}: {exc.strerror}") from exc


def _check_data(spec: RunSpec) -> None:
    data = spec.data
    if data.source != "demo" and not Path(data.source).exists():
        raise SpecError("data.source", f"no such file or folder: {data.source!r}")
    if data.sensitive is not None and data.sensitive == data.target:
        raise SpecError("data.sensitive", "is the target column")
    for key in ("features", "exclude", "categorical"):
        if data.target in (getattr(data, key) or ()):
            raise SpecError(f"data.{key}", f"lists the target column {data.target!r}")


def validate_spec(spec: RunSpec) -> Any:
    """Check everything that can be checked without the data; return the built estimator.

    Examples
    --------
    >>> from engine.workflow import check_spec
    >>> spec = check_spec({"name": "t", "data": {"target": "y"},
    ...                    "model": {"params": {"max_iters": 10}}})
    >>> validate_spec(spec)
    Traceback (most recent call last):
    ...
    engine.workflow._spec.SpecError: model.params.max_iters: unknown parameter of LogisticRegression; did you mean max_iter?
    """
    task = spec.model.task
    _check_data(spec)
    estimator = build_estimator(spec, task)
    build_steps(spec.preprocessing)
    check_for_task(spec, estimator, task)
    check_output_dir(spec.output.dir)
    return estimator

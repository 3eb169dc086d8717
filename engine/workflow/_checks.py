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
import time
from pathlib import Path
from typing import Any

from engine.workflow._signatures import (
    StaticClass,
    static_class,
    static_names,
)
from engine.workflow._spec import RunSpec, SpecError, Step
from engine.workflow._task import CLASSIFICATION, scoring_names, valid_metrics

DEFAULT_ESTIMATORS = {
    "classification": "sklearn.linear_model.LogisticRegression",
    "regression": "sklearn.linear_model.Ridge",
}


def estimator_path(spec: RunSpec, task: str) -> str:
    """The spec's estimator, else the default for the task."""
    if spec.model.estimator is not None:
        return spec.model.estimator
    return DEFAULT_ESTIMATORS["regression" if task == "regression" else "classification"]


def _check_param_names(class_name: str, known: list[str], params: dict, key: str) -> None:
    for name in params:
        if known and name not in known:
            raise SpecError(f"{key}.{name}", f"unknown parameter of {class_name}", known)


def _construct(cls: type, params: dict, key: str) -> Any:
    """``cls(**params)`` with each parameter name and value checked, errors naming ``key``."""
    known = list(cls().get_params(deep=False)) if hasattr(cls, "get_params") else []
    _check_param_names(cls.__name__, known, params, key)
    try:
        instance = cls(**params)
        if hasattr(instance, "_parameter_constraints"):  # scikit-learn's own value checks
            instance._validate_params()
    except (TypeError, ValueError) as exc:  # scikit-learn's InvalidParameterError is both
        raise SpecError(key, f"{cls.__name__}: {exc}") from exc
    return instance


def _split_path(dotted: str, key: str) -> tuple[str, str]:
    module_name, _, class_name = dotted.rpartition(".")
    if not module_name:
        raise SpecError(key, f"{dotted!r} is not a dotted class path like sklearn.svm.SVC")
    return module_name, class_name


def import_class(dotted: str, key: str) -> type:
    """The class ``package.module.Class``; a :class:`SpecError` naming ``key`` if it cannot be imported."""
    module_name, class_name = _split_path(dotted, key)
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
    _check_kind(cls.__name__, task, is_classifier(estimator), is_regressor(estimator))
    return estimator


def _check_kind(name: str, task: str, classifier: bool, regressor: bool) -> None:
    if task in CLASSIFICATION and not classifier:
        raise SpecError("model.estimator", f"{name} is not a classifier; the task is {task}")
    if task == "regression" and not regressor:
        raise SpecError("model.estimator", f"{name} is not a regressor; the task is regression")


def _steps_module_names() -> list[str]:
    import engine.preprocessing as ep

    return [n for n in ep.__all__ if isinstance(getattr(ep, n), type)]


def _valid_steps(names: list[str]) -> list[str]:
    return [n for n in names if not n.startswith(("Random", "Pipeline"))]


def _check_step_name(i: int, step: Step, valid: list[str]) -> None:
    if step.name not in valid:
        raise SpecError(
            f"preprocessing[{i}].{step.name}", f"unknown step; valid steps: {sorted(valid)}", valid
        )


def build_steps(steps: tuple[Step, ...]) -> list:
    """Instantiate each ``engine.preprocessing`` step with its parameters (checked)."""
    import engine.preprocessing as ep

    valid = _valid_steps(_steps_module_names())
    built = []
    for i, step in enumerate(steps):
        _check_step_name(i, step, valid)
        built.append(
            _construct(getattr(ep, step.name), step.params, f"preprocessing[{i}].{step.name}")
        )
    return built


def _check_search(spec: RunSpec, estimator: Any, task: str) -> None:
    if spec.model.search is not None:
        known = list(estimator.get_params(deep=True))
        _check_search_space(spec, type(estimator).__name__, known, task)


def _check_search_space(spec: RunSpec, class_name: str, known: list[str], task: str) -> None:
    search = spec.model.search
    for name, values in search.params.items():
        if name not in known:
            raise SpecError(
                f"model.search.params.{name}", f"not a parameter of {class_name}", known
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
        fitting = scoring_names(task)
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
    probe = parent / f".engine-probe-{os.getpid()}-{time.monotonic_ns()}"
    try:  # os.mkdir, not tempfile: importing tempfile (random, math, ...) delays `engine validate`
        probe.mkdir()
        probe.rmdir()
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


def _check_choices(found: StaticClass, params: dict, key: str) -> None:
    """String values against the class's ``StrOptions`` (as scikit-learn's own check words it)."""
    for name, value in params.items():
        allowed = found.choices.get(name)
        if isinstance(value, str) and allowed and value not in allowed:
            raise SpecError(
                key,
                f"{found.name}: The {name!r} parameter of {found.name} must be a str among "
                f"{sorted(allowed)}. Got {value!r} instead.",
            )


def _static_estimator(spec: RunSpec, task: str) -> StaticClass | None:
    """The estimator's class read from its source, its parameter names and kind checked."""
    module_name, class_name = _split_path(estimator_path(spec, task), "model.estimator")
    found = static_class(module_name, class_name)
    if found is None:
        names = static_names(module_name)
        if names is not None and class_name not in names:
            raise SpecError(
                "model.estimator",
                f"module {module_name!r} has no class {class_name!r}",
                names,
                class_name,
            )
        return None
    classifier = "ClassifierMixin" in found.ancestors
    regressor = "RegressorMixin" in found.ancestors
    if not classifier and not regressor:  # its tags decide: import it
        return None
    _check_param_names(found.name, list(found.params), spec.model.params, "model.params")
    _check_choices(found, spec.model.params, "model.params")
    _check_kind(found.name, task, classifier, regressor)
    return found


def _static_steps(steps: tuple[Step, ...]) -> bool:
    """Check the step names and parameters from the source; False if a step cannot be read.

    The valid names are ``engine.preprocessing.__all__``'s classes (CamelCase
    names: its functions are lower case), as :func:`build_steps` offers.
    """
    module = "engine.preprocessing"
    names = static_names(module)
    if names is None:
        return False
    valid = [n for n in _valid_steps(names) if n[:1].isupper()]
    for i, step in enumerate(steps):
        _check_step_name(i, step, valid)
        found = static_class(module, step.name)
        if found is None:
            return False
        key = f"preprocessing[{i}].{step.name}"
        _check_param_names(found.name, list(found.params), step.params, key)
        _check_choices(found, step.params, key)
    return True


def validate_spec_source(spec: RunSpec) -> str:
    """:func:`validate_spec` from the classes' source code; the estimator's class name.

    The names of the estimator, its parameters, the steps and their
    parameters, the search space, metrics and output folder are checked
    without importing scikit-learn, Dask or Numba (``engine validate`` stays
    fast); the parameters' values are checked when the run builds the
    classes. A class whose source cannot be read (see
    :mod:`engine.workflow._signatures`) is imported: the full
    :func:`validate_spec` runs instead.

    Examples
    --------
    >>> from engine.workflow import check_spec
    >>> validate_spec_source(check_spec({"name": "t", "data": {"target": "y"}}))
    'LogisticRegression'
    """
    task = spec.model.task
    _check_data(spec)
    estimator = _static_estimator(spec, task)
    nested = spec.model.search is not None and any("__" in n for n in spec.model.search.params)
    if estimator is None or nested or not _static_steps(spec.preprocessing):
        return type(validate_spec(spec)).__name__
    if spec.model.search is not None:
        _check_search_space(spec, estimator.name, list(estimator.params), task)
    check_metrics(spec, task)
    check_output_dir(spec.output.dir)
    return estimator.name

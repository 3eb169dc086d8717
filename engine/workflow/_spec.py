"""The declarative run spec: a YAML mapping checked key by key before anything runs.

A spec names the data, the preprocessing chain, the model (optionally with a
search), the evaluation and where outputs go. Every unknown or ill-typed key
raises a ``ValueError`` naming its full path (``model.search.kind``), so a
typo never silently falls back to a default.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

_SEARCH_KINDS = ("grid", "random", "bayes", "halving")

# Each section: key -> (accepted types, default). ``dict``/``list`` defaults are copied.
_SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], Any]]] = {
    "data": {
        "source": ((str,), "demo"),
        "rows": ((int,), 1_000_000),
        "partitions": ((int,), 10),
        "random_state": ((int,), 0),
        "target": ((str,), None),
        "sensitive": ((str,), None),
        "features": ((list,), None),
        "categorical": ((list,), None),
    },
    "split": {
        "test_size": ((float, int), 0.2),
        "stratify": ((bool,), True),
        "random_state": ((int,), 0),
    },
    "model": {
        "estimator": ((str,), "sklearn.linear_model.LogisticRegression"),
        "params": ((dict,), {}),
        "search": ((dict,), None),
    },
    "search": {
        "kind": ((str,), "grid"),
        "params": ((dict,), {}),
        "cv": ((int,), 3),
        "scoring": ((str,), None),
        "n_iter": ((int,), 10),
        "random_state": ((int,), 0),
        "checkpoint": ((str,), None),
    },
    "evaluation": {
        "metrics": ((list,), ["accuracy", "precision", "recall", "f1", "roc_auc"]),
        "fairness": ((bool,), True),
        "drift": ((bool,), True),
        "importance": ((bool,), True),
        "importance_repeats": ((int,), 3),
    },
    "output": {
        "dir": ((str,), "runs"),
        "report": ((bool,), True),
        "save_model": ((bool,), True),
        "mlflow": ((dict,), None),
    },
    "mlflow": {
        "tracking_uri": ((str,), None),
        "experiment": ((str,), None),
        "run_name": ((str,), None),
        "register_as": ((str,), None),
    },
    "cluster": {
        "address": ((str,), None),
        "n_workers": ((int,), None),
        "threads_per_worker": ((int,), None),
    },
}
_TOP_LEVEL = ("name", "data", "preprocessing", "model", "evaluation", "split", "output", "cluster")


def _check_section(path: str, given: Any, schema: Mapping[str, tuple]) -> dict:
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise ValueError(f"spec key {path!r} must be a mapping, got {type(given).__name__}")
    unknown = sorted(set(given) - set(schema))
    if unknown:
        raise ValueError(
            f"unknown spec key {path}.{unknown[0]!s}; valid keys under {path!r}: {sorted(schema)}"
        )
    out = {}
    for key, (types, default) in schema.items():
        value = given.get(key, copy.deepcopy(default))
        if value is not None and not (
            isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        ):
            names = " or ".join(t.__name__ for t in types)
            raise ValueError(f"spec key {path}.{key} must be {names}, got {value!r}")
        out[key] = value
    return out


def _check_steps(steps: Any) -> list[tuple[str, dict]]:
    if steps is None:
        return []
    if not isinstance(steps, list):
        raise ValueError("spec key 'preprocessing' must be a list of {StepName: {params}}")
    out = []
    for i, step in enumerate(steps):
        if isinstance(step, str):
            step = {step: {}}
        if not isinstance(step, Mapping) or len(step) != 1:
            raise ValueError(
                f"spec key preprocessing[{i}] must be one {{StepName: {{params}}}} mapping, got {step!r}"
            )
        ((name, params),) = step.items()
        if params is not None and not isinstance(params, Mapping):
            raise ValueError(
                f"spec key preprocessing[{i}].{name} must map parameter names to values"
            )
        out.append((str(name), dict(params or {})))
    return out


def check_spec(raw: Mapping[str, Any]) -> dict:
    """Validate a spec mapping and fill in defaults; raise naming the key at fault.

    Examples
    --------
    >>> spec = check_spec({"name": "demo", "data": {"source": "demo", "target": "default"}})
    >>> spec["split"]["test_size"]
    0.2
    """
    if not isinstance(raw, Mapping):
        raise ValueError(f"a spec must be a mapping at the top level, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(_TOP_LEVEL))
    if unknown:
        raise ValueError(
            f"unknown spec key {unknown[0]!r}; valid top-level keys: {list(_TOP_LEVEL)}"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("spec key 'name' is required and must be a non-empty string")
    spec: dict[str, Any] = {"name": name}
    for section in ("data", "split", "model", "evaluation", "output", "cluster"):
        spec[section] = _check_section(section, raw.get(section), _SCHEMA[section])
    if spec["data"]["target"] is None:
        raise ValueError("spec key data.target is required (the column to predict)")
    if not 0 < spec["split"]["test_size"] < 1:
        raise ValueError(
            f"spec key split.test_size must be in (0, 1), got {spec['split']['test_size']}"
        )
    search = spec["model"]["search"]
    if search is not None:
        search = _check_section("model.search", search, _SCHEMA["search"])
        if search["kind"] not in _SEARCH_KINDS:
            raise ValueError(
                f"spec key model.search.kind must be one of {list(_SEARCH_KINDS)}, got {search['kind']!r}"
            )
        spec["model"]["search"] = search
    mlflow = spec["output"]["mlflow"]
    if mlflow is not None:
        mlflow = _check_section("output.mlflow", mlflow, _SCHEMA["mlflow"])
        if mlflow["tracking_uri"] is None:
            raise ValueError(
                "spec key output.mlflow.tracking_uri is required (e.g. sqlite:///mlflow.db)"
            )
        spec["output"]["mlflow"] = mlflow
    spec["preprocessing"] = _check_steps(raw.get("preprocessing"))
    return spec


def load_spec(path: str | Path) -> dict:
    """Read and validate a YAML spec file (see :func:`check_spec`)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such spec file: {str(path)!r}")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ValueError(f"spec file {str(path)!r} is not valid YAML: {exc}") from exc
    return check_spec(raw)

"""The declarative run spec: YAML parsed into frozen dataclasses, every key and type checked.

This module imports nothing heavier than PyYAML, so a misspelt key or a wrong
type is reported in a fraction of a second. Checks that need the named
classes (estimator import, parameter names, steps, search space, metric
names, output folder) live in :mod:`engine.workflow._checks`; both raise
:class:`SpecError`, which names the key path and, for a misspelling, the
nearest valid name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TASKS = ("auto", "binary", "multiclass", "regression")
SEARCH_KINDS = ("grid", "random", "bayes", "halving")
DATETIME_MODES = ("expand", "drop")
_SCALAR = (str, int, float, bool)


def _close_match(name: str, candidates: Any) -> list[str]:
    if not candidates:
        return []
    import difflib  # on errors only: `engine validate` of a good spec does without it

    return difflib.get_close_matches(name, [str(c) for c in candidates], n=1, cutoff=0.6)


class SpecError(ValueError):
    """A spec problem found before any data is read; ``key`` is its dotted path.

    Examples
    --------
    >>> str(SpecError("data.rowz", "unknown key", ["rows"]))
    'data.rowz: unknown key; did you mean rows?'
    """

    def __init__(self, key: str, message: str, candidates: Any = (), wrong: str | None = None):
        self.key = key
        text = f"{key}: {message}" if key else message
        name = key.rpartition(".")[2].split("[")[0] if wrong is None else str(wrong)
        close = _close_match(name, candidates)
        if close:
            text += f"; did you mean {close[0]}?"
        super().__init__(text)


def _key(types: tuple, default: Any = None, choices: tuple = (), doc: str = "") -> Any:
    """A spec key: accepted types, default, allowed values and its one-line description."""
    factory = (lambda: type(default)(default)) if isinstance(default, dict | list) else None
    meta = {"types": types, "choices": choices, "doc": doc}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class DataSpec:
    """``data``: where the table comes from and which columns play which role."""

    target: str = _key((str,), doc="column to predict (required)")
    source: str = _key((str,), "demo", doc='CSV/Parquet path, or "demo" (generated table)')
    rows: int = _key((int,), 1_000_000, doc="rows of the demo table")
    partitions: int = _key((int,), 10, doc="partitions of the demo table")
    random_state: int = _key((int,), 0, doc="seed of the demo table")
    sensitive: str | None = _key((str,), doc="column for the fairness report (optional)")
    sensitive_as_feature: bool = _key(
        (bool,), False, doc="also use the sensitive column as a feature"
    )
    features: tuple | None = _key((list,), doc="feature columns (default: automatic)")
    exclude: tuple = _key((list,), [], doc="columns left out of the automatic features")
    categorical: tuple = _key((list,), [], doc="numeric columns to one-hot encode as categories")
    max_categories: int = _key(
        (int,), 50, doc="most distinct values of a string feature (more: an error naming it)"
    )
    datetime: str = _key(
        (str,), "expand", DATETIME_MODES, "datetime columns: expand into parts or drop"
    )


@dataclass(frozen=True)
class SplitSpec:
    """``split``: the seeded train/test split."""

    test_size: float = _key((float, int), 0.2, doc="share of rows in the test part, in (0, 1)")
    stratify: bool | None = _key(
        (bool,), doc="stratify by the target (default: for classification)"
    )
    random_state: int = _key((int,), 0, doc="seed of the split")


@dataclass(frozen=True)
class SearchSpec:
    """``model.search``: a hyperparameter search over the estimator's parameters."""

    kind: str = _key((str,), "grid", SEARCH_KINDS, "grid, random, bayes or halving")
    params: dict = _key(
        (dict,), {}, doc="estimator parameter -> list of values (or a distribution)"
    )
    cv: int = _key((int,), 3, doc="cross-validation folds")
    scoring: str | None = _key((str,), doc="scikit-learn scoring name (default: the estimator's)")
    n_iter: int = _key((int,), 10, doc="candidates of random and bayes searches")
    random_state: int = _key((int,), 0, doc="seed of random, bayes and halving searches")
    checkpoint: str | None = _key((str,), doc="file to resume an interrupted search from")


@dataclass(frozen=True)
class ModelSpec:
    """``model``: the task, the estimator and its parameters, an optional search."""

    task: str = _key((str,), "auto", TASKS, "auto, binary, multiclass or regression")
    estimator: str | None = _key(
        (str,), doc="importable class path (default: LogisticRegression, Ridge for regression)"
    )
    params: dict = _key((dict,), {}, doc="estimator constructor parameters")
    search: SearchSpec | None = _key((dict,), doc="hyperparameter search (optional)")
    positive_label: Any = _key(
        _SCALAR, doc="positive class of a binary target (default: the greater)"
    )
    threshold: float | None = _key((float,), doc="binary decision threshold on the positive score")


@dataclass(frozen=True)
class EvaluationSpec:
    """``evaluation``: what is measured on the test part."""

    metrics: tuple | None = _key(
        (list,), doc="scikit-learn scoring or metric names (default: per task)"
    )
    fairness: bool = _key((bool,), True, doc="metrics per group of data.sensitive")
    drift: bool = _key((bool,), True, doc="drift of numeric features, train vs test")
    importance: bool = _key((bool,), True, doc="permutation importance on the test part")
    importance_repeats: int = _key((int,), 3, doc="permutations per feature")


@dataclass(frozen=True)
class OutputSpec:
    """``output``: where the run folder goes and what it holds."""

    dir: str = _key((str,), "runs", doc="runs are written to <dir>/<name>/<UTC time>/")
    report: bool = _key((bool,), True, doc="write report.html")
    save_model: bool = _key((bool,), True, doc="write model.skops (hash and schema in record.json)")
    predictions: bool = _key((bool,), True, doc="write predictions.parquet (test part)")
    mlflow: MlflowSpec | None = _key((dict,), doc="log the finished run to MLflow (optional)")


@dataclass(frozen=True)
class MlflowSpec:
    """``output.mlflow``: log the finished run to MLflow (needs ``engine[mlflow]``)."""

    tracking_uri: str | None = _key((str,), doc="tracking URI, e.g. sqlite:///mlflow.db (required)")
    experiment: str | None = _key((str,), doc="experiment (default: the spec's name)")
    run_name: str | None = _key((str,), doc="MLflow run name (default: the run folder's time)")
    register_as: str | None = _key((str,), doc="register the model under this name (optional)")


@dataclass(frozen=True)
class ClusterSpec:
    """``cluster``: the Dask scheduler (default: local threads)."""

    address: str | None = _key((str,), doc="scheduler address, e.g. tcp://host:8786")
    n_workers: int | None = _key((int,), doc="workers of a local cluster")
    threads_per_worker: int | None = _key((int,), doc="threads per worker of a local cluster")
    connect_timeout: float = _key((float, int), 10.0, doc="seconds to reach the scheduler")


@dataclass(frozen=True)
class Step:
    """One preprocessing step: an ``engine.preprocessing`` class name and its parameters."""

    name: str
    params: dict


@dataclass(frozen=True)
class RunSpec:
    """A whole checked spec (see the README's spec reference).

    Examples
    --------
    >>> spec = check_spec({"name": "t", "data": {"target": "y"}})
    >>> spec.split.test_size, spec.model.task
    (0.2, 'auto')
    """

    name: str
    data: DataSpec
    split: SplitSpec = field(default_factory=SplitSpec)
    preprocessing: tuple[Step, ...] = ()
    model: ModelSpec = field(default_factory=ModelSpec)
    evaluation: EvaluationSpec = field(default_factory=EvaluationSpec)
    output: OutputSpec = field(default_factory=OutputSpec)
    cluster: ClusterSpec = field(default_factory=ClusterSpec)

    def to_dict(self) -> dict:
        """The spec as plain data (for ``record.json``)."""
        return dataclasses.asdict(self)


SECTIONS: dict[str, type] = {
    "data": DataSpec,
    "split": SplitSpec,
    "model": ModelSpec,
    "evaluation": EvaluationSpec,
    "output": OutputSpec,
    "cluster": ClusterSpec,
}
TOP_LEVEL = ("name", "data", "preprocessing", "model", "evaluation", "split", "output", "cluster")


def _type_name(types: tuple) -> str:
    """``"an integer"``, ``"a number"``, ``"a string or a number or true/false"``, ..."""
    names = {"str": "a string", "int": "an integer", "float": "a number", "bool": "true/false"}
    names |= {"list": "a list", "dict": "a mapping"}
    shown = [t for t in types if not (t is int and float in types)]
    return " or ".join(names[t.__name__] for t in shown)


def _check_value(path: str, value: Any, types: tuple, choices: tuple) -> Any:
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok and float in types and isinstance(value, int) and not isinstance(value, bool):
        ok, value = True, float(value)
    if not ok:
        raise SpecError(path, f"must be {_type_name(types)}, got {value!r}")
    if choices and value not in choices:
        raise SpecError(path, f"must be one of {list(choices)}, got {value!r}", choices, value)
    if isinstance(value, list):
        bad = [v for v in value if not isinstance(v, str)]
        if bad:
            raise SpecError(path, f"must be a list of names, got {bad[0]!r}")
        return tuple(value)
    return value


def parse_section(path: str, given: Any, cls: type) -> Any:
    """Build the frozen dataclass ``cls`` from a mapping; raise naming the first bad key."""
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise SpecError(path, f"must be a mapping, got {type(given).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in given:
        if key not in fields:
            raise SpecError(
                f"{path}.{key}", f"unknown key; valid keys: {sorted(fields)}", list(fields)
            )
    values = {}
    for name, spec_field in fields.items():
        if name not in given or given[name] is None:
            continue
        meta = spec_field.metadata
        values[name] = _check_value(f"{path}.{name}", given[name], meta["types"], meta["choices"])
    return cls(**values)


def _parse_steps(steps: Any) -> tuple[Step, ...]:
    if steps is None:
        return ()
    if not isinstance(steps, list):
        raise SpecError("preprocessing", "must be a list of {StepName: {params}}")
    out = []
    for i, step in enumerate(steps):
        if isinstance(step, str):
            step = {step: {}}
        if not isinstance(step, Mapping) or len(step) != 1:
            raise SpecError(
                f"preprocessing[{i}]", f"must be one {{StepName: {{params}}}} mapping, got {step!r}"
            )
        ((name, params),) = step.items()
        if params is not None and not isinstance(params, Mapping):
            raise SpecError(f"preprocessing[{i}].{name}", "must map parameter names to values")
        out.append(Step(str(name), dict(params or {})))
    return tuple(out)


def check_spec(raw: Mapping[str, Any]) -> RunSpec:
    """Check a spec mapping key by key and fill in defaults (no class is imported here).

    Examples
    --------
    >>> check_spec({"name": "demo", "data": {"target": "default"}}).data.max_categories
    50
    """
    if not isinstance(raw, Mapping):
        raise SpecError("", f"a spec must be a mapping at the top level, got {type(raw).__name__}")
    for key in raw:
        if key not in TOP_LEVEL:
            raise SpecError(
                str(key), f"unknown key; valid top-level keys: {list(TOP_LEVEL)}", TOP_LEVEL
            )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or "/" in name or name.startswith("."):
        raise SpecError(
            "name", "is required: a non-empty folder name (no '/', not starting with '.')"
        )
    data = raw.get("data")
    if not isinstance(data, Mapping) or data.get("target") is None:
        raise SpecError("data.target", "is required (the column to predict)")
    sections = {s: parse_section(s, raw.get(s), cls) for s, cls in SECTIONS.items()}
    if not 0 < sections["split"].test_size < 1:
        raise SpecError("split.test_size", f"must be in (0, 1), got {sections['split'].test_size}")
    model = sections["model"]
    if model.search is not None:
        search = parse_section("model.search", model.search, SearchSpec)
        sections["model"] = dataclasses.replace(model, search=search)
    mlflow = sections["output"].mlflow
    if mlflow is not None:
        mlflow = parse_section("output.mlflow", mlflow, MlflowSpec)
        if mlflow.tracking_uri is None:
            raise SpecError("output.mlflow.tracking_uri", "is required (e.g. sqlite:///mlflow.db)")
        sections["output"] = dataclasses.replace(sections["output"], mlflow=mlflow)
    threshold = sections["model"].threshold
    if threshold is not None and not 0 < threshold < 1:
        raise SpecError("model.threshold", f"must be in (0, 1), got {threshold}")
    if sections["data"].max_categories < 1:
        raise SpecError("data.max_categories", "must be at least 1")
    return RunSpec(name=name, preprocessing=_parse_steps(raw.get("preprocessing")), **sections)


def load_spec(path: str | Path) -> RunSpec:
    """Read a YAML spec file and check its keys and types (see :func:`check_spec`)."""
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a spec file" if path.is_dir() else "no such spec file"
        raise FileNotFoundError(f"{what}: {str(path)!r}")
    import yaml

    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        problem = getattr(exc, "problem", None) or exc
        raise SpecError("", f"spec file {str(path)!r} is not valid YAML{line}: {problem}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError("", f"cannot read spec file {str(path)!r}: {exc}") from exc
    return check_spec(raw)


def spec_reference() -> str:
    """The README's spec reference: one Markdown table row per key (type, default, meaning).

    Examples
    --------
    >>> print(spec_reference().splitlines()[0])
    | `name` | a string | required | the run's folder name under output.dir |
    """
    rows = ["| `name` | a string | required | the run's folder name under output.dir |"]
    rows.append(
        "| `preprocessing` | a list | `[]` | `- StepName: {param: value}` per step, in order |"
    )
    sections = [*SECTIONS.items(), ("model.search", SearchSpec), ("output.mlflow", MlflowSpec)]
    for section, cls in sections:
        for spec_field in dataclasses.fields(cls):
            meta = spec_field.metadata
            default = (
                spec_field.default_factory()
                if spec_field.default is dataclasses.MISSING
                else spec_field.default
            )
            shown = (
                "required"
                if section == "data" and spec_field.name == "target"
                else ("`null`" if default is None else f"`{_yaml_value(default)}`")
            )
            rows.append(
                f"| `{section}.{spec_field.name}` | {_type_name(meta['types'])} | {shown} | {meta['doc']} |"
            )
    return "\n".join(rows)


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "{}" if value == {} else "[]" if value == [] else str(value)

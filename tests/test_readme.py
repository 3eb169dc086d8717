"""The README stands alone, and its "Passes over the data" table is what is measured."""

from __future__ import annotations

import re
from pathlib import Path

import dask.array as da
import numpy as np
import pytest

import engine.preprocessing as ep
from engine.drift import drift_report
from engine.fairness import MetricFrame, bias_report, selection_rate
from engine.metrics import evaluate, type_of_target, unique_labels
from engine.preprocessing._base import fit_passes
from engine.stats import profile, quantile
from tests._passes import measured_passes

README = Path(__file__).resolve().parents[1] / "README.md"


def passes_table() -> dict[str, int]:
    """``{call as written: number}`` from the README's "Passes over the data" table."""
    text = README.read_text()
    section = text.split("## Passes over the data", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not re.match(r"\d+", cells[1]):
            continue
        for call in re.findall(r"`([^`]+)`", cells[0]):
            rows[call] = int(re.match(r"\d+", cells[1]).group())
    return rows


def _labels(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2, n)


def _lazy(values: np.ndarray) -> da.Array:
    return da.from_array(values, chunks=(len(values) + 2) // 3)


def _evaluation_passes(call: str) -> int:
    """Measured passes over ``y_true`` (``reference`` for drift) of an evaluation call."""
    y_true, y_pred = _lazy(_labels(60, 0)), _lazy(_labels(60, 1))
    groups = _lazy(np.where(_labels(60, 2) == 1, "a", "b").astype(object))
    runs = {
        "evaluate": lambda: evaluate(y_true, y_pred, metrics=("accuracy", "precision", "recall")),
        "MetricFrame": lambda: MetricFrame(
            metrics=selection_rate, y_true=y_true, y_pred=y_pred, sensitive_features=groups
        ),
        "bias_report": lambda: bias_report(y_true, y_pred, groups),
        "type_of_target": lambda: type_of_target(y_true),
        "unique_labels": lambda: unique_labels(y_true, y_pred),
    }
    name = call.split("(")[0]
    if name == "drift_report":
        reference = _lazy(np.random.default_rng(0).normal(size=(60, 2)))
        current = _lazy(np.random.default_rng(1).normal(size=(40, 2)))
        return measured_passes(lambda: drift_report(reference, current), reference)
    return measured_passes(runs[name], y_true)


def _measured(call: str) -> int:
    X = _lazy(np.random.default_rng(0).standard_normal((60, 3)))
    name = call.split("(")[0]
    if name == "profile":
        return measured_passes(lambda: profile(X), X)
    if name == "quantile":
        return measured_passes(lambda: quantile(X, [0.25, 0.5]).compute(), X)
    if hasattr(ep, name):
        estimator = eval(call, vars(ep))  # a constructor call as written in the README
        measured = measured_passes(lambda: estimator.fit(X), X)
        assert measured <= fit_passes(estimator)
        return measured
    return _evaluation_passes(call)


def test_the_table_names_every_transformer():
    names = {call.split("(")[0] for call in passes_table()}
    transformers = {
        n for n in ep.__all__ if n not in {"Pipeline", "make_pipeline"} and "Sampler" not in n
    }
    assert transformers <= names, sorted(transformers - names)
    assert {
        "profile",
        "quantile",
        "evaluate",
        "MetricFrame",
        "bias_report",
        "drift_report",
        "type_of_target",
        "unique_labels",
    } <= names


@pytest.mark.parametrize("call", sorted(passes_table()))
def test_passes_table_is_measured(call):
    assert _measured(call) == passes_table()[call]


def pipelines_table() -> dict[tuple[str, ...], tuple[int, int]]:
    """``{step calls: (fit, transform)}`` of the README's not-persisted pipeline reads."""
    section = README.read_text().split("## Passes over the data", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and (match := re.fullmatch(r"(\d+) \+ (\d+)", cells[1])):
            rows[tuple(re.findall(r"`([^`]+)`", cells[0]))] = tuple(map(int, match.groups()))
    return rows


@pytest.mark.parametrize("calls", sorted(pipelines_table()), ids=" -> ".join)
def test_pipelines_table_is_measured(calls):
    """The not-persisted reads of ``make_pipeline(...).fit_transform(X)``, then of its output."""
    X = np.random.default_rng(0).standard_normal((3000, 4))
    X[np.random.default_rng(1).random(X.shape) < 0.01] = np.nan
    X = _lazy(X)
    pipe = ep.make_pipeline(*(eval(call, vars(ep)) for call in calls), persist=False)
    out = []
    fit = measured_passes(lambda: out.append(pipe.fit_transform(X)), X)
    assert (fit, measured_passes(out[0].compute, X)) == pipelines_table()[calls]


def test_readme_stands_alone():
    """No pointer to files the users of the project do not have."""
    text = README.read_text()
    for outside in ("DESIGN.md", "PERFORMANCE.md", "EXAMPLES.md", "/work/", "shared/"):
        assert outside not in text, outside
    for path in re.findall(r"`((?:engine|tests|benchmarks|notebooks)/[\w./-]+)`", text):
        assert (README.parent / path).exists(), path

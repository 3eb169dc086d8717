"""The conformance runner rewrites only the imports of names the engine provides."""

from __future__ import annotations

import ast

from tests.sklearn_conformance.run_sklearn_tests import (
    SHIM_MODULE,
    SUITES,
    Suite,
    _shim_source,
    redirected_names,
    rewrite_imports,
)

METRICS = Suite("metrics/tests/test_x.py", "sklearn.metrics", "engine.metrics")
SOURCE = """import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score as f1,
)
from sklearn.metrics._classification import _check_targets


def test_it():
    assert accuracy_score([1], [1]) == 1.0
"""


def test_rewrite_moves_engine_names_and_keeps_the_rest():
    out = rewrite_imports(SOURCE, METRICS)
    ast.parse(out)
    assert f"from {SHIM_MODULE} import accuracy_score\n" in out
    assert "from sklearn.metrics import average_precision_score, f1_score as f1\n" in out
    assert "from sklearn.metrics._classification import _check_targets" in out
    assert out.endswith(SOURCE.split("\n\n\n")[1])  # the tests themselves are unchanged


def test_shim_records_calls_to_the_engine():
    namespace: dict = {}
    exec(_shim_source([METRICS], {METRICS: SOURCE}), namespace)  # noqa: S102 - generated code
    assert namespace["CALLED"] == [False]
    assert namespace["accuracy_score"]([0, 1], [0, 1]) == 1.0
    assert namespace["CALLED"] == [True]
    assert redirected_names(SOURCE, METRICS) == ["accuracy_score"]


def test_every_listed_file_ships_with_sklearn():
    from importlib import import_module
    from pathlib import Path

    root = Path(import_module("sklearn").__file__).parent
    for suite in SUITES:
        assert (root / suite.test_file).is_file(), suite.test_file


def test_a_file_pytest_cannot_collect_is_reported_not_counted_as_zero():
    from tests.sklearn_conformance.run_sklearn_tests import COLLECTION_ERROR, summarize

    rows = summarize({METRICS: {COLLECTION_ERROR: "E   TypeError: takes no arguments"}})
    assert rows[0]["error"] == "E   TypeError: takes no arguments"
    assert rows[0]["tests"] == 0 and rows[0]["percent"] is None

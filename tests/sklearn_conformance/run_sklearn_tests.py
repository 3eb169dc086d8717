"""Run scikit-learn's own test files against the engine and count what passes.

scikit-learn ships its tests inside the installed wheel. For every file listed
in :data:`SUITES` this script copies the file to a temporary directory, points
its imports of the names the engine re-implements at the engine (every other
import, fixture and assertion is left as scikit-learn wrote it), runs it with
pytest and prints, per file, how many of the tests that *exercise the engine*
pass. A test exercises the engine when it calls at least one redirected name
(the redirected names are wrapped to record their calls); tests that never
reach the engine say nothing about it and are not counted.

Usage::

    .venv/bin/python tests/sklearn_conformance/run_sklearn_tests.py            # every suite
    .venv/bin/python tests/sklearn_conformance/run_sklearn_tests.py metrics    # files whose key contains "metrics"
    .venv/bin/python tests/sklearn_conformance/run_sklearn_tests.py --failures # list failing tests too
    .venv/bin/python tests/sklearn_conformance/run_sklearn_tests.py --json out.json

To cover another part of the engine, add a :class:`Suite` to :data:`SUITES`:
the test file (relative to the installed ``sklearn`` package), the
scikit-learn module whose ``from ... import`` lines are rewritten, and the
engine module that provides the replacements (names in its ``__all__``).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path


@dataclass(frozen=True)
class Suite:
    """One scikit-learn test file run against one engine module."""

    test_file: str  # relative to the installed sklearn package
    sklearn_module: str  # ``from <sklearn_module> import name`` lines are rewritten ...
    engine_module: str  # ... to take ``name`` from here when it is in its ``__all__``


SUITES: tuple[Suite, ...] = (
    Suite("metrics/tests/test_classification.py", "sklearn.metrics", "engine.metrics"),
    Suite("metrics/tests/test_ranking.py", "sklearn.metrics", "engine.metrics"),
    Suite("metrics/tests/test_regression.py", "sklearn.metrics", "engine.metrics"),
    Suite("preprocessing/tests/test_data.py", "sklearn.preprocessing", "engine.preprocessing"),
    Suite("preprocessing/tests/test_encoders.py", "sklearn.preprocessing", "engine.preprocessing"),
    Suite(
        "preprocessing/tests/test_polynomial.py", "sklearn.preprocessing", "engine.preprocessing"
    ),
    Suite("impute/tests/test_impute.py", "sklearn.impute", "engine.preprocessing"),
    Suite(
        "model_selection/tests/test_split.py", "sklearn.model_selection", "engine.model_selection"
    ),
    Suite(
        "model_selection/tests/test_search.py", "sklearn.model_selection", "engine.model_selection"
    ),
)

SHIM_MODULE = "_engine_under_test"
COLLECTION_ERROR = "<collection error>"  # key of a file that pytest could not run

_SHIM_HEADER = '''"""Engine functions under test, wrapped to record that a test called them."""

import functools

CALLED = [False]


def _recorded(func):
    @functools.wraps(func)
    def call(*args, **kwargs):
        CALLED[0] = True
        return func(*args, **kwargs)

    return call

'''

_CONFTEST = '''"""Loads scikit-learn's fixtures and records, per test, whether the engine was called."""

import json
import os

import pytest

from sklearn.conftest import *  # noqa: F401,F403  (global_random_seed, global_dtype, ...)
from _engine_under_test import CALLED

_RESULTS = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    CALLED[0] = False
    _RESULTS[item.nodeid] = {"outcome": "passed", "engine": False}
    yield
    _RESULTS[item.nodeid]["engine"] = CALLED[0]


def pytest_runtest_logreport(report):
    entry = _RESULTS.setdefault(report.nodeid, {"outcome": "passed", "engine": False})
    if report.outcome == "skipped" and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"
    elif report.failed:
        entry["outcome"] = "failed"
        crash = getattr(report.longrepr, "reprcrash", None)
        entry["message"] = crash.message if crash is not None else str(report.longrepr)[-300:]
    if hasattr(report, "wasxfail"):
        entry["outcome"] = "xfailed" if report.skipped else "xpassed"


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["ENGINE_CONFORMANCE_OUT"], "w") as fh:
        json.dump(_RESULTS, fh)
'''


def redirected_names(source: str, suite: Suite) -> list[str]:
    """Names imported from ``suite.sklearn_module`` that the engine module exports."""
    exported = set(getattr(import_module(suite.engine_module), "__all__", ()))
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == suite.sklearn_module:
            names += [a.name for a in node.names if a.name in exported and a.asname is None]
    return sorted(set(names))


def rewrite_imports(source: str, suite: Suite) -> str:
    """``source`` with the engine's names imported from the shim instead of scikit-learn.

    Only top-level ``from <sklearn_module> import ...`` statements change; the
    names the engine does not provide keep coming from scikit-learn.
    """
    names = set(redirected_names(source, suite))
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    for node in sorted(tree.body, key=lambda n: n.lineno, reverse=True):
        if not (isinstance(node, ast.ImportFrom) and node.module == suite.sklearn_module):
            continue
        keep = [a for a in node.names if a.name not in names or a.asname is not None]
        moved = [a.name for a in node.names if a.name in names and a.asname is None]
        if not moved:
            continue
        new = []
        if keep:
            spelled = ", ".join(
                a.name if a.asname is None else f"{a.name} as {a.asname}" for a in keep
            )
            new.append(f"from {suite.sklearn_module} import {spelled}\n")
        new.append(f"from {SHIM_MODULE} import {', '.join(moved)}\n")
        lines[node.lineno - 1 : node.end_lineno] = new
    return "".join(lines)


def _shim_source(suites: list[Suite], sources: dict[Suite, str]) -> str:
    body = [_SHIM_HEADER]
    seen = set()
    for suite in suites:
        body.append(f"import {suite.engine_module}\n")
        for name in redirected_names(sources[suite], suite):
            if name not in seen:
                seen.add(name)
                body.append(f"{name} = _recorded({suite.engine_module}.{name})\n")
    return "".join(body)


def _flat_name(suite: Suite) -> str:
    parts = Path(suite.test_file).with_suffix("").parts
    return "test_" + "_".join(p for p in parts if p != "tests").replace("test_", "")


def run(suites: list[Suite], pytest_args: list[str]) -> dict[Suite, dict]:
    """Run the suites in one temporary directory; ``{suite: {nodeid: result}}``."""
    sklearn_dir = Path(import_module("sklearn").__file__).parent
    sources = {s: (sklearn_dir / s.test_file).read_text() for s in suites}
    results = {}
    with tempfile.TemporaryDirectory(prefix="engine-sklearn-tests-") as tmp:
        root = Path(tmp)
        (root / f"{SHIM_MODULE}.py").write_text(_shim_source(suites, sources))
        (root / "conftest.py").write_text(_CONFTEST)
        for suite in suites:
            target = root / f"{_flat_name(suite)}.py"
            target.write_text(rewrite_imports(sources[suite], suite))
            out = root / (target.stem + ".json")
            env = dict(os.environ, ENGINE_CONFORMANCE_OUT=str(out), PYTHONPATH=str(root))
            cmd = [sys.executable, "-m", "pytest", target.name, "-q", "-p", "no:cacheprovider"]
            cmd += ["--rootdir", str(root), "-c", os.devnull, "-W", "ignore", *pytest_args]
            done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
            results[suite] = json.loads(out.read_text()) if out.exists() else {}
            if done.returncode not in (0, 1):  # 2: collection error or interrupted
                summary = [ln for ln in done.stdout.splitlines() if ln.startswith("E ")]
                results[suite][COLLECTION_ERROR] = (summary or done.stdout.splitlines()[-1:])[-1]
        shutil.rmtree(root / "__pycache__", ignore_errors=True)
    return results


def summarize(results: dict[Suite, dict]) -> list[dict]:
    """Per file: tests run, tests exercising the engine, and how many of those pass."""
    rows = []
    for suite, tests in results.items():
        error = tests.pop(COLLECTION_ERROR, None)
        exercised = {k: v for k, v in tests.items() if v["engine"] and v["outcome"] != "skipped"}
        passed = sum(v["outcome"] in ("passed", "xfailed") for v in exercised.values())
        rows.append(
            {
                "file": suite.test_file,
                "tests": len(tests),
                "exercise_engine": len(exercised),
                "pass": passed,
                "percent": round(100.0 * passed / len(exercised), 1) if exercised else None,
                "error": error,
                "failures": {
                    k: v.get("message", "").replace("\n", " ")[:300]
                    for k, v in sorted(exercised.items())
                    if v["outcome"] == "failed"
                },
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("filter", nargs="*", help="run only suites whose file contains this text")
    parser.add_argument("--failures", action="store_true", help="list the failing tests")
    parser.add_argument("--json", help="write the per-file summary to this file")
    parser.add_argument("--pytest-args", default="", help="extra pytest arguments")
    args = parser.parse_args(argv)
    suites = [s for s in SUITES if not args.filter or any(f in s.test_file for f in args.filter)]
    rows = summarize(run(suites, args.pytest_args.split()))
    print(f"{'file':<42} {'tests':>6} {'engine':>7} {'pass':>6} {'%':>6}")
    for r in rows:
        pct = "-" if r["percent"] is None else f"{r['percent']:.1f}"
        print(f"{r['file']:<42} {r['tests']:>6} {r['exercise_engine']:>7} {r['pass']:>6} {pct:>6}")
        if r["error"]:
            print(f"    NOT RUN (pytest stopped): {r['error']}")
        if args.failures:
            for name, message in r["failures"].items():
                print(f"    FAILED {name}: {message}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

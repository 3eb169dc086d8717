"""Checkpointed searches: resume after SIGKILL, fingerprint checks, progress bar."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge

from engine.model_selection import GridSearchCV

HELPER = textwrap.dedent(
    """
    import time
    from sklearn.linear_model import Ridge

    FITS = []

    class SlowRidge(Ridge):
        def fit(self, X, y, sample_weight=None):
            FITS.append(self.alpha)
            time.sleep(0.3)
            return super().fit(X, y, sample_weight)
    """
)
GRID = {"alpha": [0.1, 1.0, 10.0, 100.0]}


def _data():
    return make_regression(90, 4, noise=1.0, random_state=0)


@pytest.fixture
def slow_module(tmp_path):
    (tmp_path / "ckpt_slow.py").write_text(HELPER)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("ckpt_slow")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("ckpt_slow", None)


def test_resume_after_sigkill(tmp_path, slow_module):
    path = tmp_path / "search.json"
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        from ckpt_slow import SlowRidge
        from sklearn.datasets import make_regression
        from engine.model_selection import GridSearchCV
        X, y = make_regression(90, 4, noise=1.0, random_state=0)
        GridSearchCV(SlowRidge(), {GRID!r}, cv=3, checkpoint={str(path)!r}).fit(X, y)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=os.getcwd())
    saved = 0
    deadline = time.time() + 120
    while proc.poll() is None and time.time() < deadline:
        if path.exists():
            saved = len(json.loads(path.read_text())["records"])  # atomic: always valid JSON
            if saved >= 3:
                os.kill(proc.pid, signal.SIGKILL)
                break
        time.sleep(0.01)
    proc.wait()
    saved = len(json.loads(path.read_text())["records"])
    assert 3 <= saved < 12, "the search was not killed midway"
    X, y = _data()
    slow_module.FITS.clear()
    resumed = GridSearchCV(
        slow_module.SlowRidge(), GRID, cv=3, checkpoint=str(path), refit=False
    ).fit(X, y)
    assert resumed.n_fits_ == 12 - saved
    assert len(slow_module.FITS) == 12 - saved  # finished pairs were not refitted
    fresh = GridSearchCV(Ridge(), GRID, cv=3, refit=False).fit(X, y)
    for key in ("mean_test_score", "split0_test_score", "split2_test_score", "rank_test_score"):
        np.testing.assert_array_equal(resumed.cv_results_[key], fresh.cv_results_[key])
    assert len(json.loads(path.read_text())["records"]) == 12


def test_rerun_restores_everything_and_rejects_other_search(tmp_path):
    X, y = _data()
    path = str(tmp_path / "ck.json")
    first = GridSearchCV(Ridge(), GRID, cv=3, checkpoint=path, return_train_score=True).fit(X, y)
    assert first.n_fits_ == 12
    again = GridSearchCV(Ridge(), GRID, cv=3, checkpoint=path, return_train_score=True).fit(X, y)
    assert again.n_fits_ == 0
    for key, value in first.cv_results_.items():
        if key.startswith(("split", "mean_t", "rank", "std_t")):
            np.testing.assert_array_equal(again.cv_results_[key], value)
    assert again.best_params_ == first.best_params_
    with pytest.raises(ValueError, match="different search"):
        GridSearchCV(Ridge(), {"alpha": [0.5]}, cv=3, checkpoint=path).fit(X, y)
    with pytest.raises(ValueError, match="different search"):
        GridSearchCV(Ridge(), GRID, cv=3, checkpoint=path).fit(X + 1.0, y)
    with pytest.raises(ValueError, match="different search"):
        GridSearchCV(Ridge(fit_intercept=False), GRID, cv=3, checkpoint=path).fit(X, y)
    from engine.model_selection import RandomizedSearchCV

    with pytest.raises(ValueError, match="integer random_state"):
        RandomizedSearchCV(Ridge(), GRID, n_iter=2, cv=3, checkpoint=path).fit(X, y)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not a readable search checkpoint"):
        GridSearchCV(Ridge(), GRID, cv=3, checkpoint=str(bad)).fit(X, y)


def test_progress_bar_on_and_off(capsys):
    X, y = _data()
    GridSearchCV(Ridge(), GRID, cv=3, verbose=1).fit(X, y)
    err = capsys.readouterr().err
    assert "12/12" in err and "best=" in err
    GridSearchCV(Ridge(), GRID, cv=3, verbose=0).fit(X, y)
    assert capsys.readouterr().err == ""


def test_bayes_search_resumes_from_checkpoint(tmp_path):
    from engine.model_selection import BayesSearchCV

    X, y = _data()
    path = str(tmp_path / "bayes.json")
    kw = dict(n_iter=6, batch_size=2, n_startup_trials=2, cv=3, random_state=0, checkpoint=path)
    first = BayesSearchCV(Ridge(), {"alpha": (1e-3, 1e2, "log-uniform")}, **kw).fit(X, y)
    again = BayesSearchCV(Ridge(), {"alpha": (1e-3, 1e2, "log-uniform")}, **kw).fit(X, y)
    assert first.n_fits_ == 18 and again.n_fits_ == 0
    assert again.cv_results_["params"] == first.cv_results_["params"]
    np.testing.assert_array_equal(
        again.cv_results_["mean_test_score"], first.cv_results_["mean_test_score"]
    )

"""evaluate(): several metrics in one pass and one dask.compute; scorers."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

import engine.metrics as em
from tests._passes import BlockReads
from tests.conftest import ROW_CHUNKINGS
from tests.metrics._helpers import as_dask, assert_close


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    s = np.round(rng.random(n) * 0.7 + 0.3 * t, 2)
    return t, (s > 0.5).astype(int), s, rng.random(n)


@pytest.mark.parametrize("weighted", [False, True])
def test_evaluate_equals_separate_sklearn_calls(weighted):
    t, p, s, w = _data()
    sw = w if weighted else None
    expected = {
        "accuracy": skm.accuracy_score(t, p, sample_weight=sw),
        "precision": skm.precision_score(t, p, sample_weight=sw),
        "recall": skm.recall_score(t, p, sample_weight=sw),
        "f1": skm.f1_score(t, p, sample_weight=sw),
        "roc_auc": skm.roc_auc_score(t, s, sample_weight=sw),
        "log_loss": skm.log_loss(t, s, sample_weight=sw),
    }
    for n_blocks in ROW_CHUNKINGS:
        got = em.evaluate(
            as_dask(t, n_blocks),
            as_dask(p, n_blocks),
            as_dask(s, n_blocks),
            metrics=list(expected),
            sample_weight=as_dask(sw, n_blocks),
        )
        assert list(got) == list(expected)
        assert_close(got, expected)


def test_evaluate_calls_dask_compute_once():
    t, p, s, _ = _data()
    y_true = as_dask(t, 3)
    with BlockReads(y_true) as reads:
        em.evaluate(
            y_true,
            as_dask(p, 3),
            as_dask(s, 3),
            metrics=["accuracy", "f1", "roc_auc", "confusion_matrix"],
        )
    assert (reads.computes, reads.passes) == (1, 1)


def test_evaluate_kwargs_mapping_and_regression():
    t, p, s, w = _data()
    got = em.evaluate(t, p, metrics={"f1": {"average": "macro"}, "fbeta_score": {"beta": 2.0}})
    assert got["f1"] == pytest.approx(skm.f1_score(t, p, average="macro"), rel=1e-12)
    assert got["fbeta_score"] == pytest.approx(skm.fbeta_score(t, p, beta=2.0), rel=1e-12)
    y = s * 3
    got = em.evaluate(as_dask(y, 3), as_dask(y + w, 3), metrics=["mse", "r2", "mae"])
    assert got["r2"] == pytest.approx(skm.r2_score(y, y + w), rel=1e-12)
    assert got["mse"] == pytest.approx(skm.mean_squared_error(y, y + w), rel=1e-12)


def test_evaluate_bad_requests():
    t, p, s, _ = _data()
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        em.evaluate(t, p, metrics=["nope"])
    with pytest.raises(ValueError, match="needs y_score"):
        em.evaluate(t, p, metrics=["roc_auc"])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        em.evaluate(t, p[:-1], metrics=["accuracy"])


@pytest.mark.parametrize("name", ["accuracy", "f1_macro", "roc_auc", "neg_log_loss", "precision"])
def test_scorers_match_sklearn_scorers(name):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    model = LogisticRegression()
    ours = cross_val_score(model, X, y, cv=3, scoring=em.get_scorer(name))
    theirs = cross_val_score(model, X, y, cv=3, scoring=name)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_regression_scorer_and_unknown_name():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 2))
    y = X @ [1.0, 2.0] + rng.normal(size=100)
    from sklearn.linear_model import LinearRegression

    for name in ("neg_root_mean_squared_error", "r2"):
        np.testing.assert_allclose(
            cross_val_score(LinearRegression(), X, y, cv=3, scoring=em.get_scorer(name)),
            cross_val_score(LinearRegression(), X, y, cv=3, scoring=name),
            rtol=1e-12,
        )
    with pytest.raises(ValueError, match="not a valid scoring value"):
        em.get_scorer("accuracy_typo")

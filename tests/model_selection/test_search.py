"""GridSearchCV / RandomizedSearchCV: parity with scikit-learn, work reuse, schedulers, errors."""

from __future__ import annotations

import threading
import warnings

import dask
import dask.array as da
import numpy as np
import pytest
from scipy.stats import loguniform, randint
from sklearn import model_selection as skms
from sklearn.datasets import make_classification, make_regression
from sklearn.decomposition import PCA
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_info

from engine.model_selection import GridSearchCV, RandomizedSearchCV

FIT_LOG: list = []
_LOG_LOCK = threading.Lock()


class CountingScaler(StandardScaler):
    def fit(self, X, y=None, sample_weight=None):
        with _LOG_LOCK:
            FIT_LOG.append(("scaler", X.shape[0]))
        return super().fit(X, y, sample_weight)


class CountingPCA(PCA):
    def fit_transform(self, X, y=None):
        with _LOG_LOCK:
            FIT_LOG.append(("pca", self.n_components, X.shape[0]))
        return super().fit_transform(X, y)


class FailingRidge(Ridge):
    def fit(self, X, y, sample_weight=None):
        if self.alpha < 0:
            raise RuntimeError("negative alpha is not allowed here")
        return super().fit(X, y, sample_weight)


class BlasProbe(LogisticRegression):
    seen: list = []

    def fit(self, X, y, sample_weight=None):
        BlasProbe.seen.append(max(p["num_threads"] for p in threadpool_info()))
        return super().fit(X, y, sample_weight)


@pytest.fixture(scope="module")
def clf_data():
    return make_classification(300, 8, n_informative=5, random_state=0)


def _pipe(scaler=StandardScaler, pca=PCA):
    return Pipeline([("scale", scaler()), ("pca", pca()), ("clf", LogisticRegression())])


GRID = {"pca__n_components": [2, 4, 6], "clf__C": [0.01, 0.1, 1.0, 10.0]}
SMALL_GRID = {"pca__n_components": [2, 5], "clf__C": [0.1, 1.0]}


def assert_same_results(ours, ref, rtol=1e-9):
    assert set(ours.cv_results_) == set(ref.cv_results_)
    for key, value in ref.cv_results_.items():
        if key.endswith("_time"):
            continue
        if key == "params":
            assert ours.cv_results_[key] == value
        elif key.startswith("param_"):
            assert list(ours.cv_results_[key]) == list(value), key
            assert ours.cv_results_[key].dtype == value.dtype, key
        else:
            np.testing.assert_allclose(ours.cv_results_[key], value, rtol=rtol, err_msg=key)
    assert ours.best_params_ == ref.best_params_
    assert ours.best_index_ == ref.best_index_


@pytest.mark.parametrize(
    "scoring, refit",
    [
        (None, True),
        (["accuracy", "roc_auc"], "roc_auc"),
        ({"acc": "accuracy", "bal": "balanced_accuracy"}, "bal"),
    ],
)
def test_grid_matches_sklearn_pipeline(clf_data, scoring, refit):
    X, y = clf_data
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    kw = dict(cv=cv, scoring=scoring, refit=refit, return_train_score=True)
    ours = GridSearchCV(_pipe(), GRID, **kw).fit(X, y)
    ref = skms.GridSearchCV(_pipe(), GRID, **kw).fit(X, y)
    assert_same_results(ours, ref)
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-9)
    assert ours.multimetric_ == ref.multimetric_ and ours.n_splits_ == ref.n_splits_ == 3
    assert ours.refit_time_ >= 0
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-12)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-12)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)


def test_grid_matches_sklearn_regression_and_step_replacement():
    X, y = make_regression(120, 5, noise=5.0, random_state=3)
    pipe = Pipeline([("scale", StandardScaler()), ("model", Ridge())])
    grid = [
        {"model": [Ridge()], "model__alpha": [0.1, 10.0]},
        {"scale": ["passthrough"], "model__alpha": [1.0]},
    ]
    kw = dict(cv=KFold(4), scoring="neg_mean_squared_error")
    assert_same_results(
        GridSearchCV(pipe, grid, **kw).fit(X, y), skms.GridSearchCV(pipe, grid, **kw).fit(X, y)
    )


def test_grid_plain_estimator_transform_delegation(clf_data):
    X, y = clf_data
    grid = {"n_components": [2, 3], "whiten": [False, True]}
    ours = GridSearchCV(PCA(), grid, cv=3).fit(X)
    ref = skms.GridSearchCV(PCA(), grid, cv=3).fit(X)
    assert_same_results(ours, ref)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-10, atol=1e-12)


def test_pandas_input_matches_sklearn(clf_data):
    import pandas as pd

    X, y = clf_data
    Xf = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    ys = pd.Series(y, name="target")
    ours = GridSearchCV(_pipe(), SMALL_GRID, cv=3).fit(Xf, ys)
    ref = skms.GridSearchCV(_pipe(), SMALL_GRID, cv=3).fit(Xf, ys)
    assert_same_results(ours, ref, rtol=1e-12)
    np.testing.assert_array_equal(ours.feature_names_in_, ref.feature_names_in_)


def test_prefix_fits_are_shared(clf_data):
    X, y = clf_data
    FIT_LOG.clear()
    search = GridSearchCV(_pipe(CountingScaler, CountingPCA), GRID, cv=3, refit=False).fit(X, y)
    scaler = [e for e in FIT_LOG if e[0] == "scaler"]
    pca = [e for e in FIT_LOG if e[0] == "pca"]
    assert len(scaler) == 3  # once per fold, not once per (candidate, fold) = 36
    assert len(pca) == 9  # once per (n_components, fold)
    assert sorted({e[1] for e in pca}) == [2, 4, 6]
    assert search.n_fits_ == 12 * 3
    assert search.n_fit_tasks_ == 3 + 9 + 36


def test_blas_limited_inside_tasks(clf_data):
    X, y = clf_data
    BlasProbe.seen.clear()
    GridSearchCV(BlasProbe(), {"C": [0.1, 1.0]}, cv=2, refit=False).fit(X, y)
    assert BlasProbe.seen and max(BlasProbe.seen) == 1


def test_random_search_matches_sklearn(clf_data):
    X, y = clf_data
    dist = {"clf__C": loguniform(1e-3, 1e2), "pca__n_components": randint(1, 8)}
    kw = dict(n_iter=5, cv=3, random_state=7, return_train_score=True)
    assert_same_results(
        RandomizedSearchCV(_pipe(), dist, **kw).fit(X, y),
        skms.RandomizedSearchCV(_pipe(), dist, **kw).fit(X, y),
    )


@pytest.fixture(scope="module")
def small_ref(clf_data):
    X, y = clf_data
    return skms.GridSearchCV(_pipe(), SMALL_GRID, cv=3).fit(X, y)


@pytest.mark.parametrize("chunks", [1, 3, 7])
def test_dask_input_matches_numpy(clf_data, small_ref, chunks):
    X, y = clf_data
    size = -(-len(X) // chunks)
    Xd, yd = da.from_array(X, chunks=(size, -1)), da.from_array(y, chunks=size)
    ours = GridSearchCV(_pipe(), SMALL_GRID, cv=3).fit(Xd, yd)
    assert_same_results(ours, small_ref, rtol=1e-12)


def test_distributed_scheduler_bit_identical(clf_data, cluster_client):
    X, y = clf_data
    grid = SMALL_GRID
    local = GridSearchCV(_pipe(), grid, cv=3, return_train_score=True).fit(X, y)
    with dask.config.set(scheduler=cluster_client):
        remote = GridSearchCV(_pipe(), grid, cv=3, return_train_score=True).fit(X, y)
        Xd, yd = da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
        remote_dask = GridSearchCV(_pipe(), grid, cv=3).fit(Xd, yd)
    for key in local.cv_results_:
        if key.startswith(("split", "mean_test", "mean_train", "rank")):
            np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    np.testing.assert_array_equal(
        remote_dask.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))


def test_failed_fit_recorded_and_search_goes_on():
    X, y = make_regression(60, 3, random_state=0)
    grid = {"alpha": [1.0, -1.0, 2.0]}
    with pytest.warns(FitFailedWarning, match="negative alpha is not allowed"):
        ours = GridSearchCV(FailingRidge(), grid, cv=3, error_score=-5.0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = skms.GridSearchCV(FailingRidge(), grid, cv=3, error_score=-5.0).fit(X, y)
    assert_same_results(ours, ref)
    assert all("negative alpha" in m for m in ours.error_messages_[1])
    assert all(m is None for m in ours.error_messages_[[0, 2]].ravel())
    with pytest.warns(FitFailedWarning):
        nan_search = GridSearchCV(FailingRidge(), grid, cv=3).fit(X, y)
    assert np.isnan(nan_search.cv_results_["mean_test_score"][1])
    assert nan_search.cv_results_["rank_test_score"][1] == 3
    with pytest.raises(RuntimeError, match="negative alpha"):
        GridSearchCV(FailingRidge(), grid, cv=3, error_score="raise").fit(X, y)
    with pytest.raises(ValueError, match="All the 3 fits failed"):
        GridSearchCV(FailingRidge(), {"alpha": [-1.0]}, cv=3).fit(X, y)


def test_bad_input_errors(clf_data):
    X, y = clf_data
    with pytest.raises(ValueError, match=r"'clf__CC'.*valid parameters.*'clf__C'"):
        GridSearchCV(_pipe(), {"clf__CC": [1.0]}).fit(X, y)
    with pytest.raises(ValueError, match="'clf__C' need to be a non-empty sequence"):
        GridSearchCV(_pipe(), {"clf__C": []}).fit(X, y)
    with pytest.raises(TypeError, match="'clf__C' needs to be a list or a numpy array"):
        GridSearchCV(_pipe(), {"clf__C": 1.0}).fit(X, y)
    with pytest.raises(ValueError, match="'scoring' parameter of GridSearchCV.* Got 'acuracy'"):
        GridSearchCV(_pipe(), {"clf__C": [1.0]}, scoring="acuracy").fit(X, y)
    with pytest.raises(ValueError, match="n_iter"):
        RandomizedSearchCV(_pipe(), {"clf__C": [1.0]}, n_iter=0).fit(X, y)
    with pytest.raises(ValueError, match="refit must be set to a scorer key"):
        GridSearchCV(_pipe(), {"clf__C": [1.0]}, scoring=["accuracy", "f1"]).fit(X, y)
    with pytest.raises(ValueError, match="n_components"):
        RandomizedSearchCV(SVC(), {"n_components": [1]}, n_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples: X=300, y=299"):
        GridSearchCV(_pipe(), {"clf__C": [1.0]}).fit(X, y[:-1])


def test_refit_false_and_callable(clf_data):
    X, y = clf_data
    s = GridSearchCV(_pipe(), SMALL_GRID, cv=3, scoring=["accuracy", "f1"], refit=False).fit(X, y)
    assert not hasattr(s, "best_estimator_") and "rank_test_f1" in s.cv_results_
    last = GridSearchCV(_pipe(), SMALL_GRID, cv=3, refit=lambda r: len(r["params"]) - 1).fit(X, y)
    assert last.best_index_ == 3 and not hasattr(last, "best_score_")


def test_score_samples_delegation_and_tags_match_sklearn():
    from sklearn.base import is_classifier, is_regressor
    from sklearn.neighbors import KernelDensity

    X = np.random.default_rng(0).normal(size=(90, 2))
    grid = {"bandwidth": [0.5, 1.0]}
    ours = GridSearchCV(KernelDensity(), grid, cv=3).fit(X)
    ref = skms.GridSearchCV(KernelDensity(), grid, cv=3).fit(X)
    np.testing.assert_array_equal(ours.score_samples(X), ref.score_samples(X))
    for est in (LogisticRegression(), Ridge()):
        ours, ref = GridSearchCV(est, {}), skms.GridSearchCV(est, {})
        assert is_classifier(ours) == is_classifier(ref) == is_classifier(est)
        assert is_regressor(ours) == is_regressor(ref) == is_regressor(est)
    assert not hasattr(GridSearchCV(Ridge(), {}), "predict_proba")

"""ParallelPostFit against dask-ml's and scikit-learn: same values, the input's kind kept."""

from __future__ import annotations

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask_ml.wrappers import ParallelPostFit as DaskMLParallelPostFit
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from engine.models import ParallelPostFit
from tests.conftest import ROW_CHUNKINGS
from tests.preprocessing._cases import CountComputes

N_ROWS = 84  # a multiple of 4 rows per block for 1, 3 and 7 blocks (see call_blockwise)


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.standard_normal((N_ROWS, 3)), columns=["x", "y", "z"])
    labels = np.where(X["x"] - X["z"] > 0, "Yes", "No")
    return X, labels


@parametrize_with_checks(
    [ParallelPostFit(GaussianNB()), ParallelPostFit(StandardScaler())],
)
def test_scikit_learn_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_same_values_as_dask_ml_and_the_frame_kept(frame, n_blocks):
    X, labels = frame
    ours = ParallelPostFit(LogisticRegression()).fit(X, labels)
    theirs = DaskMLParallelPostFit(LogisticRegression()).fit(X, labels)
    Xd = dd.from_pandas(X, npartitions=n_blocks)
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        got = getattr(ours, method)(Xd)
        assert isinstance(got, dd.DataFrame | dd.Series)  # dask-ml: a bare dask array
        assert got.divisions == Xd.divisions
        if hasattr(theirs, method):
            peer = getattr(theirs, method)(Xd).compute()
        else:  # dask-ml has no decision_function: scikit-learn's on the concatenated frame
            with threadpool_limits(1):
                peer = getattr(theirs.estimator, method)(Xd.compute())
        np.testing.assert_array_equal(got.compute().to_numpy(), np.asarray(peer))
    assert list(ours.predict_proba(Xd).columns) == ["No", "Yes"]
    array = da.from_array(X.to_numpy(), chunks=(N_ROWS // n_blocks, 3))
    with pytest.warns(UserWarning, match="valid feature names"):  # scikit-learn's, as in memory
        got = ours.predict_proba(array).compute()
    np.testing.assert_array_equal(got, theirs.predict_proba(array).compute())


def test_fit_learns_from_dask_and_exposes_attributes(frame):
    X, labels = frame
    model = ParallelPostFit(LogisticRegression()).fit(
        dd.from_pandas(X, npartitions=3), dd.from_pandas(pd.Series(labels), npartitions=3)
    )
    reference = LogisticRegression().fit(X, labels)
    np.testing.assert_array_equal(model.coef_, reference.coef_)
    assert list(model.classes_) == ["No", "Yes"]
    assert list(model.feature_names_in_) == ["x", "y", "z"]
    assert model.estimator.__dict__.get("coef_") is None  # the user's estimator is untouched


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_score_on_dask_in_one_pass(frame, n_blocks):
    X, labels = frame
    classifier = ParallelPostFit(LogisticRegression()).fit(X, labels)
    target = X["x"] * 3 + X["y"]
    regressor = ParallelPostFit(LinearRegression()).fit(X, target)
    Xd = dd.from_pandas(X, npartitions=n_blocks)
    yd = dd.from_pandas(pd.Series(labels, index=X.index), npartitions=n_blocks)
    td = dd.from_pandas(target, npartitions=n_blocks)
    with CountComputes() as counter:
        accuracy = classifier.score(Xd, yd)
        r2 = regressor.score(Xd, td)
    assert counter.n == 2  # one pass each, X never collected on its own
    with threadpool_limits(1):
        assert accuracy == LogisticRegression().fit(X, labels).score(X, labels)
        np.testing.assert_allclose(r2, LinearRegression().fit(X, target).score(X, target), 1e-12)
    assert ParallelPostFit(LogisticRegression(), scoring="accuracy").fit(X, labels).score(
        Xd, yd
    ) == pytest.approx(accuracy, abs=0)


def test_columns_matched_by_name(frame):
    X, labels = frame
    model = ParallelPostFit(LogisticRegression()).fit(X, labels)
    swapped = dd.from_pandas(X[["z", "x", "y"]], npartitions=3)
    np.testing.assert_array_equal(model.predict(swapped).compute(), model.predict(X))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['y'\]"):
        model.predict(X[["x", "z"]])
    with pytest.raises(ValueError, match=r"\['extra'\] not seen at fit"):
        model.predict_proba(swapped.assign(extra=1.0))


def test_transform_keeps_the_names(frame):
    X, _ = frame
    model = ParallelPostFit(StandardScaler()).fit(X)
    got = model.transform(dd.from_pandas(X, npartitions=3))
    assert list(got.columns) == ["x", "y", "z"]
    np.testing.assert_array_equal(got.compute().to_numpy(), StandardScaler().fit_transform(X))

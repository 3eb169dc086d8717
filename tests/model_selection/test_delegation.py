"""Fitted searches answer Dask input lazily block by block, and match columns by name everywhere."""

from __future__ import annotations

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV as SkGridSearchCV
from sklearn.preprocessing import StandardScaler as SkStandardScaler
from threadpoolctl import threadpool_limits

import engine.model_selection as ems
from engine.preprocessing import StandardScaler, make_pipeline
from tests.conftest import ROW_CHUNKINGS
from tests.preprocessing._cases import CountComputes

N_ROWS = 168  # a multiple of 4 rows per block for 1, 3 and 7 blocks (see call_blockwise)
COLUMNS = ["age", "income", "score", "tenure"]
SEARCHES = {
    "grid": lambda pipe: ems.GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0]}, cv=3),
    "random": lambda pipe: ems.RandomizedSearchCV(
        pipe, {"logisticregression__C": [0.1, 1.0]}, n_iter=2, cv=3, random_state=0
    ),
    "halving": lambda pipe: ems.SuccessiveHalvingSearchCV(
        pipe, {"logisticregression__C": [0.1, 1.0]}, cv=3, min_resources=60, random_state=0
    ),
    "bayes": lambda pipe: ems.BayesSearchCV(
        pipe,
        {"logisticregression__C": [0.1, 1.0]},
        n_iter=2,
        n_startup_trials=2,
        cv=3,
        random_state=0,
    ),
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.standard_normal((N_ROWS, 4)), columns=COLUMNS)
    y = np.where(X["age"] + 0.5 * X["income"] - X["tenure"] > 0, "Yes", "No")
    return X, y


@pytest.fixture(scope="module")
def grid(data):
    return SEARCHES["grid"](make_pipeline(StandardScaler(), LogisticRegression())).fit(*data)


def _in_memory(model, method, X):
    with threadpool_limits(1):
        return np.asarray(getattr(model, method)(X))


@pytest.mark.parametrize("name", sorted(SEARCHES))
def test_every_search_predicts_dask_frames_lazily(data, name):
    X, y = data
    search = SEARCHES[name](make_pipeline(StandardScaler(), LogisticRegression())).fit(X, y)
    Xd = dd.from_pandas(X[["tenure", "score", "age", "income"]], npartitions=3)
    with CountComputes() as counter:
        proba = search.predict_proba(Xd)
        labels = search.predict(Xd)
    assert counter.n == 0
    assert list(proba.columns) == ["No", "Yes"] and proba.divisions == Xd.divisions
    np.testing.assert_array_equal(proba.compute(), _in_memory(search, "predict_proba", X))
    np.testing.assert_array_equal(labels.compute(), _in_memory(search, "predict", X))


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "decision_function", "transform"]
)
def test_every_method_on_every_kind(data, grid, method, n_blocks):
    X, _ = data
    model = grid if method != "transform" else _transform_search(data)
    rows = N_ROWS // n_blocks
    frame = dd.from_pandas(X, npartitions=n_blocks)
    array = da.from_array(X.to_numpy(), chunks=(rows, 4))
    labelled = xr.DataArray(array, dims=("row", "col"), coords={"col": COLUMNS})
    got_frame = getattr(model, method)(frame)
    np.testing.assert_array_equal(got_frame.compute(), _in_memory(model, method, X))
    with pytest.warns(UserWarning, match="valid feature names"):  # scikit-learn's, unnamed input
        got_array = getattr(model, method)(array).compute()
    np.testing.assert_array_equal(got_array, _in_memory(model, method, array.compute()))
    got_xarray = getattr(model, method)(labelled)
    assert isinstance(got_xarray, xr.DataArray) and got_xarray.chunks[0] == array.chunks[0]
    # xarray blocks reach the model as frames labelled with the DataArray's column coordinate
    labelled_rows = pd.DataFrame(array.compute(), columns=COLUMNS)
    np.testing.assert_array_equal(got_xarray.values, _in_memory(model, method, labelled_rows))


def _transform_search(data):
    return ems.GridSearchCV(StandardScaler(), {"with_mean": [True]}, cv=3, scoring=_spread).fit(
        data[0]
    )


def test_numpy_and_pandas_paths_match_columns_by_name(data, grid):
    X, y = data
    shuffled = X[["income", "tenure", "age", "score"]]
    np.testing.assert_array_equal(grid.predict(shuffled), grid.predict(X))
    reference = SkGridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}).fit(X, y)
    with pytest.raises(ValueError, match="feature names"):  # scikit-learn refuses the order
        reference.predict(shuffled)
    ours = ems.GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}).fit(X, y)
    np.testing.assert_array_equal(ours.predict(shuffled), reference.predict(X))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['score'\]"):
        grid.predict(X.drop(columns="score"))
    with pytest.raises(ValueError, match=r"\['bonus'\] not seen at fit"):
        grid.predict_proba(X.assign(bonus=1.0))
    with pytest.raises(ValueError, match="X has 3 features, but"):
        grid.predict(X.to_numpy()[:, :3])


def test_score_on_dask_in_one_pass(data, grid):
    X, y = data
    Xd = dd.from_pandas(X, npartitions=3)
    yd = dd.from_pandas(pd.Series(y, index=X.index), npartitions=3)
    with CountComputes() as counter:
        score = grid.score(Xd, yd)
    assert counter.n == 1
    assert score == grid.score(X, y)


@pytest.mark.parametrize(
    "scoring,refit",
    [("accuracy", True), ("f1_macro", True), (["accuracy", "roc_auc"], "roc_auc")],
)
def test_score_with_a_scorer_on_dask_in_one_pass(data, scoring, refit):
    X, y = data
    search = ems.GridSearchCV(
        SGDClassifier(random_state=0), {"alpha": [1e-3]}, scoring=scoring, refit=refit
    )
    search.fit(X, y)
    Xd = dd.from_pandas(X, npartitions=3)
    yd = dd.from_pandas(pd.Series(y, index=X.index), npartitions=3)
    with CountComputes() as counter:
        score = search.score(Xd, yd)
    assert counter.n == 1
    # in memory: scikit-learn's metric; on Dask: the engine's (equal to 1e-12)
    assert score == pytest.approx(search.score(X, y), rel=1e-12)


def test_inverse_transform_is_delegated_as_is(data):
    X, _ = data
    scaler = ems.GridSearchCV(SkStandardScaler(), {"with_mean": [True]}, cv=3, scoring=_spread)
    back = scaler.fit(X).inverse_transform(scaler.transform(X))
    np.testing.assert_allclose(np.asarray(back), X.to_numpy(), rtol=1e-12)


def _spread(estimator, X, y=None) -> float:
    """A transform-only search's metric: minus the mean absolute scaled value."""
    return -float(np.mean(np.abs(np.asarray(estimator.transform(X)))))

"""The engine Pipeline: same results as scikit-learn's, and one read of a Dask source."""

import dask
import dask.array as da
import numpy as np
import pytest
import sklearn.preprocessing as skp
from sklearn.pipeline import make_pipeline as sk_make_pipeline

import engine.preprocessing as ep
from engine.preprocessing._pipeline import fit_passes


class Reads:
    """A dask array whose blocks count how often they are produced (sync scheduler)."""

    def __init__(self, X, n_blocks):
        self.calls = 0
        base = da.from_array(X, chunks=(-(-len(X) // n_blocks), -1))
        self.array = base.map_blocks(self._read, dtype=np.float64, meta=np.empty((0, 0)))

    def _read(self, block):
        self.calls += 1
        return block.copy()


def chain():
    return [
        ep.SimpleImputer(),
        ep.StandardScaler(),
        ep.OutlierHandler(method="iqr"),
        ep.MinMaxScaler(),
    ]


def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3))
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


@pytest.mark.parametrize(("persist", "reads_per_block"), [(True, 1), (False, 4)])
def test_fit_reads_the_source_once_when_persisted(persist, reads_per_block):
    source = Reads(data(), 5)
    with dask.config.set(scheduler="sync"):
        pipe = ep.make_pipeline(*chain(), persist=persist).fit(source.array)
    assert pipe.persisted_ is persist
    assert source.calls == 5 * reads_per_block  # one read per block per compute


def test_auto_persists_what_fits_in_memory():
    X = data()
    small = ep.make_pipeline(*chain()).fit(da.from_array(X, chunks=(20, -1)))
    assert small.persisted_
    tiny_budget = ep.make_pipeline(*chain(), memory_fraction=1e-12)
    assert not tiny_budget.fit(da.from_array(X, chunks=(20, -1))).persisted_
    assert not ep.make_pipeline(*chain()).fit(X).persisted_  # NumPy: nothing to persist


def test_results_equal_sklearn_pipeline_and_step_passes_documented():
    X = data()
    ours = ep.make_pipeline(
        ep.SimpleImputer(strategy="median"), ep.StandardScaler(), ep.RobustScaler()
    )
    theirs = sk_make_pipeline(
        __import__("sklearn.impute").impute.SimpleImputer(strategy="median"),
        skp.StandardScaler(),
        skp.RobustScaler(),
    )
    expected = theirs.fit_transform(X)
    np.testing.assert_allclose(ours.fit_transform(X), expected, rtol=1e-12)
    lazy = ours.fit_transform(da.from_array(X, chunks=(30, -1)))
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-12)
    assert ours.fit_passes_ == {"simpleimputer": 3, "standardscaler": 1, "robustscaler": 3}
    assert fit_passes(ep.OutlierHandler(method="zscore")) == 1


def test_make_pipeline_names_and_params():
    pipe = ep.make_pipeline(ep.StandardScaler(), ep.StandardScaler(with_mean=False))
    assert [n for n, _ in pipe.steps] == ["standardscaler-1", "standardscaler-2"]
    assert pipe.get_params()["persist"] == "auto"
    assert pipe.set_params(persist=False).persist is False
    with pytest.raises(ValueError, match="'persist' parameter"):
        ep.make_pipeline(ep.StandardScaler(), persist="yes").fit(da.zeros((4, 2)))


def test_fitted_pipeline_predicts_dask_lazily_block_by_block():
    import dask.dataframe as dd
    import pandas as pd
    import xarray as xr
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    from tests.preprocessing._cases import CountComputes

    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.standard_normal((84, 3)) * [1, 10, 100], columns=["u", "v", "w"])
    y = np.where(X["u"] + X["v"] / 10 > 0, "up", "down")
    pipe = ep.make_pipeline(ep.StandardScaler(), LogisticRegression()).fit(X, y)
    Xd = dd.from_pandas(X[["w", "u", "v"]], npartitions=3)  # columns matched by name
    with CountComputes() as counter:
        proba = pipe.predict_proba(Xd)
        scaled = pipe[:-1].transform(Xd)
    assert counter.n == 0
    assert list(proba.columns) == ["down", "up"] and proba.divisions == Xd.divisions
    with threadpool_limits(1):
        np.testing.assert_array_equal(proba.compute(), pipe.predict_proba(X))
    np.testing.assert_array_equal(scaled.compute(), pipe[:-1].transform(X))
    labelled = xr.DataArray(X.to_numpy(), dims=("row", "col"), coords={"col": ["u", "v", "w"]})
    np.testing.assert_array_equal(pipe.predict(labelled.chunk({"row": 28})).values, pipe.predict(X))
    yd = dd.from_pandas(pd.Series(y, index=X.index), npartitions=3)
    with CountComputes() as counter:
        assert pipe.score(Xd, yd) == pipe.score(X, y)
    assert counter.n == 1
    with pytest.raises(ValueError, match=r"missing column\(s\) \['v'\]"):
        pipe.predict(X[["u", "w"]])

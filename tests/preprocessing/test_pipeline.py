"""The engine Pipeline: same results as scikit-learn's, and one read of a Dask source."""

import dask
import dask.array as da
import numpy as np
import pytest
import sklearn.preprocessing as skp
from sklearn.base import clone
from sklearn.pipeline import make_pipeline as sk_make_pipeline

import engine.preprocessing as ep
from engine.preprocessing._pipeline import available_memory
from tests._passes import BlockReads, measured_passes


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


def test_results_equal_sklearn_pipeline():
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


@pytest.mark.parametrize("persist", [True, False])
def test_fit_passes_bound_the_measured_passes_of_each_step(persist):
    """``fit_passes_`` bounds the reads of each step's input made by the tasks actually run."""
    source = da.from_array(data(), chunks=(20, -1))
    steps = [*chain(), ep.PolynomialFeatures(), ep.OneHotEncoder(sparse_output=False)]
    with BlockReads(source) as reads:
        pipe = ep.make_pipeline(*steps, persist=persist).fit(source)
    measured = {}
    for i, (name, step) in enumerate(pipe.steps):
        step_input = pipe[:i].transform(source) if i else source
        measured[name] = measured_passes(lambda s=step, x=step_input: clone(s).fit(x), step_input)
    assert all(measured[name] <= most for name, most in pipe.fit_passes_.items())
    assert measured["simpleimputer"] == 1 and measured["outlierhandler"] == 1
    assert pipe.fit_passes_["outlierhandler"] == 3  # the selection's rounds, should a sample miss
    assert {n: m for n, m in measured.items() if n != "outlierhandler"} == {
        n: m for n, m in pipe.fit_passes_.items() if n != "outlierhandler"
    }
    assert measured["polynomialfeatures"] == 0
    # Over the source itself: the first step's passes, then one read per later compute
    # (the first transform of every later step's graph); persisting only saves loads.
    later = sum(1 for n in measured if n != "simpleimputer" and measured[n] > 0)
    assert reads.passes == measured["simpleimputer"] + later


def test_fit_passes_of_a_foreign_step_are_unknown():
    from sklearn.preprocessing import StandardScaler as SkStandardScaler

    pipe = ep.make_pipeline(ep.StandardScaler(), SkStandardScaler()).fit(data())
    assert pipe.fit_passes_ == {"standardscaler-1": 1, "standardscaler-2": None}


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

    from tests._passes import CountComputes

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


@pytest.mark.cluster
def test_auto_persist_measures_the_cluster_memory_not_this_machine(cluster_client):
    # On a distributed client, "auto" compares the source with its workers' room
    # (2 x 2 GiB limits here), not with this machine's free memory: a source the
    # machine could hold but the workers cannot is left on disk and re-read.
    # (the rule is checked without fitting on the cluster: its workers compile no kernel)
    X = da.from_array(data(), chunks=(20, -1))
    machine = available_memory()
    with dask.config.set(scheduler=cluster_client):
        workers = available_memory()
        assert 0 < workers <= 2 * 2 * 2**30 < machine
        fraction = X.nbytes / workers / 2  # X is twice the share the workers may take
        assert X.nbytes < fraction * machine
        assert not ep.make_pipeline(memory_fraction=fraction)._should_persist(X)
    assert ep.make_pipeline(*chain(), memory_fraction=fraction).fit(X).persisted_

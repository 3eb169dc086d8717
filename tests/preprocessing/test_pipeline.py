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

"""The registry of models that take whole Dask collections: filled by engine.models, read by pipelines."""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from engine.data import (
    register_collection_model,
    takes_whole_collections,
    unregister_collection_model,
)
from engine.preprocessing import StandardScaler, make_pipeline


class WholeFrameClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the number of rows of what it is given: tells a whole frame from a block."""

    def fit(self, X, y=None):
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        self.seen_ = type(X)
        return np.full(len(X), len(X))


@pytest.fixture
def registered():
    register_collection_model("test", lambda est: isinstance(est, WholeFrameClassifier))
    yield
    unregister_collection_model("test")


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    pdf = pd.DataFrame(rng.normal(size=(40, 2)), columns=["a", "b"])
    return pdf, dd.from_pandas(pdf, npartitions=4)


def test_registered_recogniser_is_consulted(registered):
    assert takes_whole_collections(WholeFrameClassifier())
    assert not takes_whole_collections(LogisticRegression())


def test_unregistered_models_are_not_whole_collection_models():
    assert not takes_whole_collections(WholeFrameClassifier())


def test_registering_a_name_again_replaces_it(registered):
    register_collection_model("test", lambda est: False)
    assert not takes_whole_collections(WholeFrameClassifier())


def test_register_refuses_a_non_callable():
    with pytest.raises(TypeError, match="callable"):
        register_collection_model("bad", "not a function")


def test_pipeline_hands_a_registered_final_model_the_whole_collection(registered, frame):
    pdf, ddf = frame
    pipe = make_pipeline(StandardScaler(), WholeFrameClassifier()).fit(pdf, np.zeros(40))
    out = pipe.predict(ddf)
    assert pipe[-1].seen_ is dd.DataFrame  # the whole (transformed) frame, not a pandas block
    assert np.asarray(out).tolist() == [40] * 40


def test_pipeline_runs_other_final_models_block_by_block(frame):
    pdf, ddf = frame
    pipe = make_pipeline(StandardScaler(), WholeFrameClassifier()).fit(pdf, np.zeros(40))
    out = pipe.predict(ddf).compute()
    assert out.tolist() == [10] * 40  # one call per 10-row partition


def test_engine_models_registers_its_dask_native_check():
    from engine.models import DaskNativeSpec, register_dask_native

    class MyDaskNative(LogisticRegression):
        pass

    register_dask_native(MyDaskNative, DaskNativeSpec("early_stopping_rounds", "n_estimators", len))
    assert takes_whole_collections(MyDaskNative())
    assert not takes_whole_collections(LogisticRegression())

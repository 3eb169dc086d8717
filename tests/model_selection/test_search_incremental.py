"""Incremental inside the searches: one ``partial_fit`` task per block of each lazy fold.

Reference: the same ``partial_fit`` sequence written out in memory — for each
split, the training rows of every source block that holds some (the fold's
blocks), visited in the order ``Incremental`` draws from its
``random_state``, with the classes of the training fold.
"""

from __future__ import annotations

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state

from engine.model_selection import GridSearchCV, cross_validate
from engine.models import Incremental

CHUNK = 50
SEED = 3


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(300, 4, random_state=0)
    return X, y


def _blockwise_reference(base, X, y, train, test):
    """The fold's partial_fit sequence in memory: its blocks in the seeded order."""
    block_of = np.arange(len(X)) // CHUNK
    blocks = [train[block_of[train] == b] for b in np.unique(block_of[train])]
    order = check_random_state(SEED).permutation(len(blocks))
    model = clone(base)
    for i in order:
        model.partial_fit(X[blocks[i]], y[blocks[i]], classes=np.unique(y[train]))
    return model, accuracy_score(y[test], model.predict(X[test]))


def _dask(kind, X, y):
    if kind == "array":
        return da.from_array(X, chunks=(CHUNK, 4)), da.from_array(y, chunks=CHUNK)
    frame = pd.DataFrame(X, columns=list("abcd"))
    return (
        dd.from_pandas(frame, chunksize=CHUNK, sort=False),
        dd.from_pandas(pd.Series(y), chunksize=CHUNK, sort=False),
    )


@pytest.mark.parametrize("kind", ["array", "frame"])
def test_grid_search_trains_block_by_block_like_partial_fit_in_memory(data, kind):
    X, y = data
    Xd, yd = _dask(kind, X, y)
    base = SGDClassifier(random_state=0)
    grid = {"estimator__alpha": [1e-4, 1e-2]}
    with dask.config.set(scheduler="threads"):
        search = GridSearchCV(Incremental(base, random_state=SEED), grid, cv=2).fit(Xd, yd)
    splits = list(StratifiedKFold(2).split(X, y))
    for c, params in enumerate(search.cv_results_["params"]):
        est = clone(base).set_params(alpha=params["estimator__alpha"])
        expected = [_blockwise_reference(est, X, y, tr, te)[1] for tr, te in splits]
        got = [search.cv_results_[f"split{f}_test_score"][c] for f in range(2)]
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    # the refit: every block of the whole data, in the seeded order
    final = search.best_estimator_
    assert len(final.block_order_) == len(X) // CHUNK
    with dask.config.set(scheduler="threads"):
        pred = final.predict(Xd)
    assert dask.is_dask_collection(pred)


def test_cross_validate_models_are_the_in_memory_partial_fit_sequence(data):
    X, y = data
    Xd, yd = _dask("array", X, y)
    base = SGDClassifier(random_state=0, alpha=1e-3)
    with dask.config.set(scheduler="threads"):
        out = cross_validate(
            Incremental(base, random_state=SEED), Xd, yd, cv=2, return_estimator=True
        )
    for fitted, (train, test) in zip(out["estimator"], StratifiedKFold(2).split(X, y), strict=True):
        model, score = _blockwise_reference(base, X, y, train, test)
        np.testing.assert_array_equal(fitted.coef_, model.coef_)  # bit for bit
        np.testing.assert_array_equal(fitted.intercept_, model.intercept_)
        assert len(fitted.block_order_) == len(np.unique(train // CHUNK)) > 1
    np.testing.assert_allclose(
        out["test_score"],
        [_blockwise_reference(base, X, y, tr, te)[1] for tr, te in StratifiedKFold(2).split(X, y)],
        rtol=1e-12,
    )

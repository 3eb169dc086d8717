"""One conformance suite for every engine estimator.

scikit-learn's own ``check_estimator`` checks (``parametrize_with_checks``) and
its ``check_param_validation`` on every transformer, sampler, pipeline and
search; then, for the transformers, the engine's own checks: equal to the
reference on NumPy and on Dask of 1/3/7 row blocks,
same kind out (labels kept, Dask lazy with the same chunks), fit over Dask
computes once, deterministic graph keys, bit-identical on the synchronous,
threaded and distributed schedulers, input never modified, usable in Pipeline
and ColumnTransformer and with ``set_output(transform="pandas")``.
"""

from __future__ import annotations

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from dask.base import tokenize
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

import engine.preprocessing as ep
from tests.conftest import ROW_CHUNKINGS
from tests.preprocessing._cases import (
    CASES,
    DEFAULT_ESTIMATORS,
    EXPECTED_FAILED_CHECKS,
    SAMPLERS,
    SEARCHES,
    Case,
    CountComputes,
    make_data,
)

RTOL = 1e-12


@parametrize_with_checks(
    DEFAULT_ESTIMATORS + SAMPLERS + SEARCHES,
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}),
)
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


PIPELINE = ep.make_pipeline(ep.StandardScaler(), LogisticRegression())
VALIDATED = DEFAULT_ESTIMATORS + SAMPLERS + SEARCHES + [PIPELINE]


@pytest.mark.parametrize("estimator", VALIDATED, ids=[type(e).__name__ for e in VALIDATED])
def test_sklearn_check_param_validation(estimator):
    """Every parameter has a constraint, and fit rejects bad values as scikit-learn words it."""
    check_param_validation(type(estimator).__name__, estimator)


def as_numpy(out) -> np.ndarray:
    if dask.is_dask_collection(out):
        out = out.compute(scheduler="sync")
    if isinstance(out, xr.DataArray):
        return np.asarray(out.values)
    return np.asarray(out, dtype=np.float64)


def assert_close(actual, expected):
    np.testing.assert_allclose(as_numpy(actual), as_numpy(expected), rtol=RTOL, atol=0)


def assert_same_fit(fitted, case: Case, reference):
    for name in case.attributes:
        ours, theirs = getattr(fitted, name), getattr(reference, name)
        np.testing.assert_allclose(
            np.asarray(ours, dtype=np.float64),
            np.asarray(theirs, dtype=np.float64),
            rtol=RTOL,
            atol=0,
            err_msg=name,
        )
        if isinstance(ours, np.ndarray):
            assert type(ours) is np.ndarray, name  # plain NumPy, not Dask


def dask_rows(X: np.ndarray, n_blocks: int) -> da.Array:
    size = -(-X.shape[0] // n_blocks)
    return da.from_array(X, chunks=(size, -1))


ids = [c.id for c in CASES]
# Parameter variants run the reference comparisons; the kind, compute-count, token,
# scheduler and in-place checks run once per distinct code path (class, action or axis).
PATHS = [c for c in CASES if c.code_path]
path_ids = [c.id for c in PATHS]


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_equals_reference_on_numpy(case):
    X = make_data(case)
    ours, ref = case.make(), case.reference()
    out = ours.fit_transform(X)
    assert isinstance(out, np.ndarray)
    assert_close(out, ref.fit_transform(X))
    assert_same_fit(ours, case, ref)
    assert list(ours.get_feature_names_out()) == list(case.feature_names(ours, ref))


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
@pytest.mark.parametrize("case", CASES, ids=ids)
def test_equals_reference_on_dask_array(case, n_blocks):
    X = make_data(case)
    Xd = dask_rows(X, n_blocks)
    ours, ref = case.make().fit(Xd), case.reference().fit(X)
    out = ours.transform(Xd)
    assert isinstance(out, da.Array)
    if not case.drops_rows:
        assert out.chunks[0] == Xd.chunks[0]
    assert_close(out, ref.transform(X))
    assert_same_fit(ours, case, ref)


@pytest.mark.parametrize("case", PATHS, ids=path_ids)
def test_dask_dataframe_pandas_and_xarray_keep_kind_and_labels(case):
    X = make_data(case)
    columns = [f"c{j}" for j in range(X.shape[1])]
    index = pd.RangeIndex(1000, 1000 + X.shape[0])
    frame = pd.DataFrame(X, columns=columns, index=index)
    ref_out = as_numpy(case.reference().fit_transform(X))
    names = list(case.make().fit(frame).get_feature_names_out())

    out = case.make().fit_transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == names
    if not case.drops_rows:
        assert out.index.equals(index)
    assert_close(out, ref_out)

    ddf = dd.from_pandas(frame, npartitions=3)
    out = case.make().fit(ddf).transform(ddf)
    assert isinstance(out, dd.DataFrame)
    assert out.npartitions == ddf.npartitions
    assert list(out.columns) == names
    assert_close(out, ref_out)

    arr = xr.DataArray(X, dims=("row", "col"), coords={"row": index, "col": columns})
    out = case.make().fit_transform(arr)
    assert isinstance(out, xr.DataArray)
    assert list(out.coords["col"].values) == names
    if not case.drops_rows:
        assert list(out.coords["row"].values) == list(index)
    assert_close(out, ref_out)


@pytest.mark.parametrize("case", PATHS, ids=path_ids)
def test_fit_on_dask_computes_once_and_transform_is_lazy(case):
    Xd = dask_rows(make_data(case), 3)
    with CountComputes() as counter, dask.config.set(scheduler="sync"):
        est = case.make().fit(Xd)
        out = est.transform(Xd)
    assert counter.n == case.fit_computes
    assert dask.is_dask_collection(out)


@pytest.mark.parametrize("case", PATHS, ids=path_ids)
def test_graph_keys_are_deterministic(case):
    X = make_data(case)
    Xd = dask_rows(X, 3)
    a, b = case.make().fit(Xd), case.make().fit(Xd)
    assert tokenize(a) == tokenize(b)
    assert a.transform(Xd).name == b.transform(Xd).name
    assert tokenize(a) != tokenize(case.make())  # fitted state is part of the token


@pytest.mark.cluster
@pytest.mark.parametrize("case", PATHS, ids=path_ids)
def test_bit_identical_on_every_scheduler(case, cluster_client):
    Xd = dask_rows(make_data(case), 7)
    results = []
    for scheduler in ("sync", "threads", cluster_client):
        with dask.config.set(scheduler=scheduler):
            est = case.make().fit(Xd)
            out = est.transform(Xd).compute()
        attrs = [
            np.asarray(getattr(est, name), dtype=np.float64).tobytes() for name in case.attributes
        ]
        results.append((attrs, np.ascontiguousarray(out).tobytes()))
    assert results[0] == results[1] == results[2]


@pytest.mark.parametrize("case", PATHS, ids=path_ids)
def test_input_is_never_modified(case):
    X = make_data(case)
    before = X.copy()
    frame = pd.DataFrame(X.copy())
    case.make().fit_transform(X)
    case.make().fit(X).transform(X)
    case.make().fit_transform(frame)
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(frame.to_numpy(), before)


@pytest.mark.parametrize(
    "case", [c for c in CASES if not c.drops_rows], ids=[c.id for c in CASES if not c.drops_rows]
)
def test_pipeline_column_transformer_and_pandas_output(case):
    X = make_data(case)
    frame = pd.DataFrame(X, columns=[f"c{j}" for j in range(X.shape[1])])
    expected = as_numpy(case.reference().fit_transform(X))

    pipe = make_pipeline(case.make())
    assert_close(pipe.fit_transform(X), expected)

    ct = ColumnTransformer([("engine", case.make(), list(frame.columns))])
    assert_close(ct.fit_transform(frame), expected)

    est = clone(case.make()).set_output(transform="pandas")
    out = est.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(est.get_feature_names_out())

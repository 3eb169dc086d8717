"""type_of_target and unique_labels: scikit-learn's answers, exact and one pass on Dask."""

from __future__ import annotations

import warnings

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.utils.multiclass import type_of_target as sk_type_of_target
from sklearn.utils.multiclass import unique_labels as sk_unique_labels

from engine.metrics import type_of_target, unique_labels
from tests.conftest import ROW_CHUNKINGS
from tests.metrics._helpers import as_dask

_rng = np.random.default_rng(3)
IN_MEMORY = {
    "binary_int": _rng.integers(0, 2, 30),
    "binary_str": np.array(["No", "Yes"], dtype=object)[_rng.integers(0, 2, 30)],
    "binary_unicode": np.array(["No", "Yes"])[_rng.integers(0, 2, 30)],
    "binary_bool": _rng.random(30) < 0.5,
    "binary_pm1": np.where(_rng.random(30) < 0.5, -1, 1),
    "binary_float": _rng.integers(0, 2, 30).astype(float),
    "one_class": np.zeros(30, dtype=int),
    "multiclass": _rng.integers(0, 5, 30),
    "multiclass_str": np.array(list("abc"), dtype=object)[_rng.integers(0, 3, 30)],
    "multiclass_big_int": np.array([2**62, 1, 5] * 10),
    "continuous": _rng.random(30),
    "continuous_huge": np.array([1e20, 1.0, 2.0] * 10),
    "column_vector": _rng.integers(0, 3, (30, 1)),
    "multilabel": _rng.integers(0, 2, (30, 3)),
    "multilabel_bool": _rng.random((30, 3)) < 0.5,
    "multilabel_float": _rng.integers(0, 2, (30, 3)).astype(float),
    "multilabel_02": 2 * _rng.integers(0, 2, (30, 3)),
    "multiclass_multioutput": _rng.integers(0, 3, (30, 2)),
    "multiclass_multioutput_str": np.array(list("ab"), dtype=object)[_rng.integers(0, 2, (30, 2))],
    "continuous_multioutput": _rng.random((30, 2)),
    "object_ints": np.arange(30).astype(object),
    "three_d": np.zeros((30, 2, 2)),
    "empty": np.array([]),
    "list": [1, 2, 2, 1],
    "list_of_lists": [[0, 1], [1, 1]],
    "list_mixed": [1, "a"],
    "pandas_boolean": pd.Series([True, False] * 15, dtype="boolean"),
    "pandas_Int64": pd.Series([1, 0, 3] * 10, dtype="Int64"),
    "pandas_string": pd.Series(["x", "y"] * 15, dtype="string"),
    "pandas_category": pd.Series(["x", "y", "z"] * 10, dtype="category"),
    "pandas_frame": pd.DataFrame({"a": [0, 1] * 15, "b": [1, 1, 0] * 10}),
}
ERRORS = {
    "nan": np.array([0.0, 1.0, np.nan]),
    "inf": np.array([0.0, np.inf]),
    "bytes": np.array([b"a", b"b"]),
    "sequences": [[1, 2], [3]],
    "mixed_object": np.array(["a", 1], dtype=object),
}


def _outcome(func, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            out = func(y)
        except (TypeError, ValueError) as exc:
            return type(exc)
    return out if isinstance(out, str) else (out.dtype, out.tolist())


@pytest.mark.parametrize("name", sorted(IN_MEMORY) + sorted(ERRORS))
def test_in_memory_as_sklearn(name):
    y = {**IN_MEMORY, **ERRORS}[name]
    assert _outcome(type_of_target, y) == _outcome(sk_type_of_target, y)
    assert _outcome(unique_labels, y) == _outcome(sk_unique_labels, y)


def _dask_versions(y, n_blocks):
    arr = np.asarray(y)
    yield as_dask(arr, n_blocks)
    if arr.ndim <= 2:
        pandas = pd.Series(arr) if arr.ndim == 1 else pd.DataFrame(arr)
        yield dd.from_pandas(pandas, npartitions=n_blocks, sort=False)


DASKABLE = [k for k, v in IN_MEMORY.items() if isinstance(v, np.ndarray) and v.size] + ["nan"]


@pytest.mark.parametrize("name", DASKABLE + ["bytes", "mixed_object"])
@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_dask_as_sklearn_on_the_same_values(name, n_blocks):
    y = {**IN_MEMORY, **ERRORS}[name]
    for lazy in _dask_versions(y, n_blocks):
        # dask may store object columns as strings: compare with the values it holds
        concrete = lazy.compute() if isinstance(lazy, dd.DataFrame | dd.Series) else y
        assert _outcome(type_of_target, lazy) == _outcome(sk_type_of_target, concrete)
        assert _outcome(unique_labels, lazy) == _outcome(sk_unique_labels, concrete)


def test_nullable_pandas_partitions_keep_sklearn_semantics():
    for dtype, values in (("boolean", [True, False, True]), ("Int64", [3, 1, 1])):
        series = pd.Series(values * 10, dtype=dtype)
        lazy = dd.from_pandas(series, npartitions=3).astype(dtype)
        assert type_of_target(lazy) == sk_type_of_target(series)
        expected = sk_unique_labels(series)
        got = unique_labels(lazy)
        assert got.dtype == expected.dtype and got.tolist() == expected.tolist()


def test_several_targets_one_pass_and_mixing_rules(monkeypatch):
    t = IN_MEMORY["binary_str"]
    calls = []
    real = dask.compute
    monkeypatch.setattr(dask, "compute", lambda *a, **k: calls.append(1) or real(*a, **k))
    got = unique_labels(as_dask(t, 3), as_dask(t[::-1], 7), ["Maybe"])
    assert len(calls) == 1
    assert got.tolist() == sk_unique_labels(t, t[::-1], ["Maybe"]).tolist()
    with pytest.raises(ValueError, match="Mix of label input types"):
        unique_labels(as_dask(t, 3), as_dask(IN_MEMORY["binary_int"], 3))
    with pytest.raises(ValueError, match="Mix type of y not allowed"):
        unique_labels(as_dask(IN_MEMORY["multilabel"], 3), as_dask(IN_MEMORY["binary_int"], 3))
    with pytest.raises(ValueError, match="different numbers of labels"):
        unique_labels(IN_MEMORY["multilabel"], IN_MEMORY["multilabel"][:, :2])
    with pytest.raises(ValueError, match="No argument has been passed"):
        unique_labels()
    with pytest.raises(ValueError, match="Unknown label type"):
        type_of_target(as_dask(IN_MEMORY["three_d"], 3), raise_unknown=True)


def test_same_answer_on_every_scheduler(cluster_client):
    y = np.array(["No", "Yes", "Maybe"], dtype=object)[_rng.integers(0, 3, 500)]
    lazy = [as_dask(y, 7), dd.from_pandas(pd.Series(y), npartitions=5)]
    results = []
    for scheduler in ("sync", "threads", cluster_client.get):
        with dask.config.set(scheduler=scheduler):
            results.append([(type_of_target(v), unique_labels(v).tolist()) for v in lazy])
    assert results[0] == results[1] == results[2]
    assert results[0][0] == ("multiclass", ["Maybe", "No", "Yes"])


targets = st.integers(1, 40).flatmap(
    lambda n: st.one_of(
        arrays(np.int64, n, elements=st.integers(-2, 3)),
        arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0, 2.0, 0.5, -1.0])),
        arrays(np.bool_, n),
        arrays(np.int64, (n, 3), elements=st.integers(0, 2)),
        arrays(np.float64, (n, 2), elements=st.sampled_from([0.0, 1.0, 0.25])),
    )
)


@settings(max_examples=40)
@given(y=targets, n_blocks=st.integers(1, 5))
def test_random_targets_any_chunking(y, n_blocks):
    for value in (y, as_dask(y, n_blocks)):
        assert type_of_target(value) == sk_type_of_target(y)
        assert _outcome(unique_labels, value) == _outcome(sk_unique_labels, y)

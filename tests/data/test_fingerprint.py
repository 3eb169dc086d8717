import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.data import demo_table, fingerprint


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 30), st.integers(1, 4)),
        elements=st.floats(allow_nan=True, allow_infinity=True),
    ),
    st.integers(1, 30),
)
def test_array_fingerprint_ignores_chunking(x, chunk):
    assert fingerprint(x) == fingerprint(da.from_array(x, chunks=(chunk, -1)))


def test_fingerprint_changes_with_any_value_or_order():
    x = np.random.default_rng(0).random((50, 3))
    base = fingerprint(x)
    y = x.copy()
    y[7, 2] = np.nextafter(y[7, 2], 2.0)
    assert fingerprint(y) != base
    assert fingerprint(x[::-1]) != base
    assert fingerprint(x[:, ::-1]) != base
    assert fingerprint(x.astype(np.float32)) != base


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_frame_fingerprint_same_for_pandas_and_dask(npartitions):
    frame = demo_table(2_000, npartitions=4).compute()
    assert fingerprint(frame) == fingerprint(dd.from_pandas(frame, npartitions=npartitions))


def test_frame_fingerprint_sees_labels_and_dtypes():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    base = fingerprint(frame)
    assert fingerprint(frame.rename(columns={"a": "c"})) != base
    assert fingerprint(frame.set_axis([5, 6])) != base
    assert fingerprint(frame.astype({"b": "category"})) != base


def test_demo_fingerprint_is_scheduler_independent(cluster_client):
    table = demo_table(5_000, npartitions=5)
    lazy = fingerprint(table, compute=False)
    assert cluster_client.compute(lazy).result() == lazy.compute(scheduler="sync")

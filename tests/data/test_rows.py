"""engine.data.internal: one row alignment for splits and one-pass reductions; rows appended."""

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from engine.data.internal import align_rows, concat_rows

Y = np.arange(12)


def _blocks(aligned):
    return [{k: np.asarray(v) for k, v in b.items()} for b in dask.compute(aligned.blocks())[0]]


def test_in_memory_inputs_are_one_block_and_checked():
    aligned = align_rows({"X": Y.reshape(-1, 1), "y": list(Y)})
    assert not aligned.lazy and aligned.lengths == [12]
    assert isinstance(aligned.arrays["y"], np.ndarray)
    with pytest.raises(ValueError, match="inconsistent numbers of samples: X=12, y=11"):
        align_rows({"X": Y, "y": Y[:-1]})


def test_reductions_get_in_memory_lists_as_given():
    """A mixed list stays mixed for the block function (numpy.asarray would make strings)."""
    mixed = [1, "a", 2]
    aligned = align_rows({"y": mixed, "w": np.ones(3)}, convertible=("y", "w"), known_lengths=False)
    assert aligned.arrays["y"] is mixed and aligned.lengths == [3]
    assert isinstance(align_rows({"y": mixed}).arrays["y"], np.ndarray)  # splits index arrays


def test_known_lengths_rechunk_arrays_to_a_frame_and_chunk_memory_alike():
    frame = dd.from_pandas(pd.Series(Y, name="y"), npartitions=3)  # lengths unknown to Dask
    aligned = align_rows(
        {"X": da.from_array(Y, chunks=5), "y": frame, "w": Y * 2.0}, convertible=("w",)
    )
    assert aligned.lengths == [4, 4, 4]  # the frame's partitions (one pass found them)
    assert aligned.arrays["X"].chunks == ((4, 4, 4),)
    assert aligned.arrays["w"].chunks == ((4, 4, 4),)
    for block in _blocks(aligned):
        np.testing.assert_array_equal(block["X"], block["y"])
        np.testing.assert_array_equal(block["w"], 2.0 * block["y"])


def test_known_lengths_errors_name_the_inputs():
    lazy = da.from_array(Y, chunks=4)
    with pytest.raises(TypeError, match="cannot mix in-memory and Dask inputs: y is in memory"):
        align_rows({"X": lazy, "y": Y})
    with pytest.raises(ValueError, match="inconsistent numbers of samples: X=12, y=11"):
        align_rows({"X": lazy, "y": da.from_array(Y[:-1], chunks=4)})
    two = dd.from_pandas(pd.Series(Y), npartitions=2)
    three = dd.from_pandas(pd.Series(Y), npartitions=3)
    with pytest.raises(ValueError, match="b is partitioned differently from a"):
        align_rows({"a": two, "b": three})


def test_blockwise_pairing_computes_nothing():
    y_true = da.from_array(Y, chunks=4)
    with dask.config.set(scheduler=_no_compute):
        aligned = align_rows(
            {"y_true": y_true, "y_pred": da.from_array(Y, chunks=6), "w": Y},
            convertible=("y_pred", "w"),
            known_lengths=False,
        )
        assert aligned.lengths == [4, 4, 4]
        assert aligned.arrays["y_pred"].chunks == ((4, 4, 4),)
    assert all(np.array_equal(b["y_true"], b["y_pred"]) for b in _blocks(aligned))


def test_blockwise_pairing_errors():
    series = dd.from_pandas(pd.Series(Y), npartitions=2)
    with pytest.raises(ValueError, match="'w' is in memory while the other inputs"):
        align_rows({"y": series, "w": Y}, convertible=("w",), known_lengths=False)
    other = dd.from_pandas(pd.Series(Y), npartitions=3)
    aligned = align_rows({"y": series, "p": other}, known_lengths=False)
    with pytest.raises(ValueError, match="different numbers of row blocks .*y=2, p=3"):
        aligned.blocks()


@pytest.mark.parametrize(
    "make",
    [
        np.asarray,
        lambda a: pd.DataFrame(a, columns=["p", "q"], index=np.arange(len(a)) * 10),
        lambda a: da.from_array(a, chunks=2),
        lambda a: dd.from_pandas(pd.DataFrame(a, columns=["p", "q"]), npartitions=2),
        sp.csr_matrix,
    ],
    ids=["numpy", "pandas", "dask-array", "dask-frame", "sparse"],
)
def test_concat_rows_appends_in_the_input_kind(make):
    a, extra = make(Y[:6].reshape(3, 2)), make(Y[6:].reshape(3, 2))
    out = concat_rows(a, extra)
    assert type(out) is type(a)
    values = out.compute() if hasattr(out, "dask") else out
    values = values.toarray() if hasattr(values, "toarray") else np.asarray(values)
    np.testing.assert_array_equal(values, Y.reshape(6, 2))
    if isinstance(a, pd.DataFrame):  # index labels kept, appended rows after
        assert list(out.index) == [0, 10, 20, 0, 10, 20]


def _no_compute(*args, **kwargs):
    raise AssertionError("align_rows(known_lengths=False) must not compute")

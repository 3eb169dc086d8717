"""Exact value counts: block kernels, sorted-segment merge and the lazy fixed-order merge."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.data import as_table
from engine.kernels import distinct as dk
from engine.stats._distinct import (
    column_value_counts,
    labeled_value_counts_block,
    merge_labeled_value_counts,
)

# few distinct values -> many ties; NaN allowed
VALUES = arrays(
    np.float64,
    st.integers(0, 40),
    elements=st.sampled_from([-1.5, -0.0, 0.0, 0.25, 2.0, 7.0, np.nan]),
)


def _reference(values, labels, weights, n_labels):
    keep = ~np.isnan(values)
    uniq = np.unique(values[keep])
    counts = np.zeros((len(uniq), n_labels))
    np.add.at(counts, (np.searchsorted(uniq, values[keep]), labels[keep]), weights[keep])
    return uniq, counts


@given(VALUES, st.data())
def test_block_value_counts_matches_numpy(values, data):
    n = values.shape[0]
    labels = np.array(
        data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), dtype=np.int64
    )
    weights = np.array(
        data.draw(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=n, max_size=n))
    )
    v, c = dk.block_value_counts(values, labels, weights, 3)
    rv, rc = _reference(values, labels, weights, 3)
    np.testing.assert_array_equal(v, rv)
    np.testing.assert_array_equal(c, rc)


@given(VALUES, st.data())
def test_sorted_segments_equal_block_kernel(values, data):
    n = values.shape[0]
    labels = np.array(
        data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), dtype=np.int64
    )
    segments = [np.sort(values[labels == lab]) for lab in range(2)]
    offsets = np.array([0, len(segments[0]), n], np.int64)
    v, c = dk.sorted_segments_value_counts(np.concatenate(segments), offsets)
    rv, rc = dk.block_value_counts(values, labels, np.ones(n), 2)
    np.testing.assert_array_equal(v, rv)
    np.testing.assert_array_equal(c, rc)


@given(VALUES, st.integers(1, 5), st.integers(0, 40))
def test_merge_of_any_split_equals_whole(values, n_parts, seed):
    rng = np.random.default_rng(seed)
    n = values.shape[0]
    cuts = np.sort(rng.integers(0, n + 1, n_parts - 1)) if n_parts > 1 else np.array([], int)
    pieces = np.split(values, cuts)  # may contain empty blocks and one-row blocks
    ones = np.ones(n, np.int64)
    whole = dk.block_value_counts(values, np.zeros(n, np.int64), ones.astype(float), 1)
    acc = dk.block_value_counts(
        pieces[0], np.zeros(len(pieces[0]), np.int64), np.ones(len(pieces[0])), 1
    )
    for piece in pieces[1:]:
        part = dk.block_value_counts(piece, np.zeros(len(piece), np.int64), np.ones(len(piece)), 1)
        acc = dk.merge_value_counts(acc[0], acc[1], part[0], part[1])
    np.testing.assert_array_equal(acc[0], whole[0])
    np.testing.assert_array_equal(acc[1], whole[1])


def test_labeled_partials_merge_with_disjoint_labels():
    a = labeled_value_counts_block(np.array([0.1, 0.2]), np.array([0, 0]))
    b = labeled_value_counts_block(np.array([0.2, 0.3]), np.array([1, 1]))
    m = merge_labeled_value_counts(a, b)
    assert m.labels.tolist() == [0, 1]
    values, counts = m.columns[0]
    assert values.tolist() == [0.1, 0.2, 0.3]
    assert counts.tolist() == [[1, 0], [1, 1], [0, 1]]


def test_lazy_value_counts_identical_on_schedulers():
    rng = np.random.default_rng(0)
    x = np.round(rng.random(1000), 2)
    x[::17] = np.nan
    (eager,) = column_value_counts(as_table(x[:, None]))
    (lazy,) = column_value_counts(as_table(da.from_array(x[:, None], chunks=(137, 1))))
    for scheduler in ("sync", "threads"):
        with dask.config.set(scheduler=scheduler):
            (got,) = dask.compute(lazy)
        np.testing.assert_array_equal(got[0], eager[0])
        np.testing.assert_array_equal(got[1], eager[1])


@given(
    st.lists(
        st.tuples(st.sampled_from([0.1, 0.2, 0.5, 0.9]), st.integers(0, 1)), min_size=2, max_size=40
    )
)
def test_roc_area_equals_sklearn_with_ties(rows):
    from sklearn.metrics import roc_auc_score

    scores = np.array([r[0] for r in rows])
    labels = np.array([r[1] for r in rows], dtype=np.int64)
    v, c = dk.block_value_counts(scores, labels, np.ones(len(rows)), 2)
    area = dk.roc_area(np.ascontiguousarray(c[:, 1]), np.ascontiguousarray(c[:, 0]))
    if len(np.unique(labels)) < 2:
        assert np.isnan(area)
    else:
        assert area == pytest.approx(roc_auc_score(labels, scores), rel=1e-12)

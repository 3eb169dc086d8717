"""Classification metrics vs scikit-learn on NumPy, pandas and Dask (several chunkings)."""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm

import engine.metrics as em
from tests.conftest import ROW_CHUNKINGS
from tests.metrics._helpers import as_dask, assert_close


def _data(n=301, k=3, seed=0, strings=False):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, k, n)
    p = np.where(rng.random(n) < 0.6, t, rng.integers(0, k, n))
    w = rng.random(n)
    if strings:
        names = np.array(["ant", "bee", "cat", "dog"])[:k].astype(object)
        return names[t], names[p], w
    return t, p, w


CASES = [
    ("accuracy_score", {}),
    ("accuracy_score", {"normalize": False}),
    ("precision_score", {"average": "macro"}),
    ("precision_score", {"average": "micro"}),
    ("recall_score", {"average": "weighted"}),
    ("recall_score", {"average": None}),
    ("f1_score", {"average": "macro"}),
    ("f1_score", {"average": "weighted", "labels": [0, 2]}),
    ("fbeta_score", {"average": "macro", "beta": 0.5}),
    ("confusion_matrix", {}),
    ("confusion_matrix", {"labels": [2, 0, 1]}),
    ("confusion_matrix", {"normalize": "true"}),
    ("precision_recall_fscore_support", {"average": None}),
    ("precision_recall_fscore_support", {"average": "macro"}),
]


@pytest.mark.parametrize("name,kwargs", CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_numpy_and_dask_equal_sklearn(name, kwargs, weighted):
    t, p, w = _data()
    sw = w if weighted else None
    expected = getattr(skm, name)(t, p, sample_weight=sw, **kwargs)
    got = getattr(em, name)(t, p, sample_weight=sw, **kwargs)
    assert_close(got, expected)
    for n_blocks in ROW_CHUNKINGS:
        got = getattr(em, name)(
            as_dask(t, n_blocks),
            as_dask(p, n_blocks),
            sample_weight=as_dask(sw, n_blocks),
            **kwargs,
        )
        assert_close(got, expected)


def test_confusion_matrix_dtype_is_integer_without_weights():
    t, p, _ = _data()
    cm = em.confusion_matrix(as_dask(t, 3), as_dask(p, 3))
    assert cm.dtype.kind == "i"
    np.testing.assert_array_equal(cm, skm.confusion_matrix(t, p))


@pytest.mark.parametrize("pos_label", [1, 0])
def test_binary_with_pos_label_and_dask_series(pos_label):
    t, p, w = _data(k=2, seed=3)
    for func in ("precision_score", "recall_score", "f1_score"):
        expected = getattr(skm, func)(t, p, pos_label=pos_label)
        for n_blocks in ROW_CHUNKINGS:
            got = getattr(em, func)(
                as_dask(t, n_blocks, "series"), as_dask(p, n_blocks, "series"), pos_label=pos_label
            )
            assert got == pytest.approx(expected, rel=1e-12)


def test_string_labels_pandas_and_dask_series():
    t, p, w = _data(k=4, seed=5, strings=True)
    expected = skm.f1_score(t, p, average="macro", sample_weight=w)
    assert em.f1_score(
        pd.Series(t), pd.Series(p), average="macro", sample_weight=w
    ) == pytest.approx(expected, rel=1e-12)
    got = em.f1_score(
        as_dask(t, 3, "series"),
        as_dask(p, 3, "series"),
        average="macro",
        sample_weight=as_dask(w, 3, "series"),
    )
    assert got == pytest.approx(expected, rel=1e-12)


def test_labels_missing_from_some_blocks():
    # class 2 appears only in the last block: label discovery must merge per-block label sets
    t = np.array([0, 1, 0, 1, 0, 1, 2, 2, 2])
    p = np.array([0, 1, 1, 1, 0, 0, 2, 1, 2])
    expected = skm.confusion_matrix(t, p)
    np.testing.assert_array_equal(em.confusion_matrix(as_dask(t, 3), as_dask(p, 3)), expected)


def test_classification_report_text_and_dict():
    t, p, w = _data(seed=7)
    assert em.classification_report(t, p) == skm.classification_report(t, p)
    assert em.classification_report(
        as_dask(t, 7), as_dask(p, 7), digits=4
    ) == skm.classification_report(t, p, digits=4)
    got = em.classification_report(
        as_dask(t, 3), as_dask(p, 3), sample_weight=as_dask(w, 3), output_dict=True
    )
    assert_close(got, skm.classification_report(t, p, sample_weight=w, output_dict=True))


def test_multiclass_average_binary_raises_like_sklearn():
    t, p, _ = _data()
    with pytest.raises(ValueError, match="Target is multiclass"):
        em.precision_score(as_dask(t, 3), as_dask(p, 3))


def test_continuous_target_raises():
    with pytest.raises(ValueError, match="continuous"):
        em.accuracy_score([0.5, 1.0, 2.0], [0.5, 1.0, 2.0])


def test_nan_label_raises_naming_input():
    with pytest.raises(ValueError, match="y_pred contains NaN"):
        em.accuracy_score(
            as_dask(np.array([0.0, 1.0, 1.0]), 2), as_dask(np.array([0.0, np.nan, 1.0]), 2)
        )


def test_mismatched_lengths_and_empty_input():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        em.accuracy_score([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        em.accuracy_score(as_dask(np.arange(4) % 2, 2), as_dask(np.arange(5) % 2, 2))
    with pytest.raises(ValueError, match="empty"):
        em.accuracy_score([], [])


def test_one_compute_and_schedulers_bit_identical(cluster_client):
    t, p, w = _data(n=2000, seed=11)
    args = (as_dask(t, 7), as_dask(p, 7))
    kw = {"sample_weight": as_dask(w, 7), "average": None}
    ref = em.precision_recall_fscore_support(*args, **kw)
    with dask.config.set(scheduler="sync"):
        sync = em.precision_recall_fscore_support(*args, **kw)
    with dask.config.set(scheduler=cluster_client.get):
        dist = em.precision_recall_fscore_support(*args, **kw)
    for a, b, c in zip(ref, sync, dist, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_, np.float32, np.float64])
def test_confusion_matrix_dtype_follows_sample_weight_as_sklearn(dtype):
    t, p, _ = _data(seed=5)
    w = np.random.default_rng(0).integers(0, 3, len(t)).astype(dtype)
    expected = skm.confusion_matrix(t, p, sample_weight=w)
    for sw_t, sw_p, sw in [(t, p, w)] + [
        (as_dask(t, b), as_dask(p, b), as_dask(w, b)) for b in ROW_CHUNKINGS
    ]:
        got = em.confusion_matrix(sw_t, sw_p, sample_weight=sw)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


def test_integer_weights_add_exactly_and_wrap_as_sklearn():
    y = np.array([0, 1, 1])
    for weight in (np.full(3, 4294967295, dtype=np.uint32), np.full(3, 2**63 - 1, np.int64)):
        expected = skm.confusion_matrix(y, y, sample_weight=weight)
        got = em.confusion_matrix(as_dask(y, 3), as_dask(y, 3), sample_weight=as_dask(weight, 3))
        np.testing.assert_array_equal(got, expected)

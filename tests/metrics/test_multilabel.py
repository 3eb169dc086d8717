"""Multilabel-indicator targets vs scikit-learn on NumPy and Dask (several chunkings)."""

from __future__ import annotations

import warnings

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import UndefinedMetricWarning

import engine.metrics as em
from engine.metrics._classification import CONFUSION
from engine.metrics._partials import compute_partials
from tests.conftest import ROW_CHUNKINGS
from tests.metrics._helpers import as_dask, assert_close


def _data(n=203, n_labels=4, seed=0):
    rng = np.random.default_rng(seed)
    t = (rng.random((n, n_labels)) < [0.5, 0.3, 0.1, 0.0][:n_labels]).astype(np.int64)
    flip = rng.random((n, n_labels)) < 0.25
    p = np.where(flip, 1 - t, t)
    p[:7] = 0  # rows with no predicted label
    t[7:12] = 0  # rows with no true label
    score = np.clip(t * 0.4 + rng.random((n, n_labels)) * 0.6, 0, 1).round(2)  # ties
    return t, p, score, rng.random(n)


LABEL_CASES = [
    ("accuracy_score", {}),
    ("accuracy_score", {"normalize": False}),
    ("hamming_loss", {}),
    ("multilabel_confusion_matrix", {}),
    ("multilabel_confusion_matrix", {"labels": [3, 0]}),
    ("multilabel_confusion_matrix", {"samplewise": True}),
    ("multilabel_confusion_matrix", {"samplewise": True, "labels": [1, 2]}),
    ("precision_score", {"average": None}),
    ("precision_score", {"average": "micro"}),
    ("recall_score", {"average": "macro"}),
    ("recall_score", {"average": "weighted", "zero_division": 1.0}),
    ("f1_score", {"average": "samples"}),
    ("f1_score", {"average": "samples", "labels": [2, 0], "zero_division": np.nan}),
    ("fbeta_score", {"average": "samples", "beta": 2.0, "zero_division": 0.0}),
    ("fbeta_score", {"average": None, "beta": 0.5, "labels": [1, 3]}),
    ("precision_recall_fscore_support", {"average": None}),
    ("precision_recall_fscore_support", {"average": "samples"}),
    ("classification_report", {"output_dict": True}),
    ("classification_report", {"digits": 4}),
    ("classification_report", {"labels": [0, 2], "target_names": ["a", "c"]}),
]


def _call(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return func(*args, **kwargs)


def _same(got, expected):
    if isinstance(expected, str):  # a text report: the same layout, numbers to 1e-12
        assert got.split() == expected.split() or _same_numbers(got, expected)
    else:
        assert_close(got, expected)
        if isinstance(expected, np.ndarray):
            assert np.asarray(got).dtype == expected.dtype


def _same_numbers(got: str, expected: str) -> bool:
    a, b = got.split(), expected.split()
    assert len(a) == len(b) and len(got) <= len(expected) + 2
    for x, y in zip(a, b, strict=True):
        try:
            np.testing.assert_allclose(float(x), float(y), rtol=1e-12)
        except ValueError:
            assert x == y
    return True


@pytest.mark.parametrize("name,kwargs", LABEL_CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_label_metrics_equal_sklearn_numpy_and_dask(name, kwargs, weighted):
    t, p, _, w = _data()
    sw = w if weighted else None
    expected = _call(getattr(skm, name), t, p, sample_weight=sw, **kwargs)
    _same(_call(getattr(em, name), t, p, sample_weight=sw, **kwargs), expected)
    for n_blocks in ROW_CHUNKINGS:
        got = _call(
            getattr(em, name),
            as_dask(t, n_blocks),
            as_dask(p, n_blocks),
            sample_weight=as_dask(sw, n_blocks),
            **kwargs,
        )
        _same(got, expected)


def test_issue_example_subset_accuracy_and_per_label_precision():
    t, p = np.array([[0, 1, 1], [1, 0, 1]]), np.array([[0, 0, 1], [1, 0, 1]])
    assert em.accuracy_score(t, p) == skm.accuracy_score(t, p) == 0.5
    np.testing.assert_array_equal(em.precision_score(t, p, average=None), [1.0, 0.0, 1.0])


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted", "samples"])
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_auc_equals_sklearn(average, weighted):
    t, _, s, w = _data(n_labels=3)
    sw = w if weighted else None
    expected = skm.roc_auc_score(t, s, average=average, sample_weight=sw)
    assert_close(em.roc_auc_score(t, s, average=average, sample_weight=sw), expected)
    for n_blocks in ROW_CHUNKINGS:
        got = em.roc_auc_score(
            as_dask(t, n_blocks), as_dask(s, n_blocks), average=average, sample_weight=sw
        )
        assert_close(got, expected)


def test_roc_auc_undefined_label_and_rows_warn_and_give_nan_as_sklearn():
    t, _, s, _ = _data(n_labels=4)  # the last label is never true; rows 7-11 have no label
    for average in (None, "macro", "samples"):
        with pytest.warns(UndefinedMetricWarning, match="Only one class"):
            expected = skm.roc_auc_score(t, s, average=average)
        with pytest.warns(UndefinedMetricWarning, match="Only one class"):
            got = em.roc_auc_score(as_dask(t, 3), as_dask(s, 3), average=average)
        assert_close(got, expected)
    expected = skm.roc_auc_score(t, s, average="weighted")
    assert_close(em.roc_auc_score(t, s, average="weighted"), expected)


def test_roc_auc_partial_macro_and_clear_error_for_samples():
    t, _, s, _ = _data(n_labels=3)
    expected = skm.roc_auc_score(t, s, max_fpr=0.3)
    assert_close(em.roc_auc_score(as_dask(t, 3), as_dask(s, 3), max_fpr=0.3), expected)
    with pytest.raises(ValueError, match="max_fpr is not supported with average='samples'"):
        em.roc_auc_score(t, s, average="samples", max_fpr=0.3)


@pytest.mark.parametrize("weighted", [False, True])
def test_log_loss_equals_sklearn(weighted):
    t, _, s, w = _data(n_labels=3)
    sw = w if weighted else None
    with pytest.warns(UserWarning, match="do not sum to one"):
        expected = skm.log_loss(t, s, sample_weight=sw)
    inputs = [(t, s, sw)] + [(as_dask(t, b), as_dask(s, b), as_dask(sw, b)) for b in ROW_CHUNKINGS]
    for y_true, y_score, weights in inputs:
        with pytest.warns(UserWarning, match="do not sum to one"):
            got = em.log_loss(y_true, y_score, sample_weight=weights)
        assert_close(got, expected)


def test_dask_dataframe_targets_and_one_pass_evaluate(monkeypatch):
    t, p, s, _ = _data(n_labels=3)
    frames = [dd.from_pandas(pd.DataFrame(a), npartitions=4) for a in (t, p, s)]
    metrics = {
        "accuracy": {},
        "hamming_loss": {},
        "f1": {"average": "samples"},
        "precision": {"average": "samples", "labels": [0, 2]},
        "recall": {"average": None},
        "roc_auc": {"average": "micro"},
        "log_loss": {},
    }
    calls = []
    real = dask.compute
    monkeypatch.setattr(dask, "compute", lambda *a, **k: calls.append(1) or real(*a, **k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        got = em.evaluate(*frames, metrics=metrics)
        expected = {
            "accuracy": skm.accuracy_score(t, p),
            "hamming_loss": skm.hamming_loss(t, p),
            "f1": skm.f1_score(t, p, average="samples"),
            "precision": skm.precision_score(t, p, average="samples", labels=[0, 2]),
            "recall": skm.recall_score(t, p, average=None),
            "roc_auc": skm.roc_auc_score(t, s, average="micro"),
            "log_loss": skm.log_loss(t, s),
        }
    assert len(calls) == 1
    assert_close(got, expected)


def test_bit_identical_on_every_scheduler(cluster_client):
    t, p, s, w = _data(n_labels=3)
    args = (as_dask(t, 7), as_dask(p, 7), as_dask(s, 7))
    metrics = {"f1": {"average": "samples"}, "roc_auc": {"average": "samples"}, "hamming_loss": {}}
    results = []
    for scheduler in ("sync", "threads", cluster_client.get):
        with dask.config.set(scheduler=scheduler):
            results.append(em.evaluate(*args, metrics=metrics, sample_weight=as_dask(w, 7)))
    np.testing.assert_equal(results[0], results[1])  # NaN-aware, bit for bit
    np.testing.assert_equal(results[0], results[2])


@pytest.mark.parametrize(
    "func,kwargs,match",
    [
        (em.confusion_matrix, {}, "multilabel-indicator is not supported"),
        (em.precision_score, {}, "Target is multilabel-indicator but average='binary'"),
        (em.f1_score, {"average": "samples", "labels": [4]}, r"All labels must be in \[0, n"),
        (em.recall_score, {"average": None, "labels": [-1]}, r"All labels must be in \[0, n"),
    ],
)
def test_multilabel_errors_as_sklearn(func, kwargs, match):
    t, p, _, _ = _data(n_labels=3)
    with pytest.raises(ValueError, match=match):
        getattr(skm, func.__name__)(t, p, **kwargs)
    for y_true, y_pred in ((t, p), (as_dask(t, 3), as_dask(p, 3))):
        with pytest.raises(ValueError, match=match):
            func(y_true, y_pred, **kwargs)


def test_different_numbers_of_labels_raise():
    t, p, _, _ = _data(n_labels=3)
    with pytest.raises(ValueError, match="different numbers of labels"):
        em.accuracy_score(as_dask(t, 3), as_dask(p[:, :2], 3))


def test_zero_division_warnings_worded_as_sklearn():
    t = np.array([[1, 0], [1, 0], [0, 0]])
    p = np.array([[1, 0], [0, 0], [0, 0]])
    for average in ("samples", "macro", None):
        with warnings.catch_warnings(record=True) as theirs:
            warnings.simplefilter("always")
            skm.precision_recall_fscore_support(t, p, average=average)
        with warnings.catch_warnings(record=True) as ours:
            warnings.simplefilter("always")
            em.precision_recall_fscore_support(as_dask(t, 2), as_dask(p, 2), average=average)
        assert sorted(str(x.message) for x in ours) == sorted(str(x.message) for x in theirs)


indicators = st.integers(1, 30).flatmap(
    lambda n: st.integers(2, 4).flatmap(
        lambda k: st.tuples(
            arrays(np.int64, (n, k), elements=st.integers(0, 1)),
            arrays(np.int64, (n, k), elements=st.integers(0, 1)),
            arrays(np.float64, n, elements=st.sampled_from([0.0, 0.5, 1.0, 2.0])),
        )
    )
)


@settings(max_examples=30)
@given(
    data=indicators,
    n_blocks=st.integers(1, 4),
    average=st.sampled_from([None, "micro", "macro", "weighted", "samples"]),
    zero_division=st.sampled_from(["warn", 0.0, 1.0, np.nan]),
    weighted=st.booleans(),
)
def test_prfs_and_accuracy_equal_sklearn_on_random_indicators(
    data, n_blocks, average, zero_division, weighted
):
    t, p, w = data
    sw = w if weighted and w.sum() > 0 else None
    kwargs = {"average": average, "zero_division": zero_division, "sample_weight": sw}
    expected = _call(skm.precision_recall_fscore_support, t, p, **kwargs)
    kwargs["sample_weight"] = as_dask(sw, n_blocks)
    got = _call(
        em.precision_recall_fscore_support, as_dask(t, n_blocks), as_dask(p, n_blocks), **kwargs
    )
    assert_close(got, expected)
    assert_close(
        em.accuracy_score(t, p, sample_weight=sw), skm.accuracy_score(t, p, sample_weight=sw)
    )
    assert_close(em.hamming_loss(t, p, sample_weight=sw), skm.hamming_loss(t, p, sample_weight=sw))


def test_many_labels_keep_the_per_row_statistics_small():
    rng = np.random.default_rng(9)
    t = (rng.random((500, 300)) < 0.05).astype(np.int64)
    p = np.where(rng.random((500, 300)) < 0.03, 1 - t, t)
    parts = compute_partials(CONFUSION, as_dask(t, 3), as_dask(p, 3))
    assert parts.multilabel.per_row[None].rows.size <= 500  # observed combinations only
    for average in ("samples", "micro"):
        assert_close(em.f1_score(t, p, average=average), skm.f1_score(t, p, average=average))
    assert_close(em.accuracy_score(as_dask(t, 3), as_dask(p, 3)), skm.accuracy_score(t, p))

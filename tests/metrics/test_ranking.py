"""ROC AUC / ROC curve vs scikit-learn: exact on any chunking, ties included."""

from __future__ import annotations

import warnings

import dask
import numpy as np
import pytest
import sklearn.metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

import engine.metrics as em
from tests.conftest import ROW_CHUNKINGS
from tests.metrics._helpers import as_dask, assert_close


def _binary(n=500, seed=0, ties=True):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    s = rng.random(n) + 0.3 * t
    if ties:
        s = np.round(s, 1)  # many tied scores
    return t, s, rng.random(n)


def _multiclass(n=400, k=4, seed=1):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + np.eye(k)[t]
    logits = np.round(logits, 1)
    p = np.exp(logits)
    return t, p / p.sum(axis=1, keepdims=True), rng.random(n)


@pytest.mark.parametrize("ties", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_auc_equals_sklearn_on_chunkings(ties, weighted):
    t, s, w = _binary(ties=ties)
    sw = w if weighted else None
    expected = skm.roc_auc_score(t, s, sample_weight=sw)
    assert em.roc_auc_score(t, s, sample_weight=sw) == pytest.approx(expected, rel=1e-12)
    for n_blocks in ROW_CHUNKINGS:
        got = em.roc_auc_score(
            as_dask(t, n_blocks), as_dask(s, n_blocks), sample_weight=as_dask(sw, n_blocks)
        )
        assert got == pytest.approx(expected, rel=1e-12)


def test_binary_auc_partial_max_fpr_and_string_labels():
    t, s, _ = _binary(seed=4)
    expected = skm.roc_auc_score(t, s, max_fpr=0.3)
    assert em.roc_auc_score(as_dask(t, 3), as_dask(s, 3), max_fpr=0.3) == pytest.approx(
        expected, rel=1e-12
    )
    names = np.array(["no", "yes"], dtype=object)[t]
    assert em.roc_auc_score(as_dask(names, 3, "series"), as_dask(s, 3, "series")) == pytest.approx(
        skm.roc_auc_score(names, s), rel=1e-12
    )


def test_roc_curve_bit_identical_without_weights():
    t, s, _ = _binary(seed=2)
    expected = skm.roc_curve(t, s)
    for n_blocks in ROW_CHUNKINGS:
        got = em.roc_curve(as_dask(t, n_blocks), as_dask(s, n_blocks))
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)
    got = em.roc_curve(t, s, drop_intermediate=False)
    for a, b in zip(got, skm.roc_curve(t, s, drop_intermediate=False), strict=True):
        np.testing.assert_array_equal(a, b)


def test_roc_curve_pos_label_and_weights():
    t, s, w = _binary(seed=3)
    labels = np.where(t == 1, 5, 7)
    expected = skm.roc_curve(labels, s, pos_label=5, sample_weight=w)
    got = em.roc_curve(as_dask(labels, 7), as_dask(s, 7), pos_label=5, sample_weight=as_dask(w, 7))
    assert_close(got, expected)
    with pytest.raises(ValueError, match="pos_label is not specified"):
        em.roc_curve(labels, s)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"multi_class": "ovr", "average": "macro"},
        {"multi_class": "ovr", "average": "weighted"},
        {"multi_class": "ovr", "average": "micro"},
        {"multi_class": "ovr", "average": None},
        {"multi_class": "ovo", "average": "macro"},
        {"multi_class": "ovo", "average": "weighted"},
        {"multi_class": "ovr", "labels": [0, 1, 2, 3]},
    ],
)
def test_multiclass_auc_equals_sklearn(kwargs):
    t, p, w = _multiclass()
    expected = skm.roc_auc_score(t, p, **kwargs)
    assert_close(em.roc_auc_score(t, p, **kwargs), expected)
    for n_blocks in ROW_CHUNKINGS:
        assert_close(
            em.roc_auc_score(as_dask(t, n_blocks), as_dask(p, n_blocks), **kwargs), expected
        )
    if kwargs["multi_class"] == "ovr":
        expected = skm.roc_auc_score(t, p, sample_weight=w, **kwargs)
        got = em.roc_auc_score(as_dask(t, 3), as_dask(p, 3), sample_weight=as_dask(w, 3), **kwargs)
        assert_close(got, expected)


def test_multiclass_errors_like_sklearn():
    t, p, w = _multiclass()
    with pytest.raises(ValueError, match="multi_class must be in"):
        em.roc_auc_score(t, p)
    with pytest.raises(ValueError, match="sum up to 1.0"):
        em.roc_auc_score(as_dask(t, 3), as_dask(p * 2, 3), multi_class="ovr")
    with pytest.raises(ValueError, match="sample_weight is not supported"):
        em.roc_auc_score(t, p, multi_class="ovo", sample_weight=w)
    with pytest.raises(ValueError, match="Number of classes"):
        em.roc_auc_score(t, p[:, :3] / p[:, :3].sum(axis=1, keepdims=True), multi_class="ovr")


def test_single_class_warns_and_returns_nan_like_sklearn():
    with pytest.warns(UndefinedMetricWarning, match="Only one class"):
        assert np.isnan(skm.roc_auc_score([1, 1, 1], [0.2, 0.4, 0.9]))
    with pytest.warns(UndefinedMetricWarning, match="Only one class"):
        assert np.isnan(em.roc_auc_score(as_dask(np.ones(6), 3), as_dask(np.linspace(0, 1, 6), 3)))


def test_non_finite_scores_raise():
    with pytest.raises(ValueError, match="y_score contains NaN or infinity"):
        em.roc_auc_score([0, 1, 1], [0.1, np.nan, 0.3])


def test_auc_bit_identical_across_schedulers(cluster_client):
    t, s, w = _binary(n=3000, seed=9, ties=False)
    args = (as_dask(t, 7), as_dask(s, 7))
    kw = {"sample_weight": as_dask(w, 7)}
    ref = em.roc_auc_score(*args, **kw)
    with dask.config.set(scheduler="sync"):
        assert em.roc_auc_score(*args, **kw) == ref
    with dask.config.set(scheduler=cluster_client.get):
        assert em.roc_auc_score(*args, **kw) == ref


@pytest.mark.parametrize("multi_class", ["ovo", "ovr"])
@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_labels_with_a_class_absent_from_y_true(multi_class, average):
    """The issue's case: ovo with labels=[0, 1, 2] and class 1 never true (sklearn: 0.25)."""
    cases = [
        (
            np.array([0, 2, 0, 2]),
            np.array([[0.2, 0.1, 0.7], [0.6, 0.1, 0.3], [0.2, 0.3, 0.5], [0.5, 0.3, 0.2]]),
        ),
    ]
    t, p, _ = _multiclass(n=300, k=4, seed=4)
    keep = t != 2  # class 2 absent from y_true, present in labels and y_score
    cases.append((t[keep], p[keep]))
    for y_true, y_score in cases:
        labels = list(range(y_score.shape[1]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            expected = skm.roc_auc_score(
                y_true, y_score, multi_class=multi_class, labels=labels, average=average
            )
            for n_blocks in ROW_CHUNKINGS:
                got = em.roc_auc_score(
                    as_dask(y_true, n_blocks),
                    as_dask(y_score, n_blocks),
                    multi_class=multi_class,
                    labels=labels,
                    average=average,
                )
                np.testing.assert_allclose(got, expected, rtol=1e-12)
    toy = em.roc_auc_score(*cases[0], multi_class="ovo", labels=[0, 1, 2])
    assert toy == skm.roc_auc_score(*cases[0], multi_class="ovo", labels=[0, 1, 2])
    assert not np.isnan(toy)

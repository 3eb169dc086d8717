"""Every metric on every kind of target: scikit-learn's value, or scikit-learn's error type.

The audit pairs every classification metric of ``engine.metrics`` with targets
of every kind ``type_of_target`` names (binary with several label types,
multiclass, multilabel, continuous, multiclass- and continuous-multioutput,
and mixes of them) and checks, on NumPy and on Dask, that the engine returns
scikit-learn's number or raises the exception type scikit-learn raises --
never a number where scikit-learn refuses, never a different number.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn.metrics as skm

import engine.metrics as em
from tests.metrics._helpers import as_dask, assert_close

N = 40
_rng = np.random.default_rng(7)
_bits = _rng.integers(0, 2, (N, 3))
TARGETS = {
    "binary01": _bits[:, 0],
    "binary_str": np.array(["No", "Yes"], dtype=object)[_bits[:, 0]],
    "binary_bool": _bits[:, 0].astype(bool),
    "binary_pm1": np.where(_bits[:, 0] == 1, 1, -1),
    "multiclass": _rng.integers(0, 3, N),
    "multiclass_float": _rng.integers(0, 3, N).astype(float),
    "multilabel": _bits,
    "continuous": _rng.random(N),
    "multiclass_multioutput": _rng.integers(0, 3, (N, 2)),
    "continuous_multioutput": _rng.random((N, 2)),
}
PREDICTIONS = {
    "binary01": 1 - _bits[:, 0] * (_rng.random(N) < 0.3),
    "binary_str": np.array(["No", "Yes"], dtype=object)[_rng.integers(0, 2, N)],
    "binary_bool": _rng.random(N) < 0.5,
    "binary_pm1": np.where(_rng.random(N) < 0.5, 1, -1),
    "multiclass": _rng.integers(0, 3, N),
    "multiclass_float": _rng.integers(0, 3, N).astype(float),
    "multilabel": np.where(_rng.random((N, 3)) < 0.2, 1 - _bits, _bits),
    "continuous": _rng.random(N),
    "multiclass_multioutput": _rng.integers(0, 3, (N, 2)),
    "continuous_multioutput": _rng.random((N, 2)),
}
LABEL_METRICS = {
    "accuracy_score": {},
    "confusion_matrix": {},
    "multilabel_confusion_matrix": {},
    "hamming_loss": {},
    "precision_score": {"average": "macro"},
    "recall_score": {"average": "micro"},
    "f1_score": {"average": "weighted"},
    "fbeta_score": {"beta": 0.5, "average": "macro"},
    "f1_score ": {"average": "samples"},
    "precision_recall_fscore_support": {},
    "classification_report": {"output_dict": True},
}
BINARY = ["binary01", "binary_str", "binary_bool", "binary_pm1"]
PAIRS = [(kind, kind) for kind in TARGETS]
PAIRS += [(t, p) for t in BINARY for p in BINARY if t != p]
PAIRS += [
    ("binary01", "multiclass"),
    ("multiclass", "binary01"),
    ("multiclass_float", "multiclass"),
    ("binary_str", "multiclass"),
    ("binary01", "continuous"),
    ("continuous", "binary01"),
    ("multiclass", "continuous"),
    ("binary01", "multilabel"),
    ("multilabel", "binary01"),
    ("multilabel", "multiclass_multioutput"),
    ("multiclass_multioutput", "multilabel"),
    ("multilabel", "continuous_multioutput"),
    ("multiclass_multioutput", "multiclass"),
]


def _outcome(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "value", func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the exception type is what is compared
            return "error", type(exc)


def _assert_same(ours, theirs):
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "error":
        assert issubclass(ours[1], theirs[1]) or issubclass(theirs[1], ours[1]), (ours, theirs)
    else:
        assert_close(ours[1], theirs[1])


@pytest.mark.parametrize("name", list(LABEL_METRICS))
@pytest.mark.parametrize("true_kind,pred_kind", sorted(set(PAIRS)))
def test_label_metric_value_or_error_as_sklearn(name, true_kind, pred_kind):
    kwargs = LABEL_METRICS[name]
    name = name.strip()
    t, p = TARGETS[true_kind], PREDICTIONS[pred_kind]
    expected = _outcome(getattr(skm, name), t, p, **kwargs)
    _assert_same(_outcome(getattr(em, name), t, p, **kwargs), expected)
    _assert_same(_outcome(getattr(em, name), as_dask(t, 3), as_dask(p, 3), **kwargs), expected)


SCORE_TARGETS = ["binary01", "binary_str", "binary_bool", "binary_pm1", "multiclass"]
SCORE_TARGETS += ["multilabel", "continuous", "multiclass_multioutput", "continuous_multioutput"]
_proba3 = _rng.dirichlet(np.ones(3), N)
SCORES = {"1d": _rng.random(N), "2col": _proba3[:, :2] / _proba3[:, :2].sum(1, keepdims=True)}
SCORES["3col"] = _proba3


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("roc_auc_score", {}),
        ("roc_auc_score", {"multi_class": "ovr"}),
        ("roc_auc_score", {"average": "micro", "multi_class": "ovr"}),
        ("roc_auc_score", {"average": "samples"}),
        ("log_loss", {}),
        ("roc_curve", {}),
    ],
)
@pytest.mark.parametrize("true_kind", SCORE_TARGETS)
@pytest.mark.parametrize("score_kind", sorted(SCORES))
def test_score_metric_value_or_error_as_sklearn(name, kwargs, true_kind, score_kind):
    t, s = TARGETS[true_kind], SCORES[score_kind]
    expected = _outcome(getattr(skm, name), t, s, **kwargs)
    if true_kind == "multilabel" and score_kind == "2col" and name == "roc_auc_score":
        # scikit-learn scores the first two labels only and ignores the third; the
        # engine refuses scores that do not have one column per label
        expected = ("error", ValueError)
    _assert_same(_outcome(getattr(em, name), t, s, **kwargs), expected)
    _assert_same(_outcome(getattr(em, name), as_dask(t, 3), as_dask(s, 3), **kwargs), expected)


@pytest.mark.parametrize("dtype", ["boolean", "Int64", "string", "category"])
def test_pandas_extension_targets_accepted_as_sklearn(dtype):
    values = {"boolean": [True, False], "Int64": [1, 0], "string": ["b", "a"]}
    values["category"] = ["b", "a"]
    choices = np.asarray(values[dtype], dtype=object)
    t = pd.Series(choices[_bits[:, 0]], dtype=dtype)
    p = pd.Series(choices[_bits[:, 1]], dtype=dtype)
    for name in ("accuracy_score", "confusion_matrix", "hamming_loss"):
        expected = getattr(skm, name)(t, p)
        for y_true, y_pred in ((t, p), (as_dask(t, 3, "series"), as_dask(p, 3, "series"))):
            if hasattr(y_true, "npartitions"):  # keep the extension dtype in every partition
                y_true, y_pred = y_true.astype(dtype), y_pred.astype(dtype)
            got = getattr(em, name)(y_true, y_pred)
            assert_close(got, expected)
            assert np.asarray(got).dtype == np.asarray(expected).dtype


@pytest.mark.parametrize("labels", [[b"a", b"b"], np.array([b"a", b"b"])])
def test_bytes_labels_raise_type_error_as_sklearn(labels):
    y = np.asarray(labels)[_bits[:, 0]]
    for func in (em.accuracy_score, em.f1_score, em.confusion_matrix):
        with pytest.raises(TypeError, match="represented as bytes"):
            func(y, y)
    with pytest.raises(TypeError, match="represented as bytes"):
        em.roc_curve(y, SCORES["1d"])
    with pytest.raises(TypeError, match="represented as bytes"):
        em.accuracy_score(as_dask(y, 3), as_dask(y, 3))


def test_string_and_number_labels_raise_as_sklearn():
    strings = TARGETS["binary_str"]
    with pytest.raises(ValueError, match="Mix of label input types"):
        skm.accuracy_score(strings, TARGETS["binary01"])
    for y_true, y_pred in (
        (strings, TARGETS["binary01"]),
        (as_dask(strings, 3), as_dask(TARGETS["binary01"], 3)),
    ):
        with pytest.raises(ValueError, match="Mix of label input types"):
            em.accuracy_score(y_true, y_pred)
    mixed = np.array(["a", 1] * 5, dtype=object)
    with pytest.raises(TypeError):
        skm.accuracy_score(mixed, mixed)
    with pytest.raises(TypeError):
        em.accuracy_score(mixed, mixed)


REGRESSION = ["mean_squared_error", "root_mean_squared_error", "mean_absolute_error"]
REGRESSION += ["r2_score", "explained_variance_score"]


@pytest.mark.parametrize("name", REGRESSION)
@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_regression_metric_value_or_error_as_sklearn(name, kind):
    t, p = TARGETS[kind], PREDICTIONS[kind]
    expected = _outcome(getattr(skm, name), t, p)
    _assert_same(_outcome(getattr(em, name), t, p), expected)
    _assert_same(_outcome(getattr(em, name), as_dask(t, 3), as_dask(p, 3)), expected)


@pytest.mark.parametrize(
    "dtype,rtol", [(np.float64, 1e-12), (np.float32, 1e-6), (np.float16, 1e-3)]
)
def test_log_loss_clips_with_the_eps_of_the_probability_dtype(dtype, rtol):
    """scikit-learn clips at its dtype's eps (and computes in that precision; we use float64)."""
    y_true = np.array([0, 1, 1, 0], dtype=dtype)
    y_proba = np.array([1, 0, 0.7, 0.2], dtype=dtype)
    expected = skm.log_loss(y_true, y_proba)
    for y_t, y_p in ((y_true, y_proba), (as_dask(y_true, 2), as_dask(y_proba, 2))):
        np.testing.assert_allclose(em.log_loss(y_t, y_p), expected, rtol=rtol)

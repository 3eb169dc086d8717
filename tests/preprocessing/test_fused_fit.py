"""A median SimpleImputer and the quantile step after it, fitted by the Pipeline from one selection.

The reference is the same estimators fitted one after the other (the imputer
on ``X``, the step on the imputer's output): every fitted attribute and the
pipeline's output must have the same bits, on NumPy, pandas and Dask input.
"""

from __future__ import annotations

import warnings

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import engine.preprocessing as ep
from tests._passes import measured_passes
from tests.conftest import ROW_CHUNKINGS

STEPS = {
    "outliers": lambda: ep.OutlierHandler(method="iqr", action="clip"),
    "robust": lambda: ep.RobustScaler(),
    "robust-range": lambda: ep.RobustScaler(quantile_range=(10.0, 95.0), with_centering=False),
}
ATTRIBUTES = ("statistics_", "lower_", "upper_", "center_", "scale_", "n_features_in_")


def _data(n: int = 400, seed: int = 0, empty: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.standard_normal(n),
            np.round(rng.uniform(0, 8, n)),  # ties
            np.where(rng.random(n) < 0.3, -0.0, rng.standard_cauchy(n)),
        ]
    )
    X[rng.random(X.shape) < 0.15] = np.nan
    X[: n // 2, 1] = np.nan  # half missing: the median fills half the column
    return np.column_stack([X, np.full(n, np.nan)]) if empty else X


def _same_bits(a, b) -> bool:
    if a is None or b is None:
        return a is b
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind != "f":
        return np.array_equal(a, b)
    return a.shape == b.shape and np.array_equal(a.view(np.uint8), b.view(np.uint8))


def _computed(X):
    X = X.compute(scheduler="sync") if hasattr(X, "dask") else X
    return np.asarray(X)


def _one_after_the_other(imputer, step, X):
    imputer = clone(imputer).fit(X)
    return imputer, clone(step).fit(imputer.transform(X))


def _assert_fitted_alike(pipe, X) -> None:
    """The pipeline's fitted pair has the attributes of the pair fitted one after the other."""
    imputer, step = pipe.steps[0][1], pipe.steps[1][1]
    ref_imputer, ref_step = _one_after_the_other(imputer, step, X)
    for ours, theirs in ((imputer, ref_imputer), (step, ref_step)):
        for name in ATTRIBUTES:
            if hasattr(theirs, name):
                assert _same_bits(getattr(ours, name), getattr(theirs, name)), name
        names = getattr(theirs, "feature_names_in_", None)
        assert names is None or list(ours.feature_names_in_) == list(names)
    reference = ep.make_pipeline(ref_imputer, ref_step, *[s for _, s in pipe.steps[2:]])
    assert _same_bits(_computed(pipe.transform(X)), _computed(reference[:2].transform(X)))


def _kinds(X: np.ndarray, n_blocks: int):
    frame = pd.DataFrame(X, columns=[f"c{j}" for j in range(X.shape[1])])
    chunks = (max(1, -(-len(X) // n_blocks)), -1)
    return {
        "numpy": X,
        "pandas": frame,
        "dask": da.from_array(X, chunks=chunks),
        "dask-frame": dd.from_pandas(frame, npartitions=n_blocks),
    }


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
@pytest.mark.parametrize("step", sorted(STEPS))
@pytest.mark.parametrize(
    ("imputer", "n_blocks"),
    [
        *[({}, n_blocks) for n_blocks in ROW_CHUNKINGS],
        ({"keep_empty_features": True}, 3),
        ({"missing_values": 2.0}, 3),
    ],
    ids=[f"nan-{n}-blocks" for n in ROW_CHUNKINGS] + ["keep-empty", "marker"],
)
def test_fused_pair_fits_the_bits_of_one_after_the_other(imputer, n_blocks, step):
    X = _data(empty=True)
    for kind, source in _kinds(X, n_blocks).items():
        if kind in ("numpy", "pandas") and n_blocks != 3:
            continue
        pipe = ep.make_pipeline(
            ep.SimpleImputer(strategy="median", **imputer), STEPS[step](), persist=False
        )
        with dask.config.set(scheduler="sync"):
            pipe.fit(source)
            _assert_fitted_alike(pipe, source)
        assert pipe.fit_passes_[pipe.steps[1][0]] == 0, kind


def test_float32_input_fills_the_rounded_median():
    X = _data().astype(np.float32)
    pipe = ep.make_pipeline(ep.SimpleImputer(strategy="median"), ep.RobustScaler()).fit(X)
    assert pipe.transform(X).dtype == np.float32
    _assert_fitted_alike(pipe, X)


def test_all_nan_column_warns_and_is_dropped_as_before():
    X = _data(empty=True)
    pipe = ep.make_pipeline(ep.SimpleImputer(strategy="median"), ep.OutlierHandler())
    with pytest.warns(UserWarning, match="Skipping features without any observed values"):
        pipe.fit(X)
    assert pipe.steps[1][1].n_features_in_ == 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_fitted_alike(pipe, X)


@pytest.mark.parametrize("kind", ["numpy", "dask"])
def test_inf_is_rejected_naming_the_column_as_before(kind):
    X = _data()
    X[5, 1] = -np.inf
    source = X if kind == "numpy" else da.from_array(X, chunks=(100, -1))
    pipe = ep.make_pipeline(ep.SimpleImputer(strategy="median"), ep.OutlierHandler())
    with pytest.raises(ValueError, match="infinity in column 'x1'"):
        pipe.fit(source)


def test_three_step_pipeline_reads_an_unpersisted_source_twice_to_fit():
    X = np.random.default_rng(1).standard_normal((40_000, 4))
    X[np.random.default_rng(2).random(X.shape) < 0.01] = np.nan
    source = da.from_array(X, chunks=(10_000, -1))

    def steps():
        return [ep.SimpleImputer(strategy="median"), ep.OutlierHandler(), ep.StandardScaler()]

    fused = ep.make_pipeline(*steps(), persist=False)
    assert measured_passes(lambda: fused.fit(source), source) == 2
    one_by_one = ep.make_pipeline(*steps(), persist=False, memory=_NoCache())
    assert measured_passes(lambda: one_by_one.fit(source), source) == 3
    out = measured_passes(lambda: fused.transform(source).compute(), source)
    assert out == 1
    assert _same_bits(fused.transform(X), one_by_one.transform(X))


class _NoCache:
    """A ``memory`` that caches nothing: the pipeline then fits its steps one after the other."""

    location = None

    def cache(self, func, **_):
        return func


def test_imputers_fitted_by_scikit_learn_fall_back_to_one_after_the_other():
    """A text ``fill_value`` sends the imputer to scikit-learn's reference fit: no fusion."""
    X = _data()
    pipe = ep.make_pipeline(
        ep.SimpleImputer(strategy="median", fill_value="none"), ep.RobustScaler()
    )
    pipe.fit(X)
    assert pipe.steps[0][1]._reference is not None
    _assert_fitted_alike(pipe, X)

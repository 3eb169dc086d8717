"""array_transform: an engine step's kernel on NumPy blocks, checks done once, transform's bits."""

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer as SkSimpleImputer
from sklearn.preprocessing import StandardScaler as SkStandardScaler

import engine.preprocessing as ep

STEPS = [
    ep.StandardScaler(),
    ep.MinMaxScaler(feature_range=(-1, 2), clip=True),
    ep.MaxAbsScaler(),
    ep.RobustScaler(),
    ep.SimpleImputer(strategy="median"),
    ep.SimpleImputer(strategy="constant", fill_value=-7.0, add_indicator=True),
    ep.PolynomialFeatures(degree=2),
]


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(5)
    data = pd.DataFrame(
        {"a": rng.normal(3, 2, 300), "b": rng.lognormal(0, 1, 300), "c": rng.integers(0, 9, 300)}
    )
    data.loc[::7, "a"] = np.nan
    return data.astype({"c": np.int64})


@pytest.mark.parametrize("step", STEPS, ids=lambda s: type(s).__name__)
def test_array_transform_has_the_bits_of_transform_on_the_frame(frame, step):
    train = frame if isinstance(step, ep.SimpleImputer) else frame.fillna(0.0)
    fitted = step.fit(train)
    expected = np.asarray(fitted.transform(train))
    got = fitted.array_transform(list(train.columns))(train.to_numpy(dtype=np.float64))
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected, strict=True)
    np.testing.assert_array_equal(got[:1], expected[:1])  # one row, as a request


def test_array_transform_equals_scikit_learn(frame):
    X = frame.to_numpy(dtype=np.float64)
    imputer = ep.SimpleImputer(strategy="median").fit(frame)
    imputed = imputer.array_transform(list(frame.columns))(X)
    np.testing.assert_allclose(
        imputed, SkSimpleImputer(strategy="median").fit_transform(X), rtol=1e-12
    )
    scaled = ep.StandardScaler().fit(imputed).array_transform(["x0", "x1", "x2"])(imputed)
    reference = SkStandardScaler().fit_transform(imputed)  # unit scale: atol for values near 0
    np.testing.assert_allclose(scaled, reference, rtol=1e-12, atol=1e-13)


def test_array_transform_refuses_other_columns_and_coding_steps(frame):
    scaler = ep.StandardScaler().fit(frame.fillna(0.0))
    with pytest.raises(ValueError, match=r"columns \['b', 'a', 'c'\] are not the fitted columns"):
        scaler.array_transform(["b", "a", "c"])
    encoder = ep.OneHotEncoder().fit(pd.DataFrame({"k": ["x", "y"]}))
    with pytest.raises(TypeError, match="OneHotEncoder has no array transform"):
        encoder.array_transform(["k"])
    with pytest.raises(TypeError, match="MissingDropper has no array transform"):
        ep.MissingDropper(axis="rows").fit(frame).array_transform(list(frame.columns))

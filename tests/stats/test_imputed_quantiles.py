"""Quantiles of a median-imputed column from the raw column's selection: numpy's bits."""

from __future__ import annotations

import warnings

import dask
import dask.array as da
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.data import as_table
from engine.stats import _quantile_rounds as R
from engine.stats import quantile
from engine.stats._imputed_quantiles import MedianImputedSpec, imputed_quantiles
from engine.stats._quantile import selection
from engine.stats._quantile_plan import check_q
from engine.stats.internal import median_and_imputed_quantiles
from tests.conftest import ROW_CHUNKINGS

ELEMENTS = st.one_of(
    st.floats(-1e300, 1e300),
    st.sampled_from([np.nan, np.nan, 0.0, -0.0, 1.0, 1.0, 2.5, -7.0]),
)
LEVELS = st.one_of(st.floats(0, 1), st.lists(st.floats(0, 1), min_size=1, max_size=5))


def _zero_signs(x: np.ndarray) -> tuple[bool, bool]:
    zeros = x == 0
    return bool((zeros & np.signbit(x)).any()), bool((zeros & ~np.signbit(x)).any())


def assert_numpy_bits(result, imputed: np.ndarray, q) -> None:
    """numpy's quantiles of the imputed column, bit for bit (``==`` when it mixes zero signs).

    With both zeros numpy's result depends on its partition's order, not on the values.
    """
    expected = np.asarray(np.quantile(imputed, q, axis=0), dtype=np.float64)
    result = np.asarray(result, dtype=np.float64)
    assert result.shape == expected.shape
    signs = np.array([_zero_signs(column) for column in imputed.T], dtype=bool).reshape(-1, 2)
    exact = np.broadcast_to(~(signs[:, 0] & signs[:, 1]), expected.shape)
    assert np.array_equal(result[exact].view(np.uint64), expected[exact].view(np.uint64))
    np.testing.assert_array_equal(result[~exact], expected[~exact])


@given(arrays(np.float64, st.integers(1, 60), elements=ELEMENTS), LEVELS)
def test_derivation_is_numpy_on_the_imputed_column(x, q):
    """``T[i] = min(max(S[i - k], m), S[i])`` and numpy's lerp: numpy.nanquantile's bits."""
    values = np.sort(x[~np.isnan(x)])
    if not len(values):
        return
    median = float(np.nanquantile(x, 0.5))
    imputed = np.where(np.isnan(x), median, x)
    result = imputed_quantiles(
        check_q(q), values.__getitem__, len(values), len(x), median, _zero_signs(values)
    )
    assert_numpy_bits(np.asarray(result)[..., None], imputed[:, None], q)


def _lazy(X: np.ndarray, n_blocks: int) -> da.Array:
    return da.from_array(X, chunks=(max(1, -(-len(X) // n_blocks)), X.shape[1]))


def _both(X, q, fill_dtype="float64"):
    moments, both = median_and_imputed_quantiles(as_table(X), q, fill_dtype)
    return dask.compute(both, scheduler="sync")[0] if hasattr(both, "dask") else both


def _check(X: np.ndarray, q, fill_dtype="float64", n_blocks=None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: numpy's warning
        median, quantiles = _both(X if n_blocks is None else _lazy(X, n_blocks), q, fill_dtype)
        expected_median = quantile(X, 0.5)
    assert np.array_equal(median.view(np.uint64), expected_median.view(np.uint64), equal_nan=True)
    fill = median.astype(fill_dtype).astype(np.float64)
    kept = ~np.isnan(median)
    imputed = np.where(np.isnan(X), fill, X)[:, kept] + 0.0  # as SimpleImputer writes it
    assert np.isnan(quantiles[..., ~kept]).all()
    assert_numpy_bits(quantiles[..., kept], imputed, q)


def _table(n: int, nan_share: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.standard_normal(n),
            np.round(rng.uniform(0, 20, n)),  # ties
            np.where(rng.random(n) < 0.5, -0.0, rng.standard_exponential(n)),  # -0.0 only
            rng.standard_cauchy(n),
        ]
    )
    X[rng.random(X.shape) < nan_share] = np.nan
    return X


def _small_samples(mp) -> None:
    """Samples of a few dozen rows, so windows miss and the later rounds find the ranks."""
    mp.setattr(R, "FIRST_SAMPLE_MIN", 16)
    mp.setattr(R, "FIRST_SAMPLE_MAX", 64)
    mp.setattr(R, "RETRY_SAMPLE_ROWS", 48)
    mp.setattr(R, "RETRY_SAMPLE_MIN", 4)
    mp.setattr(R, "GATHER_ALL", 8)


@given(
    n=st.integers(1, 300),
    nan_share=st.sampled_from([0.0, 0.01, 0.3, 0.7, 1.0]),
    q=LEVELS,
    n_blocks=st.sampled_from([None, *ROW_CHUNKINGS]),
    small=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_one_selection_gives_the_median_and_the_imputed_quantiles(
    n, nan_share, q, n_blocks, small, seed
):
    X = _table(n, nan_share, seed)
    with pytest.MonkeyPatch.context() as mp:
        if small:
            _small_samples(mp)
        _check(X, q, n_blocks=n_blocks)


@pytest.mark.parametrize("n_blocks", [None, *ROW_CHUNKINGS])
def test_typical_data_in_one_pass_and_float32_fill(n_blocks):
    """20 % NaN: the windows placed from the sample's missing share hold every rank."""
    X = _table(20_000, 0.2, 0)
    _check(X, [0.25, 0.75], n_blocks=n_blocks)
    _check(X.astype(np.float32).astype(np.float64), [0.25, 0.5, 0.75], "float32", n_blocks)
    source = X if n_blocks is None else _lazy(X, n_blocks)
    final = selection(as_table(source), MedianImputedSpec(np.array([0.25, 0.75]), False))
    final = final.compute(scheduler="sync") if n_blocks is not None else final
    assert final.cost.passes == 1

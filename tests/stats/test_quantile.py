"""engine.stats.quantile: bit-equal to numpy.nanquantile on every input kind and shape, lazy.

Besides the input kinds, the real column shapes of the quantile benchmark (offset
and scaled, lognormal, integers with heavy ties, half zeros, bimodal, outliers,
sorted, NaN) in one pass on NumPy input, and every round of the selection
forced by shrinking its samples.
"""

from __future__ import annotations

import warnings

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import engine.preprocessing as ep
from engine.data._adapters import as_table
from engine.kernels import selection as sk
from engine.stats import _quantile as Q
from engine.stats import _quantile_rounds as R
from engine.stats import _quantile_windows as W
from engine.stats import column_quantiles, profile, quantile
from engine.stats._quantile_plan import check_q
from tests.conftest import ROW_CHUNKINGS

QS = [0.25, 0.5, [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0], 0, 1, [0.3333], np.float32(0.7)]


def _data(n=3000, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.standard_normal(n),
            rng.standard_exponential(n) * 1e6,
            np.round(rng.uniform(0, 20, n)),  # integer valued, duplicates
            np.full(n, 3.25),  # constant
            1.0 + rng.random(n) * 1e-13,  # packed within a few ulps
            rng.standard_cauchy(n),  # heavy tails
        ]
    )
    X[rng.random(X.shape) < 0.05] = np.nan
    X[:4, 1] = np.inf
    X[4:6, 5] = -np.inf
    return X


def _mixed_zero_columns(X: np.ndarray) -> np.ndarray:
    zeros = X == 0
    return (zeros & np.signbit(X)).any(axis=0) & (zeros & ~np.signbit(X)).any(axis=0)


def assert_bits_equal(result, X, q):
    """Bit equality with numpy; ``==`` only for columns mixing -0.0 and +0.0 (see docs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.asarray(np.nanquantile(X, q, axis=0), dtype=np.float64)
    result = np.asarray(result, dtype=np.float64)
    assert result.shape == expected.shape
    mixed = _mixed_zero_columns(X)
    exact = np.broadcast_to(~mixed, expected.shape)
    assert np.array_equal(result[exact].view(np.uint64), expected[exact].view(np.uint64))
    np.testing.assert_array_equal(result[~exact], expected[~exact])


def _dask(X: np.ndarray, n_blocks: int) -> da.Array:
    return da.from_array(X, chunks=(max(1, -(-len(X) // n_blocks)), X.shape[1]))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("q", QS, ids=str)
def test_numpy_input_bit_equal(q):
    X = _data()
    assert_bits_equal(quantile(X, q), X, q)
    assert_bits_equal(quantile(np.asfortranarray(X), q), X, q)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
@pytest.mark.parametrize("q", [0.5, [0.0, 0.25, 0.5, 0.75, 1.0]], ids=str)
def test_dask_kinds_bit_equal_any_chunking(n_blocks, q):
    X = _data(1001)
    names = [f"c{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=names)
    lazy_array = quantile(_dask(X, n_blocks), q)
    lazy_frame = quantile(dd.from_pandas(frame, npartitions=n_blocks), q)
    lazy_xr = quantile(xr.DataArray(_dask(X, n_blocks), dims=("row", "col")), q)
    assert isinstance(lazy_array, da.Array)
    assert isinstance(lazy_frame, dd.Series if np.ndim(q) == 0 else dd.DataFrame)
    assert isinstance(lazy_xr.data, da.Array)
    (frame_out,) = dask.compute(lazy_frame)
    array_out, xr_out = dask.compute(lazy_array, lazy_xr)
    assert_bits_equal(array_out, X, q)
    assert_bits_equal(frame_out.to_numpy(), X, q)
    assert_bits_equal(xr_out.values, X, q)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_pandas_and_xarray_labels():
    X = _data(200)
    frame = pd.DataFrame(X, columns=list("abcdef"))
    out = quantile(frame, [0.25, 0.75])
    assert list(out.columns) == list("abcdef") and list(out.index) == [0.25, 0.75]
    assert_bits_equal(out.to_numpy(), X, [0.25, 0.75])
    series = quantile(frame, 0.5)
    assert isinstance(series, pd.Series) and list(series.index) == list("abcdef")
    pd.testing.assert_series_equal(series, frame.quantile(0.5))
    arr = xr.DataArray(X, dims=("row", "feature"), coords={"feature": list("abcdef")})
    out = quantile(arr, [0.5])
    assert out.dims == ("quantile", "feature") and list(out.feature.values) == list("abcdef")


def test_empty_blocks_and_one_row():
    X = _data(40)
    chunks = ((0, 13, 0, 0, 27, 0), (X.shape[1],))
    lazy = da.from_array(X, chunks=chunks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert_bits_equal(quantile(lazy, [0.1, 0.5]).compute(), X, [0.1, 0.5])
        one = X[7:8]
        assert_bits_equal(quantile(one, [0.0, 0.5, 1.0]), one, [0.0, 0.5, 1.0])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 60), st.integers(1, 3)),
        elements=st.one_of(
            st.floats(-1e300, 1e300),
            st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0, 1.0, 2.5, -7.0]),
            st.sampled_from([0.0, -0.0]),
        ),
    ),
    st.lists(st.floats(0, 1), min_size=1, max_size=5),
    st.integers(1, 4),
)
def test_hypothesis_bit_equal(X, q, n_blocks):
    assert_bits_equal(quantile(X, q), X, q)
    assert_bits_equal(dask.compute(quantile(_dask(X, n_blocks), q), scheduler="sync")[0], X, q)


def test_single_sign_zeros_keep_their_sign():
    X = np.array([[-0.0, 0.0], [-0.0, 0.0], [1.0, 1.0], [-1.0, 2.0]])
    for q in [0.0, 0.25, 0.4, 0.5, 0]:
        assert_bits_equal(quantile(X, q), X, q)


def test_all_nan_column_warns_and_gives_nan():
    X = np.array([[1.0, np.nan], [2.0, np.nan], [np.nan, np.nan]])
    with pytest.warns(RuntimeWarning, match="All-NaN slice"):
        out = quantile(X, [0.5])
    assert out[0, 0] == 1.5 and np.isnan(out[0, 1])
    lazy = quantile(da.from_array(X, chunks=2), 0.5)
    with pytest.warns(RuntimeWarning, match="All-NaN slice"):
        out = lazy.compute(scheduler="sync")
    assert np.isnan(out[1])


def test_lazy_until_asked():
    calls = []

    def load(block):
        calls.append(1)
        return block

    X = _data(300)
    lazy = _dask(X, 3).map_blocks(load, dtype=np.float64, meta=np.empty((0, 0)))
    result = quantile(lazy, [0.5])
    assert calls == [] and dask.is_dask_collection(result)
    delayed = column_quantiles(as_table(lazy), 0.5)
    assert calls == [] and dask.is_dask_collection(delayed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result.compute(scheduler="sync")
    assert calls


def test_bad_input():
    X = _data(20)
    with pytest.raises(ValueError, match="range"):
        quantile(X, 1.5)
    with pytest.raises(ValueError, match="range"):
        quantile(X, [0.5, np.nan])
    with pytest.raises(ValueError, match="1-D"):
        quantile(X, [[0.5]])
    with pytest.raises(TypeError, match="q must be"):
        quantile(X, "median")
    with pytest.raises(ValueError, match="0 sample"):
        quantile(np.empty((0, 3)), 0.5)
    with pytest.raises(TypeError, match="'name'"):
        quantile(pd.DataFrame({"x": [1.0, 2.0], "name": ["a", "b"]}), 0.5)


def test_schedulers_bit_identical(cluster_client):
    X = _data(2000, seed=5)
    lazy = quantile(_dask(X, 7), [0.1, 0.25, 0.5, 0.75, 0.9])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sync = lazy.compute(scheduler="sync")
        threads = lazy.compute(scheduler="threads")
        distributed = cluster_client.compute(lazy).result()
    assert np.array_equal(sync.view(np.uint64), threads.view(np.uint64))
    assert np.array_equal(sync.view(np.uint64), distributed.view(np.uint64))
    assert_bits_equal(distributed, X, [0.1, 0.25, 0.5, 0.75, 0.9])


def test_dask_percentile_is_approximate_where_ours_is_exact():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=20_000)
    lazy = da.from_array(x, chunks=100)  # 200 chunks
    approx = da.percentile(lazy, [25, 50, 75]).compute()
    exact = np.nanquantile(x, [0.25, 0.5, 0.75])
    ours = quantile(lazy, [0.25, 0.5, 0.75]).compute()[:, 0]
    assert np.array_equal(ours, exact)
    assert not np.array_equal(approx, exact)
    assert np.max(np.abs(approx - exact)) > 1e-6


# ------------------------------------------------------------ real column shapes

QUARTILES = [0.25, 0.5, 0.75]
SHAPES = [
    "normal",
    "offset",
    "lognormal",
    "ages",
    "counts",
    "half_zeros",
    "bimodal",
    "outliers",
    "sorted",
    "mixed_zeros",
    "constant",
    "infinities",
]


def shape_column(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """One column of a real shape (the quantile benchmark's, smaller)."""
    z = rng.standard_normal(n)
    if name == "normal":
        return z
    if name == "offset":
        return 1000 + 100 * z
    if name == "lognormal":
        return np.exp(10.5 + 0.8 * z)
    if name == "ages":
        return rng.integers(18, 91, n).astype(np.float64)
    if name == "counts":
        return np.minimum(rng.poisson(8, n), 50).astype(np.float64)
    if name == "half_zeros":
        return np.where(rng.random(n) < 0.5, 0.0, rng.exponential(50.0, n))
    if name == "bimodal":
        return np.where(rng.random(n) < 0.6, 40 + 5 * z, 70 + 8 * z)
    if name == "outliers":
        return np.where(rng.random(n) < 0.001, 50.0, 1.0) * (100 + 15 * z)
    if name == "sorted":
        return 1.7e9 + np.cumsum(rng.exponential(3.0, n))
    if name == "constant":
        return np.full(n, 42.5)
    if name == "infinities":
        return np.where(rng.random(n) < 0.02, np.sign(z) * np.inf, 1000 + 100 * z)
    return np.where(rng.random(n) < 0.3, np.where(rng.random(n) < 0.5, -0.0, 0.0), z)


def shape_table(name: str, n: int, n_columns: int = 2, nan_share=0.01, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.column_stack([shape_column(name, n, rng) for _ in range(n_columns)])
    X[rng.random(X.shape) < nan_share] = np.nan
    return X


def _cost(X, q, n_blocks=None):
    source = X if n_blocks is None else _dask(X, n_blocks)
    final = Q.selection(as_table(source), check_q(q))
    return final.compute(scheduler="sync") if n_blocks is not None else final


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's too: inf - inf at q = 0
@pytest.mark.parametrize("name", SHAPES)
def test_real_shapes_bit_equal_in_one_pass(name):
    """Sampled (40,000 rows is above the first sample), exact, one pass over NumPy input."""
    X = shape_table(name, 40_000)
    final = _cost(X, QUARTILES)
    assert final.cost.passes == 1
    assert final.cost.sample_rows < len(X)
    assert_bits_equal(R.result(final), X, QUARTILES)
    assert_bits_equal(quantile(X, [0.0, 0.01, 0.5, 0.99, 1.0]), X, [0.0, 0.01, 0.5, 0.99, 1.0])


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
@pytest.mark.parametrize("name", SHAPES)
def test_real_shapes_on_dask_at_most_two_passes(name, n_blocks):
    """The Dask sample reads a few blocks: ordered data may miss once (two passes), never more."""
    X = shape_table(name, 40_000)
    final = _cost(X, QUARTILES, n_blocks)
    assert_bits_equal(R.result(final), X, QUARTILES)
    assert final.cost.passes == 1 or (name == "sorted" and final.cost.passes == 2)


def test_integer_ties_are_counted_not_gathered():
    X = shape_table("ages", 40_000, nan_share=0.0)
    final = _cost(X, QUARTILES)
    assert final.cost.passes == 1 and final.cost.gathered_keys == 0


def _small_samples(mp, *, z=W.Z, gather_all=R.GATHER_ALL):
    """Samples of a few dozen rows (so windows miss), optionally narrower windows."""
    mp.setattr(R, "FIRST_SAMPLE_MIN", 16)
    mp.setattr(R, "FIRST_SAMPLE_MAX", 64)
    mp.setattr(R, "RETRY_SAMPLE_ROWS", 48)
    mp.setattr(R, "RETRY_SAMPLE_MIN", 4)
    mp.setattr(R, "GATHER_ALL", gather_all)
    mp.setattr(W, "Z", z)


def _missing_windows(column, keys, fractions, a, b, population):
    """Adversarial placement: one count-only window at the interval's first key (misses)."""
    return [W.Window(column, a, a, False, 1.0)] if len(keys) else []


def _budget(mp, keys: float) -> None:
    """Every selection may expect to gather ``keys`` keys per pass."""
    mp.setattr(Q, "gather_budget", lambda n_values, *, resident: keys)


@pytest.mark.parametrize(
    ("gather_all", "passes"),
    [(0, 3), (10**9, 2)],
    ids=["miss-twice-then-gather", "miss-then-gather"],
)
@pytest.mark.parametrize("name", ["offset", "ages", "half_zeros", "mixed_zeros"])
def test_every_round_stays_exact(name, gather_all, passes):
    """Windows that miss on purpose: round 1 (or round 2) still finds every rank exactly."""
    X = shape_table(name, 3000, n_columns=3)
    q = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(R, "place_windows", _missing_windows)
        mp.setattr(R, "GATHER_ALL", gather_all)
        final = _cost(X, q)
        lazy = _cost(X, q, 3)
    assert final.cost.passes == passes and lazy.cost.passes == passes
    assert_bits_equal(R.result(final), X, q)
    assert_bits_equal(R.result(lazy), X, q)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@given(
    name=st.sampled_from(SHAPES),
    n=st.integers(1, 400),
    n_columns=st.integers(1, 3),
    nan_share=st.sampled_from([0.0, 0.01, 0.3, 1.0]),
    q=st.lists(st.floats(0, 1), min_size=1, max_size=5),
    n_blocks=st.integers(1, 5),
    z=st.sampled_from([0.0, 1.0, W.Z]),
    budget=st.sampled_from([0, R.GATHER_BUDGET]),
    seed=st.integers(0, 2**16),
)
def test_hypothesis_shapes_any_round_any_chunking(
    name, n, n_columns, nan_share, q, n_blocks, z, budget, seed
):
    """Real shapes, tiny samples (misses on purpose), NaN, ties, zeros, histogram windows (no
    gather budget): numpy's bits."""
    X = shape_table(name, n, n_columns, nan_share, seed)
    with pytest.MonkeyPatch.context() as mp:
        _small_samples(mp, z=z, gather_all=8)
        _budget(mp, budget)
        eager = quantile(X, q)
        lazy = dask.compute(quantile(_dask(X, n_blocks), q), scheduler="sync")[0]
    assert_bits_equal(eager, X, q)
    assert_bits_equal(lazy, X, q)


def test_overflowing_window_is_searched_again():
    """A window holding far more than expected keeps nothing; its ranks take round 1."""
    X = np.sort(shape_table("offset", 40_000, nan_share=0.0), axis=0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(R, "CAPACITY_FACTOR", 1)
        mp.setattr(R, "CAPACITY_PAD", 0)
        final = _cost(X, QUARTILES, 7)
    assert final.cost.overflows > 0 and final.cost.passes == 2
    assert_bits_equal(R.result(final), X, QUARTILES)


def test_sample_misses_cost_passes_not_bits():
    """A sample of the first block only on sorted data: exact, and the miss shows in the cost."""
    X = np.sort(shape_table("normal", 50_000, nan_share=0.0), axis=0)
    lazy = _dask(X, 10)
    assert Q._sample_picks(10) != list(range(10))
    final = Q.selection(as_table(lazy), check_q(QUARTILES)).compute(scheduler="sync")
    assert final.cost.passes == 2 and final.cost.retry_sample_rows > 0
    assert_bits_equal(R.result(final), X, QUARTILES)


@pytest.mark.parametrize("n_blocks", [None, 3])
def test_gather_budget_makes_histogram_windows(n_blocks):
    """Over the budget, windows count sub-ranges instead of keeping keys: one more pass, exact,
    and the keys gathered are those of one sub-range per rank, not of whole windows."""
    X = shape_table("offset", 40_000, n_columns=3)
    free = _cost(X, QUARTILES, n_blocks)
    with pytest.MonkeyPatch.context() as mp:
        _budget(mp, free.cost.gathered_keys // 4)
        bounded = _cost(X, QUARTILES, n_blocks)
    assert free.cost.passes == 1 and free.cost.histograms == 0
    assert bounded.cost.passes == 2 and bounded.cost.histograms > 0
    assert bounded.cost.gathered_keys < free.cost.gathered_keys / 4
    assert_bits_equal(R.result(bounded), X, QUARTILES)


def test_histogram_sub_range_of_a_rank():
    """The rank's sub-range, its count and the rank's position inside it."""
    window = W.Window(0, 1000, 1000 + 3 * 2**sk.HIST_BITS - 1, True, 10.0, histogram=True)
    counts = np.zeros(2**sk.HIST_BITS, dtype=np.int64)
    counts[[5, 9]] = [4, 6]
    assert window.shift == 2
    assert R._in_sub_range(window, counts, 3) == (1000 + 20, 1000 + 23, 4, 3)
    assert R._in_sub_range(window, counts, 4) == (1000 + 36, 1000 + 39, 6, 0)


def test_gather_budget_follows_what_memory_already_holds():
    """32 MB, or an eighth of a resident array, or one Dask block's values."""
    assert R.gather_budget(1e6, resident=True) == R.GATHER_BUDGET
    assert R.gather_budget(160e6, resident=True) == 20e6
    assert R.gather_budget(16e6, resident=False) == 16e6
    assert R.gather_budget(float("nan"), resident=False) == R.GATHER_BUDGET


@pytest.mark.parametrize(
    "fit",
    [
        lambda X: ep.RobustScaler().fit(X),
        lambda X: ep.OutlierHandler(method="iqr").fit(X),
        lambda X: ep.SimpleImputer(strategy="median").fit(X),
        profile,
    ],
    ids=["RobustScaler", "OutlierHandler-iqr", "SimpleImputer-median", "profile"],
)
def test_quantile_based_fits_select_in_one_pass(fit):
    """The fits built on the selection inherit its single pass on real-shaped columns."""
    X = shape_table("offset", 40_000, n_columns=3)
    passes = []

    def counted(parts, sel):
        passes.append(sel.round)
        return pass_(parts, sel)

    pass_ = Q._pass
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Q, "_pass", counted)
        fit(X)
    assert passes == [0]

"""drift_report against scipy / Evidently's recipe, on NumPy, pandas and Dask inputs."""

from __future__ import annotations

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.drift import DriftReport, drift_report
from tests.conftest import ROW_CHUNKINGS
from tests.drift.drift_oracle import evidently_auto, reference_test

RTOL = 1e-9


def _blocks(x: np.ndarray, n_blocks: int) -> da.Array:
    size = max(1, -(-x.shape[0] // n_blocks))
    return da.from_array(x, chunks=(size,) + x.shape[1:])


def _assert_close(got: float, want: float) -> None:
    if np.isnan(want):
        assert np.isnan(got)
    else:
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=0)


def _numeric_data(n_ref: int, n_cur: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    ref = np.column_stack(
        [rng.normal(size=n_ref), np.round(rng.normal(size=n_ref), 1), rng.exponential(size=n_ref)]
    )
    cur = np.column_stack(
        [
            rng.normal(0.2, size=n_cur),
            np.round(rng.normal(size=n_cur), 1),
            rng.exponential(1.3, size=n_cur),
        ]
    )
    ref[::17, 0] = np.nan
    cur[::13, 2] = np.inf
    return ref, cur


@pytest.mark.parametrize("method", ["ks", "wasserstein", "psi", "jensenshannon"])
@pytest.mark.parametrize("sizes", [(300, 200), (4000, 3000), (12000, 9000)])
def test_numeric_methods_match_reference(method, sizes):
    ref, cur = _numeric_data(*sizes)
    report = drift_report(ref, cur, method=method)
    assert isinstance(report, DriftReport)
    for j, row in report.columns.iterrows():
        stat, p = reference_test(ref[:, j], cur[:, j], method)
        assert row["method"] == method
        _assert_close(row["statistic"], stat)
        _assert_close(row["p_value"], p)
        thr = 0.05 if method == "ks" else 0.1
        assert row["threshold"] == thr
        assert row["drifted"] == (p < thr if method == "ks" else stat >= thr)


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
@pytest.mark.parametrize("method", ["ks", "wasserstein", "psi"])
def test_dask_array_bit_identical_to_numpy(n_blocks, method):
    ref, cur = _numeric_data(2500, 1700, seed=1)
    eager = drift_report(ref, cur, method=method).columns
    lazy = drift_report(_blocks(ref, n_blocks), _blocks(cur, 8 - n_blocks), method=method).columns
    pd.testing.assert_frame_equal(lazy, eager, check_exact=True)


def test_dask_computes_once_per_report():
    ref, cur = _numeric_data(500, 400)
    calls = []

    def count(*args, **kwargs):
        calls.append(1)
        return dask.get(*args, **kwargs)

    with dask.config.set(scheduler=count):
        drift_report(_blocks(ref, 3), _blocks(cur, 2), method="ks")
    assert len(calls) == 1


@pytest.mark.cluster
def test_distributed_scheduler_bit_identical(cluster_client):
    ref, cur = _numeric_data(3000, 2000, seed=2)
    frame_ref = pd.DataFrame(ref, columns=["a", "b", "c"]).assign(
        g=np.where(ref[:, 1] > 0, "p", "n")
    )
    frame_cur = pd.DataFrame(cur, columns=["a", "b", "c"]).assign(
        g=np.where(cur[:, 1] > 0.3, "p", "n")
    )
    local = drift_report(
        dd.from_pandas(frame_ref, npartitions=3), dd.from_pandas(frame_cur, npartitions=7)
    ).columns
    with dask.config.set(scheduler=cluster_client):
        remote = drift_report(
            dd.from_pandas(frame_ref, npartitions=3), dd.from_pandas(frame_cur, npartitions=7)
        ).columns
    pd.testing.assert_frame_equal(remote, local, check_exact=True)
    eager = drift_report(frame_ref, frame_cur).columns
    pd.testing.assert_frame_equal(remote, eager, check_exact=True)


def _mixed_frames(n_ref: int, n_cur: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame(
        {
            "num": rng.normal(size=n_ref),
            "obj": rng.choice(["a", "b", "c", None], n_ref, p=[0.5, 0.3, 0.15, 0.05]),
            "cat": pd.Categorical(
                rng.choice(["u", "v", "w"], n_ref), categories=["u", "v", "w", "z"]
            ),
            "flag": rng.random(n_ref) < 0.3,
            "code": rng.integers(0, 4, n_ref),
        }
    )
    cur = pd.DataFrame(
        {
            "num": rng.normal(0.1, size=n_cur),
            "obj": rng.choice(["a", "b", "c", "d"], n_cur, p=[0.4, 0.3, 0.2, 0.1]),
            "cat": pd.Categorical(rng.choice(["u", "v", "w"], n_cur, p=[0.5, 0.3, 0.2])),
            "flag": rng.random(n_cur) < 0.4,
            "code": rng.integers(0, 3, n_cur),
        }
    )
    ref["str"] = ref["obj"].astype("string")
    cur["str"] = cur["obj"].astype("string")
    return ref, cur


@pytest.mark.parametrize("sizes", [(600, 400), (3000, 2000)])
def test_categorical_columns_and_auto_choice(sizes):
    ref, cur = _mixed_frames(*sizes)
    report = drift_report(ref, cur, categorical=["code"])
    kinds = dict(zip(report.columns["column"], report.columns["kind"], strict=True))
    assert kinds == {
        "num": "numerical",
        "obj": "categorical",
        "cat": "categorical",
        "flag": "categorical",
        "code": "categorical",
        "str": "categorical",
    }
    for _, row in report.columns.iterrows():
        numerical = row["kind"] == "numerical"
        col = row["column"]
        assert row["method"] == evidently_auto(ref[col], cur[col], numerical)
        stat, p = reference_test(ref[col], cur[col], row["method"], numerical)
        _assert_close(row["statistic"], stat)
        _assert_close(row["p_value"], p)


@pytest.mark.parametrize("method", ["psi", "jensenshannon", "chisquare"])
@pytest.mark.parametrize("n_parts", ROW_CHUNKINGS)
def test_categorical_dask_dataframe(method, n_parts):
    ref, cur = _mixed_frames(900, 700, seed=3)
    cols = ["obj", "cat", "flag", "str", "code"]
    eager = drift_report(ref[cols], cur[cols], method=method, categorical=["code"]).columns
    lazy = drift_report(
        dd.from_pandas(ref[cols], npartitions=n_parts),
        dd.from_pandas(cur[cols], npartitions=2),
        method=method,
        categorical=["code"],
    ).columns
    pd.testing.assert_frame_equal(lazy, eager, check_exact=True)
    for _, row in eager.iterrows():
        stat, p = reference_test(ref[row["column"]], cur[row["column"]], method, False)
        _assert_close(row["statistic"], stat)
        _assert_close(row["p_value"], p)


def test_auto_method_selection_rules():
    rng = np.random.default_rng(5)
    small_cont = drift_report(rng.normal(size=1000), rng.normal(size=50)).columns
    large_cont = drift_report(rng.normal(size=1001), rng.normal(size=50)).columns
    few_small = drift_report(rng.integers(0, 5, 800), rng.integers(0, 5, 900)).columns
    binary_small = drift_report(rng.integers(0, 2, 800), rng.integers(0, 2, 900)).columns
    few_large = drift_report(rng.integers(0, 5, 1800), rng.integers(0, 5, 900)).columns
    six_large = drift_report(rng.integers(0, 6, 1800), rng.integers(0, 6, 900)).columns
    cat_large = drift_report(
        pd.Series(rng.choice(list("ab"), 2000)), pd.Series(rng.choice(list("ab"), 10))
    ).columns
    assert small_cont["method"][0] == "ks"
    assert large_cont["method"][0] == "wasserstein"
    assert few_small["method"][0] == "chisquare"
    assert binary_small["method"][0] == "z"
    assert few_large["method"][0] == "jensenshannon"
    assert six_large["method"][0] == "wasserstein"
    assert cat_large["method"][0] == "jensenshannon"
    assert (small_cont["kind"][0], few_small["kind"][0]) == ("numerical", "numerical")


def test_thresholds_and_dataset_share():
    ref, cur = _numeric_data(800, 800, seed=4)
    default = drift_report(ref, cur, method="ks").columns
    p = default["p_value"].to_numpy()
    for thr in (float(p.min()), float(np.median(p)) + 1e-12, 1.0):
        report = drift_report(ref, cur, method="ks", threshold=thr)
        np.testing.assert_array_equal(report.columns["drifted"], p < thr)
        assert report.columns["threshold"].eq(thr).all()
        share = float(np.mean(p < thr))
        assert report.share_drifted == share
        assert report.drifted == (share >= 0.5)
    per_col = drift_report(ref, cur, method={"x0": "psi"}, threshold={"x0": 0.0})
    row = per_col.columns.iloc[0]
    assert (row["method"], row["threshold"], bool(row["drifted"])) == ("psi", 0.0, True)
    strict = drift_report(ref, cur, method="ks", threshold=1.0, drift_share=1.0)
    assert strict.drifted and strict.share_drifted == 1.0
    assert "columns drifted" in repr(strict) and "<table" in strict._repr_html_()
    assert strict.to_frame() is not strict.columns


def test_column_selection_and_names():
    ref, cur = _numeric_data(300, 300)
    report = drift_report(ref, cur, column_names=["a", "b", "c"], columns=["c", "a"])
    assert report.columns["column"].tolist() == ["c", "a"]
    frame_ref = pd.DataFrame(ref, columns=["a", "b", "c"])
    frame_cur = pd.DataFrame(cur, columns=["a", "b", "c"])[["c", "b", "a"]]
    by_name = drift_report(frame_ref, frame_cur)
    assert by_name.columns["column"].tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(
        by_name.columns["statistic"], drift_report(ref, cur).columns["statistic"]
    )


finite = st.floats(-1e3, 1e3, allow_nan=False, width=64)
special = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0])
values = st.one_of(finite, special, st.integers(-3, 3).map(float))


@given(
    arrays(np.float64, st.integers(1, 40), elements=values),
    arrays(np.float64, st.integers(1, 40), elements=values),
    st.integers(1, 5),
    st.sampled_from(["ks", "wasserstein", "psi", "jensenshannon", "chisquare"]),
)
def test_edge_cases_match_reference(ref, cur, n_blocks, method):
    ref_ok = np.isfinite(ref).any()
    cur_ok = np.isfinite(cur).any()
    if not (ref_ok and cur_ok):
        with pytest.raises(ValueError, match="no non-missing values"):
            drift_report(ref, cur, method=method)
        return
    report = drift_report(ref, cur, method=method).columns
    stat, p = reference_test(ref, cur, method)
    _assert_close(report["statistic"][0], stat)
    _assert_close(report["p_value"][0], p)
    lazy = drift_report(_blocks(ref, n_blocks), _blocks(cur, 6 - n_blocks), method=method).columns
    pd.testing.assert_frame_equal(lazy, report, check_exact=True)


def test_constant_and_single_row_columns():
    ref = np.array([[1.0, 5.0]])
    cur = np.array([[1.0, 5.0], [1.0, 6.0]])
    for method in ("ks", "wasserstein", "psi", "jensenshannon", "chisquare", "z"):
        report = drift_report(ref, cur, method=method).columns
        for j in range(2):
            stat, p = reference_test(ref[:, j], cur[:, j], method)
            _assert_close(report["statistic"][j], stat)
            _assert_close(report["p_value"][j], p)


def test_bad_input():
    ref = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    with pytest.raises(ValueError, match=r"only in reference \['b'\], only in current \['c'\]"):
        drift_report(ref, ref.rename(columns={"b": "c"}))
    with pytest.raises(ValueError, match=r"columns \['z'\] are not in the reference"):
        drift_report(ref, ref, columns=["a", "z"])
    with pytest.raises(ValueError, match="reference data is empty"):
        drift_report(ref.iloc[:0], ref)
    with pytest.raises(ValueError, match="current data is empty"):
        drift_report(np.ones((3, 2)), np.ones((0, 2)))
    with pytest.raises(ValueError, match="only in reference"):
        drift_report(np.ones((3, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="numerical columns only, and column 'b'"):
        drift_report(ref, ref, method="ks")
    with pytest.raises(ValueError, match="'method' parameter"):
        drift_report(ref, ref, method="kolmogorov")
    with pytest.raises(ValueError, match="'threshold' parameter"):
        drift_report(ref, ref, threshold=-1.0)
    with pytest.raises(ValueError, match="column 'a' has no non-missing values in the current"):
        drift_report(ref, ref.assign(a=[np.nan, np.inf]))
    with pytest.raises(ValueError, match="column 'b' is non-numeric in the reference"):
        drift_report(ref, ref.assign(b=[1.0, 2.0]))
    with pytest.raises(TypeError, match="column 't' has a datetime dtype"):
        t = ref.assign(t=pd.to_datetime(["2020-01-01", "2020-01-02"]))
        drift_report(t, t)
    with pytest.raises(ValueError, match=r"categorical names columns \['q'\]"):
        drift_report(ref, ref, categorical=["q"])
    with pytest.raises(ValueError, match=r"threshold names columns \['q'\]"):
        drift_report(ref, ref, threshold={"q": 0.1})
    with pytest.raises(ValueError, match="column_names has 1 names"):
        drift_report(np.ones((3, 2)), np.ones((3, 2)), column_names=["a"])


@pytest.mark.parametrize("decimals", [None, 1])  # all-distinct values / heavy ties
def test_many_blocks_wide_merge_tree(decimals):
    rng = np.random.default_rng(7)
    ref = rng.normal(size=(3400, 2))
    cur = rng.normal(0.05, size=(2100, 2))
    if decimals is not None:
        ref, cur = np.round(ref, decimals), np.round(cur, decimals)
    eager = drift_report(ref, cur, method="ks").columns
    lazy = drift_report(
        da.from_array(ref, chunks=(50, 2)), da.from_array(cur, chunks=(30, 2)), method="ks"
    ).columns  # 68 and 70 blocks: two merge levels
    pd.testing.assert_frame_equal(lazy, eager, check_exact=True)
    for j in range(2):
        stat, p = reference_test(ref[:, j], cur[:, j], "ks")
        _assert_close(eager["statistic"][j], stat)
        _assert_close(eager["p_value"][j], p)


def test_column_subsets_of_lazy_inputs_and_xarray():
    xr = pytest.importorskip("xarray")
    ref, cur = _mixed_frames(700, 500, seed=8)
    cols = ["code", "obj"]
    eager = drift_report(ref, cur, columns=cols).columns
    lazy = drift_report(
        dd.from_pandas(ref, npartitions=3), dd.from_pandas(cur, npartitions=2), columns=cols
    ).columns
    pd.testing.assert_frame_equal(lazy, eager, check_exact=True)
    x_ref, x_cur = _numeric_data(400, 300)
    names = ["a", "b", "c"]
    want = drift_report(x_ref, x_cur, column_names=names, columns=["c", "a"]).columns
    got = drift_report(
        _blocks(x_ref, 3), _blocks(x_cur, 2), column_names=names, columns=["c", "a"]
    ).columns
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    as_xr = [xr.DataArray(a, dims=("row", "col"), coords={"col": names}) for a in (x_ref, x_cur)]
    in_xr = drift_report(*as_xr, columns=["c", "a"]).columns
    pd.testing.assert_frame_equal(in_xr, want, check_exact=True)
    lazy_xr = [a.chunk({"row": 100}) for a in as_xr]
    pd.testing.assert_frame_equal(
        drift_report(*lazy_xr, columns=["c", "a"]).columns, want, check_exact=True
    )

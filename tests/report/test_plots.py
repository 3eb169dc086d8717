"""Every plot writes a real PNG and draws exactly the reference library's numbers."""

from __future__ import annotations

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve

from engine.drift import drift_report
from engine.inspection import permutation_importance
from engine.report.plots import (
    plot_confusion_matrix,
    plot_drift_histograms,
    plot_fairness,
    plot_permutation_importance,
    plot_roc_curve,
    save_png,
)
from tests.conftest import ROW_CHUNKINGS
from tests.report._png import assert_real_png

N = 240


@pytest.fixture(scope="module")
def labels():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 2, size=N)
    y_score = np.clip(0.35 * y_true + rng.uniform(0, 0.7, size=N), 0, 1).round(2)  # ties
    y_pred = (y_score > 0.45).astype(int)
    groups = rng.choice(["a", "b", "c"], size=N, p=[0.5, 0.3, 0.2])
    y_pred[groups == "c"] = (rng.uniform(size=(groups == "c").sum()) < 0.2).astype(int)
    weights = rng.uniform(0.5, 2.0, size=N)
    return y_true, y_score, y_pred, groups, weights


def _chunk(n_blocks: int) -> int:
    return -(-N // n_blocks)


# --- ROC ---------------------------------------------------------------------------------


def test_roc_curve_png_and_points(labels, tmp_path):
    y_true, y_score, *_ = labels
    fig = plot_roc_curve(y_true, y_score)
    assert_real_png(save_png(fig, tmp_path / "roc.png"), fig)
    fpr, tpr, _ = roc_curve(y_true, y_score)
    curve = fig.axes[0].lines[0]
    np.testing.assert_array_equal(curve.get_xdata(), fpr)
    np.testing.assert_array_equal(curve.get_ydata(), tpr)
    assert f"AUC = {roc_auc_score(y_true, y_score):.3f}" in curve.get_label()


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_roc_curve_dask_weighted(labels, n_blocks):
    y_true, y_score, *_, weights = labels
    c = _chunk(n_blocks)
    fig = plot_roc_curve(
        da.from_array(y_true, chunks=c),
        da.from_array(y_score, chunks=c),
        sample_weight=da.from_array(weights, chunks=c),
    )
    fpr, tpr, _ = roc_curve(y_true, y_score, sample_weight=weights)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_xdata(), fpr, rtol=1e-12)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), tpr, rtol=1e-12)


def test_roc_curve_into_given_axes_and_pos_label(labels):
    from matplotlib.figure import Figure

    y_true, y_score, *_ = labels
    names = np.where(y_true == 1, "yes", "no")
    host = Figure()
    ax = host.add_subplot(1, 1, 1)
    assert plot_roc_curve(names, y_score, pos_label="yes", ax=ax, name="model") is host
    fpr, _, _ = roc_curve(names, y_score, pos_label="yes")
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), fpr)
    assert ax.lines[0].get_label().startswith("model")


# --- confusion matrix ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs", [{}, {"normalize": "true"}, {"labels": [1, 0]}, {"normalize": "all"}]
)
def test_confusion_matrix_png_and_cells(labels, tmp_path, kwargs):
    y_true, _, y_pred, *_ = labels
    fig = plot_confusion_matrix(y_true, y_pred, **kwargs)
    assert_real_png(save_png(fig, tmp_path / "cm.png"), fig)
    expected = confusion_matrix(y_true, y_pred, **kwargs)
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert len(ax.texts) == expected.size
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == [str(v) for v in kwargs.get("labels", [0, 1])]


def test_confusion_matrix_string_labels(labels):
    y_true, _, y_pred, groups, _ = labels
    fig = plot_confusion_matrix(groups, np.roll(groups, 1))
    expected = confusion_matrix(groups, np.roll(groups, 1))
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), expected)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a", "b", "c"]


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_confusion_matrix_dask(labels, n_blocks):
    y_true, _, y_pred, *_ = labels
    c = _chunk(n_blocks)
    fig = plot_confusion_matrix(da.from_array(y_true, chunks=c), da.from_array(y_pred, chunks=c))
    np.testing.assert_array_equal(
        fig.axes[0].images[0].get_array(), confusion_matrix(y_true, y_pred)
    )


def test_confusion_matrix_dask_series_string_labels(labels):
    _, _, _, groups, _ = labels
    shifted = np.roll(groups, 3)
    fig = plot_confusion_matrix(
        dd.from_pandas(pd.Series(groups), npartitions=3),
        dd.from_pandas(pd.Series(shifted), npartitions=3),
        normalize="pred",
    )
    np.testing.assert_allclose(
        fig.axes[0].images[0].get_array(),
        confusion_matrix(groups, shifted, normalize="pred"),
        rtol=1e-12,
    )
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["a", "b", "c"]


def test_confusion_matrix_bad_normalize(labels):
    y_true, _, y_pred, *_ = labels
    with pytest.raises(ValueError, match="normalize"):
        plot_confusion_matrix(y_true, y_pred, normalize="rows")


# --- fairness ------------------------------------------------------------------------------

RATES = {
    "selection_rate": selection_rate,
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
}


def _bar_heights(ax):
    return np.array([p.get_height() for p in ax.patches])


def _assert_matches_fairlearn(fig, frame):
    for ax, column in zip(fig.axes, RATES, strict=True):
        np.testing.assert_allclose(_bar_heights(ax), frame[column].to_numpy(), rtol=1e-12)
        best = frame[column].max()
        flagged = (best - frame[column] > 0.1) | (frame[column] < 0.8 * best)
        colors = [tuple(np.round(p.get_facecolor()[:3], 3)) for p in ax.patches]
        assert [c == colors[0] for c in colors] != [] and sum(
            c != tuple(np.round((0.122, 0.467, 0.706), 3)) for c in colors
        ) == int(flagged.sum())
        line_levels = sorted(line.get_ydata()[0] for line in ax.lines)
        np.testing.assert_allclose(line_levels, sorted([best, best - 0.1, best * 0.8]))


def test_fairness_png_and_rates(labels, tmp_path):
    y_true, _, y_pred, groups, _ = labels
    fig = plot_fairness(y_true, y_pred, sensitive_features=groups)
    assert_real_png(save_png(fig, tmp_path / "fair.png"), fig)
    frame = MetricFrame(
        metrics=RATES, y_true=y_true, y_pred=y_pred, sensitive_features=groups
    ).by_group
    _assert_matches_fairlearn(fig, frame)
    counts = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert counts == [f"{g}\n(n={(groups == g).sum()})" for g in ["a", "b", "c"]]


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_fairness_dask(labels, n_blocks):
    y_true, _, y_pred, groups, _ = labels
    c = _chunk(n_blocks)
    sf = dd.from_pandas(pd.Series(groups, name="group"), npartitions=n_blocks)
    fig = plot_fairness(
        da.from_array(y_true, chunks=c), da.from_array(y_pred, chunks=c), sensitive_features=sf
    )
    frame = MetricFrame(
        metrics=RATES, y_true=y_true, y_pred=y_pred, sensitive_features=groups
    ).by_group
    _assert_matches_fairlearn(fig, frame)


def test_fairness_from_metric_frame_and_intersections(labels):
    y_true, _, y_pred, groups, _ = labels
    sex = np.where(np.arange(N) % 3 == 0, "f", "m")
    features = pd.DataFrame({"group": groups, "sex": sex})
    mf = MetricFrame(
        metrics={**RATES, "count": count},
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=features,
    )
    from_frame = plot_fairness(mf)
    computed = plot_fairness(y_true, y_pred, sensitive_features=features)
    for a, b in zip(from_frame.axes, computed.axes, strict=True):
        np.testing.assert_allclose(_bar_heights(a), _bar_heights(b), rtol=1e-12)
        assert [t.get_text() for t in a.get_xticklabels()] == [
            t.get_text() for t in b.get_xticklabels()
        ]
    assert len(from_frame.axes[0].patches) == 6


def test_fairness_weighted_dask_frame_features_misaligned(labels):
    y_true, _, y_pred, groups, weights = labels
    sex = np.where(np.arange(N) % 4 == 0, "f", "m")
    features = pd.DataFrame({"group": groups, "sex": sex})
    fig = plot_fairness(
        da.from_array(y_true, chunks=70),
        da.from_array(y_pred, chunks=100),
        sensitive_features=dd.from_pandas(features, npartitions=2),
        sample_weight=weights,
    )
    frame = MetricFrame(
        metrics=RATES,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=features,
        sample_params={name: {"sample_weight": weights} for name in RATES},
    ).by_group
    for ax, column in zip(fig.axes, RATES, strict=True):
        np.testing.assert_allclose(_bar_heights(ax), frame[column].to_numpy(), rtol=1e-9)
    assert fig.axes[0].get_xticklabels()[0].get_text().startswith("a & f")


def test_fairness_bad_input(labels):
    y_true, _, y_pred, *_ = labels
    with pytest.raises(ValueError, match="sensitive_features"):
        plot_fairness(y_true, y_pred)
    with pytest.raises(TypeError, match="by_group"):
        plot_fairness([1, 2, 3])
    with pytest.raises(ValueError, match="inconsistent"):
        plot_fairness(y_true, y_pred, sensitive_features=["a"] * (N - 1))


# --- drift ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def drift_data():
    rng = np.random.default_rng(5)
    ref = rng.normal(size=(300, 3))
    cur = rng.normal(size=(200, 3)) + np.array([0.0, 0.8, 0.0])
    ref[::17, 0] = np.nan
    cur[5, 2] = np.inf
    return ref, cur


def _expected_hist(ref_col, cur_col, bins):
    # Range: the exact 0.5 % and 99.5 % quantiles of the finite values; tails in the outer bins.
    tails = [np.quantile(c[np.isfinite(c)], [0.005, 0.995]) for c in (ref_col, cur_col)]
    low, high = min(t[0] for t in tails), max(t[1] for t in tails)
    edges = np.histogram_bin_edges([], bins=bins, range=(low, high))
    out = []
    for col in (ref_col, cur_col):
        counts = np.histogram(np.clip(col[np.isfinite(col)], low, high), bins=edges)[0]
        out.append(counts / counts.sum())
    return edges, out


def _assert_histograms(fig, ref, cur, bins):
    for j, ax in enumerate(fig.axes[: ref.shape[1]]):
        edges, (ref_p, cur_p) = _expected_hist(ref[:, j], cur[:, j], bins)
        steps = ax.patches
        for step, expected in zip(steps, (ref_p, cur_p), strict=True):
            values, got_edges, _ = step.get_data()
            np.testing.assert_allclose(got_edges, edges, rtol=1e-12)
            np.testing.assert_allclose(values, expected, rtol=1e-12)


def test_drift_histograms_png_and_counts(drift_data, tmp_path):
    ref, cur = drift_data
    fig = plot_drift_histograms(ref, cur, bins=12)
    assert_real_png(save_png(fig, tmp_path / "drift.png"), fig)
    _assert_histograms(fig, ref, cur, 12)
    assert [ax.get_title() for ax in fig.axes] == ["x0", "x1", "x2"]


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_drift_histograms_dask(drift_data, n_blocks):
    ref, cur = drift_data
    fig = plot_drift_histograms(
        da.from_array(ref, chunks=(-(-300 // n_blocks), 3)),
        da.from_array(cur, chunks=(-(-200 // n_blocks), 3)),
        bins=10,
    )
    _assert_histograms(fig, ref, cur, 10)


def test_drift_histograms_with_report_and_categories(drift_data):
    ref, cur = drift_data
    names = ["a", "b", "c"]
    ref_frame = pd.DataFrame(ref, columns=names).assign(kind=np.resize(["x", "y"], 300))
    cur_frame = pd.DataFrame(cur, columns=names).assign(kind=np.resize(["x", "y", "z"], 200))
    report = drift_report(ref_frame, cur_frame)
    fig = plot_drift_histograms(ref_frame, cur_frame, columns=["b", "kind"], report=report)
    table = report.columns.set_index("column")
    for ax, column in zip(fig.axes, ["b", "kind"], strict=True):
        assert ax.get_title().startswith(f"{column}: {table.loc[column, 'method']}")
        assert ax.get_title().endswith("(drift)") == bool(table.loc[column, "drifted"])
    heights = [p.get_height() for p in fig.axes[1].patches]
    ref_share = (
        ref_frame["kind"].value_counts(normalize=True).reindex(["x", "y", "z"], fill_value=0)
    )
    cur_share = cur_frame["kind"].value_counts(normalize=True).reindex(["x", "y", "z"])
    np.testing.assert_allclose(heights, [*ref_share, *cur_share], rtol=1e-12)


def test_drift_histograms_bad_input(drift_data):
    ref, cur = drift_data
    with pytest.raises(ValueError, match="different columns"):
        plot_drift_histograms(ref, cur[:, :2])
    with pytest.raises(ValueError, match="unknown column"):
        plot_drift_histograms(ref, cur, columns=["nope"])
    with pytest.raises(ValueError, match="bins"):
        plot_drift_histograms(ref, cur, bins=0)


# --- permutation importance ----------------------------------------------------------------


def test_permutation_importance_png_and_bars(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    y = (2 * X[:, 2] + X[:, 0] + rng.normal(size=150) > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    result = permutation_importance(model, X, y, n_repeats=3, random_state=0)
    names = ["a", "b", "c", "d"]
    fig = plot_permutation_importance(result, names)
    assert_real_png(save_png(fig, tmp_path / "imp.png"), fig)
    reference = sk_permutation_importance(model, X, y, n_repeats=3, random_state=0)
    order = np.argsort(-reference.importances_mean, kind="stable")[::-1]
    ax = fig.axes[0]
    np.testing.assert_array_equal(
        [p.get_width() for p in ax.patches], reference.importances_mean[order]
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == [names[i] for i in order]
    top = plot_permutation_importance(result, names, top=2)
    assert [t.get_text() for t in top.axes[0].get_yticklabels()] == [names[i] for i in order[-2:]]


def test_permutation_importance_multi_scorer_and_errors():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    y = (X[:, 1] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    result = permutation_importance(
        model, X, y, scoring=["accuracy", "roc_auc"], n_repeats=2, random_state=0
    )
    fig = plot_permutation_importance(result, scorer="roc_auc")
    assert "roc_auc" in fig.axes[0].get_xlabel()
    assert (
        max(p.get_width() for p in fig.axes[0].patches) == result["roc_auc"].importances_mean.max()
    )
    with pytest.raises(ValueError, match="unknown scorer"):
        plot_permutation_importance(result, scorer="f1")
    with pytest.raises(ValueError, match="feature_names"):
        plot_permutation_importance(result["accuracy"], ["a"])


# --- saving and global state ---------------------------------------------------------------


def test_save_png_refuses_to_overwrite(labels, tmp_path):
    y_true, y_score, *_ = labels
    fig = plot_roc_curve(y_true, y_score)
    target = tmp_path / "roc.png"
    target.write_bytes(b"user data")
    with pytest.raises(FileExistsError, match="roc.png"):
        save_png(fig, target)
    assert target.read_bytes() == b"user data"
    save_png(fig, target, overwrite=True)
    assert_real_png(target, fig)


def test_plots_never_use_pyplot(labels, drift_data):
    """No figure is registered with pyplot's global manager and no module imports pyplot."""
    import ast
    from pathlib import Path

    from matplotlib._pylab_helpers import Gcf

    import engine.report

    y_true, y_score, y_pred, groups, _ = labels
    before = Gcf.get_num_fig_managers()
    plot_roc_curve(y_true, y_score)
    plot_confusion_matrix(y_true, y_pred)
    plot_fairness(y_true, y_pred, sensitive_features=groups)
    plot_drift_histograms(*drift_data)
    assert Gcf.get_num_fig_managers() == before
    for source in Path(engine.report.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [getattr(node, "module", None) or ""] + [a.name for a in node.names]
                assert not any("pyplot" in name for name in names), source.name


@pytest.mark.cluster
def test_plots_on_distributed_scheduler(labels, drift_data, cluster_client):
    y_true, y_score, y_pred, groups, _ = labels
    yt, ys = da.from_array(y_true, chunks=70), da.from_array(y_score, chunks=70)
    ref, cur = drift_data
    with dask.config.set(scheduler=cluster_client):
        roc = plot_roc_curve(yt, ys)
        fair = plot_fairness(yt, da.from_array(y_pred, chunks=70), sensitive_features=groups)
        drift = plot_drift_histograms(
            da.from_array(ref, chunks=(110, 3)), da.from_array(cur, chunks=(60, 3)), bins=9
        )
    _assert_histograms(drift, ref, cur, 9)
    fpr, tpr, _ = roc_curve(y_true, y_score)
    np.testing.assert_array_equal(roc.axes[0].lines[0].get_xdata(), fpr)
    np.testing.assert_array_equal(roc.axes[0].lines[0].get_ydata(), tpr)
    local = plot_fairness(y_true, y_pred, sensitive_features=groups)
    for a, b in zip(fair.axes, local.axes, strict=True):
        np.testing.assert_array_equal(_bar_heights(a), _bar_heights(b))

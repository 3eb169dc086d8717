"""bias_report flags and the Reweighing mitigation."""

from __future__ import annotations

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import engine.fairness as ef
from tests.conftest import ROW_CHUNKINGS
from tests.metrics._helpers import as_dask


def _biased(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], n, p=[0.6, 0.4])
    x = rng.normal(size=(n, 2))
    # labels favour group "a"; the group is also visible through a proxy feature
    logits = 1.2 * x[:, 0] + 1.5 * (group == "a") - 0.75
    y = (rng.random(n) < 1 / (1 + np.exp(-logits))).astype(int)
    X = np.column_stack([x, (group == "a") + 0.3 * rng.normal(size=n)])
    return X, y, group


def test_bias_report_values_and_flags():
    X, y, group = _biased()
    pred = (X[:, 2] > 0.5).astype(int)
    report = ef.bias_report(y, pred, pd.Series(group, name="group"))
    ref = flm.MetricFrame(
        metrics={
            "selection_rate": flm.selection_rate,
            "tpr": flm.true_positive_rate,
            "fpr": flm.false_positive_rate,
            "count": flm.count,
        },
        y_true=y,
        y_pred=pred,
        sensitive_features=pd.Series(group, name="group"),
    )
    np.testing.assert_allclose(
        report.by_group["selection_rate"], ref.by_group["selection_rate"], rtol=1e-12
    )
    np.testing.assert_allclose(
        report.by_group["true_positive_rate"], ref.by_group["tpr"], rtol=1e-12
    )
    np.testing.assert_allclose(
        report.by_group["false_positive_rate"], ref.by_group["fpr"], rtol=1e-12
    )
    assert report.by_group["count"].tolist() == ref.by_group["count"].astype(int).tolist()
    dp = report.disparities.set_index("criterion").loc["demographic_parity"]
    assert dp["difference"] == pytest.approx(
        flm.demographic_parity_difference(y, pred, sensitive_features=group)
    )
    assert dp["ratio"] == pytest.approx(
        flm.demographic_parity_ratio(y, pred, sensitive_features=group)
    )
    assert bool(dp["flagged"]) == (dp["difference"] > 0.1 or dp["ratio"] < 0.8)
    assert report.flagged
    eo = report.disparities.set_index("criterion").loc["equalized_odds"]
    assert eo["difference"] == pytest.approx(
        flm.equalized_odds_difference(y, pred, sensitive_features=group)
    )


def test_bias_report_not_flagged_under_loose_thresholds_and_dask():
    X, y, group = _biased(seed=1)
    pred = (X[:, 0] > 0).astype(int)  # does not use the group
    loose = ef.bias_report(y, pred, group, difference_threshold=1.0, ratio_threshold=0.0)
    assert not loose.flagged
    eager = ef.bias_report(y, pred, group)
    for n_blocks in ROW_CHUNKINGS:
        lazy = ef.bias_report(
            as_dask(y, n_blocks), as_dask(pred, n_blocks), as_dask(group, n_blocks)
        )
        pd.testing.assert_frame_equal(lazy.by_group, eager.by_group, rtol=1e-12)
        pd.testing.assert_frame_equal(lazy.disparities, eager.disparities, rtol=1e-12)
    with pytest.raises(ValueError, match="ratio_threshold must be a number in"):
        ef.bias_report(y, pred, group, ratio_threshold=4)


def test_reweighing_equals_direct_computation():
    rng = np.random.default_rng(2)
    g = rng.choice(["x", "y", "z"], 500)
    s = rng.integers(0, 2, 500)
    y = rng.integers(0, 2, 500)
    frame = pd.DataFrame({"g": g, "s": s, "y": y})
    n = len(frame)
    p_g = frame.groupby(["g", "s"]).size() / n
    p_y = frame.groupby("y").size() / n
    p_gy = frame.groupby(["g", "s", "y"]).size() / n
    expected = np.array(
        [p_g[(a, b)] * p_y[c] / p_gy[(a, b, c)] for a, b, c in zip(g, s, y, strict=True)]
    )
    sf = pd.DataFrame({"g": g, "s": s})
    np.testing.assert_allclose(ef.Reweighing().fit_transform(None, y, sf), expected, rtol=1e-12)
    dsf = {"g": as_dask(g.astype(object), 3), "s": as_dask(s, 3)}
    lazy = ef.Reweighing().fit_transform(None, as_dask(y, 3), dsf)
    np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-12)
    rw = ef.Reweighing().fit(None, y, sf)
    # reweighted data: label independent of group (weighted positive rate equal in every group)
    w = rw.transform(None, y, sf)
    for key in np.unique(g):
        m = g == key
        assert np.average(y[m], weights=w[m]) == pytest.approx(y.mean(), rel=1e-12)
    with pytest.raises(ValueError, match="not seen in fit"):
        rw.transform(None, np.array([0]), pd.DataFrame({"g": ["w"], "s": [0]}))


def test_reweighing_reduces_demographic_parity_difference():
    X, y, group = _biased(n=6000, seed=3)
    base = LogisticRegression().fit(X, y).predict(X)
    weights = ef.Reweighing().fit_transform(X, y, group)
    mitigated = LogisticRegression().fit(X, y, sample_weight=weights).predict(X)
    before = flm.demographic_parity_difference(y, base, sensitive_features=group)
    after = flm.demographic_parity_difference(y, mitigated, sensitive_features=group)
    assert after < before - 0.05


def test_summary_and_html_name_the_flagged_criteria_and_show_both_tables():
    # equal selection rates, different error rates: only the error-rate criteria are flagged
    y_true = [1, 1, 0, 0] * 3
    y_pred = [1, 0, 1, 0] + [1, 1, 0, 0] * 2
    report = ef.bias_report(y_true, y_pred, list("aaaabbbbcccc"))
    flagged = report.disparities.loc[report.disparities["flagged"], "criterion"].tolist()
    assert flagged == ["equal_opportunity", "false_positive_rate_parity", "equalized_odds"]
    assert report.summary() == (
        f"Bias: flagged -- {len(flagged)} of 4 criteria ({', '.join(flagged)}) over 3 groups"
    )
    page = report._repr_html_()
    assert page.count("<table") == 2 and page.count("<tr") == (1 + 4) + (2 + 3)
    assert all(name in page for name in flagged) and repr(report).startswith(report.summary())

"""Fairness assessment with fairlearn's names: MetricFrame, disparity metrics, bias report.

For Dask input every group statistic comes from one grouped pass (exact
per-group confusion counts merged in a fixed order), so results are
identical on every scheduler and no rows are pulled to the client.
"""

from engine.fairness._base import (
    count,
    false_negative_rate,
    false_positive_rate,
    mean_prediction,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from engine.fairness._disparity import (
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
)
from engine.fairness._frame import MetricFrame
from engine.fairness._report import BiasReport, Reweighing, bias_report

__all__ = [
    "BiasReport",
    "MetricFrame",
    "Reweighing",
    "bias_report",
    "count",
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "false_negative_rate",
    "false_positive_rate",
    "mean_prediction",
    "selection_rate",
    "true_negative_rate",
    "true_positive_rate",
]

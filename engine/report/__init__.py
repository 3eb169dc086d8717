"""Pictures and the HTML report: ROC, confusion matrix, regression fit, fairness, drift, importance.

``engine.report.plots`` holds the figures, ``engine.report.html`` the report
writer; both are re-exported here.
"""

from engine.report.html import write_report
from engine.report.plots import (
    plot_confusion_matrix,
    plot_drift_histograms,
    plot_fairness,
    plot_permutation_importance,
    plot_predicted_vs_actual,
    plot_roc_curve,
    png_bytes,
    save_png,
)

__all__ = [
    "plot_confusion_matrix",
    "plot_drift_histograms",
    "plot_fairness",
    "plot_permutation_importance",
    "plot_predicted_vs_actual",
    "plot_roc_curve",
    "png_bytes",
    "save_png",
    "write_report",
]

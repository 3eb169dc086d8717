"""Pictures and the HTML report: ROC, confusion matrix, fairness, drift, importance."""

from engine.report.plots import (
    plot_confusion_matrix,
    plot_drift_histograms,
    plot_fairness,
    plot_permutation_importance,
    plot_roc_curve,
    png_bytes,
    save_png,
)

__all__ = [
    "plot_confusion_matrix",
    "plot_drift_histograms",
    "plot_fairness",
    "plot_permutation_importance",
    "plot_roc_curve",
    "png_bytes",
    "save_png",
]

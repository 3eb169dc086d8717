"""Matplotlib figures for evaluation results (no pyplot state; save with ``save_png``).

Every ``plot_*`` function returns a :class:`matplotlib.figure.Figure` with
its own Agg canvas; ``fig.savefig(path)`` or :func:`save_png` writes it.
"""

from engine.report._curves import plot_confusion_matrix, plot_roc_curve
from engine.report._drift_plot import plot_drift_histograms
from engine.report._fairness_plot import plot_fairness
from engine.report._figure import png_bytes, save_png
from engine.report._importance_plot import plot_permutation_importance
from engine.report._regression_plot import plot_predicted_vs_actual

__all__ = [
    "plot_confusion_matrix",
    "plot_drift_histograms",
    "plot_fairness",
    "plot_permutation_importance",
    "plot_predicted_vs_actual",
    "plot_roc_curve",
    "png_bytes",
    "save_png",
]

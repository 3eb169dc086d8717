"""Data drift and concept (performance) drift on NumPy, pandas and Dask inputs.

``drift_report`` compares each column of a reference and a current dataset
with Evidently's tests and thresholds, on exact distributions computed in one
pass; ``performance_drift`` tracks a model metric per time window or batch.
"""

from engine.drift._performance import performance_drift
from engine.drift._report import DriftReport, drift_report

__all__ = ["DriftReport", "drift_report", "performance_drift"]

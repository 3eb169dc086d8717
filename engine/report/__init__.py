"""Pictures and the HTML report: ROC, confusion matrix, regression fit, fairness, drift, importance.

``engine.report.plots`` holds the figures, ``engine.report.html`` the report
writer; both are re-exported here.
"""

from engine.report import plots
from engine.report.html import write_report
from engine.report.plots import *  # noqa: F403 - the figures, named in its __all__

__all__ = [*plots.__all__, "write_report"]

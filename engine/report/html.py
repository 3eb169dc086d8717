"""The self-contained HTML report (``write_report``)."""

from engine.report._html import write_report

__all__ = ["write_report"]

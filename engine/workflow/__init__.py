"""Declarative run specs (YAML), the runs they describe, run records and batch scoring."""

from engine.workflow._record import RunRecord, load_model, save_model
from engine.workflow._run import run_spec
from engine.workflow._score import score_file, score_table
from engine.workflow._spec import check_spec, load_spec

__all__ = [
    "RunRecord",
    "check_spec",
    "load_model",
    "load_spec",
    "run_spec",
    "save_model",
    "score_file",
    "score_table",
]

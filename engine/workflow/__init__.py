"""Declarative run specs (YAML), the runs they describe, run records, model files and scoring."""

from engine.workflow._model_file import load_model, save_model, training_schema
from engine.workflow._monitor import (
    BatchCheck,
    check_batch,
    monitor_batch,
    monitor_history,
    read_history,
)
from engine.workflow._record import RunRecord
from engine.workflow._run import run_spec
from engine.workflow._schema import SchemaError, conform, is_numeric
from engine.workflow._score import score_file, score_frame, score_table
from engine.workflow._spec import check_spec, load_spec

__all__ = [
    "BatchCheck",
    "RunRecord",
    "SchemaError",
    "check_batch",
    "check_spec",
    "conform",
    "is_numeric",
    "load_model",
    "load_spec",
    "monitor_batch",
    "monitor_history",
    "read_history",
    "run_spec",
    "save_model",
    "score_file",
    "score_frame",
    "score_table",
    "training_schema",
]

"""Declarative run specs (YAML), the runs they describe, run records, model files, scoring
and monitoring.

Names are imported on first use, so ``engine validate`` and spec errors answer
without importing Dask, Numba or scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "RunRecord": "engine.workflow._record",
    "load_model": "engine.workflow._model_file",
    "save_model": "engine.workflow._model_file",
    "SchemaError": "engine.workflow._schema",
    "columns_frame": "engine.workflow._schema",
    "conform": "engine.workflow._schema",
    "is_numeric": "engine.workflow._schema",
    "records_columns": "engine.workflow._schema",
    "records_frame": "engine.workflow._schema",
    "ArrayScorer": "engine.workflow._array_score",
    "score_columns": "engine.workflow._score",
    "score_frame": "engine.workflow._score",
    "BatchCheck": "engine.workflow._monitor",
    "check_batch": "engine.workflow._monitor",
    "monitor_batch": "engine.workflow._monitor",
    "monitor_history": "engine.workflow._monitor",
    "read_history": "engine.workflow._monitor",
    "RunFolder": "engine.workflow._rundir",
    "run_spec": "engine.workflow._run",
    "score_file": "engine.workflow._score",
    "score_table": "engine.workflow._score",
    "RunSpec": "engine.workflow._spec",
    "SpecError": "engine.workflow._spec",
    "check_spec": "engine.workflow._spec",
    "load_spec": "engine.workflow._spec",
    "validate_spec": "engine.workflow._checks",
    "validate_spec_source": "engine.workflow._checks",
    "DEFAULT_METRICS": "engine.workflow._task",
    "valid_metrics": "engine.workflow._task",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'engine.workflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

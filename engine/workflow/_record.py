"""Run records: what ran, on which data, with what result."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

_TRACKED = ("engine", "dask", "distributed", "numpy", "pandas", "scikit-learn", "numba", "xarray")


def library_versions() -> dict[str, str]:
    """Versions of the libraries a result depends on."""
    out = {}
    for name in _TRACKED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    out["python"] = platform.python_version()
    return out


def new_run_dir(base: str | Path, name: str) -> Path:
    """Create ``base/name/<UTC timestamp>`` for a new run; never reuse an existing one."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    root = Path(base) / name
    for suffix in ("", *(f"-{i}" for i in range(1, 100))):
        path = root / f"{stamp}{suffix}"
        try:
            path.mkdir(parents=True, exist_ok=False)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a fresh run folder under {str(root)!r}")


@dataclass
class RunRecord:
    """What a run did: its spec, data fingerprint, library versions, timings, results and model.

    Examples
    --------
    >>> record = RunRecord(name="demo", spec={"name": "demo"})
    >>> with record.stage("load"):
    ...     pass
    >>> list(record.timings)
    ['load']
    """

    name: str
    spec: dict
    data_fingerprint: str | None = None
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    finished: str | None = None
    versions: dict = field(default_factory=library_versions)
    timings: dict[str, float] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    #: The saved model's file, hash, trusted packages and training schema (see ``save_model``).
    model: dict[str, Any] = field(default_factory=dict)

    def stage(self, label: str):
        """Context manager timing one stage into :attr:`timings`."""
        return _Stage(self, label)

    def write(self, path: str | Path) -> Path:
        """Write the record as JSON (atomic replace of a file of our own)."""
        self.finished = datetime.now(UTC).isoformat(timespec="seconds")
        path = Path(path)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, default=_jsonable))
        os.replace(tmp, path)
        return path


class _Stage:
    def __init__(self, record: RunRecord, label: str):
        self.record, self.label = record, label

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.record.timings[self.label] = round(time.perf_counter() - self.start, 4)
        return False


def _jsonable(value: Any):
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)

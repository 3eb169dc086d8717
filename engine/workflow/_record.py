"""Run records: what ran, on which data, with what result.

``record.json`` fields (every run, finished or ``.failed``):

- ``name``: the spec's name; ``spec``: the whole checked spec, defaults filled in.
- ``data_fingerprint``: hash of the data read (see :func:`engine.data.fingerprint`).
- ``started``, ``finished``: UTC ISO times; ``versions``: library versions.
- ``timings``: seconds per named stage, in order.
- ``results``: ``task`` (``binary``/``multiclass``/``regression``), ``task_reason``,
  ``classes`` and ``positive_label`` (classification), ``threshold`` (binary),
  ``features`` (``numeric``, ``categorical``, ``datetime``, ``left_out`` with the reason
  per column, ``sensitive_as_feature``), ``train_rows``, ``test_rows``, ``estimator``,
  ``search`` (``best_params``, ``best_score``, ``n_candidates``), ``metrics``
  (name -> value on the test part), ``drift``, ``bias_flagged`` / ``fairness``.
- ``outputs``: artifact -> file name inside the run folder (``model``, ``reference``,
  ``predictions``, ``report``, ``record``).
- ``model``: the saved model's file (``model.skops``), SHA-256, trusted packages and
  training schema (see :func:`engine.workflow.save_model`).
- ``error``: ``null`` for a finished run, else ``"<ExceptionType>: message"``.
"""

from __future__ import annotations

import html
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field, fields
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


@dataclass
class RunRecord:
    """What a run did: its spec, data fingerprint, library versions, timings and results.

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
    error: str | None = None
    #: The saved model's file, hash, trusted packages and training schema (see ``save_model``).
    model: dict[str, Any] = field(default_factory=dict)
    #: Called with one line per finished stage (its label and time); ``None``: silent.
    echo: Any = field(default=None, repr=False, compare=False)
    #: The run folder once written (not part of ``record.json``).
    path: Path | None = field(default=None, repr=False, compare=False)

    def stage(self, label: str):
        """Context manager timing one stage into :attr:`timings`."""
        return _Stage(self, label)

    def write(self, path: str | Path) -> Path:
        """Write the record as JSON (atomic replace of a file of our own)."""
        self.finished = datetime.now(UTC).isoformat(timespec="seconds")
        path = Path(path)
        tmp = path.with_suffix(".tmp")
        payload = {k: v for k, v in asdict(self).items() if k not in ("echo", "path")}
        tmp.write_text(json.dumps(payload, indent=2, default=_jsonable))
        os.replace(tmp, path)
        return path

    @classmethod
    def read(cls, path: str | Path) -> RunRecord:
        """The record of a run folder (or of its ``record.json``).

        Examples
        --------
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = RunRecord(name="demo", spec={"name": "demo"}).write(folder / "record.json")
        >>> RunRecord.read(folder).name
        'demo'
        """
        path = Path(path)
        file = path / "record.json" if path.is_dir() else path
        if not file.is_file():
            raise FileNotFoundError(f"no run record at {str(file)!r}")
        known = {f.name for f in fields(cls)} - {"echo", "path"}
        payload = {k: v for k, v in json.loads(file.read_text()).items() if k in known}
        return cls(**payload, path=file.parent)

    def _repr_html_(self) -> str:
        """In Jupyter: the run's identity, its metrics, stage timings and output files."""
        import pandas as pd

        status = f"failed: {self.error}" if self.error else f"finished {self.finished or '-'}"
        head = (
            f"<p><b>Run {html.escape(self.name)}</b> ({html.escape(status)}) — "
            f"task {html.escape(str(self.results.get('task', '-')))}, "
            f"data fingerprint <code>{self.data_fingerprint or '-'}</code>"
            + (f", folder <code>{html.escape(str(self.path))}</code>" if self.path else "")
            + "</p>"
        )
        tables = {
            "Metrics (test rows)": self.results.get("metrics", {}),
            "Seconds per stage": self.timings,
            "Outputs": self.outputs,
        }
        body = "".join(
            f"<p>{title}</p>{pd.Series(values, name='').to_frame().to_html(header=False)}"
            for title, values in tables.items()
            if values
        )
        return head + body


class _Stage:
    def __init__(self, record: RunRecord, label: str):
        self.record, self.label = record, label

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, kind, *exc):
        seconds = round(time.perf_counter() - self.start, 4)
        self.record.timings[self.label] = seconds
        if self.record.echo is not None and kind is None:
            self.record.echo(f"[{self.label}] {seconds:.2f} s")
        return False


def _jsonable(value: Any):
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)

"""Atomic run folders: written in a hidden sibling, renamed into place only when complete.

A run's artifacts are written into ``<dir>/<name>/.<time>.partial-<random>/``.
:meth:`RunFolder.commit` writes ``record.json`` last and renames the folder
to ``<dir>/<name>/<time>/`` (one ``rename``: readers see the whole run or
nothing). A run that raises, including ``KeyboardInterrupt`` (Ctrl-C), ends as
``<dir>/<name>/<time>.failed/`` holding the artifacts written so far,
``record.json`` (the record so far, with ``error``) and ``error.txt`` (the
traceback); nothing else is left behind.

Later stages (model files, MLflow, serving) add artifacts with
:meth:`RunFolder.write`: each artifact is written by a function that takes the
path to write, inside the hidden folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S")


class RunFolder:
    """The folder of one run, atomic: use as a context manager.

    Parameters
    ----------
    base : path
        ``output.dir`` of the spec.
    name : str
        The spec's ``name``.
    record : object with ``write(path)`` and ``error``
        The run's :class:`~engine.workflow.RunRecord`, written on success and on failure.

    Examples
    --------
    >>> import tempfile
    >>> from engine.workflow import RunRecord
    >>> record = RunRecord(name="demo", spec={})
    >>> with RunFolder(tempfile.mkdtemp(), "demo", record) as folder:
    ...     _ = folder.write("notes.txt", lambda p: p.write_text("hi"))
    ...     final = folder.commit()
    >>> sorted(p.name for p in final.iterdir())
    ['notes.txt', 'record.json']
    """

    def __init__(self, base: str | Path, name: str, record: Any):
        self.root = Path(base) / name
        self.record = record
        self.stamp = _stamp()
        self.final: Path | None = None
        self.path = self.root / f".{self.stamp}.partial"

    def __enter__(self) -> RunFolder:
        self.root.mkdir(parents=True, exist_ok=True)
        self.path = self.root / f".{self.stamp}.partial-{secrets.token_hex(4)}"
        self.path.mkdir()  # the user's umask, as any folder they create
        return self

    def write(self, filename: str, writer: Callable[[Path], Any]) -> Path:
        """Write one artifact with ``writer(path)`` inside the (hidden) run folder; return its path."""
        target = self.path / filename
        writer(target)
        self.record.outputs[Path(filename).stem] = filename
        return target

    def _rename(self, suffix: str) -> Path:
        for extra in ("", *(f"-{i}" for i in range(1, 1000))):
            final = self.root / f"{self.stamp}{extra}{suffix}"
            try:
                os.rename(self.path, final)  # fails if final exists and is not empty
            except OSError:
                if final.exists():
                    continue
                raise
            return final
        raise FileExistsError(f"no free run folder name under {str(self.root)!r}")

    def commit(self) -> Path:
        """Write ``record.json`` and move the complete run into place; return its folder."""
        self.record.outputs["record"] = "record.json"
        self.record.write(self.path / "record.json")
        self.final = self.record.path = self._rename("")
        return self.final

    def __exit__(self, kind, error, tb) -> bool:
        if error is None:
            if self.final is None:
                self.commit()
            return False
        if self.final is not None or not self.path.exists():
            return False
        try:
            self.record.error = f"{kind.__name__}: {error}" if str(error) else kind.__name__
            (self.path / "error.txt").write_text("".join(traceback.format_exception(error)))
            self.record.write(self.path / "record.json")
            self.final = self.record.path = self._rename(".failed")
            error.add_note(f"record of the failed run: {self.final}")
        except BaseException:  # leave nothing half-written: the original error is what matters
            shutil.rmtree(self.path, ignore_errors=True)
        return False

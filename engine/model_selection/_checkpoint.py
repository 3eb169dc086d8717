"""Checkpoint file of a search: finished (candidate, fold) results, written atomically.

The file is JSON: ``{"fingerprint": ..., "records": {"<candidate token>:<fold>":
{...}}}``. Every write goes to a temporary file in the same folder, is
flushed to disk and renamed over the old file with ``os.replace``, so a crash
leaves either the old or the new version, never a torn one. Floats round-trip
exactly through JSON (``repr``), so a resumed search reproduces an
uninterrupted one bit for bit.
"""

from __future__ import annotations

import json
import math
import os
import threading
from pathlib import Path
from typing import Any


def _encode(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__float__"}:
            return float(value["__float__"])
        return {k: _decode(v) for k, v in value.items()}
    return value


class Checkpoint:
    """Finished results of one search, keyed by ``"<candidate token>:<fold>"``.

    Parameters
    ----------
    path : str or Path or None
        File to read and write; ``None`` keeps results in memory only.
    fingerprint : str
        Token of the search arguments, estimator parameters and data. A file
        written with another fingerprint raises ``ValueError``.
    """

    def __init__(self, path: str | os.PathLike | None, fingerprint: str):
        self.path = None if path is None else Path(path)
        self.fingerprint = fingerprint
        self.records: dict[str, dict] = {}
        self._lock = threading.Lock()
        if self.path is not None and self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(
                f"checkpoint {str(self.path)!r} is not a readable search checkpoint: {exc}"
            ) from exc
        if not isinstance(data, dict) or data.get("fingerprint") != self.fingerprint:
            raise ValueError(
                f"checkpoint {str(self.path)!r} was written by a different search (other "
                "estimator, parameters, scoring, cv or data); delete it or choose another "
                "checkpoint path"
            )
        self.records = {k: _decode(v) for k, v in data.get("records", {}).items()}

    def get(self, key: str) -> dict | None:
        return self.records.get(key)

    def put(self, key: str, record: dict) -> None:
        """Store one finished result and rewrite the file atomically."""
        with self._lock:
            self.records[key] = record
            if self.path is None:
                return
            payload = json.dumps(
                {
                    "fingerprint": self.fingerprint,
                    "records": {k: _encode(v) for k, v in self.records.items()},
                }
            )
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with open(tmp, "w") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)

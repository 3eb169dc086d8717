"""Safe model files: a fitted pipeline saved with skops, tied to its run record by a hash.

A run saves its fitted pipeline as ``model.skops`` (skops' archive format,
which stores an object's state as data and rebuilds it without running code
from the file) and records in ``record.json`` the file's SHA-256, the
training schema (features with dtypes, target, task, classes) and the
packages whose types the file may contain. :func:`load_model` refuses a file
whose hash differs from its record and any type outside that list, naming
it. XGBoost and LightGBM models inside the pipeline keep their trees in their
libraries' own formats, in files beside ``model.skops`` hashed in the record
too (see :mod:`engine.workflow._boosters`). Pickle and joblib files (older runs) load only when the caller trusts
them explicitly, with a warning, because loading a pickle runs its code.
"""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.workflow._boosters import attach_boosters, booster_packages, boosters_detached

MODEL_FILE = "model.skops"
RECORD_FILE = "record.json"
#: Packages whose types every engine model file may hold, besides skops' own defaults.
BASE_PACKAGES = ("sklearn", "engine", "numpy", "scipy", "pandas")
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_of(obj: Any) -> str:
    return type(obj).__module__.partition(".")[0]


def _final_estimator(model: Any) -> Any:
    return model.steps[-1][1] if hasattr(model, "steps") else model


def save_model(model: Any, folder: str | Path, *, schema: dict) -> dict:
    """Save a fitted model into ``folder`` as ``model.skops``; return its record entry.

    The entry (stored by the run under ``model`` in ``record.json``) holds the
    file name, its SHA-256, the packages trusted at load time and ``schema``;
    with XGBoost/LightGBM estimators inside, also ``boosters``: each booster's
    file (XGBoost UBJSON, LightGBM text model, beside the archive), format and
    SHA-256.
    An existing model file is never replaced.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> entry = save_model(model, tempfile.mkdtemp(), schema={"features": ["a"]})
    >>> entry["file"], len(entry["sha256"])
    ('model.skops', 64)
    """
    import skops.io as sio

    folder = Path(folder)
    path = folder / MODEL_FILE
    if path.exists():
        raise FileExistsError(f"{str(path)!r} exists; a model file is never overwritten")
    packages = set(BASE_PACKAGES) | {_package_of(_final_estimator(model))} | booster_packages(model)
    with boosters_detached(model, folder, path.stem) as boosters:
        sio.dump(model, path)
    entry = {
        "file": MODEL_FILE,
        "format": "skops",
        "sha256": file_sha256(path),
        "trusted_packages": sorted(packages),
        "schema": schema,
    }
    if boosters:
        entry["boosters"] = [{**b, "sha256": file_sha256(folder / b["file"])} for b in boosters]
    return entry


def _check_hash(path: Path, expected: str) -> None:
    actual = file_sha256(path)
    if actual != expected:
        raise ValueError(
            f"model file {str(path)!r} does not match its run record (SHA-256 {actual[:12]}... "
            f"recorded {expected[:12]}...): refusing to load it"
        )


def read_model_entry(path: str | Path) -> tuple[Path, dict]:
    """``(model file, record entry)`` for a run folder or a model file inside one."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    record_path = folder / RECORD_FILE
    if not record_path.exists():
        raise FileNotFoundError(
            f"no {RECORD_FILE} beside {str(path)!r}: a model file loads only with its run record"
        )
    try:
        entry = json.loads(record_path.read_text()).get("model")
    except json.JSONDecodeError as exc:
        raise ValueError(f"{str(record_path)!r} is not valid JSON: {exc}") from exc
    if not isinstance(entry, dict) or "sha256" not in entry:
        raise ValueError(f"{str(record_path)!r} records no model file")
    model_path = folder / entry["file"]
    if path.is_file() and path.resolve() != model_path.resolve():
        raise ValueError(f"{str(path)!r} is not the model file its record names ({entry['file']})")
    if not model_path.exists():
        raise FileNotFoundError(f"no such model file: {str(model_path)!r}")
    return model_path, entry


def trusted_types(untrusted: Sequence[str], packages: Sequence[str]) -> list[str]:
    """The types of ``untrusted`` that belong to ``packages``; raise naming the first that does not."""
    allowed = set(packages) - set(sys.stdlib_module_names) - {"builtins"}
    refused = [t for t in untrusted if t.partition(".")[0] not in allowed]
    if refused:
        raise ValueError(
            f"model file holds the untrusted type {refused[0]!r} (trusted packages: "
            f"{sorted(allowed)}): refusing to load it"
        )
    return list(untrusted)


def load_model(path: str | Path, *, trust_pickle: bool = False) -> tuple[Any, dict]:
    """Load a saved model safely: ``(model, metadata)``.

    ``metadata`` is the training schema (``features`` as a list, ``dtypes``
    as ``{column: dtype}``, ``target``, ``task``, ``classes``), the model's
    ``file`` name, every file it loads from (``files``: the archive and its
    booster files) and its ``sha256``.

    ``path`` is a run folder or its ``model.skops``. The file's hash must match
    the run's ``record.json`` and every type in it must belong to a trusted
    package (scikit-learn, the engine, NumPy/SciPy/pandas and the estimator's
    own package), else a ``ValueError`` names the problem. A ``.joblib`` or
    ``.pkl`` file loads only with ``trust_pickle=True`` and a warning: loading
    a pickle runs whatever code it holds.

    Examples
    --------
    >>> import tempfile, json, pathlib, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> entry = save_model(model, folder, schema={"features": ["a"], "dtypes": {"a": "float64"}})
    >>> _ = (folder / "record.json").write_text(json.dumps({"model": entry}))
    >>> loaded, meta = load_model(folder)
    >>> meta["features"], loaded.predict(X).tolist()
    (['a'], [0, 0, 1, 1])
    """
    path = Path(path)
    if path.suffix in PICKLE_SUFFIXES:
        return _load_pickle(path, trust_pickle)
    import skops.io as sio

    model_path, entry = read_model_entry(path)
    _check_hash(model_path, entry["sha256"])
    boosters = entry.get("boosters", [])
    for booster in boosters:
        _check_hash(model_path.parent / booster["file"], booster["sha256"])
    trusted = trusted_types(sio.get_untrusted_types(file=model_path), entry["trusted_packages"])
    model = sio.load(model_path, trusted=trusted)
    attach_boosters(model, model_path.parent, boosters)
    files = [entry["file"], *(b["file"] for b in boosters)]
    return model, {
        **entry["schema"],
        "file": entry["file"],
        "files": files,
        "sha256": entry["sha256"],
    }


def _load_pickle(path: Path, trust_pickle: bool) -> tuple[Any, dict]:
    if not trust_pickle:
        raise ValueError(
            f"{str(path)!r} is a pickle: loading it would run any code it holds; "
            "pass --trust-pickle (trust_pickle=True) only for a file you made yourself"
        )
    if not path.exists():
        raise FileNotFoundError(f"no such model file: {str(path)!r}")
    import joblib

    warnings.warn(
        f"loading the pickle {str(path)!r} runs any code it holds (trusted on request)",
        UserWarning,
        stacklevel=3,
    )
    try:
        payload = joblib.load(path)
    except Exception as exc:  # a truncated or foreign file fails in many ways inside pickle
        raise ValueError(
            f"{str(path)!r} is not a readable model file ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(payload, dict) or "model" not in payload:
        raise ValueError(f"{str(path)!r} is not a model saved by engine")
    return payload["model"], dict(payload.get("metadata", {}))


__all__ = [
    "MODEL_FILE",
    "file_sha256",
    "load_model",
    "read_model_entry",
    "save_model",
]

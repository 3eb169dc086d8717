"""XGBoost and LightGBM models of a saved pipeline, kept in their libraries' own file formats.

skops stores a fitted pipeline as data. The trees of a gradient-boosting
model are kept instead in the format their library writes and reads itself:
XGBoost's UBJSON model (``Booster.save_model("....ubj")``) and LightGBM's text
model (``Booster.save_model("....txt")``, every iteration). Each one is a
file beside ``model.skops``, named ``model.<library>-<i>.<suffix>``, whose
SHA-256 the run record holds. The skops archive keeps the scikit-learn
estimator around the trees (parameters, classes, feature names) with its
booster taken out (both libraries' estimators hold it in ``_Booster``); on
load each booster is read back from its file (``Booster(model_file=...)``)
and put back into its estimator. Both formats store the trees' values
exactly, so the loaded model predicts the same bits as the fitted one.

Estimators are found anywhere in the model: pipeline steps, wrapped
estimators (``estimator_``), lists and dicts of them. Neither library is
imported here: a model can only hold one of their estimators when its
library was imported.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.base import BaseEstimator

#: The attribute of the engine's shell estimator (in the archive) naming its booster's file.
FILE_ATTRIBUTE = "_engine_booster_file"


@dataclass(frozen=True)
class BoosterFormat:
    """A library's own model format: the estimator base class it covers and its file suffix."""

    name: str
    module: str
    estimator_class: str
    suffix: str
    save_options: tuple = ()
    #: Estimator attributes held in ``collections`` mappings (standard-library types, never
    #: trusted on load): stored as plain dicts, the same keys and values
    plain_dicts: tuple = ()

    def library(self) -> Any:
        return sys.modules.get(self.module)

    def covers(self, estimator: Any) -> bool:
        module = self.library()
        return module is not None and isinstance(estimator, getattr(module, self.estimator_class))

    def save(self, booster: Any, path: Path) -> None:
        booster.save_model(str(path), **dict(self.save_options))

    def load(self, path: Path) -> Any:
        import importlib

        return importlib.import_module(self.module).Booster(model_file=str(path))


FORMATS = (
    BoosterFormat("xgboost-ubj", "xgboost", "XGBModel", ".ubj"),
    # num_iteration=-1: every iteration, not only the best (the estimator picks the best itself)
    BoosterFormat(
        "lightgbm-text",
        "lightgbm",
        "LGBMModel",
        ".txt",
        (("num_iteration", -1),),
        plain_dicts=("_best_score", "_evals_result"),
    ),
)


def _estimators(obj: Any, seen: set[int]) -> Iterator[Any]:
    """Every scikit-learn estimator reachable from ``obj`` (steps, wrapped estimators, ...)."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, BaseEstimator):
        yield obj
        children = list(vars(obj).values())
    elif isinstance(obj, list | tuple):
        children = list(obj)
    elif isinstance(obj, dict):
        children = list(obj.values())
    else:
        return
    for child in children:
        yield from _estimators(child, seen)


def _boosted(model: Any) -> list[tuple[Any, BoosterFormat]]:
    """The fitted XGBoost/LightGBM estimators in ``model`` with their formats."""
    found = []
    for estimator in _estimators(model, set()):
        for fmt in FORMATS:
            if fmt.covers(estimator) and getattr(estimator, "_Booster", None) is not None:
                found.append((estimator, fmt))
    return found


@contextmanager
def boosters_detached(model: Any, folder: Path, stem: str) -> Iterator[list[dict]]:
    """Write every booster of ``model`` to its own file; inside the block the model holds none.

    Yields the files' record entries (``file``, ``format``); the caller adds
    their hashes. On leaving, every booster is put back, so the caller's
    model is unchanged; when the block fails, the booster files are removed.
    """
    detached, entries = [], []
    try:
        for i, (estimator, fmt) in enumerate(_boosted(model)):
            name = f"{stem}.{fmt.module}-{i}{fmt.suffix}"
            if (folder / name).exists():
                raise FileExistsError(
                    f"{str(folder / name)!r} exists; a model file is never overwritten"
                )
            fmt.save(estimator._Booster, folder / name)
            detached.append((estimator, _plain(estimator, fmt)))
            setattr(estimator, FILE_ATTRIBUTE, name)
            entries.append({"file": name, "format": fmt.name})
        yield entries
    except BaseException:  # no half-saved model: the booster files go with the failed archive
        for entry in entries:
            (folder / entry["file"]).unlink(missing_ok=True)
        raise
    finally:
        for estimator, originals in detached:
            vars(estimator).update(originals)
            vars(estimator).pop(FILE_ATTRIBUTE, None)


def _as_dict(value: Any) -> Any:
    return {k: _as_dict(v) for k, v in value.items()} if isinstance(value, dict) else value


def _plain(estimator: Any, fmt: BoosterFormat) -> dict[str, Any]:
    """Take the booster out and make ``fmt.plain_dicts`` plain; return the originals."""
    state = vars(estimator)
    originals = {"_Booster": state["_Booster"]}
    for name in fmt.plain_dicts:
        if name in state:
            originals[name] = state[name]
            state[name] = _as_dict(state[name])
    state["_Booster"] = None
    return originals


def attach_boosters(model: Any, folder: Path, entries: list[dict]) -> None:
    """Read back into ``model`` the boosters :func:`boosters_detached` wrote (files of ``entries``)."""
    formats = {fmt.name: fmt for fmt in FORMATS}
    by_file = {entry["file"]: formats[entry["format"]] for entry in entries}
    for estimator in _estimators(model, set()):
        name = vars(estimator).pop(FILE_ATTRIBUTE, None)
        if name is None:
            continue
        if name not in by_file:
            raise ValueError(
                f"the model refers to {name!r}, a booster file its record does not list"
            )
        estimator._Booster = by_file[name].load(folder / name)


def booster_packages(model: Any) -> set[str]:
    """The libraries of the boosted estimators in ``model`` (their types are in the archive)."""
    return {fmt.module for _, fmt in _boosted(model)}

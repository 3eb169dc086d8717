"""Train Dask-native estimators on lazy Dask folds, one collective job at a time.

An estimator registered with :func:`engine.models.register_dask_native`
(XGBoost's and LightGBM's Dask interfaces), alone or as the last step of a
Pipeline, is not gathered on one worker: each (candidate, fold) gets its
training and test rows as lazy Dask collections selected block by block from
the data (boolean row masks built from the fold plan, the only thing computed
on the client), and the estimator's own ``fit`` trains across every worker
holding a part. Pipeline transformers before it are fitted on the same lazy
folds (engine transformers compute their statistics on the cluster and
transform lazily); a step whose output is not a Dask collection raises.

One candidate-fold trains at a time, from the client, each job using every
worker's threads: XGBoost locks all workers that hold data for the whole
training (``distributed.MultiLock``), and LightGBM runs one task per worker
that waits for its peers, so two jobs on the same single-threaded workers
would block each other. Overlapping them would buy nothing on a cluster both
already fill.

Early stopping (the estimator's ``early_stopping_rounds`` set): a validation
part is carved out of each training fold on the client, never out of the
test fold: ``validation_fraction`` of the training rows (dask config
``engine.early-stopping.validation-fraction``, default 0.1), stratified by
class for classifiers, drawn with the search's integer ``random_state`` (0
otherwise). The best iteration of every candidate-fold is recorded; the
refit trains ``mean best iteration + 1`` rounds on all rows without early
stopping.

A worker lost during a fit (the engines' collectives cannot survive it: the
surviving ranks fail) makes that candidate-fold start again on the workers
that remain, up to ``MAX_RETRIES`` times; its folds are recomputed from the
source. Other failures follow the ``error_score`` rules.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.base import is_dask_collection, tokenize
from sklearn.base import clone, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from engine.data import estimator_token
from engine.data.internal import map_rows, select_part
from engine.model_selection._tasks import _failed, _raise_or_fail, configured, score_all
from engine.models import DaskNativeSpec, Incremental, LabelEncodedClassifier, dask_native_spec

VALIDATION_FRACTION_KEY = "engine.early-stopping.validation-fraction"
DEFAULT_VALIDATION_FRACTION = 0.1
MAX_RETRIES = 2


def final_estimator(estimator: Any) -> Any:
    """The estimator that trains: the last step of a Pipeline, else ``estimator``."""
    return estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator


#: :class:`engine.models.Incremental` on Dask input trains on lazy folds too: its ``fit``
#: chains one ``partial_fit`` task per block of the fold, on any scheduler
INCREMENTAL = DaskNativeSpec(
    "", "", lambda estimator: None, encode_labels=False, needs_client=False
)


def native_spec(estimator: Any, X: Any = None) -> DaskNativeSpec | None:
    """How ``estimator`` (or a Pipeline's last step) trains on lazy Dask folds of ``X``.

    A registered Dask-native estimator, whatever ``X``; an ``Incremental``
    when ``X`` is a Dask collection; ``None`` otherwise (folds in memory).
    """
    final = final_estimator(estimator)
    spec = dask_native_spec(final)
    if spec is None and isinstance(final, Incremental) and is_dask_collection(X):
        return INCREMENTAL
    return spec


def require_client(estimator: Any, client: Any) -> None:
    """``ValueError`` when a Dask-native estimator has no distributed Client to train on."""
    if client is None:
        name = type(final_estimator(estimator)).__name__
        raise ValueError(
            f"{name} trains across a distributed Dask cluster, but no distributed Client is "
            "active: start one with engine.cluster.connect() (a local cluster by default) or "
            "distributed.Client(address) before fitting"
        )


def as_dask(X: Any, y: Any, client: Any) -> tuple[Any, Any]:
    """In-memory ``X``/``y`` as Dask collections persisted on the cluster, one part per worker.

    Dask input is returned unchanged (lazy: each fold is read from the source).
    """
    if is_dask_collection(X):
        return X, y
    n_parts = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
    n = len(X)
    if isinstance(X, pd.DataFrame):
        Xd = dd.from_pandas(X, npartitions=n_parts, sort=False)
    else:
        X = np.asarray(X)
        Xd = da.from_array(X, chunks=(-(-n // n_parts),) + X.shape[1:])
    if y is not None and not is_dask_collection(y):
        if isinstance(y, pd.Series):
            y = dd.from_pandas(y, npartitions=n_parts, sort=False)
        else:
            y = np.asarray(y)
            y = da.from_array(y, chunks=Xd.chunks[0] if isinstance(Xd, da.Array) else -1)
            if isinstance(Xd, dd.DataFrame):
                y = dd.from_dask_array(y.rechunk(-(-n // n_parts)))
    return tuple(client.persist([Xd, y])) if y is not None else (client.persist(Xd), None)


def block_lengths(X: Any, y: Any) -> list[int]:
    """Rows per block of ``X`` (one compute of the partition lengths for DataFrames).

    ``y`` must be split into the same row blocks (``ValueError`` otherwise).
    """
    pending = {}
    for name, a in (("X", X), ("y", y)):
        if a is None:
            continue
        if isinstance(a, da.Array) and not any(np.isnan(c) for c in a.chunks[0]):
            pending[name] = np.asarray(a.chunks[0])
        elif isinstance(a, da.Array):
            pending[name] = a.map_blocks(
                lambda b: np.array([len(b)]), chunks=(1,), drop_axis=list(range(1, a.ndim))
            )
        else:
            pending[name] = a.map_partitions(len)
    lengths = dict(zip(pending, dask.compute(*pending.values()), strict=True))
    lengths = {k: [int(v) for v in np.asarray(lens).ravel()] for k, lens in lengths.items()}
    if "y" in lengths and lengths["y"] != lengths["X"]:
        raise ValueError(
            "X and y must be split into the same row blocks for a Dask-native estimator; got "
            f"rows per block {lengths['X']} for X and {lengths['y']} for y (repartition y like X)"
        )
    return lengths["X"]


def _route(fit_params: dict, estimator: Any) -> tuple[dict, dict]:
    """Split ``step__name`` fit parameters into ``({step: {name: value}}, final step's)``."""
    if not isinstance(estimator, Pipeline):
        return {}, dict(fit_params)
    names = [name for name, _ in estimator.steps]
    routed: dict = {name: {} for name in names}
    for key, value in fit_params.items():
        name, sep, sub = key.partition("__")
        if not sep or name not in routed:
            raise ValueError(
                f"fit parameter {key!r} must be named <step>__<parameter> for a Pipeline with "
                f"steps {names}"
            )
        routed[name][sub] = value
    return routed, routed.pop(names[-1])


def _blocks(a: Any, kept: list[int]) -> Any:
    """Row blocks ``kept`` of a dask array or DataFrame (all of them: ``a`` itself)."""
    n_blocks = a.npartitions if isinstance(a, dd.DataFrame | dd.Series) else a.numblocks[0]
    if len(kept) == n_blocks:
        return a
    if isinstance(a, dd.DataFrame | dd.Series):
        return a.partitions[kept]
    return da.concatenate([a.blocks[b] for b in kept])


@dataclass
class _Parts:
    """The lazy rows of one fold: training (or its fitting part), validation, test."""

    X_fit: Any
    y_fit: Any
    X_valid: Any
    y_valid: Any
    X_test: Any
    y_test: Any
    X_train: Any  # every training row, for training scores
    y_train: Any
    n_fit: int  # rows of X_fit


class NativeTrainer:
    """Fit and score Dask-native candidates on lazy folds; refit the best one on all rows."""

    def __init__(
        self,
        estimator: Any,
        X: Any,
        y: Any,
        y_plan: Any,
        scorers: dict,
        *,
        error_score: Any,
        return_train_score: bool,
        fit_params: dict | None,
        return_estimator: bool,
        client: Any,
        random_state: Any = None,
    ):
        self.spec = native_spec(estimator, X)
        if self.spec.needs_client:
            require_client(estimator, client)
        self.estimator = estimator
        self.client = client
        self.X, self.y = as_dask(X, y, client)
        self.y_plan = None if y_plan is None else np.asarray(y_plan)
        self.n_samples = len(self.y_plan) if self.y_plan is not None else None
        self.scorers = scorers
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.return_estimator = return_estimator
        self.fit_params = dict(fit_params or {})
        self._check_fit_params()
        self.classifier = is_classifier(final_estimator(estimator))
        self.classes = (
            np.unique(self.y_plan)
            if self.classifier and self.spec.encode_labels and self.y_plan is not None
            else None
        )
        self.seed = random_state if isinstance(random_state, int | np.integer) else 0
        self.fraction = float(dask.config.get(VALIDATION_FRACTION_KEY, DEFAULT_VALIDATION_FRACTION))
        if not 0.0 < self.fraction < 1.0:
            raise ValueError(
                f"dask config {VALIDATION_FRACTION_KEY!r} must be in (0, 1), got {self.fraction}"
            )
        self.lengths = block_lengths(self.X, self.y)
        self._parts: dict[str, _Parts] = {}
        self._prefixes: dict[str, tuple] = {}
        self.n_retries = 0

    def _check_fit_params(self) -> None:
        for key, value in self.fit_params.items():
            if hasattr(value, "__len__") and not isinstance(value, str | dict):
                raise ValueError(
                    f"fit parameter {key!r} has one value per row: per-row fit parameters are "
                    "not supported with Dask-native estimators (pass them as columns of X "
                    "or train without them)"
                )

    # -- folds ---------------------------------------------------------------
    def _rows(self, rows: np.ndarray) -> tuple[Any, Any]:
        """``X`` and ``y`` restricted to ``rows``: one lazy selection task per block."""
        mask = np.zeros(self.n_samples, dtype=bool)
        mask[rows] = True
        per_block = np.split(mask, np.cumsum(self.lengths)[:-1])
        # blocks without a row of this part are left out (LightGBM rejects empty parts),
        # before the selection: partition numbers seen by map_rows are those of its input
        kept = [b for b, m in enumerate(per_block) if m.any()]
        masks = [per_block[b] for b in kept]
        return tuple(
            None if a is None else map_rows(_blocks(a, kept), masks, select_part, None, True)
            for a in (self.X, self.y)
        )

    def _carve(self, train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Split the training rows into fitting and validation rows (stratified, seeded)."""
        stratify = self.y_plan[train] if self.classifier else None
        try:
            fit, valid = train_test_split(
                train, test_size=self.fraction, stratify=stratify, random_state=self.seed
            )
        except ValueError as exc:
            raise ValueError(
                f"cannot carve a validation part ({self.fraction:.0%}) for early stopping out "
                f"of a training fold of {len(train)} rows: {exc}"
            ) from exc
        return np.sort(fit), np.sort(valid)

    def parts(self, train: np.ndarray, test: np.ndarray, early_stopping: bool) -> _Parts:
        """The fold's lazy parts (built once per fold and early-stopping setting)."""
        key = tokenize(train, test, early_stopping)
        if key in self._parts:
            return self._parts[key]
        X_train, y_train = self._rows(train)
        X_test, y_test = self._rows(test)
        X_fit, y_fit, X_valid, y_valid, fit = X_train, y_train, None, None, train
        if early_stopping:
            fit, valid = self._carve(train)
            (X_fit, y_fit), (X_valid, y_valid) = self._rows(fit), self._rows(valid)
        parts = _Parts(X_fit, y_fit, X_valid, y_valid, X_test, y_test, X_train, y_train, len(fit))
        self._parts[key] = parts
        return parts

    # -- one fit ---------------------------------------------------------------
    def _fit_prefix(self, steps: list, routed: dict, parts: _Parts, fold_key: str):
        """Fit the Pipeline's transformers on the fold; the fitted steps and transformed parts."""
        key = tokenize(fold_key, estimator_token([(n, s) for n, s in steps]), routed)
        if key in self._prefixes:
            return self._prefixes[key]
        Xs = {"fit": parts.X_fit, "valid": parts.X_valid, "test": parts.X_test}
        if self.return_train_score:
            Xs["train"] = parts.X_train
        fitted = []
        for name, step in steps:
            if step is None or (isinstance(step, str) and step == "passthrough"):
                fitted.append((name, step))
                continue
            step = clone(step)
            Xs["fit"] = step.fit_transform(Xs["fit"], parts.y_fit, **routed.get(name, {}))
            for part in ("valid", "test", "train"):
                if Xs.get(part) is not None:
                    Xs[part] = step.transform(Xs[part])
            if not is_dask_collection(Xs["fit"]):
                raise TypeError(
                    f"pipeline step {name!r} ({type(step).__name__}) returned in-memory output "
                    "for Dask input: before a Dask-native estimator every step must transform "
                    "Dask collections lazily (use engine.preprocessing transformers)"
                )
            fitted.append((name, step))
        self._prefixes[key] = (fitted, Xs)
        return fitted, Xs

    def _model(self, final: Any) -> Any:
        if self.classes is not None:
            return LabelEncodedClassifier(final, classes=self.classes)
        return final

    def _fit(self, params: dict, parts: _Parts | None, fold_key: str, X=None, y=None):
        """A fitted (Pipeline or) model, the transformed test/train inputs and the best iteration."""
        est = configured(self.estimator, params)
        routed, final_params = _route(self.fit_params, est)
        final = final_estimator(est)
        if parts is None:  # refit on every row
            parts = _Parts(X, y, None, None, None, None, None, None, sum(self.lengths))
        steps = est.steps[:-1] if isinstance(est, Pipeline) else []
        fitted, Xs = (
            self._fit_prefix(steps, routed, parts, fold_key)
            if steps
            else ([], {"fit": parts.X_fit, "valid": parts.X_valid, "test": parts.X_test})
        )
        if not steps and self.return_train_score:
            Xs["train"] = parts.X_train
        final_params = {**self.spec.fit_defaults, **final_params}
        if Xs.get("valid") is not None:
            final_params[self.spec.eval_set_param] = [(Xs["valid"], parts.y_valid)]
        model = self._model(self.spec.trainer(final, Xs["fit"], parts.n_fit, self.client))
        with self._on_cluster():
            model.fit(Xs["fit"], parts.y_fit, **final_params)
        inner = model.estimator_ if isinstance(model, LabelEncodedClassifier) else model
        best = self.spec.best_iteration(inner) if Xs.get("valid") is not None else None
        if isinstance(est, Pipeline):
            est.steps = [*fitted, (est.steps[-1][0], model)]
            model = est
        return model, Xs, best

    def _on_cluster(self):
        """The Client as current while a fit or scoring runs (the active scheduler without one)."""
        return contextlib.nullcontext() if self.client is None else self.client.as_current()

    def _workers(self) -> set:
        if self.client is None:
            return set()
        return set(self.client.scheduler_info(n_workers=-1)["workers"])

    def _fit_retrying(self, params: dict, parts: _Parts | None, fold_key: str, X=None, y=None):
        attempt = 0
        while True:
            before = self._workers()
            try:
                return self._fit(params, parts, fold_key, X, y)
            except Exception:
                if attempt >= MAX_RETRIES or not before or not self._lost_worker(before):
                    raise
                attempt += 1
                self.n_retries += 1
                self._prefixes.clear()  # fitted transformers may hold lost futures

    def _lost_worker(self, before: set, wait: float = 10.0) -> bool:
        """Whether a worker of ``before`` left (waits up to ``wait`` s for the scheduler to see it)."""
        deadline = time.monotonic() + wait
        while True:
            if before - self._workers():
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)

    def score(self, params: dict, train: np.ndarray, test: np.ndarray) -> dict:
        """The result record of one (candidate, fold), as ``fit_and_score`` returns it."""
        names = list(self.scorers)
        early = bool(
            self.spec.early_stopping_rounds(final_estimator(configured(self.estimator, params)))
        )
        parts = self.parts(train, test, early)
        stub = SimpleNamespace(X_train_score=True if self.return_train_score else None)
        start = time.perf_counter()
        try:
            model, Xs, best = self._fit_retrying(params, parts, tokenize(train, test, early))
        except Exception:
            record = _failed(
                _raise_or_fail(self.error_score).message, names, self.error_score, stub
            )
            record["best_iteration"] = None
            return record
        fit_time = time.perf_counter() - start
        start = time.perf_counter()
        with self._on_cluster():
            test_scores, errors = score_all(
                model, self.scorers, parts.X_test, parts.y_test, self.error_score
            )
            train_scores = None
            if self.return_train_score:
                train_scores, train_errors = score_all(
                    model, self.scorers, parts.X_train, parts.y_train, self.error_score
                )
                errors += train_errors
        return {
            "test": test_scores,
            "train": train_scores,
            "fit_time": fit_time,
            "score_time": time.perf_counter() - start,
            "error": None,
            "score_errors": errors,
            "estimator": model if self.return_estimator else None,
            "best_iteration": best,
        }

    def refit(self, params: dict, best_iteration: float | None) -> Any:
        """Fit on every row; with early stopping, ``round(best_iteration) + 1`` rounds and none."""
        params = dict(params)
        if best_iteration is not None and np.isfinite(best_iteration):
            prefix = ""
            if isinstance(self.estimator, Pipeline):
                prefix = f"{self.estimator.steps[-1][0]}__"
            params[prefix + self.spec.rounds_param] = int(round(best_iteration)) + 1
            params[prefix + self.spec.early_stopping_param] = None
        model, _, _ = self._fit_retrying(params, None, "refit", self.X, self.y)
        return model

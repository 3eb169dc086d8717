"""Build the search graph: one Dask task per distinct (pipeline prefix, parameters, fold).

Keys are derived from tokens of the data, the split indices and the
parameters of every step (:func:`engine.data.estimator_token`), so two
candidates that share a pipeline prefix produce the same key for it and Dask
computes it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from dask import delayed
from dask.base import tokenize
from sklearn.pipeline import Pipeline

from engine.data import estimator_token
from engine.model_selection._routing import in_callers_config
from engine.model_selection._tasks import fit_and_score, fit_transform_step, select_fold, take_rows


def _route_fit_params(fit_params: Mapping, step_names: list[str]) -> dict[str, dict] | None:
    routed: dict[str, dict] = {name: {} for name in step_names}
    for key, value in fit_params.items():
        name, sep, sub = key.partition("__")
        if not sep or name not in routed:
            return None
        routed[name][sub] = value
    return routed


def split_pipeline(estimator: Any, params: Mapping, fit_params: Mapping):
    """Return ``[(name, template, step_params, step_fit_params)]`` or ``None`` (no sharing).

    Sharing needs a Pipeline whose searched parameters are all step names or
    ``step__param`` and whose last step is an estimator.
    """
    if not isinstance(estimator, Pipeline) or len(estimator.steps) < 2:
        return None
    names = [name for name, _ in estimator.steps]
    routed = _route_fit_params(fit_params, names)
    if routed is None:
        return None
    chosen = {name: step for name, step in estimator.steps}
    sub: dict[str, dict] = {name: {} for name in names}
    for key, value in params.items():
        name, sep, rest = key.partition("__")
        if name not in chosen:
            return None
        if sep:
            sub[name][rest] = value
        else:
            chosen[name] = value
    last = chosen[names[-1]]
    if last is None or isinstance(last, str):
        return None
    return [(n, chosen[n], sub[n], routed[n]) for n in names]


def _slice_fit_params(fit_params: Mapping, n_samples: int, train: np.ndarray) -> dict:
    out = {}
    for key, value in fit_params.items():
        if hasattr(value, "__len__") and not isinstance(value, str) and len(value) == n_samples:
            out[key] = take_rows(value if hasattr(value, "shape") else np.asarray(value), train)
        else:
            out[key] = value
    return out


class GraphPlanner:
    """Create the Delayed score task of any (candidate, fold), sharing prefixes by key."""

    def __init__(
        self,
        estimator,
        X_node,
        y_node,
        data_token: str,
        n_samples: int,
        scorers: dict,
        error_score: Any,
        return_train_score: bool,
        fit_params: Mapping | None = None,
        return_estimator: bool = False,
        score_params: Mapping | None = None,
    ):
        self.estimator = estimator
        self.X_node, self.y_node = X_node, y_node
        self.data_token = data_token
        self.n_samples = n_samples
        self.scorers = scorers
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.fit_params = dict(fit_params or {})
        self.return_estimator = return_estimator
        self.score_params = dict(score_params or {})  # {scorer name: routed params}
        self._folds: dict[str, Any] = {}
        self._nodes: dict[str, Any] = {}
        self.n_tasks_fit = 0

    def fold_node(self, train: np.ndarray, test: np.ndarray, split_token: str):
        """The Delayed fold of a split; ``split_token`` is ``tokenize(train, test)``."""
        key = f"engine-fold-{tokenize(self.data_token, split_token, self.return_train_score)}"
        if key not in self._folds:
            self._folds[key] = delayed(in_callers_config(select_fold), pure=True)(
                self.X_node, self.y_node, train, test, self.return_train_score, dask_key_name=key
            )
        return self._folds[key], key

    def score_task(
        self, params: Mapping, train: np.ndarray, test: np.ndarray, label: str, split_token: str
    ):
        """The Delayed result dict of one (candidate, fold); ``label`` names its key.

        ``split_token`` is ``tokenize(train, test)``, hashed once per split by
        the caller (hashing the indices again for every candidate costs more
        than building the rest of the graph).
        """
        node, key = self.fold_node(train, test, split_token)
        fit_params = _slice_fit_params(self.fit_params, self.n_samples, train)
        steps = split_pipeline(self.estimator, params, fit_params)
        if steps is None:
            steps = [("model", self.estimator, dict(params), fit_params)]
        for name, template, sub, step_fit in steps[:-1]:
            if template is None or (isinstance(template, str) and template == "passthrough"):
                key = f"{key}-skip"
                continue
            key = f"engine-fit-{name}-{tokenize(key, estimator_token((template, sub, step_fit)))}"
            if key not in self._nodes:
                self._nodes[key] = delayed(in_callers_config(fit_transform_step), pure=True)(
                    node, name, template, sub, step_fit, self.error_score, dask_key_name=key
                )
                self.n_tasks_fit += 1
            node = self._nodes[key]
        name, template, sub, step_fit = steps[-1]
        self.n_tasks_fit += 1
        assemble = (self.estimator, dict(params)) if self.return_estimator else None
        score_params = tuple(
            {
                name: _slice_fit_params(p, self.n_samples, rows)
                for name, p in self.score_params.items()
            }
            for rows in (test, train)
        )
        step_token = estimator_token((template, sub, step_fit))
        return delayed(in_callers_config(fit_and_score), pure=True)(
            node,
            template,
            sub,
            step_fit,
            self.scorers,
            self.error_score,
            assemble,
            score_params,
            dask_key_name=f"engine-score-{label}-{tokenize(key, step_token)}",
        )

"""The training stage of a run: split, fit the preprocessor, search or fit the model.

The training part stays a Dask collection (persisted on the workers of a
cluster): the preprocessor fits on it lazily, a search receives it as Dask
input (the engine's searches keep folds on the workers), a Dask-native
estimator (registered in :mod:`engine.models`: XGBoost's and LightGBM's Dask
estimators, alone or label-encoded) trains on it where it is, and any other
estimator is fitted inside one Dask task (on one worker of a cluster, never
on the client) once the training part is known to fit in that worker's
memory (:func:`engine.models.check_fits_on_one_worker`, as the searches).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import dask
import dask.dataframe as dd
from sklearn.base import clone, is_classifier
from sklearn.pipeline import Pipeline

from engine.model_selection import (
    BayesSearchCV,
    GridSearchCV,
    RandomizedSearchCV,
    SuccessiveHalvingSearchCV,
    train_test_split,
)
from engine.models import (
    LabelEncodedClassifier,
    check_fits_on_one_worker,
    dask_native_spec,
    estimated_nbytes,
)
from engine.stats import profile
from engine.workflow._columns import FeaturePlan
from engine.workflow._record import RunRecord
from engine.workflow._spec import RunSpec, SearchSpec
from engine.workflow._task import CLASSIFICATION

_SEARCHES = {
    "grid": (GridSearchCV, "param_grid"),
    "random": (RandomizedSearchCV, "param_distributions"),
    "bayes": (BayesSearchCV, "param_distributions"),
    "halving": (SuccessiveHalvingSearchCV, "param_distributions"),
}


@dataclass
class Splits:
    """The lazy train and test parts of one split of the table.

    Every column of a part (features, target, sensitive attribute) is a
    projection of that part's one frame, so the columns of a part always
    share its partitions row for row: they are never split, read or
    persisted separately (Dask would otherwise align them by index, with a
    shuffle, or pair partitions that differ).
    """

    train: dd.DataFrame
    test: dd.DataFrame
    features: list[str]
    target: str
    sensitive: str | None = None

    @property
    def X_train(self) -> dd.DataFrame:
        return self.train[self.features]

    @property
    def y_train(self) -> dd.Series:
        return self.train[self.target]

    @property
    def X_test(self) -> dd.DataFrame:
        return self.test[self.features]

    @property
    def y_test(self) -> dd.Series:
        return self.test[self.target]

    @property
    def s_test(self) -> dd.Series | None:
        return None if self.sensitive is None else self.test[self.sensitive]


def stratify_by_target(spec: RunSpec, task: str) -> bool:
    """Stratify when the spec says so, by default for classification only."""
    if spec.split.stratify is None:
        return task in CLASSIFICATION
    if spec.split.stratify and task == "regression":
        raise ValueError(
            "split.stratify: a regression target cannot be stratified; set it to false"
        )
    return spec.split.stratify


def split_table(spec: RunSpec, table: dd.DataFrame, plan: FeaturePlan, task: str) -> Splits:
    """Split the features, target and sensitive attribute as one frame (one seeded, global draw)."""
    data = spec.data
    extra = [c for c in (data.target, data.sensitive) if c is not None and c not in plan.columns]
    frame = table[[*plan.columns, *extra]]
    train, test = train_test_split(
        frame,
        test_size=spec.split.test_size,
        random_state=spec.split.random_state,
        stratify=frame[data.target] if stratify_by_target(spec, task) else None,
    )
    return Splits(train, test, list(plan.columns), data.target, data.sensitive)


def build_search(estimator, search: SearchSpec, progress: bool):
    """The engine search a spec's ``model.search`` section describes."""
    cls, space_name = _SEARCHES[search.kind]
    kwargs: dict[str, Any] = {
        space_name: search.params,
        "cv": search.cv,
        "scoring": search.scoring,
        "verbose": 1 if progress else 0,
        "checkpoint": search.checkpoint,
    }
    if search.kind in ("random", "bayes"):
        kwargs.update(n_iter=search.n_iter, random_state=search.random_state)
    if search.kind == "halving":
        kwargs.update(random_state=search.random_state)
    return cls(estimator, **kwargs)


def _fit(estimator, X, y):
    return clone(estimator).fit(X, y)


def fit_model(estimator, X: dd.DataFrame, y: dd.Series, client=None):
    """Fit ``estimator`` on the cleaned training part without bringing it to the client.

    A Dask-native estimator (classifiers label-encoded) fits on the Dask
    collections across the workers and is returned fitted. Any other
    estimator is checked to fit on one worker (``MemoryError`` naming it,
    before anything is gathered) and returned as a ``Delayed`` fit: one task
    that gathers the training part on a worker and fits a clone there.
    """
    spec = dask_native_spec(estimator)
    if spec is not None:
        if client is None:
            raise ValueError(
                f"model.estimator: {type(estimator).__name__} trains across a distributed Dask "
                "cluster; set cluster.address (or cluster.n_workers for a local cluster)"
            )
        if spec.encode_labels and is_classifier(estimator):
            estimator = LabelEncodedClassifier(estimator)
        return clone(estimator).fit(X, y)
    n_rows = len(y)  # partition lengths only
    check_fits_on_one_worker(
        estimator,
        estimated_nbytes(X, n_rows) + estimated_nbytes(y, n_rows),
        client,
        gathered="the fit would gather the cleaned training part",
    )
    return dask.delayed(_fit)(estimator, X, y)


def candidate_scores(cv_results: dict) -> list[dict[str, Any]]:
    """Each candidate's parameters, mean and std test score and rank, from ``cv_results_``."""
    return [
        {
            "params": params,
            "mean_test_score": float(cv_results["mean_test_score"][i]),
            "std_test_score": float(cv_results["std_test_score"][i]),
            "rank_test_score": int(cv_results["rank_test_score"][i]),
        }
        for i, params in enumerate(cv_results["params"])
    ]


def train_model(
    spec: RunSpec,
    splits: Splits,
    preprocessor,
    estimator,
    record: RunRecord,
    progress: bool = True,
    client=None,
):
    """Fit the preprocessor on the training part, then fit (or search) the model.

    Returns the fitted ``Pipeline(preprocess, model)`` and the profile of the
    cleaned numeric training columns.
    """
    with record.stage("preprocessing fit"):
        preprocessor.fit(splits.X_train)
    cleaned = preprocessor.transform(splits.X_train)
    categorical = set(getattr(preprocessor.categorical_, "get_feature_names_out", list)())
    numeric_out = [c for c in preprocessor.get_feature_names_out() if c not in categorical]
    search = spec.model.search
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Computing mixed collections")
        if search is None:
            with record.stage("model fit"):
                fitted, after = dask.compute(
                    fit_model(estimator, cleaned, splits.y_train, client),
                    profile(cleaned[numeric_out], compute=False),
                )
        else:
            with record.stage("profile (after)"):
                (after,) = dask.compute(profile(cleaned[numeric_out], compute=False))
            with record.stage(f"{search.kind} search"):
                searcher = build_search(estimator, search, progress).fit(cleaned, splits.y_train)
            fitted = searcher.best_estimator_
            record.results["search"] = {
                "best_params": searcher.best_params_,
                "best_score": float(searcher.best_score_),
                "n_candidates": len(searcher.cv_results_["params"]),
                "candidates": candidate_scores(searcher.cv_results_),
            }
    return Pipeline([("preprocess", preprocessor), ("model", fitted)]), after

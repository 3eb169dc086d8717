"""The training stage of a run: split, fit the preprocessor, search or fit the model."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dask
import dask.dataframe as dd
from sklearn.pipeline import Pipeline

from engine.model_selection import (
    BayesSearchCV,
    GridSearchCV,
    RandomizedSearchCV,
    SuccessiveHalvingSearchCV,
    train_test_split,
)
from engine.stats import profile
from engine.workflow._record import RunRecord

_SEARCHES = {
    "grid": (GridSearchCV, "param_grid"),
    "random": (RandomizedSearchCV, "param_distributions"),
    "bayes": (BayesSearchCV, "param_distributions"),
    "halving": (SuccessiveHalvingSearchCV, "param_distributions"),
}


@dataclass
class Splits:
    """Lazy train/test parts of the features, target and sensitive attribute."""

    X_train: dd.DataFrame
    X_test: dd.DataFrame
    y_train: dd.Series
    y_test: dd.Series
    s_train: dd.Series | None
    s_test: dd.Series | None


def split_table(spec: dict, table: dd.DataFrame, features: list[str]) -> Splits:
    """Split features, target and sensitive attribute with one seeded, global draw."""
    data, split = spec["data"], spec["split"]
    arrays = [table[features], table[data["target"]]]
    if data["sensitive"] is not None:
        arrays.append(table[data["sensitive"]])
    parts = train_test_split(
        *arrays,
        test_size=split["test_size"],
        random_state=split["random_state"],
        stratify=table[data["target"]] if split["stratify"] else None,
    )
    sensitive = (parts[4], parts[5]) if data["sensitive"] is not None else (None, None)
    return Splits(parts[0], parts[1], parts[2], parts[3], *sensitive)


def import_estimator(dotted: str, params: dict):
    """Instantiate ``package.module.Class(**params)`` named by a spec."""
    module_name, _, class_name = dotted.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"spec key model.estimator: cannot import {dotted!r} ({exc})") from exc
    try:
        return cls(**params)
    except TypeError as exc:
        raise ValueError(f"spec key model.params: {exc}") from exc


def build_search(estimator, search: dict, progress: bool):
    """The engine search a spec's ``model.search`` section describes."""
    cls, space_name = _SEARCHES[search["kind"]]
    kwargs: dict[str, Any] = {
        space_name: search["params"],
        "cv": search["cv"],
        "scoring": search["scoring"],
        "verbose": 1 if progress else 0,
        "checkpoint": search["checkpoint"],
    }
    if search["kind"] in ("random", "bayes"):
        kwargs.update(n_iter=search["n_iter"], random_state=search["random_state"])
    if search["kind"] == "halving":
        kwargs.update(random_state=search["random_state"])
    return cls(estimator, **kwargs)


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
    spec: dict,
    table: dd.DataFrame,
    preprocessor,
    numeric: list[str],
    record: RunRecord,
    echo: Callable[[str], Any],
    progress: bool = True,
):
    """Split, fit the preprocessor on the training part, then fit (or search) the model.

    Returns the fitted ``Pipeline(preprocess, model)``, the lazy splits and
    the profile of the cleaned numeric training columns.
    """
    features = list(preprocessor.numeric) + list(preprocessor.categorical)
    with record.stage("split"):
        splits = split_table(spec, table, features)
        # The model trains in memory, so the training part must fit: keep it once
        # instead of re-reading the source for every preprocessing step.
        splits.X_train, splits.y_train = dask.persist(splits.X_train, splits.y_train)
    with record.stage("preprocessing fit"):
        preprocessor.fit(splits.X_train)
    cleaned = preprocessor.transform(splits.X_train)
    numeric_out = [c for c in preprocessor.get_feature_names_out() if c in set(numeric)]
    with record.stage("profile (after) + training set"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Computing mixed collections")
        after, X_train, y_train = dask.compute(
            profile(cleaned[numeric_out], compute=False), cleaned, splits.y_train
        )
    estimator = import_estimator(spec["model"]["estimator"], spec["model"]["params"])
    search = spec["model"]["search"]
    with record.stage("model fit" if search is None else f"{search['kind']} search"):
        if search is None:
            fitted = estimator.fit(X_train, y_train)
        else:
            searcher = build_search(estimator, search, progress).fit(X_train, y_train)
            fitted = searcher.best_estimator_
            record.results["search"] = {
                "best_params": searcher.best_params_,
                "best_score": float(searcher.best_score_),
                "n_candidates": len(searcher.cv_results_["params"]),
                "candidates": candidate_scores(searcher.cv_results_),
            }
            echo(f"search: best {searcher.best_params_} score {searcher.best_score_:.4f}")
    record.results["train_rows"] = len(X_train)
    return Pipeline([("preprocess", preprocessor), ("model", fitted)]), splits, after

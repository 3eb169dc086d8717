"""Metadata routing of a search's or ``cross_validate``'s parameters, as scikit-learn 1.9 routes.

With ``sklearn.set_config(enable_metadata_routing=True)`` every parameter goes
where the consumers requested it (``set_fit_request``, ``set_score_request``,
``set_split_request``), through scikit-learn's own ``process_routing``; an
unrequested one raises scikit-learn's ``UnsetMetadataPassedError``. With
routing off (the default), scikit-learn's older rules hold: every parameter
goes to the estimator's ``fit``, ``groups`` to the splitter, and in a search
``sample_weight`` also to the scorers that accept it (a ``UserWarning``
names those that do not); ``cross_validate`` passes nothing to its scorers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from inspect import signature
from typing import Any

from sklearn import config_context, get_config
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.metrics import check_scoring
from sklearn.metrics._scorer import _check_multimetric_scoring, _MultimetricScorer
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)


@dataclass
class RoutedParams:
    """Where each parameter goes: the estimator's ``fit``, the splitter, each scorer by name."""

    fit: dict
    split: dict
    score: dict  # {scorer name: {param: value}}


def sklearn_scorer(estimator: Any, scoring: Any, error_score: Any = "raise") -> Any:
    """scikit-learn's scorer object for ``scoring`` (what the routing requests are read from).

    As ``BaseSearchCV._get_scorers``: a callable as it is, ``None`` or a name
    through ``check_scoring`` (``TypeError`` for an estimator without ``score``
    and no scoring), several metrics as a ``_MultimetricScorer``.
    """
    if callable(scoring):
        return scoring
    if scoring is None or isinstance(scoring, str):
        return check_scoring(estimator, scoring)
    return _MultimetricScorer(
        scorers=_check_multimetric_scoring(estimator, scoring),
        raise_exc=isinstance(error_score, str) and error_score == "raise",
    )


def search_router(owner: Any, estimator: Any, scorer: Any, cv: Any) -> MetadataRouter:
    """The ``MetadataRouter`` of a search: estimator (fit), scorer (fit, score), splitter."""
    return (
        MetadataRouter(owner=owner)
        .add(estimator=estimator, method_mapping=MethodMapping().add(caller="fit", callee="fit"))
        .add(
            scorer=scorer,
            method_mapping=MethodMapping()
            .add(caller="score", callee="score")
            .add(caller="fit", callee="score"),
        )
        .add(splitter=cv, method_mapping=MethodMapping().add(caller="fit", callee="split"))
    )


def _accepts_sample_weight(scorer: Any) -> bool:
    if hasattr(scorer, "_accept_sample_weight"):
        return scorer._accept_sample_weight()
    return "sample_weight" in signature(scorer).parameters


def _scorers_accept_sample_weight(owner: Any, scorer: Any) -> bool:
    """scikit-learn's check (and warnings) of the scorers that cannot take ``sample_weight``."""

    def message(what: str) -> str:
        return (
            f"The scoring {what} does not support sample_weight, which may lead to "
            f"statistically incorrect results when fitting {owner} with sample_weight. "
        )

    if isinstance(scorer, _MultimetricScorer):
        for name, one in scorer._scorers.items():
            if not one._accept_sample_weight():
                warnings.warn(message(f"{name}={one}"), UserWarning, stacklevel=4)
        return scorer._accept_sample_weight()
    accept = _accepts_sample_weight(scorer)
    if not accept:
        warnings.warn(message(scorer), UserWarning, stacklevel=4)
    return accept


def per_scorer(scorer: Any, params: Mapping) -> dict:
    """``{name: params}`` of each metric, as the scorer object would hand them out."""
    if not isinstance(scorer, _MultimetricScorer):
        return {"score": dict(params)}
    if _routing_enabled():
        routed = process_routing(scorer, "score", **params)
        return {name: dict(routed[name].score) for name in scorer._scorers}
    common = {k: v for k, v in params.items() if k != "sample_weight"}
    weight = params.get("sample_weight")
    return {
        name: {
            **common,
            **(
                {"sample_weight": weight}
                if weight is not None and one._accept_sample_weight()
                else {}
            ),
        }
        for name, one in scorer._scorers.items()
    }


def route_search_params(owner: Any, scorer: Any, params: Mapping) -> RoutedParams:
    """Route the parameters of ``owner.fit`` (a search) as ``BaseSearchCV.fit`` does."""
    if _routing_enabled():
        routed = process_routing(owner, "fit", **params)
        return RoutedParams(
            dict(routed.estimator.fit),
            dict(routed.splitter.split),
            per_scorer(scorer, routed.scorer.score),
        )
    fit = dict(params)
    groups = fit.pop("groups", None)
    score = {}
    if fit.get("sample_weight") is not None and _scorers_accept_sample_weight(owner, scorer):
        score["sample_weight"] = fit["sample_weight"]
    return RoutedParams(fit, {"groups": groups}, per_scorer(scorer, score))


def route_cross_validate_params(
    estimator: Any, scorer: Any, cv: Any, groups: Any, params: Mapping
) -> RoutedParams:
    """Route ``cross_validate``'s ``params`` (and ``groups``) as scikit-learn's does."""
    if groups is not None and _routing_enabled():
        raise ValueError(
            "`groups` can only be passed if metadata routing is not enabled via"
            " `sklearn.set_config(enable_metadata_routing=True)`. When routing is"
            " enabled, pass `groups` alongside other metadata via the `params` argument"
            " instead."
        )
    if not _routing_enabled():
        return RoutedParams(dict(params), {"groups": groups}, per_scorer(scorer, {}))
    router = (
        MetadataRouter(owner="cross_validate")
        .add(splitter=cv, method_mapping=MethodMapping().add(caller="fit", callee="split"))
        .add(estimator=estimator, method_mapping=MethodMapping().add(caller="fit", callee="fit"))
        .add(scorer=scorer, method_mapping=MethodMapping().add(caller="fit", callee="score"))
    )
    try:
        routed = process_routing(router, "fit", **params)
    except UnsetMetadataPassedError as e:
        raise UnsetMetadataPassedError(
            message=str(e).replace("cross_validate.fit", "cross_validate"),
            unrequested_params=e.unrequested_params,
            routed_params=e.routed_params,
        ) from None
    return RoutedParams(
        dict(routed.estimator.fit),
        dict(routed.splitter.split),
        per_scorer(scorer, routed.scorer.score),
    )


def _call_in_config(config: dict, func: Callable, *args: Any) -> Any:
    with config_context(**config):
        return func(*args)


def in_callers_config(func: Callable) -> Callable:
    """``func`` run under the caller's scikit-learn configuration (routing on or off).

    scikit-learn's configuration is per thread; Dask runs tasks in other
    threads or processes, so each task carries the configuration it was built
    under, as scikit-learn's own ``Parallel`` does.
    """
    return partial(_call_in_config, get_config(), func)

"""Models whose methods take a whole Dask collection, not its blocks: a registry above fills it.

:func:`~engine.data.call_blockwise` runs a fitted model on each row block
of Dask input. A few models must instead see the whole collection at once:
the Dask-native estimators (XGBoost's and LightGBM's Dask interfaces)
predict with a job spread over the cluster. Which models those are is
decided by ``engine.models``, a layer above this one, so this layer keeps
only a registry of *recognisers* that the upper layer fills when it is
imported (``engine.models`` registers its Dask-native check).

The protocol: a recogniser is a callable ``recognise(estimator) -> bool``
registered under a name with :func:`register_collection_model`;
:func:`takes_whole_collections` is true when any registered recogniser
accepts the estimator. Registering a name again replaces its recogniser
(a reloaded module does not register twice).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_RECOGNISERS: dict[str, Callable[[Any], bool]] = {}


def register_collection_model(name: str, recognise: Callable[[Any], bool]) -> None:
    """Declare, under ``name``, which models take whole Dask collections in their methods.

    Parameters
    ----------
    name : str
        Who registers (e.g. ``"engine.models"``); a second registration under
        the same name replaces the first.
    recognise : callable
        ``recognise(estimator) -> bool``: whether the estimator's
        ``predict``/``transform``/... take the whole Dask collection.

    Examples
    --------
    >>> from engine.data import (
    ...     register_collection_model, takes_whole_collections, unregister_collection_model)
    >>> class WholeFrameModel:
    ...     pass
    >>> register_collection_model("example", lambda est: isinstance(est, WholeFrameModel))
    >>> takes_whole_collections(WholeFrameModel()), takes_whole_collections(object())
    (True, False)
    >>> unregister_collection_model("example")
    """
    if not isinstance(name, str) or not callable(recognise):
        raise TypeError(
            "register_collection_model takes a name (str) and a callable recognise(estimator), "
            f"got {type(name).__name__} and {type(recognise).__name__}"
        )
    _RECOGNISERS[name] = recognise


def unregister_collection_model(name: str) -> None:
    """Remove the recogniser registered under ``name`` (nothing when there is none)."""
    _RECOGNISERS.pop(name, None)


def takes_whole_collections(estimator: Any) -> bool:
    """Whether a registered recogniser says ``estimator`` takes whole Dask collections.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> takes_whole_collections(Ridge())
    False
    """
    return any(recognise(estimator) for recognise in _RECOGNISERS.values())

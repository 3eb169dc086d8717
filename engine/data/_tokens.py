"""One deterministic token for estimators and values: every graph key and fingerprint uses it.

Its users are the engine's estimators (``__dask_tokenize__``), the searches
(task keys that let candidates share pipeline prefixes; checkpoint
fingerprints that must match across processes) and permutation importance
(graph keys of a fitted model). It lives in :mod:`engine.data`, the lowest
layer all of them import.

The rule, applied recursively:

* an estimator (an object with ``get_params``, not a class): its class, its
  constructor parameters and every other instance attribute (its fitted
  state). Two estimators share a token exactly when they have the same class,
  parameters and fitted state;
* a frozen ``scipy.stats`` distribution: its family, arguments and keywords,
  not the global random state it would pickle with (which differs from one
  process to the next; searches draw with their own ``random_state``);
* ``None``, booleans, numbers and strings: their type and ``repr``;
* dicts (keys sorted), lists and tuples: their items;
* anything else: Dask's ``tokenize``, required to be deterministic. An object
  Dask cannot tokenize deterministically (it cannot be pickled) gets a fresh
  random token: it is never mistaken for another object, at the price that
  its tasks are not shared and a checkpoint cannot recognise it in a rerun.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from dask.base import tokenize

_PLAIN = (type(None), bool, int, float, str)


def estimator_token(obj: Any) -> str:
    """The deterministic, process-independent token of an estimator or a value.

    Parameters
    ----------
    obj : estimator, scipy.stats frozen distribution, container or any value

    Returns
    -------
    str
        A hex token; equal for equal class, parameters and fitted state.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from engine.data import estimator_token
    >>> estimator_token(Ridge(alpha=2.0)) == estimator_token(Ridge(alpha=2.0))
    True
    >>> estimator_token(Ridge(alpha=2.0)) == estimator_token(Ridge(alpha=2))
    False
    """
    # the description holds only strings and tuples: its repr is deterministic and cheap to hash
    return hashlib.sha1(repr(_describe(obj, frozenset())).encode()).hexdigest()


def _describe(obj: Any, open_ids: frozenset) -> Any:
    """A tree of plain values standing for ``obj`` (see the module docstring)."""
    if isinstance(obj, _PLAIN):
        return (type(obj).__name__, repr(obj))
    if id(obj) in open_ids:  # a reference cycle: name the class, do not recurse
        return ("cycle", type(obj).__qualname__)
    inner = open_ids | {id(obj)}
    if hasattr(obj, "get_params") and not isinstance(obj, type):
        params = obj.get_params(deep=False)
        state = {k: v for k, v in getattr(obj, "__dict__", {}).items() if k not in params}
        return (
            "estimator",
            type(obj).__module__,
            type(obj).__qualname__,
            _describe(params, inner),
            _describe(state, inner),
        )
    if all(hasattr(obj, a) for a in ("rvs", "dist", "args", "kwds")):
        dist = obj.dist
        return (
            "distribution",
            type(dist).__module__,
            type(dist).__qualname__,
            getattr(dist, "name", ""),
            _describe(obj.args, inner),
            _describe(obj.kwds, inner),
        )
    if isinstance(obj, Mapping):
        keys = sorted(obj, key=repr)
        return ("dict", tuple((_describe(k, inner), _describe(obj[k], inner)) for k in keys))
    if isinstance(obj, list | tuple):
        return (type(obj).__name__, tuple(_describe(v, inner) for v in obj))
    try:
        return ("dask", tokenize(obj, ensure_deterministic=True))
    except Exception:  # noqa: BLE001 - cannot be pickled: a token that never matches another
        return ("unique", uuid.uuid4().hex)

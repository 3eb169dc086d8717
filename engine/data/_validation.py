"""The one place where user input and parameters are checked.

Input checks (columns, emptiness, lengths) are the engine's own. Parameter
checks are scikit-learn's: its constraint classes (``Interval``,
``StrOptions``, ``Options``, ``HasMethods``, ``Hidden``, ``RealNotInt``) and
its checker, so an engine estimator rejects a bad parameter exactly as a
scikit-learn estimator does (``InvalidParameterError``, a subclass of both
``ValueError`` and ``TypeError``, worded "The 'x' parameter of Est must be
... Got ... instead."), and scikit-learn's ``check_param_validation`` runs
on every engine estimator.

Those classes live in scikit-learn's private module
``sklearn.utils._param_validation``. This module is the engine's single seam
to it: no other engine module imports it; they take the names from
:mod:`engine.data`. ``tests/data/test_validation.py`` pins the behaviour the
engine relies on, so a scikit-learn release that changes it fails there first.

Constraint vocabulary (scikit-learn's): a type (``dict``, ``list``,
``Mapping``...), ``None``, ``callable``, ``"boolean"``, ``"verbose"``,
``"random_state"``, ``"cv_object"``, ``"array-like"``, or one of the classes
above. ``Interval.closed`` must be one of ``"left"``, ``"right"``, ``"both"``,
``"neither"`` (anything else raises when the constraint is built).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn import get_config
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    InvalidParameterError,
    MissingValues,
    Options,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
)

__all__ = [
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "MissingValues",
    "Options",
    "RealNotInt",
    "StrOptions",
    "check_consistent_length",
    "check_not_empty",
    "check_numeric_columns",
    "check_params",
    "check_same_columns",
    "set_init_params",
    "validate_params",
]


def validate_params(owner: str, params: Mapping[str, Any], constraints: Mapping) -> None:
    """Check ``params`` against scikit-learn-style ``constraints``; raise naming the parameter.

    ``constraints`` maps a parameter name to a list of accepted forms (see the
    module docstring); a value is valid when any form accepts it. Names
    without a constraint are not checked. Honours scikit-learn's
    ``skip_parameter_validation`` configuration.

    Raises
    ------
    InvalidParameterError
        ``"The 'name' parameter of owner must be ... Got value instead."``

    Examples
    --------
    >>> from numbers import Integral
    >>> from engine.data import Interval, validate_params
    >>> validate_params("f", {"n": 0}, {"n": [Interval(Integral, 1, None, closed="left")]})
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'n' parameter of f must be an int in the range [1, inf). Got 0 instead.
    """
    if get_config()["skip_parameter_validation"]:
        return
    validate_parameter_constraints(constraints, params, caller_name=owner)


def check_params(estimator: Any) -> None:
    """Validate ``estimator.get_params(deep=False)`` against its ``_parameter_constraints``.

    The one entry point every engine estimator, sampler, pipeline and search
    calls at the start of ``fit``.

    Examples
    --------
    >>> from engine.data import check_params
    >>> from engine.preprocessing import MissingDropper
    >>> check_params(MissingDropper(threshold=2.0))
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'threshold' parameter of MissingDropper must be a float in the range [0.0, 1.0]. Got 2.0 instead.
    """
    validate_params(
        type(estimator).__name__,
        estimator.get_params(deep=False),
        type(estimator)._parameter_constraints,
    )


def set_init_params(estimator: Any, values: Mapping[str, Any]) -> None:
    """Store every ``__init__`` parameter of ``estimator`` unchanged, taken from ``values``.

    Called as ``set_init_params(self, locals())`` at the end of an ``__init__``
    whose signature names each parameter explicitly (scikit-learn's rule, so
    ``get_params`` and ``clone`` work); it replaces one ``self.x = x`` line
    per parameter, which several estimators would otherwise repeat.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from engine.data import set_init_params
    >>> class Est(BaseEstimator):
    ...     def __init__(self, alpha=1.0, *, fit_intercept=True):
    ...         set_init_params(self, locals())
    >>> Est(alpha=2.0).get_params()
    {'alpha': 2.0, 'fit_intercept': True}
    """
    for name in _init_param_names(type(estimator)):
        setattr(estimator, name, values[name])


@functools.cache
def _init_param_names(cls: type) -> tuple[str, ...]:
    """scikit-learn's ``cls._get_param_names()``, read once per class (it inspects the signature)."""
    return tuple(cls._get_param_names())


def check_numeric_columns(dtypes: Iterable, columns: Sequence[str]) -> None:
    """Raise ``TypeError`` naming the first column whose dtype is not numeric or boolean."""
    for name, dtype in zip(columns, dtypes, strict=True):
        kind = getattr(dtype, "kind", "O")
        if kind not in "biuf":
            raise TypeError(
                f"column {name!r} has non-numeric dtype {dtype}; encode it first "
                "(for example with engine.preprocessing.OneHotEncoder or OrdinalEncoder)"
            )


def check_same_columns(
    fitted: Sequence[str] | None, given: Sequence[str] | None, n_fitted: int, n_given: int
) -> None:
    """Raise ``ValueError`` when transform-time columns differ from fit-time columns."""
    if fitted is not None and given is not None and list(fitted) != list(given):
        missing = [c for c in fitted if c not in set(given)]
        unseen = [c for c in given if c not in set(fitted)]
        if missing or unseen:
            raise ValueError(
                f"columns differ from those seen in fit: unseen columns {unseen}, "
                f"missing columns {missing}"
            )
        raise ValueError(
            f"columns are in a different order than in fit: expected {list(fitted)}, got {list(given)}"
        )
    if n_fitted != n_given:
        raise ValueError(
            f"X has {n_given} features, but this estimator was fitted with {n_fitted} features"
        )


def check_not_empty(n_rows: float, n_columns: int, what: str = "X") -> None:
    """Raise ``ValueError`` for an input with no rows or no columns (unknown rows pass)."""
    if n_columns == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape=({n_rows}, 0)) while a minimum of 1 is required: {what} is empty"
        )
    if not np.isnan(n_rows) and n_rows == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape=(0, {n_columns})) while a minimum of 1 is required: {what} is empty"
        )


def check_consistent_length(**arrays: Any) -> None:
    """Raise ``ValueError`` naming the inputs when their known lengths differ."""
    lengths = {}
    for name, value in arrays.items():
        if value is None:
            continue
        n = value.shape[0] if hasattr(value, "shape") else len(value)
        if n is not None and not (isinstance(n, float) and np.isnan(n)):
            lengths[name] = int(n)
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise ValueError(f"inconsistent numbers of samples: {detail}")

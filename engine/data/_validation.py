"""The one place where user input and parameters are checked.

Every public entry point calls these helpers at its boundary, so errors are
uniform and name the column, key or parameter at fault.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


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


def check_no_inf(block: np.ndarray, columns: Sequence[str] | None = None) -> np.ndarray:
    """Raise ``ValueError`` naming the first column holding +/-inf; return ``block``."""
    bad = np.isinf(block).any(axis=0)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        name = columns[j] if columns is not None else f"x{j}"
        raise ValueError(
            f"Input X contains infinity in column {name!r}; replace it (for example with NaN) "
            "before fitting"
        )
    return block


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


@dataclass(frozen=True)
class Interval:
    """A numeric parameter constraint: ``low <= value <= high`` (bounds optional)."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"  # "both", "left", "right", "neither"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is numbers.Integral and not isinstance(value, numbers.Integral):
            return False
        if not isinstance(value, numbers.Real):
            return False
        lo_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        hi_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        return lo_ok and hi_ok

    def __str__(self) -> str:
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        return (
            f"{'an int' if self.kind is numbers.Integral else 'a float'} in {left}{lo}, {hi}{right}"
        )


@dataclass(frozen=True)
class OneOf:
    """A parameter constraint: the value is one of the listed options."""

    options: tuple

    def accepts(self, value: Any) -> bool:
        return any(
            value is opt or (type(value) is type(opt) and value == opt) for opt in self.options
        )

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True)
class InstanceOf:
    """A parameter constraint: the value is an instance of the given types."""

    types: tuple

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.types)

    def __str__(self) -> str:
        return "an instance of " + " or ".join(t.__name__ for t in self.types)


@dataclass(frozen=True)
class Satisfies:
    """A parameter constraint given by a predicate and a description."""

    predicate: Callable[[Any], bool]
    description: str

    def accepts(self, value: Any) -> bool:
        return bool(self.predicate(value))

    def __str__(self) -> str:
        return self.description


def validate_params(
    owner: str, params: Mapping[str, Any], constraints: Mapping[str, Sequence]
) -> None:
    """Check ``params`` against declared ``constraints``; raise naming the parameter.

    ``constraints`` maps a parameter name to a list of accepted forms: an
    :class:`Interval`, :class:`OneOf`, :class:`InstanceOf`, :class:`Satisfies`,
    ``None`` (the value ``None``), or a string option (shorthand for
    ``OneOf``). A value is valid when any form accepts it.
    """
    for name, value in params.items():
        forms = constraints.get(name)
        if forms is None:
            continue
        if any(_accepts(form, value) for form in forms):
            continue
        wanted = " or ".join(_describe(form) for form in forms)
        exc = (
            TypeError
            if all(isinstance(f, InstanceOf) for f in forms if f is not None)
            else ValueError
        )
        raise exc(f"The {name!r} parameter of {owner} must be {wanted}. Got {value!r} instead.")


def _accepts(form, value) -> bool:
    if form is None:
        return value is None
    if isinstance(form, str):
        return isinstance(value, str) and value == form
    return form.accepts(value)


def _describe(form) -> str:
    if form is None:
        return "None"
    if isinstance(form, str):
        return repr(form)
    return str(form)


def check_param_names(owner: str, given: Iterable[str], valid: Iterable[str]) -> None:
    """Raise ``ValueError`` naming unknown parameter names and listing the valid ones."""
    valid = sorted(set(valid))
    unknown = [name for name in given if name not in valid]
    if unknown:
        raise ValueError(
            f"invalid parameter(s) {unknown} for {owner}; valid parameters are: {valid}"
        )

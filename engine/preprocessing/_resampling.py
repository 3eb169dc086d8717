"""Random over- and under-sampling with imbalanced-learn's semantics, distributed for Dask.

``RandomOverSampler`` and ``RandomUnderSampler`` follow imbalanced-learn's
``fit_resample`` protocol and ``sampling_strategy`` rules, so the number of
rows of each class after resampling equals imbalanced-learn's exactly. They
resample at ``fit`` time only: use them inside ``imblearn.pipeline.Pipeline``
(which calls ``fit_resample`` while fitting and skips samplers when
predicting); scikit-learn's own ``Pipeline`` does not know ``fit_resample``.

Dask input is resampled lazily: one pass over ``y`` counts each class per
block, then every block picks its rows with a generator keyed by
``(random_state, draw block, class)`` (see :mod:`engine.stats._draws`), so
``X`` never comes to the client, there is no shuffle, and the same
``random_state`` picks the same rows for NumPy and for Dask input of any
chunking, on any scheduler.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.multiclass import type_of_target

from engine.data._validation import InstanceOf, Interval, OneOf, Satisfies, validate_params
from engine.data.internal import align_rows, map_rows, repeat_rows, row_blocks, select_part
from engine.preprocessing._base import estimator_token
from engine.stats.internal import draws as _draws
from engine.stats.internal import row_plans as _plans

__all__ = ["RandomOverSampler", "RandomUnderSampler"]

_STRINGS = ("auto", "minority", "majority", "not minority", "not majority", "all")


def _select_classes(kind: str, classes, counts, over: bool) -> list:
    """Which classes a string strategy targets (imbalanced-learn's definitions)."""
    majority = classes[int(np.argmax(counts))]
    minority = classes[int(np.argmin(counts))]
    if kind == "auto":
        kind = "not majority" if over else "not minority"
    if kind == "majority" and over:
        raise ValueError("'sampling_strategy'='majority' cannot be used with over-sampler.")
    if kind == "minority" and not over:
        raise ValueError("'sampling_strategy'='minority' cannot be used with under-sampler.")
    pick = {
        "all": lambda c: True,
        "majority": lambda c: c == majority,
        "minority": lambda c: c == minority,
        "not majority": lambda c: c != majority,
        "not minority": lambda c: c != minority,
    }[kind]
    return [c for c in classes if pick(c)]


def resolve_targets(
    strategy: Any, classes: np.ndarray, counts: np.ndarray, over: bool, y: Any = None
) -> dict:
    """imbalanced-learn's ``sampling_strategy`` as ``{class: rows}`` (sorted by class).

    Over-sampling: rows to *add* per class; under-sampling: rows to *keep*.
    """
    stats = {c: int(n) for c, n in zip(classes.tolist(), counts, strict=True)}
    if len(stats) <= 1:
        raise ValueError(
            f"The target 'y' needs to have more than 1 class. Got {len(stats)} class instead"
        )
    n_max, n_min = max(stats.values()), min(stats.values())
    if isinstance(strategy, str):
        chosen = _select_classes(strategy, list(stats), list(stats.values()), over)
        targets = {c: (n_max - stats[c]) if over else n_min for c in chosen}
    elif isinstance(strategy, numbers.Real) and not isinstance(strategy, bool):
        if type_of_target(classes) != "binary":
            raise ValueError(
                '"sampling_strategy" can be a float only when the type of target is binary. '
                "For multi-class, use a dict."
            )
        majority, minority = max(stats, key=stats.get), min(stats, key=stats.get)
        if over:
            targets = {c: int(n_max * strategy - n) for c, n in stats.items() if c != majority}
            if any(v <= 0 for v in targets.values()):
                raise ValueError(
                    "The specified ratio required to remove samples from the minority class "
                    "while trying to generate new samples. Please increase the ratio "
                    "(sampling_strategy)."
                )
        else:
            targets = {c: int(n_min / strategy) for c in stats if c != minority}
            if any(v > stats[c] for c, v in targets.items()):
                raise ValueError(
                    "The specified ratio required to generate new sample in the majority "
                    "class while trying to remove samples. Please increase the ratio "
                    "(sampling_strategy)."
                )
    else:
        wanted = strategy(y) if callable(strategy) else strategy
        targets = _targets_from_dict(wanted, stats, over)
    return dict(sorted(targets.items()))


def _targets_from_dict(wanted: Mapping, stats: dict, over: bool) -> dict:
    unknown = [k for k in wanted if k not in stats]
    if unknown:
        raise ValueError(
            f"sampling_strategy: the {set(unknown)} target class is/are not present in the "
            f"data (classes: {sorted(stats)})."
        )
    if any(n < 0 for n in wanted.values()):
        raise ValueError(
            "The number of samples in a class cannot be negative. 'sampling_strategy' "
            f"contains some negative value: {dict(wanted)}"
        )
    targets = {}
    for c, n in wanted.items():
        if over and n < stats[c]:
            raise ValueError(
                "With over-sampling methods, the number of samples in a class should be "
                f"greater or equal to the original number of samples. Originally, there is "
                f"{stats[c]} samples and {n} samples are asked (sampling_strategy, class {c!r})."
            )
        if not over and n > stats[c]:
            raise ValueError(
                "With under-sampling methods, the number of samples in a class should be less "
                f"or equal to the original number of samples. Originally, there is {stats[c]} "
                f"samples and {n} samples are asked (sampling_strategy, class {c!r})."
            )
        targets[c] = int(n) - stats[c] if over else int(n)
    return targets


def _valid_strategy(value: Any) -> bool:
    if isinstance(value, str):
        return value in _STRINGS
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Real):
        return 0 < value <= 1
    return isinstance(value, Mapping) or callable(value)


class _BaseRandomSampler(BaseEstimator):
    _over: bool = False
    _parameter_constraints: dict = {
        "sampling_strategy": [
            Satisfies(
                _valid_strategy,
                f"a float in (0, 1], one of {list(_STRINGS)}, a dict or a callable",
            )
        ],
        "random_state": [
            None,
            Interval(numbers.Integral, 0, None),
            InstanceOf((np.random.RandomState, np.random.Generator)),
        ],
    }

    def __dask_tokenize__(self):
        return estimator_token(self)

    def _validate(self, X, y):
        validate_params(
            type(self).__name__, self.get_params(deep=False), self._parameter_constraints
        )
        if y is None:
            raise ValueError(f"{type(self).__name__} needs the class labels y; got y=None")
        aligned = align_rows({"X": X, "y": y}, convertible=())
        y_al = aligned.arrays["y"]
        y_blocks = row_blocks(y_al) if aligned.lazy else [np.asarray(y_al)]
        layout = _draws.class_layout(y_blocks, aligned.lengths)
        kind = type_of_target(layout.classes)
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"y must hold binary or multiclass labels; got {kind!r} targets")
        targets = resolve_targets(
            self.sampling_strategy, layout.classes, layout.totals(), self._over, y
        )
        self.sampling_strategy_ = targets
        shape = getattr(X, "shape", None)
        if shape is not None and len(shape) == 2:
            self.n_features_in_ = int(shape[1])
        if isinstance(X, pd.DataFrame | dd.DataFrame):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        return aligned, layout, y_blocks

    def fit(self, X: Any, y: Any) -> _BaseRandomSampler:
        """Count the classes (one pass over ``y``) and resolve ``sampling_strategy_``."""
        self._validate(X, y)
        return self

    def _per_class(self, layout, fill: Callable[[Any, int], int]) -> np.ndarray:
        return np.array(
            [fill(c, int(n)) for c, n in zip(layout.classes.tolist(), layout.totals(), strict=True)]
        )


class RandomOverSampler(_BaseRandomSampler):
    """Over-sample classes by drawing their rows at random with replacement.

    Method: imbalanced-learn's ``RandomOverSampler`` (without ``shrinkage``):
    ``sampling_strategy`` ("auto" = "not majority", "minority", "not
    minority", "all", a float ratio for binary targets, a ``{class: rows}``
    dict or a callable) decides how many rows each class gains; that many
    rows of the class are drawn uniformly with replacement. Exact counts:
    each class has exactly imbalanced-learn's number of rows afterwards. The
    output is the input followed by the drawn rows (the drawn rows come
    block by block in row order, not class by class as in imbalanced-learn;
    pandas keeps the index labels of the copied rows).

    Cost: one pass over ``y`` (class counts per block). Dask input gives lazy
    output (input blocks plus one block of copies per input block, with known
    sizes for dask arrays); nothing of ``X`` is computed by ``fit_resample``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
    random_state : int, RandomState, Generator or None

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows added per class.
    sample_indices_ : ndarray
        Input row of every output row (in-memory input only).

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(12).reshape(6, 2), np.array([0, 0, 0, 0, 1, 1])
    >>> X_res, y_res = RandomOverSampler(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [4, 4]
    """

    _over = True

    def __init__(self, *, sampling_strategy="auto", random_state=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def fit_resample(self, X: Any, y: Any) -> tuple:
        """Resample ``X`` and ``y`` (same kinds as given; lazy for Dask)."""
        aligned, layout, y_blocks = self._validate(X, y)
        n_draws = self._per_class(layout, lambda c, n: self.sampling_strategy_.get(c, 0))
        entropy = _draws.random_entropy(self.random_state)
        plan = _plans.repeat_plan(layout, y_blocks, n_draws, entropy, aligned.lazy)
        reps = plan.values()
        out = []
        for name in ("X", "y"):
            a = aligned.arrays[name]
            extra = map_rows(a, reps, repeat_rows, plan.sizes_of(0), name="engine-oversample")
            out.append(_concat_rows(a, extra))
        if not aligned.lazy:
            n = aligned.n_rows
            self.sample_indices_ = np.concatenate([np.arange(n), np.repeat(np.arange(n), reps[0])])
        return tuple(out)


def _concat_rows(a: Any, extra: Any) -> Any:
    if isinstance(a, da.Array):
        return da.concatenate([a, extra])
    if isinstance(a, dd.DataFrame | dd.Series):
        return dd.concat([a.clear_divisions(), extra.clear_divisions()])
    if isinstance(a, pd.DataFrame | pd.Series):
        return pd.concat([a, extra])
    if hasattr(a, "tocsr"):
        import scipy.sparse as sp

        return sp.vstack([a, extra], format=a.format)
    return np.concatenate([np.asarray(a), extra])


class RandomUnderSampler(_BaseRandomSampler):
    """Under-sample classes by keeping a uniformly random subset of their rows.

    Method: imbalanced-learn's ``RandomUnderSampler``: ``sampling_strategy``
    ("auto" = "not minority", "majority", "not majority", "all", a float
    ratio for binary targets, a ``{class: rows}`` dict or a callable) sets
    how many rows each targeted class keeps; they are drawn uniformly without
    replacement (with ``replacement=True``, with replacement). Exact counts
    (equal to imbalanced-learn's). Kept rows stay in their input order
    (imbalanced-learn groups them by class).

    Cost: one pass over ``y``. Dask input gives lazy output with one
    selection task per block (known sizes for dask arrays).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
    random_state : int, RandomState, Generator or None
    replacement : bool, default=False

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows kept per targeted class.
    sample_indices_ : ndarray
        Input row of every output row (in-memory input only).

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(12).reshape(6, 2), np.array([0, 0, 0, 0, 1, 1])
    >>> X_res, y_res = RandomUnderSampler(random_state=0).fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [2, 2]
    """

    _parameter_constraints = {
        **_BaseRandomSampler._parameter_constraints,
        "replacement": [OneOf((True, False))],
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None, replacement=False):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.replacement = replacement

    def fit_resample(self, X: Any, y: Any) -> tuple:
        """Resample ``X`` and ``y`` (same kinds as given; lazy for Dask)."""
        aligned, layout, y_blocks = self._validate(X, y)
        targets = self.sampling_strategy_
        entropy = _draws.random_entropy(self.random_state)
        if self.replacement:
            draws = self._per_class(layout, lambda c, n: targets.get(c, 0))
            keep = self._per_class(layout, lambda c, n: 0 if c in targets else 1)
            plan = _plans.repeat_plan(layout, y_blocks, draws, entropy, aligned.lazy, keep=keep)
            values, func, args = plan.values(), repeat_rows, ()
        else:
            kept = self._per_class(layout, lambda c, n: targets.get(c, n))
            alloc = np.stack([kept, layout.totals() - kept], axis=1)
            plan = _plans.part_plan(layout, y_blocks, alloc, entropy, aligned.lazy)
            values, func, args = plan.values(), select_part, (0,)
        out = tuple(
            map_rows(
                aligned.arrays[k], values, func, plan.sizes_of(0), *args, name="engine-undersample"
            )
            for k in ("X", "y")
        )
        if not aligned.lazy:
            n = aligned.n_rows
            self.sample_indices_ = (
                np.repeat(np.arange(n), values[0])
                if self.replacement
                else np.flatnonzero(values[0] == 0)
            )
        return out

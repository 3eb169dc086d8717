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
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.multiclass import type_of_target

from engine.data import Interval, StrOptions, check_not_empty, check_params, estimator_token
from engine.data._rows import Aligned, align_rows, map_rows, repeat_rows, row_blocks, select_part
from engine.stats import _draws
from engine.stats import _row_plans as _plans

__all__ = ["RandomOverSampler", "RandomUnderSampler"]

_SHARED = {"auto", "not minority", "not majority", "all"}


def _select_classes(kind: str, classes, counts, over: bool) -> list:
    """Which classes a string strategy targets (imbalanced-learn's definitions)."""
    majority = classes[int(np.argmax(counts))]
    minority = classes[int(np.argmin(counts))]
    if kind == "auto":
        kind = "not majority" if over else "not minority"
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


def _strategy_constraint(strings: set) -> list:
    """imbalanced-learn's ``sampling_strategy`` constraint, with its sampler's strings."""
    return [Interval(numbers.Real, 0, 1, closed="right"), StrOptions(strings), Mapping, callable]


@dataclass
class _Checked:
    """Validated sampler input: X and y on the same row blocks, and the class layout."""

    aligned: Aligned
    layout: Any
    y_blocks: list

    def per_class(self, fill: Callable[[Any, int], int]) -> np.ndarray:
        """``fill(class, rows of the class)`` for every class, in class order."""
        totals = self.layout.totals()
        return np.array(
            [fill(c, int(n)) for c, n in zip(self.layout.classes.tolist(), totals, strict=True)]
        )


class _BaseRandomSampler(BaseEstimator, metaclass=ABCMeta):
    """imbalanced-learn's template: public ``fit`` / ``fit_resample``, abstract ``_fit_resample``.

    ``fit_resample`` checks the parameters and the input, counts the classes
    (one pass over ``y``), resolves ``sampling_strategy_`` and hands the
    aligned input to the sampler's ``_fit_resample``.
    """

    _over: bool = False
    _parameter_constraints: dict = {"random_state": ["random_state", np.random.Generator]}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = True  # rows are copied, never computed on
        tags.input_tags.sparse = True
        tags.input_tags.string = True
        return tags

    def __dask_tokenize__(self):
        return estimator_token(self)

    def _check(self, X, y) -> _Checked:
        check_params(self)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if np.ndim(X) != 2:
            raise ValueError(
                f"Expected 2D array, got {np.ndim(X)}D array instead: reshape X with "
                "X.reshape(-1, 1) if it has a single feature"
            )
        aligned = align_rows({"X": X, "y": y}, convertible=())
        check_not_empty(sum(aligned.lengths), np.shape(X)[1])
        y_al = aligned.arrays["y"]
        y_blocks = row_blocks(y_al) if aligned.lazy else [np.asarray(y_al)]
        layout = _draws.class_layout(y_blocks, aligned.lengths)
        kind = type_of_target(layout.classes)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {kind!r}; y must hold binary or multiclass labels"
            )
        self.sampling_strategy_ = resolve_targets(
            self.sampling_strategy, layout.classes, layout.totals(), self._over, y
        )
        shape = getattr(X, "shape", None)
        if shape is not None and len(shape) == 2:
            self.n_features_in_ = int(shape[1])
        if isinstance(X, pd.DataFrame | dd.DataFrame):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        return _Checked(aligned, layout, y_blocks)

    def fit(self, X: Any, y: Any) -> _BaseRandomSampler:
        """Count the classes (one pass over ``y``) and resolve ``sampling_strategy_``."""
        self._check(X, y)
        return self

    def fit_resample(self, X: Any, y: Any) -> tuple:
        """Resample ``X`` and ``y`` (same kinds as given; lazy for Dask)."""
        checked = self._check(X, y)
        return self._fit_resample(checked, _draws.random_entropy(self.random_state))

    @abstractmethod
    def _fit_resample(self, checked: _Checked, entropy: int) -> tuple:
        """``(X_resampled, y_resampled)``; set ``sample_indices_`` for in-memory input."""


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
    _parameter_constraints = {
        **_BaseRandomSampler._parameter_constraints,
        "sampling_strategy": _strategy_constraint(_SHARED | {"minority"}),
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def _fit_resample(self, checked: _Checked, entropy: int) -> tuple:
        aligned = checked.aligned
        n_draws = checked.per_class(lambda c, n: self.sampling_strategy_.get(c, 0))
        plan = _plans.repeat_plan(checked.layout, checked.y_blocks, n_draws, entropy, aligned.lazy)
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
        "sampling_strategy": _strategy_constraint(_SHARED | {"majority"}),
        "replacement": ["boolean"],
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None, replacement=False):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.replacement = replacement

    def _fit_resample(self, checked: _Checked, entropy: int) -> tuple:
        aligned, layout, targets = checked.aligned, checked.layout, self.sampling_strategy_
        if self.replacement:
            draws = checked.per_class(lambda c, n: targets.get(c, 0))
            keep = checked.per_class(lambda c, n: 0 if c in targets else 1)
            plan = _plans.repeat_plan(
                layout, checked.y_blocks, draws, entropy, aligned.lazy, keep=keep
            )
            values, func, args = plan.values(), repeat_rows, ()
        else:
            kept = checked.per_class(lambda c, n: targets.get(c, n))
            alloc = np.stack([kept, layout.totals() - kept], axis=1)
            plan = _plans.part_plan(layout, checked.y_blocks, alloc, entropy, aligned.lazy)
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

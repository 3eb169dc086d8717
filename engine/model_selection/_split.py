"""Random train/test and train/validation/test splits for in-memory and Dask data.

Assignment is global, not per block: the part sizes are computed from the
global row count (and, when stratified, the global class counts), and the
rows of each part are drawn uniformly from the whole data with the
chunking-independent scheme of :mod:`engine.stats._draws`. The same
``random_state`` therefore picks the same rows for NumPy, pandas, dask.array
and dask.dataframe input of the same data, whatever the chunking and the
scheduler.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from dask.base import is_dask_collection
from sklearn.utils import indexable

from engine.data.internal import align_rows, map_rows, row_blocks, select_part
from engine.stats.internal import draws as _draws
from engine.stats.internal import row_plans as _plans

__all__ = ["train_test_split", "train_val_test_split"]


def _check_size(name: str, value: Any, n: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"Invalid value for {name}: {value!r}; expected an int or a float")
    if isinstance(value, numbers.Integral):
        if value <= 0 or value >= n:
            raise ValueError(
                f"{name}={value} should be either positive and smaller than the number of "
                f"samples {n} or a float in the (0, 1) range"
            )
    elif not 0 < value < 1:
        raise ValueError(
            f"{name}={value} should be either positive and smaller than the number of "
            f"samples {n} or a float in the (0, 1) range"
        )


def _count(value: Any, n: int, rounding) -> int:
    if isinstance(value, numbers.Integral):
        return int(value)
    return int(rounding(value * n))


def resolve_sizes(
    n: int, held_out: dict[str, Any], train_size: Any, default: dict[str, float]
) -> tuple[int, dict[str, int]]:
    """Rows in the training part and in each held-out part (scikit-learn's rounding).

    A float held-out fraction gives ``ceil(fraction * n)`` rows, a float
    ``train_size`` gives ``floor(train_size * n)`` rows (as
    ``sklearn.model_selection.train_test_split``); whatever is not given is
    the remainder.
    """
    if all(v is None for v in held_out.values()) and train_size is None:
        held_out = dict(default)
    for name, value in held_out.items():
        _check_size(name, value, n)
    _check_size("train_size", train_size, n)
    given = {k: v for k, v in held_out.items() if v is not None}
    if train_size is not None:
        given["train_size"] = train_size
    fractions = {k: v for k, v in given.items() if not isinstance(v, numbers.Integral)}
    if len(fractions) == len(given) and sum(fractions.values()) > 1 + 1e-12:
        names = " + ".join(given)
        raise ValueError(
            f"The sum of {names} = {sum(fractions.values())}, should be in the (0, 1) range. "
            f"Reduce {' and/or '.join(given)}."
        )
    counts = {k: _count(v, n, math.ceil) for k, v in held_out.items() if v is not None}
    if train_size is not None:
        n_train = _count(train_size, n, math.floor)
        missing = [k for k, v in held_out.items() if v is None]
        for k in missing:
            counts[k] = n - n_train - sum(counts.values())
    else:
        n_train = n - sum(counts.values())
    for k in held_out:
        counts.setdefault(k, 0)
    if n_train + sum(counts.values()) > n or min(counts.values(), default=1) < 0:
        raise ValueError(
            f"The sum of train_size and {' and '.join(held_out)} = "
            f"{n_train + sum(counts.values())}, should be smaller than the number of samples "
            f"{n}. Reduce {' and/or '.join(held_out)} and/or train_size."
        )
    if n_train <= 0:
        raise ValueError(
            f"With n_samples={n}, {', '.join(f'{k}={v}' for k, v in held_out.items())} and "
            f"train_size={train_size}, the resulting train set will be empty. Adjust any of "
            "the aforementioned parameters."
        )
    empty = [k for k, v in counts.items() if v <= 0]
    if empty:
        raise ValueError(f"With n_samples={n}, the part set by {empty[0]} would be empty")
    return n_train, counts


def _check_stratified_layout(layout: _draws.ClassLayout, sizes: list, names: list) -> None:
    totals = layout.totals()
    if totals.min() < 2:
        raise ValueError(
            "The least populated class in y has only 1 member, which is too few. The "
            "minimum number of groups for any class cannot be less than 2 (stratify)."
        )
    for size, name in zip(sizes, names, strict=True):
        if size < len(totals):
            raise ValueError(
                f"The {name} = {size} should be greater or equal to the number of classes = "
                f"{len(totals)} (stratify)."
            )


def _split(arrays, size_args, train_size, default, shuffle, random_state, stratify):
    if not arrays:
        raise ValueError("At least one array required as input")
    if not isinstance(shuffle, bool | np.bool_):
        raise ValueError(f"shuffle must be True or False, got {shuffle!r}")
    if stratify is not None and not shuffle:
        raise ValueError(
            "Stratified train/test split is not implemented for shuffle=False (stratify)"
        )
    # as scikit-learn: sparse input is cut as CSR, lists come back as lists
    arrays = [a if is_dask_collection(a) else indexable(a)[0] for a in arrays]
    named = {f"arrays[{i}]": a for i, a in enumerate(arrays)}
    named["stratify"] = stratify
    aligned = align_rows(named, convertible=("stratify",))
    n = aligned.n_rows
    n_train, held = resolve_sizes(n, size_args, train_size, default)
    sizes = [n_train, *held.values()]
    n_out = len(sizes)
    if n > sum(sizes):
        sizes.append(n - sum(sizes))
    if not shuffle:
        plan = _plans.contiguous_plan(aligned.lengths, sizes, aligned.lazy)
    else:
        entropy = _draws.random_entropy(random_state)
        y_blocks = None
        if stratify is not None:
            strat = aligned.arrays["stratify"]
            y_blocks = row_blocks(strat) if aligned.lazy else [strat]
        layout = _plans.layout_for(aligned.lengths, y_blocks)
        if stratify is not None:
            _check_stratified_layout(layout, sizes[:n_out], ["train_size", *held])
        alloc = _draws.allocate(layout.totals(), sizes, _draws.keyed_rng(entropy, 0))
        plan = _plans.part_plan(layout, y_blocks, alloc, entropy, aligned.lazy)
    labels = plan.values()
    out = []
    for i in range(len(arrays)):
        a = aligned.arrays[f"arrays[{i}]"]
        for part in range(n_out):
            rows = map_rows(a, labels, select_part, plan.sizes_of(part), part, name="engine-split")
            out.append(rows.tolist() if isinstance(arrays[i], list) else rows)
    return out


def train_test_split(
    *arrays: Any,
    test_size: float | int | None = None,
    train_size: float | int | None = None,
    random_state: Any = None,
    shuffle: bool = True,
    stratify: Any = None,
) -> list:
    """Split arrays into random train and test subsets, lazily for Dask input.

    Method: the part sizes follow scikit-learn's rules (a float ``test_size``
    gives ``ceil(test_size * n)`` rows, a float ``train_size`` gives
    ``floor(train_size * n)``, default ``test_size=0.25``). Rows are drawn
    uniformly from the *whole* data (not block by block, unlike dask-ml):
    part sizes are spread over fixed draw blocks of 65,536 row positions by
    exact multivariate hypergeometric draws, and each draw block orders its
    rows with a generator keyed by ``(random_state, draw block, class)``. With
    ``stratify``, each class is allocated to the parts as scikit-learn's
    ``StratifiedShuffleSplit`` does (every class within one row of its exact
    share, ties broken at random), then drawn within the class.

    Exact sizes; the same ``random_state`` selects the same rows for NumPy,
    pandas, dask.array and dask.dataframe input of the same data, for any
    chunking and scheduler. Differences from scikit-learn: the rows chosen
    differ (a different generator), and each output keeps the input's row
    order (scikit-learn returns the rows shuffled); shuffle the output if the
    order matters.

    Cost: in memory, one pass to label the rows plus one selection per output.
    Dask: nothing is computed for unstratified splits of dask arrays with known
    chunks; dask DataFrames (unknown partition lengths) cost one pass to count
    rows per partition, and ``stratify`` one pass over the labels to count
    classes per block. The outputs are lazy, one selection task per block,
    with known chunk sizes for dask arrays.

    Parameters
    ----------
    *arrays : sequence of arrays
        NumPy arrays, lists, pandas objects, SciPy sparse matrices (all in
        memory), or dask arrays (dense or of scipy.sparse blocks, which keep
        their format) / DataFrames / Series (all lazy), with the same number of
        rows.
    test_size, train_size : float or int, optional
        Fraction in (0, 1) or absolute number of rows.
    random_state : int, RandomState, Generator or None
        Seed of the draw; an int makes it reproducible.
    shuffle : bool
        False takes the first ``n_train`` rows for training and the next
        ``n_test`` rows for testing.
    stratify : array-like, optional
        Class labels (in memory or Dask) whose proportions each part keeps.

    Returns
    -------
    list
        ``[a_train, a_test, b_train, b_test, ...]``, each of its input's kind.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(20).reshape(10, 2), np.arange(10) % 2
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3,
    ...                                                     random_state=0, stratify=y)
    >>> len(X_train), len(X_test), int(y_test.sum()) in (1, 2)
    (7, 3, True)
    """
    return _split(
        arrays,
        {"test_size": test_size},
        train_size,
        {"test_size": 0.25},
        shuffle,
        random_state,
        stratify,
    )


def train_val_test_split(
    *arrays: Any,
    val_size: float | int,
    test_size: float | int,
    train_size: float | int | None = None,
    stratify: Any = None,
    shuffle: bool = True,
    random_state: Any = None,
) -> list:
    """Split arrays into random train, validation and test subsets, lazily for Dask.

    Same method, guarantees and cost as :func:`train_test_split`, with three
    parts (float ``val_size``/``test_size`` round up, ``train_size`` rounds
    down and defaults to the rest). With ``stratify``, every class is within
    one row of its exact share in each of the three parts. With
    ``shuffle=False`` the parts are consecutive: train, validation, test.

    Returns
    -------
    list
        ``[a_train, a_val, a_test, b_train, b_val, b_test, ...]``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(40).reshape(20, 2)
    >>> X_train, X_val, X_test = train_val_test_split(X, val_size=0.2, test_size=0.25,
    ...                                               random_state=0)
    >>> len(X_train), len(X_val), len(X_test)
    (11, 4, 5)
    """
    return _split(
        arrays,
        {"val_size": val_size, "test_size": test_size},
        train_size,
        {},
        shuffle,
        random_state,
        stratify,
    )

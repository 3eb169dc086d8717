"""K-fold splitters that give scikit-learn's folds on NumPy and lazy fold masks on Dask.

:class:`KFold` and :class:`StratifiedKFold` are scikit-learn's splitters
(same parameters, same folds for the same ``random_state``) that also accept
dask arrays and DataFrames: for those, :meth:`split` yields lazy boolean row
masks chunked like ``X``'s rows, and the data never comes to the client.
:func:`fold_masks`, :func:`fold_labels` and :func:`split_collection` are the
building blocks a cross-validation loop uses to select fold parts lazily.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterator
from typing import Any

import dask
import dask.array as da
import numpy as np
import sklearn.model_selection as skms
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target

from engine.data import is_lazy
from engine.data.internal import align_rows, map_rows, row_blocks, select_part
from engine.stats.internal import draws as _draws
from engine.stats.internal import row_plans as _plans

__all__ = [
    "KFold",
    "StratifiedKFold",
    "check_cv",
    "fold_labels",
    "fold_masks",
    "split_collection",
]


def _fold_dtype(n_splits: int):
    return np.int8 if n_splits <= 127 else np.int32


class _DaskFolds:
    """Mixin: scikit-learn's ``split`` for in-memory data, lazy masks for Dask."""

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator:
        """Yield ``(train, test)`` per fold.

        In memory: index arrays, identical to scikit-learn's. Dask input: lazy
        boolean dask arrays over the rows of ``X`` (chunked like them); select
        with :func:`split_collection`.
        """
        if not (is_lazy(X) or is_lazy(y)):
            yield from super().split(X, y, groups)
            return
        labels = self.fold_labels(X, y, groups)
        for k in range(self.n_splits):
            test = labels == k
            yield ~test, test

    def fold_labels(self, X: Any, y: Any = None, groups: Any = None):
        """The test fold of every row (NumPy, or a lazy dask array chunked like ``X``).

        Exactly scikit-learn's fold assignment. Dask cost: nothing for
        ``KFold`` without shuffle; with shuffle one task draws the permutation
        (O(n) memory in that task, no data read); ``StratifiedKFold`` adds one
        pass over ``y`` to count classes per block.
        """
        del groups
        aligned = align_rows({"X": X, "y": y}, convertible=("y",))
        n = aligned.n_rows
        if self.n_splits > n:
            raise ValueError(
                f"Cannot have number of splits n_splits={self.n_splits} greater than the "
                f"number of samples: n_samples={n}."
            )
        values = self._block_fold_values(aligned)
        dtype = _fold_dtype(self.n_splits)
        if not aligned.lazy:
            return values[0]
        return da.concatenate(
            [
                da.from_delayed(v, shape=(int(length),), dtype=dtype)
                for v, length in zip(values, aligned.lengths, strict=True)
            ]
        )


class KFold(_DaskFolds, skms.KFold):
    """K-fold cross-validation: scikit-learn's ``KFold`` that also splits Dask collections.

    Method and result: identical folds to ``sklearn.model_selection.KFold``
    with the same parameters (exact). On Dask input, :meth:`split` yields lazy
    boolean masks; without shuffle they cost nothing to build, with shuffle a
    single task reproduces scikit-learn's permutation of the row positions
    (memory O(n) in that task; no data is read).

    Examples
    --------
    >>> import numpy as np
    >>> [test.tolist() for _, test in KFold(3).split(np.zeros((6, 1)))]
    [[0, 1], [2, 3], [4, 5]]
    """

    def _block_fold_values(self, aligned) -> list:
        n = aligned.n_rows
        sizes = np.full(self.n_splits, n // self.n_splits, dtype=np.int64)
        sizes[: n % self.n_splits] += 1
        if not self.shuffle:
            return _plans.contiguous_plan(aligned.lengths, list(sizes), aligned.lazy).values()
        seed = self.random_state
        if not isinstance(seed, numbers.Integral):
            seed = _draws.random_entropy(check_random_state(seed)) % (2**32)
        offsets = np.cumsum([0, *aligned.lengths])
        if not aligned.lazy:
            return [_kfold_shuffled(n, sizes, seed, self.n_splits)]
        whole = dask.delayed(_kfold_shuffled, pure=True, name="engine-kfold-perm")(
            n, sizes, seed, self.n_splits
        )
        take = dask.delayed(_slice, pure=True, name="engine-kfold-block")
        return [take(whole, int(offsets[b]), int(offsets[b + 1])) for b in range(len(offsets) - 1)]


def _slice(a: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return a[lo:hi]


def _kfold_shuffled(n: int, sizes: np.ndarray, seed: int, n_splits: int) -> np.ndarray:
    """scikit-learn's shuffled KFold assignment: fold of each row position."""
    indices = np.arange(n)
    check_random_state(seed).shuffle(indices)
    folds = np.empty(n, dtype=_fold_dtype(n_splits))
    folds[indices] = np.repeat(np.arange(n_splits), sizes)
    return folds


class StratifiedKFold(_DaskFolds, skms.StratifiedKFold):
    """Stratified K-fold: scikit-learn's ``StratifiedKFold`` that also splits Dask collections.

    Method and result: identical folds to
    ``sklearn.model_selection.StratifiedKFold`` (classes encoded by first
    appearance, round-robin allocation of each class to the folds, the same
    shuffling of each class's fold sequence). On Dask input one pass over
    ``y`` counts the rows of every class per block and finds each class's
    first row; one small task then draws the per-class fold sequences (O(n)
    memory, no data read) and each block takes its slice, so ``X`` never comes
    to the client.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 0, 1, 1, 0, 1])
    >>> [test.tolist() for _, test in StratifiedKFold(3).split(np.zeros((6, 1)), y)]
    [[0, 2], [1, 3], [4, 5]]
    """

    def _block_fold_values(self, aligned) -> list:
        if "y" not in aligned.arrays:
            raise ValueError("StratifiedKFold needs the class labels y; got y=None")
        y = aligned.arrays["y"]
        y_blocks = row_blocks(y) if aligned.lazy else [y]
        n = aligned.n_rows
        layout = _draws.class_layout(y_blocks, aligned.lengths, rows_per_draw=n + 1)
        kind = type_of_target(layout.classes)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Supported target types are: ('binary', 'multiclass'). Got {kind!r} instead."
            )
        order = np.argsort(np.argsort(layout.first_index))  # sorted class -> appearance code
        counts = np.zeros(len(order), dtype=np.int64)
        counts[order] = layout.totals()
        if np.all(self.n_splits > counts):
            raise ValueError(
                f"n_splits={self.n_splits} cannot be greater than the number of members in "
                "each class."
            )
        if self.n_splits > counts.min():
            warnings.warn(
                f"The least populated class in y has only {counts.min()} members, which is "
                f"less than n_splits={self.n_splits}.",
                UserWarning,
                stacklevel=3,
            )
        seed = self.random_state
        if seed is not None and not isinstance(seed, numbers.Integral):
            seed = _draws.random_entropy(seed) % (2**32)
        prefixes = layout.prefixes()
        args = [
            (
                y_blocks[b],
                int(layout.offsets[b]),
                int(layout.offsets[b + 1] - layout.offsets[b]),
                layout.block_counts[b],
                prefixes[b],
                layout.rows_per_draw,
                layout.classes,
                order,
            )
            for b in range(len(y_blocks))
        ]
        if not aligned.lazy:
            seqs = _stratified_sequences(counts, self.n_splits, self.shuffle, seed)
            return [_stratified_block(seqs, *args[0])]
        seqs = dask.delayed(_stratified_sequences, pure=True, name="engine-skfold-plan")(
            counts, self.n_splits, self.shuffle, seed
        )
        call = dask.delayed(_stratified_block, pure=True, name="engine-skfold-block")
        return [call(seqs, *a) for a in args]


def _stratified_sequences(counts, n_splits: int, shuffle: bool, seed) -> list:
    """Per class (in order of first appearance), the fold of each of its rows in row order."""
    rng = check_random_state(seed)
    n_classes = len(counts)
    y_order = np.repeat(np.arange(n_classes), counts)
    allocation = np.asarray(
        [np.bincount(y_order[i::n_splits], minlength=n_classes) for i in range(n_splits)]
    )
    out = []
    for k in range(n_classes):
        folds = np.arange(n_splits).repeat(allocation[:, k])
        if shuffle:
            rng.shuffle(folds)
        out.append(folds.astype(_fold_dtype(n_splits)))
    return out


def _stratified_block(
    seqs, y_block, offset, length, counts, prefix, rows_per_draw, classes, order
) -> np.ndarray:
    codes = _draws.label_codes(y_block, classes)

    def values_for(v: int, i: int) -> np.ndarray:
        return seqs[order[i]]

    return _draws.scatter_block(
        codes, length, offset, counts, prefix, rows_per_draw, values_for, seqs[0].dtype
    )


def fold_labels(cv: Any, X: Any, y: Any = None, groups: Any = None):
    """Test fold of every row for ``KFold``/``StratifiedKFold`` (lazy for Dask).

    See :meth:`KFold.fold_labels`. Other splitters may put a row in several
    test sets (or none); use :func:`fold_masks` for them.

    Examples
    --------
    >>> import numpy as np
    >>> fold_labels(KFold(2), np.zeros((4, 1))).tolist()
    [0, 0, 1, 1]
    """
    if isinstance(cv, numbers.Integral):
        cv = KFold(cv)
    if not isinstance(cv, _DaskFolds):
        raise TypeError(
            f"fold_labels needs an engine KFold or StratifiedKFold, got {type(cv).__name__}; "
            "use fold_masks for other splitters"
        )
    return cv.fold_labels(X, y, groups)


def fold_masks(cv: Any, X: Any, y: Any = None, groups: Any = None) -> list:
    """``[(train_mask, test_mask), ...]`` boolean row masks, one pair per fold.

    Engine splitters on Dask input give lazy masks chunked like ``X`` (nothing
    computed but the metadata passes of :meth:`KFold.fold_labels`). Any other
    scikit-learn splitter (or iterable of index pairs) is run on the client:
    for Dask input only ``y`` and ``groups`` (vectors) are computed, never
    ``X``, and the masks are wrapped as dask arrays chunked like ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> [(tr.tolist(), te.tolist()) for tr, te in fold_masks(2, np.zeros((2, 1)))]
    [([False, True], [True, False]), ([True, False], [False, True])]
    """
    if isinstance(cv, numbers.Integral):
        cv = KFold(cv)
    if isinstance(cv, _DaskFolds):
        labels = cv.fold_labels(X, y, groups)
        return [(labels != k, labels == k) for k in range(cv.n_splits)]
    aligned = align_rows({"X": X, "y": y, "groups": groups}, convertible=("y", "groups"))
    n = aligned.n_rows
    y_c, g_c = (
        dask.compute(aligned.arrays.get("y"), aligned.arrays.get("groups"))
        if aligned.lazy
        else (aligned.arrays.get("y"), aligned.arrays.get("groups"))
    )
    X_stub = np.zeros((n, 1)) if aligned.lazy else aligned.arrays["X"]
    splits = cv.split(X_stub, y_c, g_c) if hasattr(cv, "split") else cv
    out = []
    for train, test in splits:
        masks = []
        for index in (train, test):
            mask = np.zeros(n, dtype=bool)
            mask[index] = True
            masks.append(
                da.from_array(mask, chunks=(tuple(aligned.lengths),)) if aligned.lazy else mask
            )
        out.append(tuple(masks))
    return out


def split_collection(*arrays: Any, train: Any, test: Any) -> list:
    """Select the ``train`` and ``test`` rows (boolean masks) of each array, lazily for Dask.

    Returns ``[a_train, a_test, b_train, b_test, ...]`` of the inputs' kinds.
    Dask: one selection task per block, nothing computed; output dask arrays
    have unknown row chunk sizes (dask DataFrames keep their divisions).
    Row order is kept.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(8).reshape(4, 2), np.arange(4)
    >>> (train, test), _ = fold_masks(2, X)
    >>> [a.tolist() for a in split_collection(X, y, train=train, test=test)][2:]
    [[2, 3], [0, 1]]
    """
    named = {f"arrays[{i}]": a for i, a in enumerate(arrays)}
    named.update(train=train, test=test)
    aligned = align_rows(named, convertible=("train", "test"))
    if aligned.lazy:
        masks = {k: row_blocks(aligned.arrays[k]) for k in ("train", "test")}
    else:
        masks = {k: [np.asarray(aligned.arrays[k], dtype=bool)] for k in ("train", "test")}
    out = []
    for i in range(len(arrays)):
        a = aligned.arrays[f"arrays[{i}]"]
        for k in ("train", "test"):
            out.append(map_rows(a, masks[k], select_part, None, True, name="engine-fold-select"))
    return out


def _target_kind(y: Any) -> str:
    if is_lazy(y):
        values = y.unique() if hasattr(y, "unique") and not isinstance(y, da.Array) else None
        values = da.unique(y.ravel()) if values is None else values
        return type_of_target(np.asarray(dask.compute(values)[0]))
    return type_of_target(y)


def check_cv(cv: Any = 5, y: Any = None, *, classifier: bool = False):
    """Turn ``cv`` into a splitter, as ``sklearn.model_selection.check_cv`` does.

    ``None`` or an int gives this module's :class:`StratifiedKFold` when
    ``classifier`` is true and ``y`` is binary or multiclass, otherwise
    :class:`KFold` (both work on Dask input). Splitter objects and iterables
    of ``(train, test)`` go through scikit-learn's ``check_cv`` unchanged (they
    split in-memory data; :func:`fold_masks` runs them for Dask input). For
    Dask ``y`` with ``classifier=True``, the target type is found from its
    distinct values (one pass over ``y``).

    Examples
    --------
    >>> import numpy as np
    >>> check_cv(3, np.array([0, 1, 0, 1, 0, 1]), classifier=True)
    StratifiedKFold(n_splits=3, random_state=None, shuffle=False)
    """
    cv = 5 if cv is None else cv
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if classifier and y is not None and _target_kind(y) in ("binary", "multiclass"):
            return StratifiedKFold(cv)
        return KFold(cv)
    return skms.check_cv(cv, y, classifier=classifier)

"""``Incremental``: train with ``partial_fit`` one row block per task, in a seeded block order."""

from __future__ import annotations

import copy
from typing import Any

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
from dask.base import tokenize
from sklearn.base import clone, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if

from engine.data import HasMethods, align_columns, check_params, estimator_token
from engine.metrics import unique_labels
from engine.models._parallel_post_fit import ParallelPostFit


def _partial_fit_block(model: Any, X_block: Any, y_block: Any, params: dict) -> Any:
    """A copy of ``model`` updated by ``partial_fit`` on one block (the graph stays pure)."""
    model = copy.deepcopy(model)
    return model.partial_fit(X_block, y_block, **params)


def _row_blocks(X: Any) -> list:
    """One delayed object per row block (pandas partitions, NumPy blocks)."""
    if isinstance(X, dd.DataFrame | dd.Series):
        return list(X.to_delayed())
    if isinstance(X, da.Array):
        if X.ndim == 2 and X.numblocks[1] != 1:
            X = X.rechunk({1: -1})
        return list(X.to_delayed().ravel())
    raise TypeError(f"Incremental trains on a dask array or dask DataFrame, got {type(X).__name__}")


def _check_blocks_match(X: Any, y: Any) -> None:
    if isinstance(X, da.Array) and isinstance(y, da.Array):
        if X.chunks[0] != y.chunks[0]:
            raise ValueError(
                f"X and y must have the same row chunks, got {X.chunks[0]} and {y.chunks[0]}"
            )
    elif X.npartitions != y.npartitions:
        raise ValueError(
            f"X and y must have the same number of row blocks, got {X.npartitions} and "
            f"{y.npartitions}"
        )


def _estimator_has(method: str):
    def check(self) -> bool:
        getattr(self.estimator, method)
        return True

    return check


class Incremental(ParallelPostFit):
    """Train any ``partial_fit`` estimator on data larger than memory, one block at a time.

    dask-ml's ``Incremental``: ``fit(X, y)`` on a dask array or dask DataFrame
    calls ``partial_fit`` of a clone of ``estimator`` once per row block, each
    call one task that takes the model left by the previous block, in an order
    drawn from ``random_state`` when ``shuffle_blocks`` (one block is in
    memory at a time; the model travels between workers). NumPy and pandas
    input make one ``partial_fit`` call. Classifiers get ``classes`` found
    exactly on Dask targets in one pass (``engine.metrics.unique_labels``)
    unless given. Prediction, transform and scoring are
    :class:`ParallelPostFit`'s: lazy, blockwise, the input's kind out.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
    scoring : str, callable or None, default=None
        As in :class:`ParallelPostFit`.
    shuffle_blocks : bool, default=True
        Visit the blocks in a random order (else in order).
    random_state : int, RandomState instance or None, default=None
        Seeds the block order; an int gives the same model on every scheduler.

    Attributes
    ----------
    estimator_ : estimator
        The trained clone (its learned attributes also on the wrapper).
    block_order_ : numpy.ndarray
        The order in which the row blocks were visited by the last ``fit``.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from sklearn.linear_model import SGDRegressor
    >>> from engine.models import Incremental
    >>> X = da.from_array(np.arange(40.0).reshape(20, 2) / 40, chunks=(5, 2))
    >>> y = X.sum(axis=1)
    >>> model = Incremental(SGDRegressor(random_state=0), random_state=0).fit(X, y)
    >>> model.block_order_.tolist()
    [2, 3, 1, 0]
    """

    _parameter_constraints = {
        **ParallelPostFit._parameter_constraints,
        "estimator": [HasMethods(["partial_fit"])],
        "shuffle_blocks": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, scoring=None, shuffle_blocks=True, random_state=None):
        super().__init__(estimator=estimator, scoring=scoring)
        self.shuffle_blocks = shuffle_blocks
        self.random_state = random_state

    def fit(self, X, y=None, **fit_params):
        """Train a fresh clone of ``estimator`` over every block of ``X`` (see the class).

        Returns
        -------
        self
        """
        check_params(self)
        self._train(clone(self.estimator), X, y, fit_params)
        return self

    @available_if(_estimator_has("partial_fit"))
    def partial_fit(self, X, y=None, **fit_params):
        """Continue training ``estimator_`` (a clone of ``estimator`` at first) over ``X``.

        Returns
        -------
        self
        """
        check_params(self)
        start = self.estimator_ if hasattr(self, "estimator_") else clone(self.estimator)
        self._train(start, X, y, fit_params)
        return self

    def _train(self, model: Any, X: Any, y: Any, params: dict) -> None:
        if not dask.is_dask_collection(X):
            self.block_order_ = np.zeros(1, dtype=np.intp)
            self._set_fitted(model.partial_fit(X, y, **params))
            return
        if hasattr(model, "feature_names_in_") or hasattr(model, "n_features_in_"):
            X = align_columns(
                X, getattr(model, "feature_names_in_", None), getattr(model, "n_features_in_", None)
            )
        _check_blocks_match(X, y)
        if is_classifier(model) and "classes" not in params:
            params = {**params, "classes": unique_labels(y)}
        x_blocks, y_blocks = _row_blocks(X), _row_blocks(y)
        n_blocks = len(x_blocks)
        order = np.arange(n_blocks)
        if self.shuffle_blocks:
            order = check_random_state(self.random_state).permutation(n_blocks)
        token = tokenize(estimator_token(model), estimator_token(params), X, y, order.tolist())
        step = dask.delayed(_partial_fit_block, pure=True)
        trained = model
        for k, i in enumerate(order):
            key = f"engine-partial-fit-{token}-{k}"
            trained = step(trained, x_blocks[i], y_blocks[i], params, dask_key_name=key)
        self.block_order_ = order
        self._set_fitted(trained.compute())

"""PolynomialFeatures: products of columns up to a degree, blockwise."""

from __future__ import annotations

import functools
import numbers
from itertools import chain, combinations, combinations_with_replacement

import numpy as np

from engine.data import Interval
from engine.data._adapters import Table
from engine.preprocessing._base import EngineTransformer, input_names


def _poly_block(block, n_full, n_out, max_degree, interaction_only, include_bias):
    """Products in scikit-learn's order: each degree multiplies the previous degree's block."""
    X = np.asarray(block, dtype=np.float64)
    n_rows, n_features = X.shape
    XP = np.empty((n_rows, n_full))
    col = 0
    if include_bias:
        XP[:, 0] = 1.0
        col = 1
    XP[:, col : col + n_features] = X
    index = list(range(col, col + n_features))
    col += n_features
    index.append(col)
    for _ in range(2, max_degree + 1):
        new_index = []
        end = index[-1]
        for j in range(n_features):
            start = index[j]
            new_index.append(col)
            if interaction_only:
                start += index[j + 1] - index[j]
            nxt = col + end - start
            if nxt <= col:
                break
            np.multiply(XP[:, start:end], X[:, j : j + 1], out=XP[:, col:nxt])
            col = nxt
        new_index.append(col)
        index = new_index
    if n_out == n_full:
        return XP
    if include_bias:  # drop the low degrees, keep the bias column
        return np.concatenate([XP[:, :1], XP[:, n_full - n_out + 1 :]], axis=1)
    return XP[:, n_full - n_out :].copy()


class PolynomialFeatures(EngineTransformer):
    """All products of columns with total degree up to ``degree`` (same columns as scikit-learn).

    Same parameters (``order`` aside), attributes, feature names and results
    (the same multiplications in the same order, so the same bits) as
    :class:`sklearn.preprocessing.PolynomialFeatures`. NaN propagates into the
    products that use it. Cost: fit reads no data (0 passes); transform 1 pass.

    Parameters
    ----------
    degree : int or tuple (min_degree, max_degree), default=2
    interaction_only : bool, default=False
        Only products of distinct columns.
    include_bias : bool, default=True
        Add a column of ones.

    Attributes
    ----------
    powers_ : ndarray of shape (n_output_features_, n_features_in_)
    n_output_features_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from engine.preprocessing import PolynomialFeatures
    >>> PolynomialFeatures().fit_transform(np.array([[2.0, 3.0]])).tolist()
    [[1.0, 2.0, 3.0, 4.0, 6.0, 9.0]]
    """

    _parameter_constraints = {
        "degree": [Interval(numbers.Integral, 0, None, closed="left"), tuple],
        "interaction_only": ["boolean"],
        "include_bias": ["boolean"],
    }

    def __init__(self, degree=2, *, interaction_only: bool = False, include_bias: bool = True):
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias

    def _check_params(self) -> None:
        super()._check_params()
        if isinstance(self.degree, tuple):
            valid = len(self.degree) == 2 and all(
                isinstance(d, numbers.Integral) for d in self.degree
            )
            if not (valid and 0 <= self.degree[0] <= self.degree[1]):
                raise ValueError(
                    "degree=(min_degree, max_degree) must be non-negative integers that "
                    f"fulfil min_degree <= max_degree, got {self.degree}."
                )
        if self._degrees()[1] == 0 and not self.include_bias:
            raise ValueError(
                "Setting degree to zero and include_bias to False would result in an empty "
                "output array."
            )

    def _n_fit_passes(self) -> int:
        return 0

    def _degrees(self) -> tuple[int, int]:
        if isinstance(self.degree, tuple):
            return int(self.degree[0]), int(self.degree[1])
        return 0, int(self.degree)

    def _combinations(self, n_features: int, min_degree: int, max_degree: int, bias: bool):
        comb = combinations if self.interaction_only else combinations_with_replacement
        start = max(1, min_degree)
        iters = chain.from_iterable(
            comb(range(n_features), d) for d in range(start, max_degree + 1)
        )
        return list(chain([()], iters)) if bias else list(iters)

    def _finish_fit(self, stats: dict, table: Table) -> None:
        min_degree, max_degree = self._degrees()
        n = table.n_columns
        combos = self._combinations(n, min_degree, max_degree, self.include_bias)
        self.powers_ = np.vstack([np.bincount(c, minlength=n) for c in combos]).astype(np.int64)
        self.n_output_features_ = len(combos)
        self._n_full = len(self._combinations(n, 0, max_degree, self.include_bias))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names such as ``1``, ``x0``, ``x0^2``, ``x0 x1`` (as scikit-learn)."""
        names = input_names(self, input_features)
        out = []
        for row in self.powers_:
            idx = np.flatnonzero(row)
            if idx.size == 0:
                out.append("1")
                continue
            out.append(" ".join(f"{names[i]}^{row[i]}" if row[i] != 1 else names[i] for i in idx))
        return np.asarray(out, dtype=object)

    def _block_function(self, table: Table):
        max_degree = self._degrees()[1]
        if max_degree == 0:
            return functools.partial(_bias_only, n_out=self.n_output_features_)
        return functools.partial(
            _poly_block,
            n_full=self._n_full,
            n_out=self.n_output_features_,
            max_degree=max_degree,
            interaction_only=self.interaction_only,
            include_bias=self.include_bias,
        )


def _bias_only(block, n_out):
    return np.ones((len(block), n_out))

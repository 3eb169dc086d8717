"""PolynomialFeatures: products of columns up to a degree, blockwise (dense) or row by row (sparse)."""

from __future__ import annotations

import collections.abc
import functools
import numbers
from itertools import chain, combinations, combinations_with_replacement
from math import comb
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils.validation import check_is_fitted, validate_data

from engine.data import Interval, StrOptions, Table, set_init_params
from engine.kernels.polynomial import csr_expansion
from engine.preprocessing._base import EngineTransformer, input_names
from engine.preprocessing._sparse import is_sparse_dask

_KEPT_FLOATS = (np.float64, np.float32)


def _poly_block(block, n_full, n_out, max_degree, interaction_only, include_bias, dtype, order):
    """Products in scikit-learn's order: each degree multiplies the previous degree's block."""
    X = np.asarray(block, dtype=dtype)
    n_rows, n_features = X.shape
    XP = np.empty((n_rows, n_full), dtype=dtype, order=order)
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
        out = np.empty((n_rows, n_out), dtype=dtype, order=order)
        out[:, 0] = 1.0
        out[:, 1:] = XP[:, n_full - n_out + 1 :]
        return out
    return np.array(XP[:, n_full - n_out :], order=order)


def _bias_only(block, n_out, dtype, order):
    return np.ones((len(block), n_out), dtype=dtype, order=order)


def _sparse_interface(X, interface: str | None = None):
    """``X`` as the sparse ``interface`` (default: scikit-learn's configured one), ``sparray`` or ``spmatrix``."""
    interface = interface or get_config()["sparse_interface"]
    if interface == "sparray" and sp.isspmatrix(X):
        return getattr(sp, f"{X.format}_array")(X)
    if interface == "spmatrix" and not sp.isspmatrix(X):
        return getattr(sp, f"{X.format}_matrix")(X)
    return X


class PolynomialFeatures(EngineTransformer):
    """All products of columns with total degree up to ``degree`` (same columns as scikit-learn).

    Same parameters, attributes, feature names and results (the same
    multiplications in the same order, so the same bits) as
    :class:`sklearn.preprocessing.PolynomialFeatures`. NaN propagates into the
    products that use it. float32 input gives float32 output (other numbers
    give float64), as in scikit-learn.

    scipy.sparse input keeps its format: CSR and CSC give CSR and CSC
    (other formats are read as CSR), expanded row by row by a Numba kernel
    (:func:`engine.kernels.polynomial.csr_expansion`) for every degree,
    without densifying; implicit zeros stay implicit. A dask array of
    scipy.sparse blocks gives a lazy one, one sparse block out per row block in
    (same format), equal to the expansion of the concatenated matrix. A configuration whose
    output would have more columns than int64 can index raises
    scikit-learn's ``ValueError``.

    Cost: fit 0 passes (it reads no data); transform 1 pass.

    Parameters
    ----------
    degree : int or tuple (min_degree, max_degree), default=2
    interaction_only : bool, default=False
        Only products of distinct columns.
    include_bias : bool, default=True
        Add a column of ones.
    order : {"C", "F"}, default="C"
        Memory layout of dense NumPy output.

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
        "degree": [Interval(numbers.Integral, 0, None, closed="left"), "array-like"],
        "interaction_only": ["boolean"],
        "include_bias": ["boolean"],
        "order": [StrOptions({"C", "F"})],
    }
    _float_dtypes = _KEPT_FLOATS

    def __init__(
        self,
        degree=2,
        *,
        interaction_only: bool = False,
        include_bias: bool = True,
        order: str = "C",
    ):
        set_init_params(self, locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------ degrees
    def _degrees(self) -> tuple[int, int]:
        """``(min_degree, max_degree)``, checked with scikit-learn's messages."""
        if isinstance(self.degree, numbers.Integral):
            if self.degree == 0 and not self.include_bias:
                raise ValueError(
                    "Setting degree to zero and include_bias to False would result in"
                    " an empty output array."
                )
            return 0, int(self.degree)
        if isinstance(self.degree, collections.abc.Iterable) and len(self.degree) == 2:
            low, high = self.degree
            if not (
                isinstance(low, numbers.Integral)
                and isinstance(high, numbers.Integral)
                and 0 <= low <= high
            ):
                raise ValueError(
                    "degree=(min_degree, max_degree) must be non-negative integers that "
                    f"fulfil min_degree <= max_degree, got {self.degree}."
                )
            if high == 0 and not self.include_bias:
                raise ValueError(
                    "Setting both min_degree and max_degree to zero and include_bias to"
                    " False would result in an empty output array."
                )
            return int(low), int(high)
        raise ValueError(
            f"degree must be a non-negative int or tuple (min_degree, max_degree), got "
            f"{self.degree}."
        )

    @staticmethod
    def _combinations(n_features, min_degree, max_degree, interaction_only, include_bias):
        """The output terms (tuples of column indices) in output order."""
        terms = combinations if interaction_only else combinations_with_replacement
        iters = chain.from_iterable(
            terms(range(n_features), d) for d in range(max(1, min_degree), max_degree + 1)
        )
        return chain([()], iters) if include_bias else iters

    @staticmethod
    def _num_combinations(n_features, min_degree, max_degree, interaction_only, include_bias):
        """The number of output terms (Python int, exact for any size)."""
        if interaction_only:
            count = sum(
                comb(n_features, d)
                for d in range(max(1, min_degree), min(max_degree, n_features) + 1)
            )
        else:
            count = comb(n_features + max_degree, max_degree) - 1
            if min_degree > 0:
                count -= comb(n_features + min_degree - 1, min_degree - 1) - 1
        return count + int(include_bias)

    def _count(self, min_degree: int, max_degree: int) -> int:
        return self._num_combinations(
            self.n_features_in_, min_degree, max_degree, self.interaction_only, self.include_bias
        )

    # ----------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any = None) -> PolynomialFeatures:
        """Check ``X`` and count the output columns (reads no data); ``y`` is ignored."""
        self._check_params()
        if sp.issparse(X):
            validate_data(self, X, accept_sparse=True, ensure_all_finite=False, reset=True)
        elif is_sparse_dask(X):  # the blocks are checked when transformed
            validate_data(self, X, skip_check_array=True, reset=True)
        else:
            self._check_input(X, reset=True)
        self._min_degree, self._max_degree = self._degrees()
        self.n_output_features_ = self._count(self._min_degree, self._max_degree)
        if self.n_output_features_ > np.iinfo(np.intp).max:
            raise ValueError(
                "The output that would result from the current configuration would have "
                f"{self.n_output_features_} features which is too large to be indexed by "
                f"{np.dtype(np.intp).name}. Please change some or all of the following:\n"
                f"- The number of features in the input, currently n_features="
                f"{self.n_features_in_}\n- The range of degrees to calculate, currently "
                f"[{self._min_degree}, {self._max_degree}]\n- Whether to include only "
                f"interaction terms, currently {self.interaction_only}\n- Whether to include "
                f"a bias term, currently {self.include_bias}."
            )
        self._n_full = self._count(0, self._max_degree)
        return self

    @property
    def powers_(self) -> np.ndarray:
        """Exponent of every input column (columns) in every output column (rows)."""
        check_is_fitted(self)
        n = self.n_features_in_
        terms = self._combinations(
            n, self._min_degree, self._max_degree, self.interaction_only, self.include_bias
        )
        rows = [np.bincount(t, minlength=n) for t in terms]
        return np.vstack(rows) if rows else np.zeros((0, n), dtype=np.intp)

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

    # ----------------------------------------------------------- transform
    def transform(self, X: Any):
        """Expand ``X`` into the same kind (Dask stays lazy; scipy.sparse keeps its format)."""
        check_is_fitted(self)
        if sp.issparse(X):
            return _sparse_interface(self._sparse_transform(X))
        if is_sparse_dask(X):
            return self._sparse_dask_transform(X)
        table = self._check_input(X, reset=False)
        return table.apply_blockwise(
            self._block_function(table),  # computes in the output dtype itself
            self._output_names(table),
            dtype=self._output_dtype(table),
            raw=True,
        )

    def _block_function(self, table: Table):
        dtype = self._output_dtype(table)
        order = self.order if table.kind == "numpy" else "C"
        if self._max_degree == 0:
            return functools.partial(
                _bias_only, n_out=self.n_output_features_, dtype=dtype, order=order
            )
        return functools.partial(
            _poly_block,
            n_full=self._n_full,
            n_out=self.n_output_features_,
            max_degree=self._max_degree,
            interaction_only=self.interaction_only,
            include_bias=self.include_bias,
            dtype=dtype,
            order=order,
        )

    def _sparse_dask_transform(self, X):
        """Lazy: each row block (all columns) expanded by :meth:`_sparse_transform`."""
        validate_data(self, X, skip_check_array=True, reset=False)
        interface = get_config()["sparse_interface"]  # read now: the blocks run in other threads
        dtype = X.dtype if X.dtype in _KEPT_FLOATS else np.dtype(np.float64)
        block_format = "csc" if X._meta.format == "csc" else "csr"
        meta = _sparse_interface(
            getattr(sp, f"{block_format}_array")((0, 0), dtype=dtype), interface
        )
        return X.rechunk({1: -1}).map_blocks(
            self._sparse_block,
            interface,
            chunks=(X.chunks[0], (self.n_output_features_,)),
            dtype=dtype,
            meta=meta,
        )

    def _sparse_block(self, block, interface: str):
        return _sparse_interface(self._sparse_transform(block), interface)

    def _sparse_transform(self, X):
        """The expansion of a scipy.sparse matrix, in its format (CSR for formats but CSC)."""
        X = validate_data(
            self,
            X,
            accept_sparse=("csr", "csc"),
            dtype=list(_KEPT_FLOATS),
            ensure_all_finite=False,
            reset=False,
        )
        csr = X.tocsr()
        csr.sum_duplicates()  # sorted indices, no duplicates
        offsets = np.zeros(self._max_degree + 1, dtype=np.int64)
        column = int(self.include_bias)
        for degree in range(1, self._max_degree + 1):
            offsets[degree] = column
            if degree >= self._min_degree:
                column += self._count(degree, degree) - int(self.include_bias)
        data, indices, indptr = csr_expansion(
            csr.data,
            csr.indices.astype(np.int64),
            csr.indptr.astype(np.int64),
            self.n_features_in_,
            self._min_degree,
            self._max_degree,
            self.interaction_only,
            self.include_bias,
            offsets,
        )
        int32_max = np.iinfo(np.int32).max
        if self.n_output_features_ <= int32_max and len(data) <= int32_max:
            indices, indptr = indices.astype(np.int32), indptr.astype(np.int32)
        out = sp.csr_array((data, indices, indptr), shape=(X.shape[0], self.n_output_features_))
        return out.tocsc() if X.format == "csc" else out

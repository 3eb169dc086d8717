"""scipy.sparse input for the scalers that keep sparsity (no centring): moments and column scaling.

A dask array of scipy.sparse blocks follows the same rules block by block:
each row block is checked as scikit-learn checks a sparse matrix, its
moments partial comes from the helpers below and the partials merge in a
fixed tree (Chan et al., one pass, one ``dask.compute``), so the fit equals
scikit-learn's on the concatenated matrix up to rounding; transform is lazy,
one sparse block out per block in (sparsity and format kept).

Statistics come from scikit-learn's public sparse helpers
(:func:`sklearn.utils.sparsefuncs.mean_variance_axis`, ``min_max_axis``) over
the stored values, implicit zeros included, NaN ignored; the result is a
moments partial like the dense kernels', so fitting, ``partial_fit`` merges and
the scalers' attributes follow one code path. Cost: one pass over the stored
values for fit and for transform; the output has the input's sparsity and
format (CSR or CSC).
"""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array
from sklearn.utils.sparsefuncs import inplace_column_scale, mean_variance_axis, min_max_axis
from sklearn.utils.validation import validate_data

from engine.kernels import moments as mk
from engine.stats.internal import compute_all, merge_moments, tree_merge

SPARSE_FLOAT_DTYPES = (np.float64, np.float32)  #: kept as they are (scipy.sparse has no float16)


def is_sparse_dask(X: Any) -> bool:
    """Whether ``X`` is a dask array of scipy.sparse blocks."""
    return isinstance(X, da.Array) and sp.issparse(X._meta)


def _checked_block(block):
    return check_array(
        block,
        accept_sparse=("csr", "csc"),
        dtype=list(SPARSE_FLOAT_DTYPES),
        ensure_all_finite="allow-nan",
        ensure_min_samples=0,
    )


def checked_sparse(est, X, *, reset: bool):
    """``X`` as a float32/float64 CSR or CSC matrix, checked by scikit-learn's ``validate_data``.

    NaN allowed, inf rejected; other sparse formats become CSR. A dask array of
    scipy.sparse blocks: its feature count is checked now, each block lazily
    (all columns in one block; other dtypes become float64).
    """
    if is_sparse_dask(X):
        validate_data(est, X, reset=reset, skip_check_array=True)
        dtype = X.dtype if X.dtype in SPARSE_FLOAT_DTYPES else np.dtype(np.float64)
        return X.rechunk({1: -1}).map_blocks(
            _checked_block, dtype=dtype, meta=sp.csr_matrix((0, 0), dtype=dtype)
        )
    return validate_data(
        est,
        X,
        reset=reset,
        accept_sparse=("csr", "csc"),
        dtype=list(SPARSE_FLOAT_DTYPES),
        ensure_all_finite="allow-nan",
    )


def _stored_columns(X: sp.spmatrix | sp.sparray) -> np.ndarray:
    """The column index of every stored value of a CSR or CSC matrix."""
    if X.format == "csr":
        return X.indices
    return np.repeat(np.arange(X.shape[1]), np.diff(X.indptr))


def sparse_moments(X: Any, weights: Any = None) -> np.ndarray:
    """Moments partial of a CSR/CSC matrix (implicit zeros count; NaN ignored; weighted or not).

    A dask array of sparse blocks (from :func:`checked_sparse`): one partial per
    row block, merged in a fixed tree, computed now (one pass).
    """
    if is_sparse_dask(X):
        blocks = X.to_delayed().ravel()
        if weights is None:
            weight_blocks = [None] * len(blocks)
        else:
            weight_blocks = da.asarray(weights).rechunk((X.chunks[0],)).to_delayed().ravel()
        call = dask.delayed(_block_moments, pure=True, name="engine-sparse-moments-block")
        parts = [call(b, w) for b, w in zip(blocks, weight_blocks, strict=True)]
        (raw,) = compute_all(tree_merge(parts, merge_moments, name="engine-sparse-moments-merge"))
        return raw
    return _block_moments(X, weights)


def _block_moments(X: sp.spmatrix | sp.sparray, weights: np.ndarray | None) -> np.ndarray:
    n_rows, n_columns = X.shape
    nan = np.isnan(X.data)
    missing = np.bincount(_stored_columns(X)[nan], minlength=n_columns).astype(np.float64)
    if weights is None:
        mean, var = mean_variance_axis(X, axis=0)
        count = n_rows - missing
    else:
        weights = np.asarray(weights, dtype=X.dtype)  # scikit-learn's helper wants one dtype
        mean, var, count = mean_variance_axis(X, axis=0, weights=weights, return_sum_weights=True)
    low, high = min_max_axis(X, axis=0, ignore_nan=True)
    raw = mk.empty_moments(n_columns)
    raw[mk.COUNT] = count
    raw[mk.MISSING] = missing
    raw[mk.MEAN] = np.where(count > 0, mean, 0.0)
    raw[mk.M2] = np.where(count > 0, var * count, 0.0)
    raw[mk.MIN] = np.where(count > 0, low, np.inf)
    raw[mk.MAX] = np.where(count > 0, high, -np.inf)
    return raw


def sparse_percentiles(X, q: tuple[float, float]) -> np.ndarray:
    """Per column, the percentiles ``q`` of a sparse matrix's values, implicit zeros included.

    NaN ignored (``numpy.nanpercentile``); computed in the matrix's dtype, one
    column at a time (memory: one dense column). Shape ``(2, n_columns)``.
    """
    csc = X.tocsc()
    out = []
    for j in range(csc.shape[1]):
        column = np.zeros(csc.shape[0], dtype=csc.dtype)
        stored = csc.data[csc.indptr[j] : csc.indptr[j + 1]]
        column[: len(stored)] = stored
        out.append(np.nanpercentile(column, q))
    return np.transpose(out).reshape(2, csc.shape[1])


def scaled_columns(X, factor: np.ndarray | None, clip: bool = False):
    """A copy of ``X`` (same format) with column ``j`` times ``factor[j]``, optionally clipped to [-1, 1].

    A dask array of sparse blocks gives a lazy one of the same chunks (a block per block).
    """
    if is_sparse_dask(X):
        return X.map_blocks(scaled_columns, factor, clip, dtype=X.dtype, meta=X._meta)
    out = X.copy()
    if factor is not None:
        inplace_column_scale(out, np.asarray(factor, dtype=np.float64))
    if clip:
        np.clip(out.data, -1.0, 1.0, out=out.data)
    return out

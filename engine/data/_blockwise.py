"""A fitted model's method over any table kind: lazily, one task per row block, the input's kind out.

:func:`call_blockwise` is what every engine model (pipelines, searches,
``engine.models.ParallelPostFit``) answers ``predict``, ``predict_proba``,
``predict_log_proba``, ``decision_function`` and ``transform`` with:

* columns are first matched by name (:func:`~engine.data.align_columns`);
* NumPy and pandas input: the in-memory method, unchanged;
* dask array: ``map_blocks`` over the row chunks (columns in one chunk);
* dask DataFrame/Series: ``map_partitions``, each partition a pandas frame,
  the output keeps the index and divisions: a Series for 1-D outputs, a
  DataFrame for 2-D ones whose columns are the class labels
  (``predict_proba``, ``predict_log_proba``, multiclass
  ``decision_function``) or the transformer's output names;
* xarray DataArray: the same over its data, wrapped back with the row
  coordinate (2-D outputs get a ``class``, ``output`` or the input's column
  dimension).

A model with an ``array_method(method, meta)`` (an engine pipeline, also
inside a search or ``ParallelPostFit``) may answer a dask DataFrame's
partitions from their float64 values with its checks done once, when the
graph is built; the values are the same.
Every row block is handed to the model's own in-memory method, with BLAS and
OpenMP held at one thread (Dask's threads use the cores), so the values are
the in-memory method's on that block. For row-wise arithmetic (scalers,
encoders, trees, ...) they are bit-identical to one call on all rows. A
matrix product (linear models' ``decision_function`` and what builds on it)
is bit-identical to the in-memory call with one BLAS thread when every block
but the last holds a multiple of 4 rows; otherwise a row at a block edge may
differ in the last bit, as the in-memory result itself does between one and
two BLAS threads (OpenBLAS's kernels group rows by 4 and split them between
threads).
Cost: one pass over the input, one task per block, nothing computed until
asked. The output's shape and dtype are learned by calling the method on one
placeholder row (no data is read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.base import tokenize
from dask.dataframe.utils import meta_nonempty

from engine.data._columns import align_columns, input_columns
from engine.data._table import DaskArrayTable, DaskFrameTable, XarrayTable, input_kind
from engine.data._threads import single_blas_thread
from engine.data._tokens import estimator_token

#: Methods whose 2-D output has one column per class.
CLASS_COLUMNS = ("predict_proba", "predict_log_proba", "decision_function")


@dataclass(frozen=True)
class OutputSpec:
    """Shape and labels of a method's output: 1-D, or 2-D with these column labels."""

    ndim: int
    dtype: np.dtype
    columns: tuple = ()


class BlockMethod:
    """``estimator.<method>(block)`` as a picklable, deterministically tokenized task function.

    ``names`` (when given) label the NumPy blocks of a named input (xarray)
    as a pandas frame, so the estimator sees the names it was fitted with.
    ``on_values`` (when given) answers a pandas block instead, from its
    float64 values: the same method with its checks done once (a pipeline's
    array chain), the same values.
    """

    def __init__(
        self,
        estimator: Any,
        method: str,
        params: dict,
        names: tuple | None = None,
        on_values: Callable | None = None,
    ):
        self.estimator = estimator
        self.method = method
        self.params = params
        self.names = names
        self.on_values = on_values

    def __dask_tokenize__(self):
        return (
            estimator_token(self.estimator),
            self.method,
            estimator_token(self.params),
            self.names,
        )

    def __call__(self, block):
        if self.names is not None and isinstance(block, np.ndarray):
            block = pd.DataFrame(block, columns=list(self.names), copy=False)
        with single_blas_thread():
            if self.on_values is not None and isinstance(block, pd.DataFrame):
                return self.on_values(block.to_numpy(dtype=np.float64, na_value=np.nan))
            return getattr(self.estimator, self.method)(block, **self.params)


def _class_labels(estimator: Any) -> tuple:
    classes = getattr(estimator, "classes_", None)
    return () if classes is None else tuple(np.asarray(classes).tolist())


def _output_spec(func: BlockMethod, probe: Any) -> OutputSpec:
    """Call the method on a placeholder row: its output's dimension, dtype and labels."""
    out = func(probe)
    ndim = np.ndim(out)
    if ndim == 1:
        return OutputSpec(1, np.asarray(out).dtype)
    if isinstance(out, pd.DataFrame):
        return OutputSpec(2, out.dtypes.iloc[0], tuple(out.columns))
    width = np.shape(out)[1]
    labels = _class_labels(func.estimator) if func.method in CLASS_COLUMNS else ()
    if len(labels) != width:
        names = getattr(func.estimator, "get_feature_names_out", None)
        labels = tuple(names()) if func.method == "transform" and names else tuple(range(width))
    return OutputSpec(2, np.asarray(out).dtype, labels)


def call_blockwise(
    estimator: Any,
    method: str,
    X: Any,
    in_memory: Callable | None = None,
    **params: Any,
) -> Any:
    """``estimator.<method>(X)``, lazily and block by block for Dask and xarray input.

    Parameters
    ----------
    estimator : fitted estimator
        Its ``feature_names_in_`` / ``n_features_in_`` (when present) are the
        columns ``X`` is matched against.
    method : str
        ``"predict"``, ``"predict_proba"``, ``"predict_log_proba"``,
        ``"decision_function"``, ``"transform"`` (any row-wise method).
    X : NumPy array, pandas, dask array, dask DataFrame/Series or xarray DataArray
    in_memory : callable, optional
        What answers in-memory input (default ``getattr(estimator, method)``);
        a model that routes its own method here passes its in-memory version.
    **params
        Passed to the method with every block.

    Returns
    -------
    The method's output: in-memory input as the method returns it; a dask
    array, dask DataFrame/Series or xarray DataArray of one task per row
    block otherwise.

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from engine.data import call_blockwise
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> proba = call_blockwise(model, "predict_proba", dd.from_pandas(X[["b", "a"]], npartitions=2))
    >>> list(proba.columns), proba.npartitions
    ([0, 1], 2)
    """
    in_memory = in_memory or getattr(estimator, method)
    try:
        kind = input_kind(X)
    except TypeError:  # other inputs (sparse matrices, ...): the estimator's own rules
        return in_memory(X, **params)
    X = align_columns(
        X,
        getattr(estimator, "feature_names_in_", None),
        getattr(estimator, "n_features_in_", None),
        type(estimator).__name__,
    )
    if kind == DaskFrameTable.kind:
        on_values = None
        if not params and hasattr(estimator, "array_method"):
            # the method on each partition's float64 values, its checks done once, now (an
            # engine pipeline's array chain; None when it has none)
            on_values = estimator.array_method(method, X._meta)
        return _on_dask_dataframe(BlockMethod(estimator, method, params, on_values=on_values), X)
    if kind == DaskArrayTable.kind:
        return _on_dask_array(BlockMethod(estimator, method, params), X)
    if kind == XarrayTable.kind:
        return _on_xarray(BlockMethod(estimator, method, params, _names_for(estimator, X)), X)
    return in_memory(X, **params)


def _on_dask_dataframe(func: BlockMethod, X):
    frame = X.to_frame() if isinstance(X, dd.Series) else X
    spec = _output_spec(func, meta_nonempty(frame._meta).iloc[:1])
    index = frame._meta.index
    if spec.ndim == 1:
        meta = pd.Series([], dtype=spec.dtype, index=index)
    else:
        meta = pd.DataFrame(
            {i: pd.Series([], dtype=spec.dtype) for i in range(len(spec.columns))}, index=index
        )
        meta.columns = pd.Index(spec.columns)
    return frame.map_partitions(
        _PartitionMethod(func, spec),
        meta=meta,
        token=f"engine-{func.method}-{tokenize(func, frame)}",
        enforce_metadata=False,
    )


class _PartitionMethod:
    """The method on one pandas partition, wrapped with the partition's index."""

    def __init__(self, func: BlockMethod, spec: OutputSpec):
        self.func, self.spec = func, spec
        self.columns = pd.Index(spec.columns)  # built once, not per partition

    def __dask_tokenize__(self):
        return (self.func.__dask_tokenize__(), self.spec)

    def __call__(self, part: pd.DataFrame):
        out = self.func(part)
        if self.spec.ndim == 1:
            return pd.Series(np.asarray(out), index=part.index, copy=False)
        if isinstance(out, pd.DataFrame):
            return out.set_axis(part.index, axis=0)
        return pd.DataFrame(out, index=part.index, columns=self.columns, copy=False)


def _on_dask_array(func: BlockMethod, values: da.Array) -> da.Array:
    if values.ndim != 2:
        raise ValueError(
            f"Expected a 2D array, got a {values.ndim}D dask array instead: reshape your data "
            "(X.reshape(-1, 1) for a single feature, X.reshape(1, -1) for a single sample)"
        )
    if values.numblocks[1] != 1:
        values = values.rechunk({1: -1})
    spec = _output_spec(func, np.zeros((1, values.shape[1]), dtype=values.dtype))
    name = f"engine-{func.method}-{tokenize(func, values)}"
    if spec.ndim == 1:
        return values.map_blocks(
            _ArrayMethod(func, 1),
            drop_axis=1,
            dtype=spec.dtype,
            name=name,
            meta=np.empty((0,), dtype=spec.dtype),
        )
    width = len(spec.columns)
    return values.map_blocks(
        _ArrayMethod(func, 2),
        chunks=(values.chunks[0], (width,)),
        dtype=spec.dtype,
        name=name,
        meta=np.empty((0, width), dtype=spec.dtype),
    )


class _ArrayMethod:
    """The method on one NumPy block, its output as a NumPy array of ``ndim`` dimensions."""

    def __init__(self, func: BlockMethod, ndim: int):
        self.func, self.ndim = func, ndim

    def __dask_tokenize__(self):
        return (self.func.__dask_tokenize__(), self.ndim)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        out = np.asarray(self.func(block))
        return out.reshape(-1) if self.ndim == 1 else out


def _names_for(estimator: Any, X) -> tuple | None:
    """The column names to label an xarray's blocks with, when the model was fitted on names."""
    names = input_columns(X)
    if getattr(estimator, "feature_names_in_", None) is None or names is None:
        return None
    return tuple(str(name) for name in names)


def _on_xarray(func: BlockMethod, X):
    import xarray as xr

    method = func.method
    row_dim, data = X.dims[0], X.data
    spec = _output_spec(func, np.zeros((1, data.shape[1]), dtype=data.dtype))
    out = (
        _on_dask_array(func, data)
        if isinstance(data, da.Array)
        else _ArrayMethod(func, spec.ndim)(data)
    )
    coords = {row_dim: X.coords[row_dim]} if row_dim in X.coords else {}
    if out.ndim == 1:
        return xr.DataArray(out, dims=(row_dim,), coords=coords, name=method)
    out_dim = (
        X.dims[1] if method == "transform" else "class" if method in CLASS_COLUMNS else "output"
    )
    coords[out_dim] = list(spec.columns)
    return xr.DataArray(out, dims=(row_dim, out_dim), coords=coords, name=method)

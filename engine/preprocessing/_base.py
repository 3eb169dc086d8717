"""Shared machinery of the engine's transformers: validation, one-compute fit, blockwise transform.

Every transformer follows the same plan:

1. ``fit`` checks the parameters (``_parameter_constraints``, scikit-learn's
   constraint vocabulary, through :func:`engine.data.check_params`) and the
   input (kind, numeric columns, emptiness, feature names/count as
   scikit-learn does),
2. asks the subclass for the statistics it needs (:meth:`_statistics`, lazy
   Dask objects for Dask input, NumPy values otherwise), computes all of them
   in ONE ``dask.compute`` (:func:`engine.stats.internal.compute_all`) and
   hands the concrete values to :meth:`_finish_fit`, which sets plain NumPy
   fitted attributes (the passes ``fit`` makes over Dask input are counted
   in the graph of these statistics: :func:`fit_passes`);
3. ``transform`` maps one kernel call over the row blocks with
   :meth:`engine.data.Table.apply_blockwise`: NumPy in -> NumPy out (kernel on
   Numba threads), pandas/xarray keep their labels, Dask stays lazy with the
   same row chunks (kernel single-threaded inside each task).

Feature names and counts are checked with scikit-learn's public
``validate_data`` (so its messages and ``check_estimator`` hold);
``set_output(transform="pandas")`` is scikit-learn's own wrapper: on Dask
input it turns the lazy output into an in-memory pandas DataFrame, so keep the
default output for lazy results (dask DataFrames come back as dask DataFrames
anyway).
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import dask.array as da
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from engine.data import (
    InvalidParameterError,
    Table,
    as_table,
    check_not_empty,
    check_params,
    check_same_columns,
    estimator_token,
    input_kind,
)
from engine.kernels import elementwise as ew
from engine.kernels import moments as mk
from engine.stats.internal import compute_all, count_block_reads


def column_label(columns: list[str] | None, j: int) -> str:
    """The name of column ``j`` (``x{j}`` when the input had no names)."""
    return columns[j] if columns is not None else f"x{j}"


def raise_for_inf(block: np.ndarray, n_inf: int, columns: list[str] | None) -> None:
    """Raise ``ValueError`` naming the first column holding +/-inf when ``n_inf > 0``.

    The kernels count infinities while they transform, so the check costs no
    pass over valid data; only the error path looks for the column.
    """
    if n_inf:
        j = int(np.flatnonzero(np.isinf(block).any(axis=0))[0])
        raise ValueError(
            f"Input X contains infinity in column {column_label(columns, j)!r}; the engine "
            "treats inf as scikit-learn does (rejected): replace it, e.g. with NaN, first"
        )


def number_pair(est: Any, name: str) -> tuple[float, float]:
    """The ``(low, high)`` parameter ``name`` of ``est``, checked to hold two numbers."""
    value = getattr(est, name)
    if len(value) != 2 or not all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value
    ):
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(est).__name__} must be a pair of numbers. "
            f"Got {value!r} instead."
        )
    return value[0], value[1]


def kind_of(X: Any) -> str:
    """The input kind; array-likes the tables do not know (``__array__``, sparse) count as NumPy."""
    try:
        return input_kind(X)
    except TypeError:
        return "numpy"


def input_names(est: Any, input_features: Any = None) -> list[str]:
    """The fitted input column names, checked against ``input_features`` when given."""
    fitted = getattr(est, "feature_names_in_", None)
    if input_features is None:
        if fitted is not None:
            return [str(n) for n in fitted]
        return [f"x{i}" for i in range(est.n_features_in_)]
    names = [str(n) for n in input_features]
    if fitted is not None and [str(n) for n in fitted] != names:
        raise ValueError("input_features is not equal to feature_names_in_")
    if len(names) != est.n_features_in_:
        raise ValueError(
            f"input_features should have length equal to number of features "
            f"({est.n_features_in_}), got {len(names)}"
        )
    return names


def _numpy_input(X: Any, numeric: bool) -> np.ndarray:
    """Coerce array-likes (lists, object arrays, ``__array__`` objects) like scikit-learn."""
    array = np.asarray(X) if not hasattr(X, "tocsr") else X
    if numeric and isinstance(array, np.ndarray) and array.dtype.kind in "OUS" and array.ndim == 2:
        for j in range(array.shape[1]):
            try:
                np.asarray(array[:, j], dtype=np.float64)
            except ValueError as exc:
                raise TypeError(
                    f"column 'x{j}' is not numeric ({exc}); encode it first (for example "
                    "with engine.preprocessing.OrdinalEncoder)"
                ) from exc
    return array


FLOAT_DTYPES = (np.float64, np.float32, np.float16)  #: kept by the scalers, as in scikit-learn


def _cast_block(block, func, dtype):
    return func(block).astype(dtype, copy=False)


class EngineTransformer(TransformerMixin, BaseEstimator):
    """Base of the engine's numeric transformers (see the module docstring)."""

    _parameter_constraints: dict = {}
    _drops_rows: bool = False
    _numeric_input: bool = True  # False: columns of any dtype, blocks given raw (encoders)
    _float_dtypes: tuple = (np.float64,)  # NumPy-like numeric input: kept dtypes, else the first

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def __dask_tokenize__(self):
        return estimator_token(self)

    # ----------------------------------------------------------------- input
    def _check_params(self) -> None:
        """Check the parameters (declared constraints, then any rule between their values)."""
        check_params(self)

    def _check_input(self, X: Any, *, reset: bool) -> Table:
        """Validate ``X`` at the public boundary and wrap it in its :class:`Table`.

        NumPy-like input (lists, ``__array__`` objects, sparse matrices) goes
        through scikit-learn's ``validate_data``; tables check their feature
        names and count with it too, except dask frames, which scikit-learn
        does not read (their columns are checked here).
        """
        numeric = self._numeric_input
        kind = kind_of(X)
        if kind == "numpy":
            X = validate_data(
                self,
                _numpy_input(X, numeric),
                reset=reset,
                dtype=list(self._float_dtypes) if numeric else None,
                ensure_all_finite=False,
                accept_sparse=False,
            )
            table = as_table(X, numeric=numeric)
        elif kind == "dask_dataframe":
            table = as_table(X, numeric=numeric)
            self._check_dask_frame_columns(table.columns, reset)
        else:
            validate_data(self, X, reset=reset, skip_check_array=True)
            table = as_table(X, numeric=numeric)
        check_not_empty(table.n_rows, table.n_columns)
        return table

    def _check_dask_frame_columns(self, names: list[str], reset: bool) -> None:
        columns = np.asarray(names, dtype=object)
        if reset:
            self.n_features_in_ = len(columns)
            self.feature_names_in_ = columns
            return
        check_same_columns(
            None
            if getattr(self, "feature_names_in_", None) is None
            else list(self.feature_names_in_),
            list(columns),
            self.n_features_in_,
            len(columns),
        )

    # ------------------------------------------------------------------- fit
    def _statistics(self, table: Table) -> dict:
        """The statistics ``fit`` needs: name -> NumPy value or lazy Dask object."""
        return {}

    def _finish_fit(self, stats: dict, table: Table) -> None:
        """Set the fitted attributes from computed statistics."""

    def fit(self, X: Any, y: Any = None) -> EngineTransformer:
        """Fit on ``X`` (NumPy, pandas, dask.array, dask.dataframe or xarray).

        All statistics are computed in one ``dask.compute`` for Dask input.
        ``y`` is ignored.
        """
        self._check_params()
        table = self._check_input(X, reset=True)
        stats = self._statistics(table)
        values = compute_all(*stats.values())
        self._finish_fit(dict(zip(stats, values, strict=True)), table)
        return self

    # ------------------------------------------------------------- transform
    def _block_function(self, table: Table):
        """``func(block) -> out`` (or ``(out, keep)`` when rows are dropped)."""
        raise NotImplementedError

    def _output_dtype(self, table: Table) -> type:
        """The columns' float dtype when they share one this transformer keeps, else float64."""
        dtypes = {np.dtype(d) if isinstance(d, np.dtype) else None for d in table.dtypes}
        kept = {np.dtype(d) for d in self._float_dtypes}
        return dtypes.pop().type if len(dtypes) == 1 and dtypes <= kept else np.float64

    def _typed(self, func, table: Table):
        """``func`` with its float64 output cast to :meth:`_output_dtype` (float32 stays float32)."""
        dtype = self._output_dtype(table)
        return (
            func if dtype == np.float64 else functools.partial(_cast_block, func=func, dtype=dtype)
        )

    def _output_names(self, table: Table) -> list[str]:
        if table.columns is not None and getattr(self, "feature_names_in_", None) is None:
            return list(self.get_feature_names_out(table.columns))
        return list(self.get_feature_names_out())

    def _apply_fitted(self, X: Any, function: Callable[[Table], Callable], **options):
        """``function(table)`` over the blocks of the checked ``X``, out in its kind."""
        check_is_fitted(self)
        table = self._check_input(X, reset=False)
        return table.apply_blockwise(
            self._typed(function(table), table),
            self._output_names(table),
            dtype=self._output_dtype(table),
            **options,
        )

    def transform(self, X: Any):
        """Transform ``X`` into the same kind (Dask input stays lazy, same row chunks)."""
        return self._apply_fitted(
            X, self._block_function, drops_rows=self._drops_rows, raw=not self._numeric_input
        )

    def fit_transform(self, X: Any, y: Any = None, **fit_params):
        """Fit (with ``fit_params``, e.g. ``sample_weight``), then transform ``X``.

        The input is read once by fit and once by transform.
        """
        return self.fit(X, y, **fit_params).transform(X)

    def array_transform(self, columns: Sequence[str]) -> Callable[[np.ndarray], np.ndarray]:
        """:meth:`transform` of in-memory float64 blocks of ``columns``, its checks done once, now.

        ``transform`` checks its input (kind, names, count) at every call; a
        caller that checks its columns itself, once (``engine serve`` scoring
        request after request), takes this function and calls it on 2-D
        float64 NumPy blocks: the same kernel as ``transform`` on a frame of
        these columns, the same bits. Numeric transformers that keep every
        row only (``TypeError`` otherwise); ``ValueError`` when ``columns``
        are not the fitted input columns.

        Examples
        --------
        >>> import pandas as pd
        >>> from engine.preprocessing import StandardScaler
        >>> scaler = StandardScaler().fit(pd.DataFrame({"a": [1.0, 3.0]}))
        >>> scaler.array_transform(["a"])(np.array([[1.0], [5.0]])).ravel().tolist()
        [-1.0, 3.0]
        """
        check_is_fitted(self)
        if self._drops_rows or not self._numeric_input:
            raise TypeError(
                f"{type(self).__name__} has no array transform (it drops rows or codes)"
            )
        names = [str(c) for c in columns]
        if names != input_names(self):
            raise ValueError(f"columns {names} are not the fitted columns {input_names(self)}")
        table = as_table(np.empty((0, len(names))), column_names=names)
        return self._typed(self._block_function(table), table)


class InvertibleTransformer(EngineTransformer):
    """An :class:`EngineTransformer` whose transform has a blockwise inverse."""

    def _inverse_function(self, table: Table):
        """``func(block) -> out`` undoing :meth:`_block_function`."""
        raise NotImplementedError

    def inverse_transform(self, X: Any):
        """Undo :meth:`transform` (the same kind out; Dask input stays lazy, 1 pass)."""
        return self._apply_fitted(X, self._inverse_function)


def check_sample_weight(sample_weight: Any, n_rows: float) -> np.ndarray:
    """One float weight per row (a scalar is repeated); ``ValueError`` otherwise.

    ``n_rows`` may be NaN (a Dask table of unknown length): the length is not checked then.
    """
    if hasattr(sample_weight, "dask") or hasattr(sample_weight, "npartitions"):
        weights = sample_weight
    else:
        weights = np.asarray(sample_weight, dtype=np.float64)
        if weights.ndim == 0:
            return np.full(n_rows if not np.isnan(n_rows) else 0, float(weights))
        if weights.size and not weights.any():
            raise ValueError("Sample weights must contain at least one non-zero number.")
    if weights.ndim != 1 or (weights.shape[0] != n_rows and not np.isnan(n_rows)):
        raise ValueError(f"sample_weight.shape == {weights.shape}, expected {(n_rows,)}!")
    return weights


def fit_passes(step: Any, n_features: int = 2) -> int | None:
    """The most passes ``step.fit`` can make over Dask input, counted in its statistics' graph.

    The step's statistics are built (not computed) over a small lazy probe
    of ``n_features`` columns and two row blocks, and
    :func:`engine.stats.internal.count_block_reads` counts the tasks that
    read every block. The exact selection's later rounds are in the graph
    but work only when its row sample missed, so on typical data the
    quantile-based steps make 1 pass where this says 3 (the docstrings and
    the README state both). None for steps that are not engine transformers
    (their passes are unknown).

    Examples
    --------
    >>> from engine.preprocessing import RobustScaler, StandardScaler
    >>> fit_passes(StandardScaler()), fit_passes(RobustScaler())
    (1, 3)
    """
    statistics = getattr(step, "_statistics", None)
    if statistics is None:
        return None
    probe = as_table(da.zeros((2, n_features), chunks=(1, n_features)))
    return count_block_reads(statistics(probe).values(), probe)


def check_finite_moments(raw: np.ndarray, columns: list[str] | None) -> None:
    """Raise ``ValueError`` naming the first column whose moments counted an inf."""
    bad = np.flatnonzero(raw[mk.N_INF] > 0)
    if bad.size:
        raise ValueError(
            f"Input X contains infinity in column {column_label(columns, int(bad[0]))!r}; the "
            "engine treats inf as scikit-learn does (rejected): replace it, e.g. with NaN, first"
        )


def _affine_block(block, fill, sub, div, mul, add, lo, hi, columns, parallel):
    block = np.asarray(block, dtype=np.float64)  # any layout: the kernel reads it in place
    out, n_inf = ew.fill_affine_clip(block, fill, sub, div, mul, add, lo, hi, parallel=parallel)
    raise_for_inf(block, n_inf, columns)
    return out


def affine_function(
    table: Table, n: int, *, fill=None, sub=None, div=None, mul=None, add=None, lo=None, hi=None
):
    """Block function ``x -> clip((fill_nan(x) - sub) / div * mul + add, lo, hi)`` per column.

    Omitted vectors take their neutral value (no fill, 0, 1, 1, 0, -inf, inf),
    so each step is exact and the result has the bits of NumPy's in-place
    formula. One pass; multi-threaded for in-memory input, single-threaded in
    Dask tasks.
    """

    def vec(value, default):
        v = np.full(n, default, dtype=np.float64) if value is None else value
        return np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)))

    return functools.partial(
        _affine_block,
        fill=vec(fill, np.nan),
        sub=vec(sub, 0.0),
        div=vec(div, 1.0),
        mul=vec(mul, 1.0),
        add=vec(add, 0.0),
        lo=vec(lo, -np.inf),
        hi=vec(hi, np.inf),
        columns=None if table.columns is None else list(table.columns),
        parallel=not table.is_lazy,
    )


def handle_zeros_in_scale(scale: np.ndarray, constant: np.ndarray | None = None) -> np.ndarray:
    """Replace (near-)zero scales by 1, as scikit-learn does for constant columns."""
    scale = np.array(scale, dtype=np.float64)
    if constant is None:
        constant = scale < 10 * np.finfo(np.float64).eps
    scale[constant] = 1.0
    return scale


def samples_seen(count: np.ndarray, *, weighted: bool = False):
    """scikit-learn's ``n_samples_seen_``: one number, or per-column counts when NaN made them differ.

    Counts are ints; weight sums (``weighted``) stay floats, as scikit-learn's.
    """
    count = np.asarray(count, dtype=np.float64 if weighted else np.int64)
    if count.size and np.all(count == count[0]):
        return count[0] if weighted else int(count[0])
    return count

"""Elementwise column transforms in one pass per block, written into a fresh output.

Two kernels cover every numeric transformer of :mod:`engine.preprocessing`:

* :func:`fill_affine_clip` -- per column ``j``: a NaN becomes ``fill[j]`` (keep
  NaN with ``fill[j] = NaN``), then ``y = (x - sub[j]) / div[j] * mul[j] +
  add[j]``, then ``y`` is clipped to ``[lo[j], hi[j]]`` (NaN stays NaN). With
  neutral values (``sub=0, div=1, mul=1, add=0, lo=-inf, hi=inf``) each step is
  exact in IEEE arithmetic, so standard/robust/max-abs scaling
  (``(x - c) / s``), min-max scaling (``x * s + m`` then clip), clipping to
  outlier bounds and imputation are all this one kernel and give the same bits
  as the NumPy in-place formulas scikit-learn uses (a zero divisor gives
  NumPy's inf/NaN). A C-ordered block is read as one flat row-major run in
  groups of rows whose values map to fixed lanes of tiled column vectors, so
  the branch-free loop vectorizes (SIMD division; NaN costs no mispredicted
  branch); other layouts are read row by row with the same operations, so
  every layout gives the same bits.
* :func:`outside_bounds` -- per column bounds ``[lo, hi]`` (an IQR or z-score
  fence): set values outside to NaN, append 0/1 outlier flags, or mark the rows
  holding no outlier.

Each kernel also counts the +/-inf values it reads, so callers reject inf
without a second pass. With ``parallel=False`` (the default, for Dask tasks) a
kernel is single-threaded and releases the GIL; ``parallel=True`` (in-memory
NumPy input) splits rows over Numba threads, unless the block is one row chunk
or less or Numba is held at one thread. Both run the same row-range body,
so they return identical bits. Blocks of any memory layout are read in place
(a pandas frame's values are Fortran-ordered: no copy to C order first). The output is allocated by NumPy (whose large
allocations use huge pages; page-faulting a Numba-allocated output from
several threads costs several times the copy floor). Cost: one read of the
input and one write of the output.
"""

import numba
import numpy as np
from numba import njit, prange

NAN_OUTSIDE = 0  #: outside_bounds mode: values outside [lo, hi] become NaN
FLAG_OUTSIDE = 1  #: outside_bounds mode: copy X and append one 0/1 flag column per column
ROWS_INSIDE = 2  #: outside_bounds mode: a row mask, True where the row holds no outlier
AFFINE = 3  # internal: the fill_affine_clip operation

ROW_CHUNK = 16384  # rows per parallel work item
LANE_VALUES = 256  # values per flat lane group: straight-line loops long enough to vectorize


@njit(cache=True, nogil=True, error_model="numpy")
def _fill_affine_clip_value(v, fill, sub, div, mul, add, lo, hi):
    """One value through fill, affine and clip: the selects and operations, in one fixed order."""
    v = fill if v != v else v
    y = (v - sub) / div * mul + add
    y = lo if y < lo else y
    return hi if y > hi else y


@njit(cache=True, nogil=True)
def _fill_affine_clip_lanes(x, out, lanes):
    """:func:`_fill_affine_clip_value` of a flat run ``x`` into ``out``; the number of +/-inf read.

    Lane ``q`` holds value ``q``'s column vectors (``lanes`` rows: fill, sub,
    div, mul, add, lo, hi). Branch-free (NaN and the clip are selects, the
    division follows NumPy's error model, so no ZeroDivisionError test): the
    loop vectorizes and a NaN costs no mispredicted branch. Indexing fresh slices from 0 keeps Numba from emitting negative-index
    wraparound, which would stop LLVM vectorizing.
    """
    n_inf = 0
    for q in range(x.size):
        v = x[q]
        n_inf += np.abs(v) == np.inf
        out[q] = _fill_affine_clip_value(
            v,
            lanes[0, q],
            lanes[1, q],
            lanes[2, q],
            lanes[3, q],
            lanes[4, q],
            lanes[5, q],
            lanes[6, q],
        )
    return n_inf


@njit(cache=True, nogil=True)
def _fill_affine_clip_rows(X, out, vectors, lanes, start, stop):
    """Rows ``start:stop`` of ``X`` through fill, affine and clip into ``out``; the +/-inf count.

    A C-ordered block is read as one flat row-major run in groups of
    ``L = lanes.shape[1] // n_columns`` rows (the ``lanes`` tile ``vectors``
    ``L`` times), so the lane loop vectorizes; any other layout (pandas'
    Fortran-ordered values) is read in place row by row. Both apply the same
    operations to every value: the same bits.
    """
    n_columns = X.shape[1]
    n_inf = 0
    if n_columns > 0 and X.flags.c_contiguous:  # out is always a fresh C-ordered array
        width = lanes.shape[1]
        flat = X[start:stop].ravel()
        flat_out = out[start:stop].ravel()
        for b in range(0, flat.size, width):
            n_inf += _fill_affine_clip_lanes(flat[b : b + width], flat_out[b : b + width], lanes)
        return n_inf
    for i in range(start, stop):
        for j in range(n_columns):
            v = X[i, j]
            n_inf += np.abs(v) == np.inf
            out[i, j] = _fill_affine_clip_value(
                v,
                vectors[0, j],
                vectors[1, j],
                vectors[2, j],
                vectors[3, j],
                vectors[4, j],
                vectors[5, j],
                vectors[6, j],
            )
    return n_inf


def fill_affine_clip(X, fill, sub, div, mul, add, lo, hi, *, parallel=False):
    """Fill NaN, apply ``(x - sub) / div * mul + add`` and clip to ``[lo, hi]``, per column.

    Parameters
    ----------
    X : numpy.ndarray
        2-D float64 block of any layout (read only; never modified).
    fill, sub, div, mul, add, lo, hi : numpy.ndarray
        float64 vectors, one value per column.
    parallel : bool
        Use Numba threads over row ranges (in-memory path); False inside Dask tasks.

    Returns
    -------
    out : numpy.ndarray
        A new ``X.shape`` float64 array.
    n_inf : int
        Number of +/-inf values read from ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, np.nan], [3.0, 4.0]])
    >>> one, zero, inf = np.ones(2), np.zeros(2), np.full(2, np.inf)
    >>> out, n_inf = fill_affine_clip(X, np.array([np.nan, 0.0]), np.array([2.0, 0.0]),
    ...                               np.array([2.0, 1.0]), one, zero, -inf, inf)
    >>> out.tolist(), n_inf
    ([[-0.5, 0.0], [0.5, 4.0]], 0)
    """
    out = np.empty(X.shape)
    vectors = np.vstack([fill, sub, div, mul, add, lo, hi])
    return out, _run(X, out, np.empty(0, np.bool_), vectors, AFFINE, parallel)


@njit(cache=True, nogil=True)
def _outside_rows(X, out, keep, lo, hi, mode, start, stop):
    n_columns = X.shape[1]
    n_inf = 0
    for i in range(start, stop):
        row_ok = True
        for j in range(n_columns):
            v = X[i, j]
            n_inf += np.abs(v) == np.inf
            outside = v < lo[j] or v > hi[j]
            if mode == NAN_OUTSIDE:
                out[i, j] = np.nan if outside else v
            elif mode == FLAG_OUTSIDE:
                out[i, j] = v
                out[i, n_columns + j] = 1.0 if outside else 0.0
            elif outside:
                row_ok = False
        if mode == ROWS_INSIDE:
            keep[i] = row_ok
    return n_inf


@njit(cache=True, nogil=True)
def _rows(X, out, keep, vectors, lanes, op, start, stop):
    # vectors rows: fill, sub, div, mul, add, lo, hi; lanes: them tiled over a lane group
    if op == AFFINE:
        return _fill_affine_clip_rows(X, out, vectors, lanes, start, stop)
    return _outside_rows(X, out, keep, vectors[5], vectors[6], op, start, stop)


@njit(cache=True, nogil=True)
def _serial(X, out, keep, vectors, lanes, op):
    return _rows(X, out, keep, vectors, lanes, op, 0, X.shape[0])


@njit(cache=True, parallel=True)
def _parallel(X, out, keep, vectors, lanes, op):
    n_rows = X.shape[0]
    n_chunks = (n_rows + ROW_CHUNK - 1) // ROW_CHUNK
    counts = np.zeros(n_chunks, np.int64)
    for c in prange(n_chunks):
        start = c * ROW_CHUNK
        stop = min(start + ROW_CHUNK, n_rows)
        counts[c] = _rows(X, out, keep, vectors, lanes, op, start, stop)
    return counts.sum()


def _lanes(vectors):
    """``vectors`` tiled over ``L`` rows, ``L * n_columns >= LANE_VALUES`` (one row if wider)."""
    n_columns = vectors.shape[1]
    n_rows_lane = -(-LANE_VALUES // n_columns) if n_columns else 0
    return np.tile(vectors, (1, n_rows_lane))


def _run(X, out, keep, vectors, op, parallel):
    # The serial body (same bits, GIL released) when threads cannot help: one row chunk or
    # less, or one Numba thread allowed (inside a Dask task, see engine.data.single_blas_thread)
    threads = parallel and X.shape[0] > ROW_CHUNK and numba.get_num_threads() > 1
    kernel = _parallel if threads else _serial
    vectors = np.ascontiguousarray(vectors, dtype=np.float64)
    return int(kernel(X, out, keep, vectors, _lanes(vectors), op))


def outside_bounds(X, lo, hi, mode, *, parallel=False):
    """Compare a 2-D float64 block with per-column bounds ``[lo, hi]`` in one pass.

    ``mode`` is :data:`NAN_OUTSIDE` (returns a copy of X with values outside
    set to NaN), :data:`FLAG_OUTSIDE` (returns ``[X, flags]`` with
    ``2 * n_columns`` columns, flags 0/1; NaN is never flagged) or
    :data:`ROWS_INSIDE` (returns a boolean row mask, True where the row holds
    no value outside its bounds). Returns ``(result, n_inf)`` with ``n_inf``
    the number of +/-inf values read. ``X`` is never modified.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [5.0], [np.nan]])
    >>> keep, n_inf = outside_bounds(X, np.array([-1.0]), np.array([1.0]), ROWS_INSIDE)
    >>> keep.tolist()
    [True, False, True]
    """
    n_rows, n_columns = X.shape
    if mode == NAN_OUTSIDE:
        out, keep = np.empty((n_rows, n_columns)), np.empty(0, np.bool_)
    elif mode == FLAG_OUTSIDE:
        out, keep = np.empty((n_rows, 2 * n_columns)), np.empty(0, np.bool_)
    elif mode == ROWS_INSIDE:
        out, keep = np.empty((0, 0)), np.empty(n_rows, np.bool_)
    else:
        raise ValueError(f"unknown outside_bounds mode {mode!r}")
    vectors = np.zeros((7, n_columns))
    vectors[5], vectors[6] = lo, hi
    n_inf = _run(X, out, keep, vectors, mode, parallel)
    return (keep if mode == ROWS_INSIDE else out), n_inf


@njit(cache=True, nogil=True)
def row_missing_counts(X):
    """Number of NaN values in each row of a 2-D float64 block (single-threaded).

    Examples
    --------
    >>> import numpy as np
    >>> row_missing_counts(np.array([[np.nan, 1.0], [np.nan, np.nan]])).tolist()
    [1, 2]
    """
    n_rows, n_columns = X.shape
    counts = np.zeros(n_rows, np.int64)
    for i in range(n_rows):
        c = 0
        for j in range(n_columns):
            if X[i, j] != X[i, j]:
                c += 1
        counts[i] = c
    return counts

"""The data layer's internal API: what other engine packages use beyond ``engine.data``.

Not part of the public API (no stability promise to users); engine packages
import these names from here, never from the underscore modules.

* :class:`Table` implementations per input kind and :func:`known_row_lengths`;
* row alignment of several inputs (:func:`align_rows`, :class:`Aligned`) and
  per-row selection applied block by block (:func:`map_rows`,
  :func:`row_blocks`, :func:`take`, :func:`select_part`, :func:`repeat_rows`),
  rows appended in the input's kind (:func:`concat_rows`);
* fitted estimators answering NumPy arrays with their name check done once
  (:func:`bare_estimator`, :func:`answers_arrays_alike`).
"""

from engine.data import _rows
from engine.data._bare import answers_arrays_alike, bare_estimator
from engine.data._rows import *  # noqa: F403 - row alignment and selection, named in its __all__
from engine.data._table import (
    DaskArrayTable,
    DaskFrameTable,
    NumpyTable,
    PandasTable,
    Table,
    XarrayTable,
    as_table,
    is_lazy,
    known_row_lengths,
)

__all__ = [
    *_rows.__all__,
    "DaskArrayTable",
    "DaskFrameTable",
    "NumpyTable",
    "PandasTable",
    "Table",
    "XarrayTable",
    "answers_arrays_alike",
    "as_table",
    "bare_estimator",
    "is_lazy",
    "known_row_lengths",
]

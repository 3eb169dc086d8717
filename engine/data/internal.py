"""The data layer's internal API: what other engine packages use beyond ``engine.data``.

Not part of the public API (no stability promise to users); engine packages
import these names from here, never from the underscore modules.

* :class:`Table` implementations per input kind and :func:`known_row_lengths`;
* row alignment of several inputs (:func:`align_rows`, :class:`Aligned`) and
  per-row selection applied block by block (:func:`map_rows`,
  :func:`row_blocks`, :func:`take`, :func:`select_part`, :func:`repeat_rows`),
  rows appended in the input's kind (:func:`concat_rows`).
"""

from engine.data import _rows
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
    "as_table",
    "is_lazy",
    "known_row_lengths",
]

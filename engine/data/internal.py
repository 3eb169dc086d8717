"""The data layer's internal API: what other engine packages use beyond ``engine.data``.

Not part of the public API (no stability promise to users); engine packages
import these names from here, never from the underscore modules.

* :class:`Table` implementations per input kind and :func:`known_row_lengths`;
* row alignment of several inputs (:func:`align_rows`, :class:`Aligned`) and
  per-row selection applied block by block (:func:`map_rows`,
  :func:`row_blocks`, :func:`take`, :func:`select_part`, :func:`repeat_rows`),
  rows appended in the input's kind (:func:`concat_rows`).
"""

from engine.data._rows import (
    Aligned,
    align_rows,
    concat_rows,
    map_rows,
    repeat_rows,
    row_blocks,
    select_part,
    take,
)
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
    "Aligned",
    "DaskArrayTable",
    "DaskFrameTable",
    "NumpyTable",
    "PandasTable",
    "Table",
    "XarrayTable",
    "align_rows",
    "as_table",
    "concat_rows",
    "is_lazy",
    "known_row_lengths",
    "map_rows",
    "repeat_rows",
    "row_blocks",
    "select_part",
    "take",
]

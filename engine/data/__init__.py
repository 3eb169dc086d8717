"""Input tables, readers/writers, the demo table, dataset fingerprints.

Every supported input kind (NumPy, pandas, dask.array, dask.dataframe,
xarray) is used through one :class:`Table` (:func:`as_table`). What other
engine packages need beyond these public names is in :mod:`engine.data.internal`.
"""

from engine.data._demo import demo_table
from engine.data._fingerprint import fingerprint
from engine.data._io import read_table, write_table
from engine.data._table import Table, as_table, input_kind, is_lazy

__all__ = [
    "Table",
    "as_table",
    "demo_table",
    "fingerprint",
    "input_kind",
    "is_lazy",
    "read_table",
    "write_table",
]

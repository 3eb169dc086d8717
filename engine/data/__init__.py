"""Input adapters, readers/writers, the demo table, dataset fingerprints."""

from engine.data._adapters import Table, as_table, input_kind, is_lazy
from engine.data._demo import demo_table
from engine.data._fingerprint import fingerprint
from engine.data._io import read_table, write_table

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

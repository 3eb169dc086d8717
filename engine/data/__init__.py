"""Input adapters and the shared validation helpers."""

from engine.data._adapters import Table, as_table, input_kind, is_lazy

__all__ = ["Table", "as_table", "input_kind", "is_lazy"]

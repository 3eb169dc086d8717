"""Declarative run specs (YAML) and the runs they describe."""

from engine.workflow._spec import check_spec, load_spec

__all__ = ["check_spec", "load_spec"]

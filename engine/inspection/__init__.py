"""Model inspection: permutation importance with (feature, repeat) pairs as Dask tasks."""

from engine.inspection._permutation import permutation_importance

__all__ = ["permutation_importance"]

"""Exact, lazy column statistics: quantiles and a one-call profile.

Everything here works on NumPy, pandas, dask.array, dask.dataframe and
xarray input; Dask input gives lazy results whose merges happen in a fixed
order, so every scheduler returns the same bits.
"""

from engine.stats._profile import profile
from engine.stats._quantile import column_quantiles, quantile, quantile_cost

__all__ = ["column_quantiles", "profile", "quantile", "quantile_cost"]

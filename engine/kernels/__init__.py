"""Numba kernels on NumPy blocks (no Dask, pandas or xarray here)."""

from engine.kernels._pickling import send_kernels_by_reference

send_kernels_by_reference()

__all__ = ["send_kernels_by_reference"]

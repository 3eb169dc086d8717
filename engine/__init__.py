"""engine: a Dask-based analytics engine with Numba kernels.

Lazy Dask graphs for preprocessing, model search and evaluation that give the
same answer on a laptop and on a cluster.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]

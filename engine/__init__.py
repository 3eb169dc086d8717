"""engine: a Dask-based analytics engine with Numba kernels.

Lazy Dask graphs for preprocessing, model search and evaluation that give the
same answer on a laptop and on a cluster. ``engine.warmup()`` compiles every
kernel once into the kernel cache (importing ``engine`` itself loads nothing).
"""

__version__ = "0.1.0"
__all__ = ["__version__", "warmup"]


def __getattr__(name: str):
    # Lazy: ``import engine`` stays cheap (no Dask, Numba or scikit-learn).
    if name == "warmup":
        from engine._warmup import warmup

        return warmup
    raise AttributeError(f"module 'engine' has no attribute {name!r}")

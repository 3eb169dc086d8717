"""A Numba function that is not the engine's (its caching and pickling must stay Numba's)."""

from numba import njit


@njit(cache=True)
def twice(x):
    return 2 * x

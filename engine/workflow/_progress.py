"""Progress bars for long computations: Dask's bar locally, the dashboard on a cluster."""

from __future__ import annotations

import contextlib

from dask.diagnostics import ProgressBar


@contextlib.contextmanager
def progress_bar(enabled: bool, client=None, minimum: float = 0.5):
    """Show a progress bar for every local computation that lasts over ``minimum`` seconds.

    On a distributed client the scheduler's dashboard shows progress (its
    link is printed by the run), so nothing is added here.
    """
    if not enabled or client is not None:
        yield
        return
    with ProgressBar(minimum=minimum, dt=0.2):
        yield

"""Progress of long local computations: a Jupyter widget in a notebook, text on a terminal."""

from __future__ import annotations

import contextlib
import time

from dask.callbacks import Callback


class TaskProgress(Callback):
    """A ``tqdm.auto`` bar of the tasks of each local Dask computation lasting over ``minimum`` s.

    ``tqdm.auto`` draws a Jupyter widget in a notebook (when ipywidgets is
    installed) and text on a terminal; computations shorter than ``minimum``
    seconds show nothing.
    """

    def __init__(self, minimum: float = 0.5):
        super().__init__()
        self.minimum = minimum
        self.bar = None

    def _start_state(self, dsk, state):
        self.started = time.perf_counter()
        self.total = sum(len(state[k]) for k in ("ready", "waiting", "running", "finished"))
        self.done = 0

    def _posttask(self, key, result, dsk, state, worker_id):
        self.done += 1
        if self.bar is None and time.perf_counter() - self.started >= self.minimum:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.total, initial=self.done, desc="tasks", unit="task")
        elif self.bar is not None:
            self.bar.update(1)

    def _finish(self, dsk, state, errored):
        if self.bar is not None:
            self.bar.update(self.total - self.bar.n)
            self.bar.close()
            self.bar = None


@contextlib.contextmanager
def progress_bar(enabled: bool, client=None, minimum: float = 0.5):
    """Show a progress bar for every local computation that lasts over ``minimum`` seconds.

    On a distributed client the scheduler's dashboard shows progress (its
    link is printed by the run), so nothing is added here.
    """
    if not enabled or client is not None:
        yield
        return
    with TaskProgress(minimum):
        yield

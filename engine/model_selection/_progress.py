"""Progress bar of a search: (candidate, fold) pairs done and the best mean score so far."""

from __future__ import annotations

import math


class Progress:
    """A ``tqdm.auto`` bar (terminal or Jupyter widget); silent when ``verbose == 0``."""

    def __init__(self, verbose: int, desc: str):
        self.bar = None
        self.best = -math.inf
        self.verbose = verbose
        self.desc = desc

    def start(self, total: int, done: int = 0) -> None:
        if not self.verbose:
            return
        from tqdm.auto import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, initial=done, desc=self.desc, unit="fit", leave=True)
        else:
            self.bar.total = self.bar.n + total - done
            self.bar.update(done)

    def update(self, n: int = 1, candidate_mean: float | None = None) -> None:
        if candidate_mean is not None and candidate_mean > self.best:
            self.best = candidate_mean
            if self.bar is not None:
                self.bar.set_postfix(best=f"{self.best:.5g}", refresh=False)
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

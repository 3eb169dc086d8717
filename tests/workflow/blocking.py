"""A classifier that stops in ``fit`` or ``predict_proba`` until its stdin closes (Ctrl-C tests).

Importable by a subprocess (``tests.workflow.blocking.BlockingClassifier``): it
prints ``BLOCKING <stage>`` on stdout, then reads stdin to its end, so the test
knows the run is inside that stage, sends SIGINT, and releases the process by
closing the pipe. No sleep, no timing guess.
"""

from __future__ import annotations

import sys

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


def _block(stage: str) -> None:
    print(f"BLOCKING {stage}", flush=True)
    sys.stdin.read()


class BlockingClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, block_in: str = "fit", C: float = 1.0):
        self.block_in = block_in
        self.C = C

    def fit(self, X, y):
        if self.block_in == "fit":
            _block("fit")
        self.model_ = LogisticRegression(C=self.C).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        if self.block_in == "predict":
            _block("predict")
        return self.model_.predict_proba(X)

    def predict(self, X):
        return self.model_.predict(X)

"""The MLflow pyfunc model of a run: the engine pipeline, loaded safely, scoring as ``engine score``."""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import pandas as pd

from engine.workflow import conform, load_model, score_frame


class EngineRunModel(mlflow.pyfunc.PythonModel):
    """Wraps a run's ``model.skops`` (with its ``record.json``) as an MLflow pyfunc model.

    The model file travels as the artifact ``run`` (a folder holding the two
    files) and loads through :func:`engine.workflow.load_model`, so its hash
    and trusted types are checked as for ``engine score``; ``predict`` returns
    the columns ``engine score`` writes.

    Examples
    --------
    >>> # mlflow.pyfunc.load_model(model_uri).predict(frame)  -> score, prediction
    """

    def load_context(self, context) -> None:
        self.model, self.meta = load_model(context.artifacts["run"])

    def predict(self, context, model_input: pd.DataFrame, params: dict[str, Any] | None = None):
        X = conform(pd.DataFrame(model_input), self.meta["dtypes"], allow_extra=True)
        return score_frame(self.model, X, self.meta)

"""MLflow export of a finished run (optional extra ``engine[mlflow]``)."""

from engine._optional import require

require("mlflow", "mlflow")

from engine.tracking._mlflow import MlflowSettings, flatten, log_run  # noqa: E402
from engine.tracking._pyfunc import EngineRunModel  # noqa: E402

__all__ = ["EngineRunModel", "MlflowSettings", "flatten", "log_run"]

"""``engine serve``: HTTP scoring of a saved run on FastAPI + uvicorn (extra ``engine[serve]``)."""

from engine._optional import require

require("fastapi", "serve")
require("uvicorn", "serve")

from engine.serve._app import DEFAULT_MAX_BODY_BYTES, create_app  # noqa: E402
from engine.serve._server import app_from_environment, serve  # noqa: E402

__all__ = ["DEFAULT_MAX_BODY_BYTES", "app_from_environment", "create_app", "serve"]

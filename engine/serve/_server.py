"""Start uvicorn on a run's scoring app, in one process or several workers."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from engine.serve._app import DEFAULT_MAX_BODY_BYTES, create_app

_RUN_DIR, _MAX_BODY = "ENGINE_SERVE_RUN_DIR", "ENGINE_SERVE_MAX_BODY_BYTES"


def app_from_environment() -> FastAPI:
    """The app of the run named by ``ENGINE_SERVE_RUN_DIR`` (each uvicorn worker builds its own)."""
    return create_app(
        os.environ[_RUN_DIR],
        max_body_bytes=int(os.environ.get(_MAX_BODY, DEFAULT_MAX_BODY_BYTES)),
    )


def serve(
    run_dir: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> None:
    """Serve a run's model over HTTP until interrupted.

    The model loads (and is checked) before the server starts, so a model
    that cannot load stops start-up with its error. Each uvicorn worker
    (``workers`` processes; the server's own process when 1) then builds the
    app with :func:`app_from_environment`, loading the model once.

    Examples
    --------
    >>> # serve("runs/churn/20260101T000000", port=8000, workers=2)
    """
    import uvicorn

    if workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    create_app(run_dir, max_body_bytes=max_body_bytes)  # fails here, before listening
    os.environ[_RUN_DIR], os.environ[_MAX_BODY] = str(run_dir), str(max_body_bytes)
    uvicorn.run(
        "engine.serve:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
    )

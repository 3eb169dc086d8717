"""The scoring service of a saved run: a FastAPI app around the run's model.

The model loads once, safely (hash and trusted types checked, see
:func:`engine.workflow.load_model`), when the app is built; requests are
checked against the training schema once, at the boundary, and scored on
NumPy columns by :class:`engine.workflow.ArrayScorer` (the fitted steps
applied to arrays, bit for bit ``engine score``'s numbers for the same rows);
a model of a shape it does not know is scored by the same function as
``engine score``.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from engine.workflow import (
    ArrayScorer,
    SchemaError,
    columns_frame,
    conform,
    is_numeric,
    load_model,
    records_columns,
    score_columns,
)

#: Largest request body accepted by default (bytes); larger bodies get 413.
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024

_REQUEST_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "array", "items": {"type": "object"}},
                        {
                            "type": "object",
                            "properties": {
                                "records": {"type": "array", "items": {"type": "object"}}
                            },
                        },
                    ]
                },
                "example": [{"feature": 1.0}],
            },
            "text/csv": {"schema": {"type": "string"}, "example": "feature\n1.0\n"},
        },
    }
}


class BadRequest(Exception):
    """A request the service refuses: HTTP status, message and the column at fault."""

    def __init__(self, status: int, message: str, column: str | None = None):
        super().__init__(message)
        self.status, self.message, self.column = status, message, column


def run_metadata(folder: Path, meta: dict) -> dict[str, Any]:
    """What ``GET /metadata`` answers: task, features with dtypes, classes, metrics, hashes."""
    record = json.loads((folder / "record.json").read_text())
    return {
        "run": record.get("name"),
        "task": meta["task"],
        "target": meta["target"],
        "features": meta["dtypes"],
        "classes": meta.get("classes"),
        "metrics": record.get("results", {}).get("metrics", {}),
        "data_fingerprint": record.get("data_fingerprint"),
        "model_sha256": meta["sha256"],
        "engine_version": version("engine"),
    }


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (before reading it when declared)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest(
            413, f"request body of {int(declared):,} bytes is over the {limit:,}-byte limit"
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, f"request body is over the {limit:,}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_rows(body: bytes, content_type: str, dtypes: dict[str, str]) -> Mapping[str, Any]:
    """The columns of a JSON (a list of records, or ``{"records": [...]}``) or CSV body, checked.

    JSON is parsed with orjson and checked column by column into NumPy
    columns (:func:`engine.workflow.records_columns`); CSV is read by pandas
    and checked with :func:`engine.workflow.conform` (a DataFrame). Either way
    a missing, extra or mistyped column is a 422 naming it, and a body
    without rows a 422.
    """
    kind = content_type.split(";")[0].strip().lower()
    if kind == "text/csv":
        text = {c: object for c, d in dtypes.items() if not is_numeric(d)}
        try:
            frame = pd.read_csv(io.BytesIO(body), dtype=text)
        except (ValueError, pd.errors.ParserError) as exc:
            raise BadRequest(422, f"body is not valid CSV: {exc}") from exc
        frame = _checked(conform, frame, dtypes, allow_extra=False)
        if frame.empty:
            raise BadRequest(422, "no rows to score")
        return frame
    if kind not in ("application/json", ""):
        raise BadRequest(
            415, f"unsupported Content-Type {kind!r}: send application/json or text/csv"
        )
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(422, f"body is not valid JSON: {exc}") from exc
    if isinstance(payload, dict) and "records" in payload:
        payload = payload["records"]
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise BadRequest(422, 'body must be a JSON list of records or {"records": [...]}')
    if not payload:
        raise BadRequest(422, "no rows to score")
    check_record_keys(payload, dtypes.keys())
    return _checked(records_columns, payload, dtypes)


def _checked(check, *args, **kwargs):
    """``check(*args, **kwargs)``, its :class:`SchemaError` turned into a 422 naming the column."""
    try:
        return check(*args, **kwargs)
    except SchemaError as exc:
        raise BadRequest(422, str(exc), exc.column) from exc


def check_record_keys(records: list[dict], columns) -> None:
    """Every record has exactly the model's columns, else 422 naming the first one amiss."""
    for i, record in enumerate(records):
        if record.keys() != columns:
            missing = [c for c in columns if c not in record]
            if missing:
                raise BadRequest(422, f"record {i}: missing column {missing[0]!r}", missing[0])
            extra = next(c for c in record if c not in columns)
            raise BadRequest(422, f"record {i}: unexpected column {extra!r}", extra)


def _json_column(values: np.ndarray) -> np.ndarray | list:
    # orjson writes contiguous numeric arrays natively; labels of other dtypes go as lists
    if values.dtype.kind in "biuf":
        return np.ascontiguousarray(values)
    return values.tolist()


def request_scorer(model: Any, meta: dict) -> Callable[[Mapping[str, Any]], dict]:
    """``columns -> score columns`` (with ``proba_<class>``): on arrays when the model allows.

    :class:`engine.workflow.ArrayScorer` when it knows the model's shape,
    else :func:`engine.workflow.score_columns` on the columns as a frame.
    """
    scorer = ArrayScorer.for_model(model, meta)
    if scorer is not None:
        return functools.partial(scorer.score, probabilities=True)
    return lambda columns: score_columns(model, columns_frame(columns), meta, probabilities=True)


def predictions(score: Callable[[Mapping[str, Any]], dict], columns: Mapping[str, Any]) -> bytes:
    """The response body (JSON): ``engine score``'s columns plus ``proba_<class>`` per class."""
    scores = score(columns)
    return orjson.dumps(
        {str(c): _json_column(v) for c, v in scores.items()}, option=orjson.OPT_SERIALIZE_NUMPY
    )


def create_app(run_dir: str | Path, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> FastAPI:
    """The scoring app of a run folder (its model loaded once, now).

    Endpoints: ``POST /predict`` (JSON records or CSV), ``GET /health``,
    ``GET /metadata``; OpenAPI docs at ``/docs``. A missing, extra or
    mistyped column gives 422 naming the column; a body over
    ``max_body_bytes`` gives 413.

    Examples
    --------
    >>> # app = create_app("runs/churn/20260101T000000"); uvicorn.run(app)
    """
    folder = Path(run_dir)
    model, meta = load_model(folder)
    score = request_scorer(model, meta)
    metadata = run_metadata(folder if folder.is_dir() else folder.parent, meta)
    dtypes = meta["dtypes"]
    app = FastAPI(
        title=f"engine serve: {metadata['run']}",
        version=metadata["engine_version"],
        description=f"Scores rows with the model of run {metadata['run']!r} ({meta['task']}).",
    )

    @app.exception_handler(BadRequest)
    async def refuse(request: Request, exc: BadRequest) -> JSONResponse:
        return JSONResponse({"detail": exc.message, "column": exc.column}, status_code=exc.status)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "model_sha256": meta["sha256"]}

    @app.get("/metadata")
    def get_metadata() -> dict:
        return metadata

    @app.post("/predict", openapi_extra=_REQUEST_DOC)
    async def predict(request: Request) -> Response:
        # parsed and scored in the event loop's thread: handing the work to a threadpool
        # measured no faster with one worker (the GIL serialises it) and slower for big bodies
        body = await read_body(request, max_body_bytes)
        columns = parse_rows(body, request.headers.get("content-type", ""), dtypes)
        return Response(predictions(score, columns), media_type="application/json")

    return app

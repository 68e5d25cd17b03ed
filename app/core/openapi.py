"""The OpenAPI document tells integrators what errors really look like: RFC 9457 problem+json.

FastAPI documents only its own 422 shape (`HTTPValidationError`, application/json). Every error this
service sends is a problem document, so each operation lists the error statuses it can answer —
401/403 where it needs a token, 404 where it names a resource, 409 for writes, 413/415/400 where it
takes a body, 422 for input, 500 always — each as `application/problem+json` with one Problem schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string", "description": "the offending field, e.g. location.lat"},
        "errors": {"type": "array", "items": {"type": "object"}, "description": "every invalid field"},
        "request_id": {"type": ["string", "null"]},
    },
    "additionalProperties": True,
}
WRITES = {"post", "put", "patch", "delete"}
BODY = {"post", "put", "patch"}


def _error_statuses(method: str, path: str, operation: dict[str, Any]) -> dict[str, str]:
    statuses = {"422": "Invalid input; `field` names it", "500": "Unexpected error; quote the request_id"}
    if operation.get("security"):
        statuses |= {"401": "No valid access token", "403": "Not allowed for this caller"}
    if "{" in path:
        statuses["404"] = "Not found, or outside your jurisdiction"
    if method in WRITES:
        statuses["409"] = "Conflict: stale version, not allowed from this status, or a replay with other content"
    if method in BODY:
        statuses |= {"400": "Unreadable body (e.g. corrupt gzip)", "413": "Body too large",
                     "415": "Unsupported Content-Encoding"}  # fmt: skip
    return statuses


def install_problem_docs(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status, description in _error_statuses(method, path, operation).items():
                    responses.setdefault(status, {"description": description})
                for status, entry in responses.items():
                    if status.startswith(("4", "5")):  # also what a route declared itself
                        entry["content"] = problem
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

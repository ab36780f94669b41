"""The OpenAPI 3.1 document, built from ``api/operations.py`` and the strict models.

Schemas come from pydantic (``models_json_schema``) for the answers (``api/schemas.py``)
and the request bodies; paths, parameters, statuses and headers from the operation table.
No web framework takes part, so the document says exactly what the table and models say.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from omni_server.api.operations import OPERATIONS, Operation, Param
from omni_server.api.schemas import ErrorEnvelope
from omni_server.events.sse import MEDIA_TYPE as EVENT_STREAM

TITLE = "Omni AI API (self-hosted)"
DESCRIPTION = (
    "Self-hosted implementation of Clear Street's Omni AI API. Every answer carries "
    "`X-Request-Id` (equal to `metadata.request_id`); every 4xx but 408 and 429 carries "
    "`x-should-retry: false`; 429 and 503 carry `retry-after`. A request whose body is larger "
    "than the server accepts is refused with 413 on any path."
)
REF = "#/components/schemas/{model}"
STATUS_TEXT = {
    304: "Not modified since the `If-None-Match` tag",
    400: "Bad request: malformed query, path id, header or JSON, or a broken rule",
    401: "Missing or unknown API key",
    403: "The key was not granted the account",
    404: "Not found in this account",
    408: "The request body was not received in time",
    409: "Conflicts with the current state",
    413: "The request body is too large",
    422: "The JSON body has the wrong shape, breaks a limit, or reuses an Idempotency-Key",
    429: "Over a per-key limit (request rate or active turns); see `retry-after`",
    500: "Internal server error (details are in the server's log only)",
    503: "Temporarily unavailable (the database is busy); see `retry-after`",
}
HEADERS: dict[str, dict[str, Any]] = {
    "RequestId": {
        "description": "This request's id; equals `metadata.request_id`.",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    },
    "RetryAfter": {
        "description": "Seconds to wait before retrying.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "ShouldRetry": {
        "description": "Whether a client should retry this request as it is.",
        "schema": {"type": "string", "enum": ["true", "false"]},
    },
    "Replayed": {
        "description": "`true` when the answer replays an earlier request with the same "
        "`Idempotency-Key`.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "ETag": {
        "description": "Validator of the response's state, for `If-None-Match`.",
        "required": True,
        "schema": {"type": "string"},
    },
}


def document(version: str) -> dict[str, Any]:
    """The whole document for server ``version``."""
    refs, defs = models_json_schema(
        [(model, "validation") for model in _models()], ref_template=REF
    )
    names: dict[Any, str] = {
        model: ref["$ref"].rsplit("/", 1)[-1] for (model, _), ref in refs.items()
    }
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, names)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": version, "description": DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "headers": HEADERS,
            "securitySchemes": {
                "BearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An Omni API key: `Authorization: Bearer omni_...`.",
                }
            },
        },
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS)],
    }


def _models() -> list[type[BaseModel]]:
    found: dict[type[BaseModel], None] = {}
    for op in OPERATIONS:
        for model in (op.success, op.body, op.failure):
            if model is not None:
                found[model] = None
    return list(found)


def _operation(op: Operation, names: dict[Any, str]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        spec["description"] = op.description
    if op.params:
        spec["parameters"] = [_param(p) for p in op.params]
    if op.body is not None:
        spec["requestBody"] = {"required": True, "content": _json(names[op.body])}
    spec["responses"] = _responses(op, names)
    if op.secured:
        spec["security"] = [{"BearerAuth": []}]
    return spec


def _param(param: Param) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": param.where,
        "required": param.required,
        "description": param.description,
        "schema": param.schema,
    }


def _json(name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF.format(model=name)}}}


def _header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _responses(op: Operation, names: dict[Any, str]) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": op.success_description}
    headers = {"X-Request-Id": _header("RequestId")}
    if op.success is None:
        ok["content"] = {EVENT_STREAM: {"schema": {"type": "string"}}}
    else:
        ok["content"] = _json(names[op.success])
    if op.replayable:
        headers["Idempotent-Replayed"] = _header("Replayed")
    if op.not_modified:
        headers["ETag"] = _header("ETag")
    ok["headers"] = headers
    answers: dict[str, Any] = {"200": ok}
    if op.not_modified:
        answers["304"] = {
            "description": STATUS_TEXT[304],
            "headers": {"X-Request-Id": _header("RequestId"), "ETag": _header("ETag")},
        }
    for status in sorted(op.errors):
        answers[str(status)] = _error(op, status, names[op.failure])
    return answers


def _error(op: Operation, status: int, model: str) -> dict[str, Any]:
    """An error answer; the retry headers are those ``api/errors.py`` sets on the envelope."""
    headers = {"X-Request-Id": _header("RequestId")}
    description = STATUS_TEXT[status]
    if op.failure is not ErrorEnvelope:  # a probe's own body, described by its model
        description = " ".join((op.failure.__doc__ or description).split())
    else:
        if status in (429, 503):
            headers["Retry-After"] = _header("RetryAfter")
        if status in (429, 503) or (400 <= status < 500 and status != 408):
            headers["x-should-retry"] = _header("ShouldRetry")
    return {"description": description, "content": _json(model), "headers": headers}

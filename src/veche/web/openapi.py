"""The published spec says what the server really answers.

FastAPI documents its own `{"detail": …}` 422 and nothing else; veche answers every error
as `{"error": {code, message, field}}`. This rewrites the generated spec once: every
operation lists the error statuses it can answer, all with the ErrorOut schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
# What any operation may answer: who you are, what exists, limits, a busy database.
COMMON = {
    401: "Not signed in, or a wrong password (`bad_credentials`)",
    403: "Not allowed (another's comment, no moderator, a cookie write without CSRF token)",
    404: "No such story, comment or site",
    409: "Conflict: a closed story, a deleted comment, a taken handle, a reused key",
    422: "Invalid input; `field` names the culprit",
    429: "Rate limited; `Retry-After` says when to try again",
    503: "The database is busy; `Retry-After` says when to try again",
}
WITH_BODY = {
    400: "The request body could not be read (not UTF-8)",
    413: "The request body is larger than the server accepts",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
# Rules the services check on query parameters, published with them. (They belong on the
# Query() declarations in api.py; kept here until that file can change.)
QUERY_RULES: dict[str, dict[str, Any]] = {
    # Page cursors are next_cursor values: letters and digits (str.isalnum()).
    "after": {"minLength": 1, "pattern": r"^[^\W_]+$"},
    # An absolute http(s) URL: no spaces, no control characters, nothing undecodable.
    "url": {
        "minLength": 1,
        "pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]{1,253}(:[0-9]{1,4})?(/[^\s\x00-\x1f\ufffd]*)?$",
    },
}
DESCRIPTION = """Threaded discussions for news sites.

Every error is `{"error": {"code", "message", "field"}}` with the status it deserves.
Send `Authorization: Bearer <token>` (from `/auth/signin`) or the session cookie with an
`X-CSRF-Token` header.

A deleted comment keeps its place in its thread: reading it afterwards answers 200 with
`status: "deleted"` and a placeholder instead of its text. That is by design (numbering
never shifts), not a use after free.
"""


def _responses(op: dict[str, Any]) -> None:
    responses: dict[str, Any] = op.setdefault("responses", {})
    statuses = dict(COMMON)
    if "requestBody" in op:
        statuses.update(WITH_BODY)
    for status, description in statuses.items():
        entry: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": ERROR_REF}},
        }
        if status in (429, 503):
            entry["headers"] = RETRY_AFTER
        responses[str(status)] = entry


def _constrain(schema: dict[str, Any], rules: dict[str, Any]) -> None:
    """Optional parameters are `anyOf: [string, null]`: the rules go on the string, and a
    repeated one's on each of its items."""
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "string":
            option.update(rules)
        elif option.get("type") == "array" and option.get("items", {}).get("type") == "string":
            option["items"].update(rules)


def build(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title, version=app.version, description=DESCRIPTION, routes=app.routes
    )
    for methods in spec.get("paths", {}).values():
        for op in methods.values():
            _responses(op)
            for param in op.get("parameters", []):
                if param.get("in") == "query" and param["name"] in QUERY_RULES:
                    _constrain(param["schema"], QUERY_RULES[param["name"]])
    schemas = spec.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    app.openapi_schema = spec
    return spec


def install(app: FastAPI) -> None:
    app.openapi = lambda: build(app)  # type: ignore[method-assign]

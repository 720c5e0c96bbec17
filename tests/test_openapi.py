"""The published spec: real error bodies on every route, real rules, and 405s with Allow."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World, bearer, error

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def test_every_operation_documents_its_errors_as_error_out(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert (
        "HTTPValidationError" not in str(spec)
        and "ValidationError" not in spec["components"]["schemas"]
    )
    assert "by design" in spec["info"]["description"]
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            for status in ("401", "403", "404", "409", "422", "429", "503"):
                schema = op["responses"][status]["content"]["application/json"]["schema"]
                assert schema == ERROR_REF, (method, path, status)
            assert "Retry-After" in op["responses"]["429"]["headers"]
            if "requestBody" in op:
                assert "413" in op["responses"], (method, path)
    signin = spec["components"]["schemas"]["SignInIn"]["properties"]
    assert signin["login"]["minLength"] == 1
    threads = {p["name"]: p for p in spec["paths"]["/api/v1/threads"]["get"]["parameters"]}
    assert threads["url"]["schema"]["pattern"].startswith("^[Hh][Tt][Tt][Pp]")
    after = threads["after"]["schema"]["anyOf"][0]
    assert after["minLength"] == 1 and after["pattern"]
    key = spec["components"]["schemas"]["CommentIn"]["properties"]["idempotency_key"]
    assert key["anyOf"][0]["pattern"] == "^[A-Za-z0-9_-]{8,80}$"


def test_405_names_every_allowed_method(client: TestClient, world: World) -> None:
    _u, token = world.user("ann")
    r = client.put("/api/v1/comments/1", json={}, headers=bearer(token))
    error(r, 405, "http_error")
    assert r.headers["Allow"] == "DELETE, GET, HEAD, PATCH"
    r = client.delete(f"/api/v1/stories/{world.story.id}/comments")
    assert r.headers["Allow"] == "GET, HEAD, POST"

"""Schemathesis over /api/v1/openapi.json against the ASGI app: the spec tells the truth."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import engine
from schemathesis.engine import Status, events

from tests.conftest import World, with_config
from veche.web.app import create_app

REJECTED = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
# Schema-valid but refused for rules JSON Schema cannot say; each answers a readable 422.
ACCEPTED = [200, 201, 204, 401, 403, 404, 409, 422, 429]
SEMANTIC_422 = [
    # A common, repetitive or handle-containing password.
    {"include-path": "/api/v1/auth/signup", "include-method": "POST"},
    # The site's own comment length (5000 by default), markdown that renders to nothing.
    {"include-path": "/api/v1/stories/{story_id}/comments", "include-method": "POST"},
    {"include-path": "/api/v1/comments/{comment_id}", "include-method": "PATCH"},
    # A continuation cursor must lie under its comment (a path prefix).
    {
        "include-path": "/api/v1/stories/{story_id}/comments/{head_id}/replies",
        "include-method": "GET",
    },
]


def failures_of(stream: Any) -> list[str]:
    found: list[str] = []
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status is Status.FAILURE and check.failure_info is not None:
                        case = event.recorder.cases[case_id].value
                        found.append(
                            f"{event.label} [{check.name}] {check.failure_info.failure.title}: "
                            f"{check.failure_info.failure.message[:300]} "
                            f"<- {case.method} {case.formatted_path} q={case.query} b={str(case.body)[:200]}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.append(f"error: {event!r}"[:500])
    return found


def test_the_api_keeps_its_spec(world: World) -> None:
    rt = with_config(world.rt, rate_limit_writes="100000/minute", rate_limit_auth="100000/minute")
    _u, token = world.user("fuzzer")
    config = schemathesis.Config.from_dict(
        {
            "seed": 2026,
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {
                "max-examples": 30,
                "deterministic": True,
                "allow-x00": False,
                "database": "none",  # every run the same, no files left behind
            },
            "checks": {
                # A deleted comment answers 200 with its placeholder, by design (see the spec).
                "use_after_free": {"enabled": False},
                # Refusing too big a body is a refusal too.
                "negative_data_rejection": {"expected-statuses": REJECTED},
            },
            "operations": [
                *(
                    {
                        **where,
                        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
                    }
                    for where in SEMANTIC_422
                ),
                # An event stream never ends, so a request/response fuzzer would wait on it for
                # ever; tests/test_live.py drives it, bad resume points included.
                {"include-path": "/api/v1/stories/{story_id}/events", "enabled": False},
            ],
        }
    )
    app = create_app(rt.config, rt)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=config)
    found = failures_of(engine.from_schema(schema).execute())
    assert found == [], "\n".join(found)

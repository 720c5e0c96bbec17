"""/api/v1/counts: the comment-count widget's one request per article list (static/count.js).

Public and cacheable like the threads it counts: the same answer for every reader, so
anonymous readers and CDNs may keep it for VECHE_CACHE_MAX_AGE seconds, with an ETag for
a free revalidation. A browser reads it from an allowed origin only (CORS)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from veche.service.counts import MAX_URLS, Counts
from veche.web.api import ERRORS
from veche.web.identity import runtime

router = APIRouter(prefix="/api/v1", tags=["threads"], responses=ERRORS)

StoryUrl = Annotated[str, Field(min_length=1, max_length=2048)]


class CountsOut(BaseModel):
    counts: dict[str, int] = Field(
        description="Each url as asked → its published comments (0 for a page with none, "
        "or with no discussion yet)"
    )


def counts_service(request: Request) -> Counts:
    """One per app: it remembers counts by story version."""
    svc: Counts = request.app.state.counts
    return svc


@router.get("/counts", response_model=CountsOut)
def counts(
    request: Request,
    # The service counts them, in its own words; the spec says the same.
    url: list[StoryUrl] = Query(
        description="A story's page URL; repeat for each",
        json_schema_extra={"minItems": 1, "maxItems": MAX_URLS},
    ),
) -> Response:
    """Published comments of up to 100 story pages, by URL: what the count widget shows on
    an article list. Held and deleted comments are not counted; a page veche has no
    discussion for counts 0 (nothing is created). Send `If-None-Match` to get a 304."""
    body = json.dumps(
        {"counts": counts_service(request).by_url(url)}, ensure_ascii=False, separators=(",", ":")
    ).encode()
    etag = '"c-' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    config = runtime(request).config
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={config.cache_max_age}, "
        f"stale-while-revalidate={config.cache_stale_while_revalidate}",
    }
    asked = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    if etag in asked or f"W/{etag}" in asked or "*" in asked:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)

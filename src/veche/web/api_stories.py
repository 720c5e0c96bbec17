"""/api/v1/threads POST: an embed's first load asks for its page's discussion.

Reads never create anything: a GET for an unknown story URL is a 404, so nobody can make
a story, or title one, by loading a link."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import Field

from veche.domain import article
from veche.web.api import ERRORS, story_out
from veche.web.identity import client_ip, runtime, stories
from veche.web.schemas import StoryOut, Strict

router = APIRouter(prefix="/api/v1", tags=["threads"], responses=ERRORS)


class ThreadIn(Strict):
    url: str = Field(max_length=2048, description="The publisher's page, as the embed sees it")
    title: str | None = Field(
        default=None, max_length=1000, description="Its title; provisional until confirmed"
    )
    title_signature: str | None = Field(
        default=None,
        pattern="^[0-9a-fA-F]{64}$",
        description="HMAC-SHA256 in hex, with the site's title key (`veche site title-key`), "
        "of the url, a newline and the title, exactly as sent: the publisher confirms the title",
    )
    article_text: str | None = Field(
        default=None,
        max_length=article.TEXT_MAX,
        description="The article's text as the page shows it (the element named by "
        "`data-article-selector`), for checking quotes of it: taken while the story has none, "
        "replaced only with a signed title; never shown as the story's body",
    )


@router.post(
    "/threads",
    status_code=201,
    responses={200: {"model": StoryOut, "description": "The story existed already"}},
)
def open_thread(body: ThreadIn, request: Request, response: Response) -> StoryOut:
    """Make the story of a publisher's page on its first load. The request's Origin must be
    an allowed origin of the site the URL belongs to, and creation is rate-limited. The
    title stays provisional (`title_confirmed: false`) until the publisher confirms it, and
    a later request never changes an existing story's title, unless the publisher signed it
    (`title_signature`): then it is set and confirmed. A wrong signature is a 403. The
    article's text is taken by the same rule, for quotes of the article."""
    story, created = stories(request).open_thread(
        body.url,
        body.title,
        origin=request.headers.get("origin"),
        ip=client_ip(request),
        signature=body.title_signature,
        article_text=body.article_text,
    )
    if not created:
        response.status_code = 200
    return story_out(story, runtime(request).config.base_url)

"""/sites/{name}/theme.css: a site's theme as a stylesheet (domain/theme.py).

A stylesheet of its own, not a `style` attribute or element: veche's CSP allows styles from
'self' only, and a publisher's page takes a cross-origin stylesheet into the embed's shadow
root as it takes veche.css. Values are parsed again on the way out, so a row written by
hand past the CLI still cannot carry anything but CSS values.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Request, Response

from veche.domain.theme import ThemeSettings
from veche.web.identity import stories

router = APIRouter(include_in_schema=False)


@router.get("/sites/{name}/theme.css")
def theme_css(request: Request, name: str = Path(max_length=64)) -> Response:
    site = stories(request).site(name)
    css = ThemeSettings.from_stored(site.theme).css()
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=60"})

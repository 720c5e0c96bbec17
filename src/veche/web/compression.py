"""gzip, Brotli and zstd for every answer but the event streams (starlette-compress).

A reader on a cut network pays for every byte. Event streams are left alone: a compressor
per open stream holds tens of kilobytes, and ten thousand idle readers would pay for it.
A compressed body is another representation, so its strong ETag gets the encoding as a
suffix (`"…-br"`), and a conditional request naming that suffixed tag is matched by the app
against the plain one.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette_compress import CompressMiddleware, remove_compress_type

remove_compress_type("text/event-stream")
ETAG_SUFFIX = re.compile(rb'-(?:gzip|br|zstd)"')


class EncodedETags:
    """Inside the compressor: sees the app's plain ETag and the encoding chosen for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = []
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                found = ETAG_SUFFIX.search(value)
                if found is not None:
                    scope["veche.etag_suffix"].append(found.group(0)[:-1])
                value = ETAG_SUFFIX.sub(b'"', value)
            headers.append((name, value))
        await self.app({**scope, "headers": headers}, receive, send)


class Compression:
    """The compressor, then the ETag fix on what it sends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inner = CompressMiddleware(EncodedETags(app), minimum_size=512)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        if scope["path"].endswith("/events"):
            # Never compressed; ten thousand open streams would each hold the wrappers.
            await self.app(scope, receive, send)
            return

        asked: list[bytes] = []  # the encoding suffix of the tag the client revalidates

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                encoding = next((v for k, v in headers if k.lower() == b"content-encoding"), None)
                if message["status"] == 304 and asked:
                    encoding = asked[0][1:]  # a 304 names the representation the client has
                if encoding:
                    headers = [
                        (k, v[:-1] + b"-" + encoding + b'"')
                        if k.lower() == b"etag" and v.endswith(b'"') and not v.startswith(b"W/")
                        else (k, v)
                        for k, v in headers
                    ]
                    message = {**message, "headers": headers}
            await send(message)

        await self.inner({**scope, "veche.etag_suffix": asked}, receive, tagged)

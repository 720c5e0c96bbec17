"""Pure ASGI middleware: request ids, a JSON 500 for any crash, and a request-body cap.

Pure ASGI rather than BaseHTTPMiddleware: no extra task per request, streaming bodies
pass through untouched, and exceptions arrive unwrapped.
"""

from __future__ import annotations

import logging
import random
import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veche.logs import REQUEST_ID
from veche.web.errors import INTERNAL, plain_error

logger = logging.getLogger(__name__)
# A proxy's id is kept if it cannot smuggle anything into a log line or a header.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id(incoming: str) -> str:
    """The proxy's id when safe, else a fresh one: 16 hex digits that only need to be
    unlikely to repeat, so not from the OS's entropy (a system call per request)."""
    if incoming and _SAFE_ID.match(incoming):
        return incoming
    return f"{random.getrandbits(64):016x}"


class RequestId:
    """Gives each request an id, for its log lines and its `X-Request-ID` answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(Headers(scope=scope).get("x-request-id", ""))
        token = REQUEST_ID.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)


class ServerErrors:
    """Any unhandled exception: its traceback in the log, a 500 error body to the client.

    It sits inside the header and request-id middleware, so a 500 has both.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        watch = Started(send)
        try:
            await self.app(scope, receive, watch)
        except Exception:
            logger.exception("Unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if watch.started:  # too late for an error body: let the server drop the connection
                raise
            await plain_error(scope, 500, "internal", INTERNAL)(scope, receive, send)


class Started:
    """`send`, remembering whether the answer has begun: after that an error can no longer
    be answered with a body of its own."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413, "The request body is too large.")


class BodyLimit:
    """Refuses a body over `max_bytes`: by its Content-Length before reading anything, and
    by counting the chunks of a body sent without one."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        bodiless = declared is None and "transfer-encoding" not in headers
        if bodiless and scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)  # nothing to count (an open event stream)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        watch = Started(send)
        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            # Usually the exception handler answers; this is for readers outside routes.
            if watch.started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = "The request body is too large."
        response = plain_error(scope, 413, "too_large", message)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)

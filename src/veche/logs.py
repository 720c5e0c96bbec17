"""Log lines name the request they belong to, so one failure can be followed across lines."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import TextIO

# Set per request by web.middleware.RequestId; "-" outside any request.
REQUEST_ID: ContextVar[str] = ContextVar("veche_request_id", default="-")
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def handler(stream: TextIO | None = None) -> logging.Handler:
    """A stream handler in veche's format, the request id included."""
    out: logging.Handler = logging.StreamHandler(stream)
    out.addFilter(RequestIdFilter())
    out.setFormatter(logging.Formatter(FORMAT))
    return out


def configure(level: int = logging.INFO) -> None:
    """The default for `veche serve`: one handler on the root logger (uvicorn's too)."""
    root = logging.getLogger()
    root.handlers[:] = [handler()]
    root.setLevel(level)


def lean_records() -> None:
    """FORMAT names no source file, thread or process, so a server's records need not look
    them up: the logging HOWTO's optimisations, paid for by a line per request otherwise.
    For the serving process only (it changes every logger of the process)."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False

"""Which database failures mean "busy, try again" (a 503) rather than a bug (a 500)."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLITE_BUSY and SQLITE_LOCKED, with their extended codes (low byte is the primary code).
_SQLITE_BUSY = {5, 6}
_SQLITE_WORDS = ("database is locked", "database is busy", "database table is locked")
# lock_not_available (lock_timeout), serialization_failure, deadlock_detected,
# too_many_connections, query_canceled (statement_timeout), cannot_connect_now.
_PG_STATES = {"55P03", "40001", "40P01", "53300", "57014", "57P03"}
_PG_WORDS = ("too many clients", "remaining connection slots are reserved")


def is_overload(exc: BaseException) -> bool:
    """True for a lock wait that ran out, a conflict to retry, or no connection to be had."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _SQLITE_BUSY:
            return True
        return str(orig).lower().startswith(_SQLITE_WORDS)
    state = getattr(orig, "sqlstate", None)
    if isinstance(state, str) and state in _PG_STATES:
        return True
    return any(word in str(orig).lower() for word in _PG_WORDS)

"""Domain errors carry the HTTP status they deserve, so every interface reports them alike."""

from __future__ import annotations


class VecheError(Exception):
    """A refusal a user can understand: `message` is shown to them as is."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(VecheError):
    status = 422
    code = "invalid_input"


class NotFound(VecheError):
    status = 404
    code = "not_found"


class AuthRequired(VecheError):
    status = 401
    code = "auth_required"


class Forbidden(VecheError):
    status = 403
    code = "forbidden"


class OriginRefused(Forbidden):
    """A page on an origin the story's site does not list: the embed shows this reason."""

    code = "origin_not_allowed"


class Banned(Forbidden):
    """A banned reader's write: the message says why and until when."""

    code = "banned"


class Conflict(VecheError):
    status = 409
    code = "conflict"


class AlreadyDecided(Conflict):
    """Another moderator decided this item first; the message says who and what."""

    code = "already_decided"


class TryLater(VecheError):
    """A refusal that passes: the answer says how many seconds to wait (Retry-After)."""

    default_wait = 60

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = self.default_wait if retry_after is None else retry_after


class RateLimited(TryLater):
    status = 429
    code = "rate_limited"


class BadCredentials(VecheError):
    """A sign-in with a wrong login or password: 401, not a form-validation 422."""

    status = 401
    code = "bad_credentials"


class CrossSiteRefused(Forbidden):
    """A cookie-borne write without our CSRF token or from another origin.

    Its answer shows nothing the request carried: echoing the sender's text into a
    signed-in page, with a fresh token, would help the forgery it refuses. The code stays
    "forbidden", as clients know it.
    """


class TooLarge(VecheError):
    status = 413
    code = "too_large"


class Overloaded(TryLater):
    """The database is busy (a lock held too long, no free connection): try again soon."""

    status = 503
    code = "overloaded"
    default_wait = 2

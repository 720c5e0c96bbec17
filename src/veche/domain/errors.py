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


class Conflict(VecheError):
    status = 409
    code = "conflict"


class RateLimited(VecheError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


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


class Overloaded(VecheError):
    """The database is busy (a lock held too long, no free connection): try again soon."""

    status = 503
    code = "overloaded"

    def __init__(self, message: str, *, retry_after: int = 2) -> None:
        super().__init__(message)
        self.retry_after = retry_after

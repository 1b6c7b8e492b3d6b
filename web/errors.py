"""Domain errors: each names what went wrong, carries its HTTP status and a message safe to show.

The one converter (``web.http.handlers``) turns them into problem+json for the API and a page or
fragment for the web, with the title of their status; the CLI prints the message. Code that
reacts to an error catches its class, never a status number.
"""

from __future__ import annotations


class DomainError(Exception):
    """A failure the user can act on. ``field`` names the input at fault, if one is; ``errors``
    lists every faulty field as ``{"field", "reason"}`` (the API returns them); ``headers`` go on
    the response (an API adds them, e.g. the current ``ETag`` of a ``Stale`` write)."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors: list[dict[str, str]] = [{"field": field, "reason": message}] if field else []
        self.headers: dict[str, str] = {}


class Malformed(DomainError):
    """The request itself cannot be taken in (a character no text may hold, such as U+0000)."""

    status = 400


class Unauthorized(DomainError):
    """Not signed in, or the credentials are wrong."""

    status = 401


class Forbidden(DomainError):
    """Signed in, but not allowed to do this."""

    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The request contradicts the current state (a duplicate, a finished run, ...)."""

    status = 409


class Pending(Conflict):
    """It exists but is not ready yet (a profile still being embedded); it will be within seconds."""


class Stale(Conflict):
    """Written against a revision that is no longer the stored one: someone saved in between (for
    HTTP, a failed precondition). ``current`` is the stored revision, None when the record is gone."""

    status = 412

    def __init__(self, message: str, *, current: int | None) -> None:
        super().__init__(message)
        self.current = current


class Invalid(DomainError):
    status = 422


class UnsupportedMediaType(DomainError):
    """The request's body is in a format this endpoint does not read (its Content-Type)."""

    status = 415


class RateLimited(DomainError):
    """Too many requests; ``retry_after``: seconds until the client may try again (``Retry-After``)."""

    status = 429

    def __init__(self, message: str, *, retry_after: int | None = None, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after
        if retry_after is not None:
            self.headers["Retry-After"] = str(max(1, retry_after))


class Unavailable(DomainError):
    """Not available right now (the matching index is loading, a list is not scored yet); try again soon."""

    status = 503

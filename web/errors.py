"""Domain errors: each names what went wrong, carries its HTTP status and a message safe to show.

The one converter (``web.handlers``) turns them into problem+json for the API and a page or
fragment for the web, with the title of their status; the CLI prints the message. Code that
reacts to an error catches its class, never a status number.
"""

from __future__ import annotations


class DomainError(Exception):
    """A failure the user can act on. ``field`` names the input at fault, if one is; ``errors``
    lists every faulty field as ``{"field", "reason"}`` (the API returns them)."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors: list[dict[str, str]] = [{"field": field, "reason": message}] if field else []


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


class Invalid(DomainError):
    status = 422


class RateLimited(DomainError):
    status = 429


class Unavailable(DomainError):
    """Not available right now (the matching index is loading, a list is not scored yet); try again soon."""

    status = 503

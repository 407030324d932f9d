"""Domain exceptions raised by services; entry points translate them for users."""


class DomainError(Exception):
    """Base of all errors a user can be told about."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        message = str(message)  # a lazy_gettext string is rendered now, in the locale of the raise
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    """Input is wrong; `field` names the form field when there is one."""

    status = 400


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class RateLimited(DomainError):
    status = 429

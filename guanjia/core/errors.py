"""Domain errors. Services raise these; the API maps them to status codes, the web to messages.

- ``django.core.exceptions.ValidationError`` (with a field name) → 422 / a form error
- ``NotAllowed`` → 403: the user may see the record but not do this
- ``NotFound`` → 404: missing *or* out of the user's scope; the two are indistinguishable on purpose
- ``Conflict`` → 409: the record changed under you, or the action is not allowed in its state
"""


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, **extra):
        super().__init__(message)
        self.message = str(message)
        self.extra = extra


class NotAllowed(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409

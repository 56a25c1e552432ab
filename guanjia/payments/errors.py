"""The two ways a gateway can let us down, shared by every gateway's client."""


class GatewayError(Exception):
    """The gateway refused or could not be reached; ``code`` is its error code when it answered."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


class CallbackRejected(Exception):
    """A callback that failed verification: recorded, nothing changed."""

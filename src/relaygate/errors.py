"""One error tree for the whole gateway.

    RelayGateError                 status, code, OpenAI-style type
    ├── BadRequest (400)           malformed JSON, missing fields, unsupported parameter
    │   └── BodyTooLarge (413)
    ├── Unauthorized (401)         missing, unknown or disabled key; not logged in
    ├── Forbidden (403)            role too low, IP or model not allowed
    │   ├── InsufficientQuota      user or token cannot afford the call
    │   └── TokenExpired / TokenExhausted / UserDisabled
    ├── ApiRefused (200)           /api refusals new-api answers with success=false
    ├── NotFound (404)
    ├── RateLimited (429)
    ├── NotImplemented_ (501)
    ├── ModelNotFound (503)        no enabled channel serves group × model
    └── UpstreamError              an upstream answered with an error, or could not be reached
        ├── UpstreamTimeout (504)
        └── UpstreamUnavailable (502)

Each renderer (OpenAI, Claude, Gemini bodies; the /api envelope) reads only these fields;
foreign exceptions are mapped to this tree once, where they enter.
"""

from __future__ import annotations

from typing import ClassVar


class RelayGateError(Exception):
    """Base class: carries an HTTP status, a stable code and an OpenAI error type."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    error_type: ClassVar[str] = "new_api_error"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        error_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.logged = False
        """Set once a log row records this error (so it is never recorded twice)."""
        self.status = status_code if status_code is not None else type(self).status_code
        self.error_code = code if code is not None else type(self).code
        self.type = error_type if error_type is not None else type(self).error_type


class BadRequest(RelayGateError):
    status_code = 400
    code = "invalid_request"
    error_type = "invalid_request_error"


class BodyTooLarge(BadRequest):
    status_code = 413
    code = "request_body_too_large"


class Unauthorized(RelayGateError):
    status_code = 401
    code = "invalid_api_key"
    error_type = "authentication_error"


class Forbidden(RelayGateError):
    status_code = 403
    code = "access_denied"
    error_type = "permission_error"


class InsufficientQuota(Forbidden):
    code = "insufficient_user_quota"
    error_type = "insufficient_quota"


class ApiRefused(RelayGateError):
    """A management refusal that new-api answers with HTTP 200 and ``success: false``."""

    status_code = 200
    code = "refused"


class NotFound(RelayGateError):
    status_code = 404
    code = "not_found"
    error_type = "invalid_request_error"


class RateLimited(RelayGateError):
    status_code = 429
    code = "rate_limit_exceeded"
    error_type = "rate_limit_error"


class NotImplemented_(RelayGateError):
    status_code = 501
    code = "not_implemented"
    error_type = "invalid_request_error"


class ModelNotFound(RelayGateError):
    status_code = 503
    code = "model_not_found"
    error_type = "new_api_error"


class UpstreamError(RelayGateError):
    """An upstream answered with an error status (passed on to the client) or failed."""

    status_code = 502
    code = "upstream_error"
    error_type = "upstream_error"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        error_type: str | None = None,
        channel_id: int = 0,
        retryable: bool = True,
        disables_channel: bool = False,
    ) -> None:
        super().__init__(message, status_code=status_code, code=code, error_type=error_type)
        self.channel_id = channel_id
        self.retryable = retryable
        self.disables_channel = disables_channel


class UpstreamTimeout(UpstreamError):
    status_code = 504
    code = "upstream_timeout"


class UpstreamUnavailable(UpstreamError):
    status_code = 502
    code = "upstream_unavailable"

"""Error bodies in each client format, and upstream error bodies parsed from each."""

from __future__ import annotations

import pytest
from proto_support import FORMATS, fixture

from relaygate.errors import (
    BadRequest,
    InsufficientQuota,
    RateLimited,
    RelayGateError,
    UpstreamTimeout,
)
from relaygate.kit import jsonx
from relaygate.protocols.codecs import CODECS
from relaygate.protocols.formats import WireFormat

ERRORS = [
    BadRequest("model is required"),
    InsufficientQuota("quota exhausted"),
    RateLimited("slow down"),
    UpstreamTimeout("upstream timed out"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_openai_shapes(error: RelayGateError) -> None:
    for fmt in (WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES):
        body = jsonx.loads(CODECS[fmt].render_error(error))
        assert body == {
            "error": {
                "message": error.message,
                "type": error.type,
                "param": None,
                "code": error.error_code,
            }
        }


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ERRORS[0], "invalid_request_error"),
        (ERRORS[1], "permission_error"),
        (ERRORS[2], "rate_limit_error"),
        (ERRORS[3], "timeout_error"),
        (RelayGateError("boom"), "api_error"),
    ],
)
def test_claude_shape(error: RelayGateError, kind: str) -> None:
    body = jsonx.loads(CODECS[WireFormat.ANTHROPIC_MESSAGES].render_error(error))
    assert body == {"type": "error", "error": {"type": kind, "message": error.message}}


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ERRORS[0], "INVALID_ARGUMENT"),
        (ERRORS[1], "PERMISSION_DENIED"),
        (ERRORS[2], "RESOURCE_EXHAUSTED"),
        (ERRORS[3], "DEADLINE_EXCEEDED"),
    ],
)
def test_gemini_shape(error: RelayGateError, status: str) -> None:
    body = jsonx.loads(CODECS[WireFormat.GEMINI].render_error(error))
    assert body == {"error": {"code": error.status, "message": error.message, "status": status}}


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (WireFormat.OPENAI_CHAT, ("Rate limit reached for gpt-4o in organization org-123 on tokens per min (TPM).", "rate_limit_exceeded")),
        (WireFormat.OPENAI_RESPONSES, ("The encrypted content could not be verified.", "invalid_encrypted_content")),
        (WireFormat.ANTHROPIC_MESSAGES, ("Overloaded", "overloaded_error")),
        (WireFormat.GEMINI, ("Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED")),
    ],
)  # fmt: skip
def test_parse_upstream_error(fmt: WireFormat, expected: tuple[str, str]) -> None:
    assert CODECS[fmt].parse_error(fixture(fmt, "error.json")) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_parse_non_json_error_keeps_text(fmt: WireFormat) -> None:
    assert CODECS[fmt].parse_error(b"<html>502 Bad Gateway</html>") == (
        "<html>502 Bad Gateway</html>",
        None,
    )


def test_gemini_error_array_body() -> None:
    body = b'[{"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}]'
    assert CODECS[WireFormat.GEMINI].parse_error(body) == ("bad", "INVALID_ARGUMENT")

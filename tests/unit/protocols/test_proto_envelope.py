"""envelope.peek: model, stream flag, token cap and usage wish, without a full decode."""

from __future__ import annotations

import pytest
from proto_support import fixture

from relaygate.errors import BadRequest
from relaygate.protocols.envelope import Peek, peek
from relaygate.protocols.formats import WireFormat


def test_peek_each_fixture() -> None:
    assert peek(WireFormat.OPENAI_CHAT, fixture(WireFormat.OPENAI_CHAT, "request.json")) == Peek(
        "gpt-4o", True, 1024, True
    )
    assert peek(
        WireFormat.OPENAI_RESPONSES, fixture(WireFormat.OPENAI_RESPONSES, "request.json")
    ) == Peek("gpt-5-codex", True, None, True)
    assert peek(
        WireFormat.ANTHROPIC_MESSAGES, fixture(WireFormat.ANTHROPIC_MESSAGES, "request.json")
    ) == Peek("claude-sonnet-4-5", True, 32000, True)
    body = fixture(WireFormat.GEMINI, "request.json")
    assert peek(WireFormat.GEMINI, body, model="gemini-2.5-flash", stream=True) == Peek(
        "gemini-2.5-flash", True, 8192, True
    )


def test_chat_usage_only_when_asked() -> None:
    body = b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": true, "max_tokens": 5}'
    assert peek(WireFormat.OPENAI_CHAT, body) == Peek("m", True, 5, False)


def test_empty_conversation_and_negative_cap_are_refused() -> None:
    with pytest.raises(BadRequest) as empty:
        peek(WireFormat.OPENAI_CHAT, b'{"model": "m", "messages": []}')
    assert empty.value.error_code == "missing_messages"
    with pytest.raises(BadRequest) as negative:
        peek(
            WireFormat.ANTHROPIC_MESSAGES,
            b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": -1}',
        )
    assert negative.value.error_code == "invalid_max_tokens"


def test_responses_string_input_and_previous_response() -> None:
    assert peek(WireFormat.OPENAI_RESPONSES, b'{"model": "m", "input": "hi"}').model == "m"
    assert not peek(
        WireFormat.OPENAI_RESPONSES, b'{"model": "m", "previous_response_id": "r"}'
    ).stream


@pytest.mark.parametrize(
    ("fmt", "body", "message"),
    [
        (WireFormat.OPENAI_CHAT, b"{not json", "not valid JSON"),
        (WireFormat.OPENAI_CHAT, b"[1, 2]", "must be a JSON object"),
        (WireFormat.OPENAI_CHAT, b'{"messages": []}', "model is required"),
        (WireFormat.OPENAI_CHAT, b'{"model": "", "messages": []}', "non-empty string"),
        (WireFormat.OPENAI_CHAT, b'{"model": "m"}', "messages is required"),
        (
            WireFormat.ANTHROPIC_MESSAGES,
            b'{"model": "m", "messages": "hi"}',
            "messages must be an array",
        ),
        (WireFormat.OPENAI_RESPONSES, b'{"model": "m"}', "input is required"),
        (WireFormat.GEMINI, b'{"contents": []}', "model is required"),
    ],
)
def test_bad_bodies_are_bad_requests(fmt: WireFormat, body: bytes, message: str) -> None:
    with pytest.raises(BadRequest, match=message) as caught:
        peek(fmt, body)
    assert caught.value.status == 400


def test_gemini_needs_contents() -> None:
    with pytest.raises(BadRequest, match="contents is required"):
        peek(WireFormat.GEMINI, b"{}", model="gemini-2.5-pro")

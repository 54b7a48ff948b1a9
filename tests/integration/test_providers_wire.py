"""Every provider's request, sent through the real Transport to the mock upstream.

The mock records what arrived (path, query, headers, body) and, for Vertex and Bedrock,
checks credentials itself: the JWT signature with the service account's public key, the
SigV4 signature recomputed from the request as received (tests.support.mock_vendors).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.support import mock_vendors
from tests.support.mock_upstream import MockUpstream
from tests.support.mock_vendors import VENDORS

from relaygate.errors import UpstreamError
from relaygate.kit import jsonx
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, ChannelType, UpstreamCall
from relaygate.providers.registry import provider_for
from relaygate.providers.transport import Transport

CHAT_BODY = {"model": "mock-chat", "messages": [{"role": "user", "content": "hello there"}]}
CLAUDE_BODY = {
    "model": "mock-chat",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "hello there"}],
}
GEMINI_BODY = {"contents": [{"role": "user", "parts": [{"text": "hello there"}]}]}

AWS_KEY, AWS_SECRET = "AKIDMOCKEXAMPLE", "mock/secret+key"
SA_PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SA_EMAIL = "relay@mock-project.iam.gserviceaccount.com"


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    transport = Transport()
    await transport.start()
    yield transport
    await transport.close()


@pytest.fixture
def vendors() -> Iterator[mock_vendors.VendorState]:
    VENDORS.reset()
    VENDORS.trust_aws_key(AWS_KEY, AWS_SECRET)
    VENDORS.trust_service_account(
        SA_EMAIL,
        SA_PRIVATE.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    yield VENDORS
    VENDORS.reset()


def target(channel_type: ChannelType, upstream: MockUpstream, **overrides: Any) -> ChannelTarget:
    fields: dict[str, Any] = {
        "channel_id": 11,
        "name": "wire",
        "key": "sk-wire",
        "base_url": upstream.url,
        **overrides,
    }
    return ChannelTarget(channel_type=int(channel_type), **fields)


async def send(
    transport: Transport,
    channel: ChannelTarget,
    fmt: WireFormat,
    body: dict[str, Any],
    *,
    model: str = "mock-chat",
    stream: bool = False,
    client_headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    provider = provider_for(channel.channel_type)
    call = UpstreamCall(fmt, model, jsonx.dumps(body), stream, client_headers or {})
    request = await provider.build_request(channel, call, transport)
    response = await transport.send(
        request, channel_id=channel.channel_id, first_byte_timeout=10, idle_timeout=10
    )
    if not stream or response.status >= 400:
        return response.status, await response.read()
    transform = provider.stream_transform(channel)
    out = bytearray()
    async for chunk in response.iter_chunks():
        out += transform(chunk) if transform else chunk
    return response.status, bytes(out)


def anthropic_sse_text(stream: bytes) -> tuple[str, list[str]]:
    """The text deltas and the event types of an Anthropic SSE body."""
    text, types = [], []
    for frame in stream.split(b"\n\n"):
        lines = dict(line.split(b": ", 1) for line in frame.split(b"\n") if b": " in line)
        if b"event" not in lines:
            continue
        types.append(lines[b"event"].decode())
        event = jsonx.loads(lines[b"data"])
        assert event["type"] == types[-1]
        if event["type"] == "content_block_delta" and event["delta"]["type"] == "text_delta":
            text.append(event["delta"]["text"])
    return "".join(text), types


# -- OpenAI-compatible vendors ------------------------------------------------------------

OPENAI_VENDORS = [
    (ChannelType.OPENAI, "/v1/chat/completions"),
    (ChannelType.OPENROUTER, "/v1/chat/completions"),
    (ChannelType.DEEPSEEK, "/v1/chat/completions"),
    (ChannelType.MOONSHOT, "/v1/chat/completions"),
    (ChannelType.MISTRAL, "/v1/chat/completions"),
    (ChannelType.XAI, "/v1/chat/completions"),
    (ChannelType.SILICONFLOW, "/v1/chat/completions"),
    (ChannelType.VOLCENGINE, "/api/v3/chat/completions"),
    (ChannelType.ZHIPU_V4, "/api/paas/v4/chat/completions"),
    (ChannelType.ALI, "/compatible-mode/v1/chat/completions"),
    (ChannelType.OLLAMA, "/v1/chat/completions"),
    (ChannelType.PERPLEXITY, "/chat/completions"),
    (ChannelType.COHERE, "/compatibility/v1/chat/completions"),
]


@pytest.mark.parametrize(("channel_type", "path"), OPENAI_VENDORS)
async def test_openai_compatible_chat(
    transport: Transport, mock_upstream: MockUpstream, channel_type: ChannelType, path: str
) -> None:
    status, body = await send(
        transport, target(channel_type, mock_upstream), WireFormat.OPENAI_CHAT, CHAT_BODY
    )
    assert status == 200, body
    received = mock_upstream.last_request
    assert received.path == path
    assert received.headers["authorization"] == "Bearer sk-wire"
    assert received.json == CHAT_BODY
    assert jsonx.loads(body)["choices"][0]["message"]["content"] == received.reply_text


async def test_openai_compatible_stream(transport: Transport, mock_upstream: MockUpstream) -> None:
    status, body = await send(
        transport,
        target(ChannelType.DEEPSEEK, mock_upstream),
        WireFormat.OPENAI_CHAT,
        {**CHAT_BODY, "stream": True},
        stream=True,
    )
    assert status == 200
    assert mock_upstream.last_request.headers["accept"] == "text/event-stream"
    assert body.rstrip().endswith(b"data: [DONE]")


@pytest.mark.parametrize(
    ("channel_type", "path", "model"),
    [
        (ChannelType.DEEPSEEK, "/anthropic/v1/messages", "deepseek-chat"),
        (ChannelType.MOONSHOT, "/anthropic/v1/messages", "kimi-k2"),
        (ChannelType.ZHIPU_V4, "/api/anthropic/v1/messages", "glm-4.6"),
        (ChannelType.ALI, "/apps/anthropic/v1/messages", "qwen-max"),
    ],
)
async def test_anthropic_endpoints_of_openai_vendors(
    transport: Transport,
    mock_upstream: MockUpstream,
    channel_type: ChannelType,
    path: str,
    model: str,
) -> None:
    channel = target(channel_type, mock_upstream)
    assert provider_for(channel_type).target_format(WireFormat.ANTHROPIC_MESSAGES, model) is (
        WireFormat.ANTHROPIC_MESSAGES
    )
    status, body = await send(
        transport,
        channel,
        WireFormat.ANTHROPIC_MESSAGES,
        {**CLAUDE_BODY, "model": model},
        model=model,
        client_headers={"anthropic-beta": "tools-2024"},
    )
    assert status == 200, body
    received = mock_upstream.last_request
    assert received.path == path
    assert received.headers["x-api-key"] == "sk-wire"
    assert received.headers["anthropic-version"] == "2023-06-01"
    assert received.headers["anthropic-beta"] == "tools-2024"
    assert jsonx.loads(body)["type"] == "message"


async def test_ollama_without_a_key_sends_no_authorization(
    transport: Transport, mock_upstream: MockUpstream
) -> None:
    channel = target(ChannelType.OLLAMA, mock_upstream, key="")
    status, _ = await send(transport, channel, WireFormat.OPENAI_CHAT, CHAT_BODY)
    assert status == 200
    assert "authorization" not in mock_upstream.last_request.headers


# -- Azure --------------------------------------------------------------------------------


async def test_azure_chat_deployment_url_and_api_key(
    transport: Transport, mock_upstream: MockUpstream
) -> None:
    channel = target(ChannelType.AZURE, mock_upstream, other="2024-06-01")
    status, body = await send(
        transport,
        channel,
        WireFormat.OPENAI_CHAT,
        {**CHAT_BODY, "model": "gpt-4.1"},
        model="gpt-4.1",
    )
    assert status == 200, body
    received = mock_upstream.last_request
    assert received.path == "/openai/deployments/gpt-41/chat/completions"
    assert received.query == {"api-version": "2024-06-01"}
    assert received.headers["api-key"] == "sk-wire"
    assert "authorization" not in received.headers


async def test_azure_responses(transport: Transport, mock_upstream: MockUpstream) -> None:
    channel = target(ChannelType.AZURE, mock_upstream)
    body = {"model": "mock-chat", "input": "hello there"}
    status, answer = await send(transport, channel, WireFormat.OPENAI_RESPONSES, body)
    assert status == 200, answer
    received = mock_upstream.last_request
    assert received.path == "/openai/v1/responses"
    assert received.query == {"api-version": "preview"}
    assert received.headers["api-key"] == "sk-wire"


# -- Vertex AI ----------------------------------------------------------------------------


def service_account_key(upstream: MockUpstream) -> str:
    """A key file with a fresh key id, so no test sees a token cached by another."""
    pem = SA_PRIVATE.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return jsonx.dumps_str(
        {
            "type": "service_account",
            "project_id": "mock-project",
            "private_key_id": uuid.uuid4().hex,
            "private_key": pem,
            "client_email": SA_EMAIL,
            "token_uri": upstream.url + mock_vendors.TOKEN_PATH,
        }
    )


async def test_vertex_gemini_with_a_service_account(
    transport: Transport, mock_upstream: MockUpstream, vendors: mock_vendors.VendorState
) -> None:
    channel = target(
        ChannelType.VERTEX_AI, mock_upstream, key=service_account_key(mock_upstream), channel_id=41
    )
    for stream in (False, True):
        status, body = await send(
            transport,
            channel,
            WireFormat.GEMINI,
            GEMINI_BODY,
            model="gemini-2.5-pro",
            stream=stream,
        )
        assert status == 200, body
    calls = mock_upstream.requests(path="/v1/projects/")
    assert [c.path for c in calls] == [
        "/v1/projects/mock-project/locations/us-central1/publishers/google/models/"
        "gemini-2.5-pro:generateContent",
        "/v1/projects/mock-project/locations/us-central1/publishers/google/models/"
        "gemini-2.5-pro:streamGenerateContent",
    ]
    assert calls[1].query == {"alt": "sse"}
    assert calls[0].headers["authorization"].startswith("Bearer ya29.mock-")
    assert calls[0].headers["x-goog-user-project"] == "mock-project"
    assert calls[0].json == GEMINI_BODY
    # One token exchange, verified by the mock with the account's public key, then reuse.
    assert len(vendors.token_requests) == 1
    assert vendors.token_requests[0]["claims"]["iss"] == SA_EMAIL


async def test_vertex_claude_raw_predict(
    transport: Transport, mock_upstream: MockUpstream, vendors: mock_vendors.VendorState
) -> None:
    channel = target(
        ChannelType.VERTEX_AI,
        mock_upstream,
        key=service_account_key(mock_upstream),
        other='{"default": "europe-west1"}',
    )
    model = "claude-3-5-sonnet-20241022"
    fmt = provider_for(ChannelType.VERTEX_AI).target_format(WireFormat.OPENAI_CHAT, model)
    assert fmt is WireFormat.ANTHROPIC_MESSAGES
    status, body = await send(transport, channel, fmt, {**CLAUDE_BODY, "model": model}, model=model)
    assert status == 200, body
    received = mock_upstream.last_request
    assert received.path == (
        "/v1/projects/mock-project/locations/europe-west1/publishers/anthropic/models/"
        "claude-3-5-sonnet-v2@20241022:rawPredict"
    )
    assert received.json == {
        "max_tokens": 64,
        "messages": CLAUDE_BODY["messages"],
        "anthropic_version": "vertex-2023-10-16",
    }
    assert jsonx.loads(body)["content"][0]["text"] == received.reply_text

    streamed = {**CLAUDE_BODY, "model": model, "stream": True}
    status, sse = await send(transport, channel, fmt, streamed, model=model, stream=True)
    assert status == 200
    text, types = anthropic_sse_text(sse)
    assert text == mock_upstream.last_request.reply_text
    assert types[0] == "message_start"
    assert types[-1] == "message_stop"
    assert mock_upstream.last_request.path.endswith(":streamRawPredict")


async def test_vertex_express_mode_api_key(
    transport: Transport, mock_upstream: MockUpstream, vendors: mock_vendors.VendorState
) -> None:
    channel = target(ChannelType.VERTEX_AI, mock_upstream, key="AIzaExpress")
    status, body = await send(
        transport, channel, WireFormat.GEMINI, GEMINI_BODY, model="gemini-2.0-flash"
    )
    assert status == 200, body
    received = mock_upstream.last_request
    assert received.path == "/v1/publishers/google/models/gemini-2.0-flash:generateContent"
    assert received.query == {"key": "AIzaExpress"}
    assert vendors.token_requests == []


async def test_vertex_untrusted_service_account_is_refused(
    transport: Transport, mock_upstream: MockUpstream, vendors: mock_vendors.VendorState
) -> None:
    vendors.service_accounts.clear()
    channel = target(ChannelType.VERTEX_AI, mock_upstream, key=service_account_key(mock_upstream))
    with pytest.raises(UpstreamError) as caught:
        await send(transport, channel, WireFormat.GEMINI, GEMINI_BODY, model="gemini-pro")
    assert caught.value.status == 401
    assert "unknown issuer" in caught.value.message


async def test_vertex_list_models_pages(
    transport: Transport, mock_upstream: MockUpstream, vendors: mock_vendors.VendorState
) -> None:
    channel = target(ChannelType.VERTEX_AI, mock_upstream, key=service_account_key(mock_upstream))
    names = await provider_for(ChannelType.VERTEX_AI).list_models(channel, transport)
    assert names == ["mock-chat", "mock-slow", "mock-reasoner", "mock-embed"]


# -- AWS Bedrock --------------------------------------------------------------------------


async def test_bedrock_invoke_with_sigv4(
    transport: Transport, mock_upstream: MockUpstream, vendors: mock_vendors.VendorState
) -> None:
    channel = target(ChannelType.AWS, mock_upstream, key=f"{AWS_KEY}|{AWS_SECRET}|us-east-1")
    model = "claude-3-5-sonnet-20241022"
    status, body = await send(
        transport,
        channel,
        WireFormat.ANTHROPIC_MESSAGES,
        {**CLAUDE_BODY, "model": model},
        model=model,
    )
    assert vendors.signature_failures == []
    assert status == 200, body
    received = mock_upstream.last_request
    assert received.path == "/model/us.anthropic.claude-3-5-sonnet-20241022-v2:0/invoke"
    assert received.json == {
        "max_tokens": 64,
        "messages": CLAUDE_BODY["messages"],
        "anthropic_version": "bedrock-2023-05-31",
    }
    assert jsonx.loads(body)["content"][0]["text"] == received.reply_text


@pytest.mark.parametrize("split_token", [False, True])
async def test_bedrock_stream_becomes_anthropic_sse(
    transport: Transport,
    mock_upstream: MockUpstream,
    vendors: mock_vendors.VendorState,
    split_token: bool,
) -> None:
    key = f"{AWS_KEY}|{AWS_SECRET}|eu-west-3" + ("|session-token-1" if split_token else "")
    channel = target(ChannelType.AWS, mock_upstream, key=key)
    body = {**CLAUDE_BODY, "model": "mock-chat-chunks12", "stream": True}
    status, sse = await send(
        transport,
        channel,
        WireFormat.ANTHROPIC_MESSAGES,
        body,
        model="mock-chat-chunks12",
        stream=True,
    )
    assert vendors.signature_failures == []
    assert status == 200, sse
    received = mock_upstream.last_request
    assert received.path == "/model/mock-chat-chunks12/invoke-with-response-stream"
    assert received.headers["accept"] == "application/vnd.amazon.eventstream"
    assert ("x-amz-security-token" in received.headers) is split_token
    text, types = anthropic_sse_text(sse)
    assert text == received.reply_text
    assert types[0] == "message_start"
    assert types[-1] == "message_stop"


async def test_bedrock_api_key(
    transport: Transport, mock_upstream: MockUpstream, vendors: mock_vendors.VendorState
) -> None:
    vendors.bedrock_api_keys.add("ABSKmock")
    channel = target(ChannelType.AWS, mock_upstream, key="ABSKmock|us-west-2")
    status, body = await send(transport, channel, WireFormat.ANTHROPIC_MESSAGES, CLAUDE_BODY)
    assert status == 200, body
    assert mock_upstream.last_request.headers["authorization"] == "Bearer ABSKmock"


async def test_bedrock_wrong_secret_is_refused(
    transport: Transport, mock_upstream: MockUpstream, vendors: mock_vendors.VendorState
) -> None:
    channel = target(ChannelType.AWS, mock_upstream, key=f"{AWS_KEY}|wrong|us-east-1")
    status, _ = await send(transport, channel, WireFormat.ANTHROPIC_MESSAGES, CLAUDE_BODY)
    assert status == 403
    assert vendors.signature_failures


async def test_bedrock_list_models_is_signed_too(
    transport: Transport, mock_upstream: MockUpstream, vendors: mock_vendors.VendorState
) -> None:
    channel = target(ChannelType.AWS, mock_upstream, key=f"{AWS_KEY}|{AWS_SECRET}|us-east-1")
    names = await provider_for(ChannelType.AWS).list_models(channel, transport)
    assert vendors.signature_failures == []
    assert names[0] == "anthropic.mock-chat-v1:0"
    assert mock_upstream.last_request.query == {
        "byOutputModality": "TEXT",
        "byProvider": "anthropic",
    }


# -- model lists --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel_type", "recorded"),
    [
        (ChannelType.OPENAI, None),
        (ChannelType.COHERE, None),
        (ChannelType.ANTHROPIC, None),
        (ChannelType.GEMINI, None),
        (ChannelType.ZHIPU_V4, ("/api/paas/v4/models", "authorization", "Bearer sk-wire")),
        (ChannelType.ALI, ("/compatible-mode/v1/models", "authorization", "Bearer sk-wire")),
        (ChannelType.AZURE, ("/openai/models", "api-key", "sk-wire")),
    ],
)
async def test_list_models(
    transport: Transport,
    mock_upstream: MockUpstream,
    channel_type: ChannelType,
    recorded: tuple[str, str, str] | None,
) -> None:
    names = await provider_for(channel_type).list_models(
        target(channel_type, mock_upstream), transport
    )
    assert names == ["mock-chat", "mock-slow", "mock-reasoner", "mock-embed"]
    if recorded is not None:
        path, header, value = recorded
        assert mock_upstream.last_request.path == path
        assert mock_upstream.last_request.headers[header] == value


async def test_list_models_failure_is_an_upstream_error(
    transport: Transport, mock_upstream: MockUpstream
) -> None:
    mock_upstream.fail(500, path="/compatible-mode/v1/models")
    with pytest.raises(UpstreamError) as caught:
        await provider_for(ChannelType.ALI).list_models(
            target(ChannelType.ALI, mock_upstream), transport
        )
    assert caught.value.status == 500
    assert caught.value.retryable

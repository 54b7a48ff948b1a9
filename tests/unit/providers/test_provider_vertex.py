"""Vertex AI: URLs per model family and region, Claude bodies, the service-account JWT, caching."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from relaygate.errors import BadRequest, UpstreamError
from relaygate.kit import jsonx
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, ChannelType, UpstreamCall, UpstreamRequest
from relaygate.providers.google_auth import ServiceAccount, signed_assertion
from relaygate.providers.vertex import VertexAI, region_for

PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = PRIVATE_KEY.private_bytes(
    serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption(),
).decode()
SA_KEY = jsonx.dumps_str(
    {
        "type": "service_account",
        "project_id": "proj-1",
        "private_key_id": "kid-1",
        "private_key": PEM,
        "client_email": "relay@proj-1.iam.gserviceaccount.com",
        "token_uri": "https://oauth.example/token",
    }
)


@dataclass
class FakeResponse:
    status: int
    body: bytes

    async def read(self) -> bytes:
        return self.body


@dataclass
class FakeTransport:
    """Answers token exchanges; records what it was sent."""

    status: int = 200
    answer: dict[str, Any] = field(
        default_factory=lambda: {"access_token": "ya29.token", "expires_in": 3599}
    )
    sent: list[UpstreamRequest] = field(default_factory=list)

    async def send(self, request: UpstreamRequest, **_: Any) -> FakeResponse:
        self.sent.append(request)
        return FakeResponse(self.status, jsonx.dumps(self.answer))


def target(**overrides: Any) -> ChannelTarget:
    fields: dict[str, Any] = {"key": SA_KEY, "base_url": "", **overrides}
    return ChannelTarget(channel_id=5, channel_type=ChannelType.VERTEX_AI, name="v", **fields)


async def build(
    model: str,
    fmt: WireFormat,
    *,
    stream: bool = False,
    body: bytes = b'{"contents":[]}',
    transport: FakeTransport | None = None,
    provider: VertexAI | None = None,
    **overrides: Any,
) -> UpstreamRequest:
    call = UpstreamCall(fmt, model, body, stream, {"anthropic-beta": "b1"})
    return await (provider or VertexAI()).build_request(
        target(**overrides),
        call,
        transport or FakeTransport(),  # type: ignore[arg-type]
    )


def test_native_formats_depend_on_the_model() -> None:
    vertex = VertexAI()
    assert vertex.native_formats_for("claude-3-5-sonnet-20241022") == {
        WireFormat.ANTHROPIC_MESSAGES
    }
    assert vertex.native_formats_for("gemini-2.5-pro") == {WireFormat.GEMINI}
    assert vertex.native_formats_for("meta/llama-3.1-405b-instruct-maas") == {
        WireFormat.OPENAI_CHAT
    }
    assert vertex.target_format(WireFormat.OPENAI_CHAT, "claude-opus-4-20250514") is (
        WireFormat.ANTHROPIC_MESSAGES
    )
    assert vertex.target_format(WireFormat.OPENAI_CHAT, "gemini-2.0-flash") is WireFormat.GEMINI


def test_region_plain_json_and_default() -> None:
    assert region_for(target(), "gemini-pro") == "us-central1"
    assert region_for(target(other="europe-west4"), "gemini-pro") == "europe-west4"
    mapping = '{"gemini-2.5-pro": "global", "default": "asia-east1"}'
    assert region_for(target(other=mapping), "gemini-2.5-pro") == "global"
    assert region_for(target(other=mapping), "claude-x") == "asia-east1"
    assert region_for(target(other='{"a": "b"}'), "claude-x") == "us-central1"


async def test_gemini_url_headers_and_body_pass_through() -> None:
    request = await build("gemini-2.5-pro", WireFormat.GEMINI)
    assert request.url == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/proj-1/locations/us-central1"
        "/publishers/google/models/gemini-2.5-pro:generateContent"
    )
    assert request.headers["Authorization"] == "Bearer ya29.token"
    assert request.headers["x-goog-user-project"] == "proj-1"
    assert request.body == b'{"contents":[]}'
    stream = await build("gemini-2.5-pro", WireFormat.GEMINI, stream=True, other="global")
    assert stream.url == (
        "https://aiplatform.googleapis.com/v1/projects/proj-1/locations/global"
        "/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
    )


async def test_claude_url_and_rewritten_body() -> None:
    body = jsonx.dumps({"model": "claude-3-5-sonnet-20241022", "max_tokens": 8, "stream": True})
    request = await build(
        "claude-3-5-sonnet-20241022", WireFormat.ANTHROPIC_MESSAGES, stream=True, body=body
    )
    assert request.url == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/proj-1/locations/us-central1"
        "/publishers/anthropic/models/claude-3-5-sonnet-v2@20241022:streamRawPredict?alt=sse"
    )
    assert jsonx.loads(request.body) == {
        "max_tokens": 8,
        "stream": True,
        "anthropic_version": "vertex-2023-10-16",
    }
    assert request.headers["anthropic-beta"] == "b1"
    plain = await build("claude-new-model", WireFormat.ANTHROPIC_MESSAGES, body=body)
    assert plain.url.endswith("/publishers/anthropic/models/claude-new-model:rawPredict")


async def test_open_models_use_the_openai_endpoint() -> None:
    request = await build("meta/llama-3.3-70b-instruct-maas", WireFormat.OPENAI_CHAT)
    assert request.url == (
        "https://us-central1-aiplatform.googleapis.com/v1beta1/projects/proj-1"
        "/locations/us-central1/endpoints/openapi/chat/completions"
    )


async def test_base_url_replaces_the_host() -> None:
    request = await build("gemini-pro", WireFormat.GEMINI, base_url="http://127.0.0.1:8/")
    assert request.url.startswith("http://127.0.0.1:8/v1/projects/proj-1/locations/us-central1/")


async def test_express_mode_api_key_goes_in_the_query() -> None:
    request = await build("gemini-2.0-flash", WireFormat.GEMINI, stream=True, key="AIzaKEY")
    assert request.url == (
        "https://us-central1-aiplatform.googleapis.com/v1/publishers/google/models"
        "/gemini-2.0-flash:streamGenerateContent?alt=sse&key=AIzaKEY"
    )
    assert "Authorization" not in request.headers
    forced = await build(
        "gemini-2.0-flash",
        WireFormat.GEMINI,
        key="AIzaKEY",
        settings={"vertex_key_type": "api_key"},
    )
    assert forced.url.endswith(":generateContent?key=AIzaKEY")


async def test_a_body_in_the_wrong_format_is_refused() -> None:
    with pytest.raises(BadRequest):
        await build("claude-3-haiku-20240307", WireFormat.GEMINI)


def test_assertion_is_an_rs256_jwt_signed_by_the_account_key() -> None:
    account = ServiceAccount.parse(SA_KEY)
    token = signed_assertion(account, now=1_700_000_000)
    header_b64, claims_b64, signature_b64 = token.split(".")

    def decode(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    assert jsonx.loads(decode(header_b64)) == {"alg": "RS256", "typ": "JWT", "kid": "kid-1"}
    assert jsonx.loads(decode(claims_b64)) == {
        "iss": "relay@proj-1.iam.gserviceaccount.com",
        "scope": "https://www.googleapis.com/auth/cloud-platform",
        "aud": "https://oauth.example/token",
        "iat": 1_700_000_000,
        "exp": 1_700_003_600,
    }
    PRIVATE_KEY.public_key().verify(
        decode(signature_b64),
        f"{header_b64}.{claims_b64}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_escaped_newlines_in_the_pem_are_repaired() -> None:
    escaped = SA_KEY.replace("\\n", "\\\\n")
    account = ServiceAccount.parse(escaped)
    assert account.private_key == PEM
    signed_assertion(account)


async def test_token_is_exchanged_once_and_cached() -> None:
    transport = FakeTransport()
    provider = VertexAI()
    for _ in range(3):
        await build("gemini-pro", WireFormat.GEMINI, transport=transport, provider=provider)
    assert len(transport.sent) == 1
    exchange = transport.sent[0]
    assert exchange.url == "https://oauth.example/token"
    assert exchange.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(exchange.body.decode())
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    assert form["assertion"][0].count(".") == 2


async def test_the_token_is_renewed_before_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = FakeTransport()
    provider = VertexAI()
    clock = [1000.0]
    monkeypatch.setattr("relaygate.providers.google_auth.time.monotonic", lambda: clock[0])
    await build("gemini-pro", WireFormat.GEMINI, transport=transport, provider=provider)
    clock[0] += 3599 - 301  # still inside the lifetime minus the refresh margin
    await build("gemini-pro", WireFormat.GEMINI, transport=transport, provider=provider)
    assert len(transport.sent) == 1
    clock[0] += 2
    await build("gemini-pro", WireFormat.GEMINI, transport=transport, provider=provider)
    assert len(transport.sent) == 2


async def test_a_refused_exchange_is_a_channel_error() -> None:
    transport = FakeTransport(status=400, answer={"error": "invalid_grant"})
    with pytest.raises(UpstreamError) as caught:
        await build("gemini-pro", WireFormat.GEMINI, transport=transport)
    assert caught.value.status == 401
    assert caught.value.disables_channel
    assert "invalid_grant" in caught.value.message


async def test_a_broken_key_file_is_a_channel_error() -> None:
    with pytest.raises(UpstreamError, match="service-account"):
        await build("gemini-pro", WireFormat.GEMINI, key='{"client_email": "x"}')

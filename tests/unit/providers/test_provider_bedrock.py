"""AWS Bedrock: key forms, model ids, the rewritten body, signed headers (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from relaygate.errors import BadRequest, UpstreamError
from relaygate.kit import jsonx
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, ChannelType, UpstreamCall, UpstreamRequest
from relaygate.providers.bedrock import Bedrock, model_id, parse_key

BODY = jsonx.dumps(
    {
        "model": "claude-3-5-sonnet-20241022",
        "max_tokens": 64,
        "stream": True,
        "messages": [{"role": "user", "content": "hi"}],
    }
)


def target(key: str, **overrides: Any) -> ChannelTarget:
    fields: dict[str, Any] = {"base_url": "", **overrides}
    return ChannelTarget(channel_id=3, channel_type=ChannelType.AWS, name="aws", key=key, **fields)


async def build(
    key: str,
    *,
    model: str = "claude-3-5-sonnet-20241022",
    stream: bool = False,
    client_headers: dict[str, str] | None = None,
    **overrides: Any,
) -> UpstreamRequest:
    call = UpstreamCall(WireFormat.ANTHROPIC_MESSAGES, model, BODY, stream, client_headers or {})
    return await Bedrock().build_request(target(key, **overrides), call, None)  # type: ignore[arg-type]


def test_key_forms() -> None:
    signed = parse_key(target("AKID|SECRET|us-west-2"))
    assert signed.region == "us-west-2"
    assert signed.credentials is not None
    assert (signed.credentials.access_key, signed.credentials.secret_key) == ("AKID", "SECRET")
    temporary = parse_key(target("AKID|SECRET|eu-west-1|TOKEN"))
    assert temporary.credentials is not None
    assert temporary.credentials.session_token == "TOKEN"
    api_key = parse_key(target("ABSKkey|ap-northeast-1"))
    assert (api_key.api_key, api_key.region, api_key.credentials) == (
        "ABSKkey",
        "ap-northeast-1",
        None,
    )


@pytest.mark.parametrize("key", ["", "onlyone", "a|b|c|d|e", "AK||us-east-1"])
def test_malformed_keys_are_channel_errors(key: str) -> None:
    with pytest.raises(UpstreamError) as caught:
        parse_key(target(key))
    assert caught.value.disables_channel


@pytest.mark.parametrize(
    ("model", "region", "expected"),
    [
        (
            "claude-3-5-sonnet-20241022",
            "us-east-1",
            "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
        ),
        ("claude-3-5-sonnet-20241022", "eu-west-1", "anthropic.claude-3-5-sonnet-20241022-v2:0"),
        ("claude-sonnet-4-20250514", "eu-central-1", "eu.anthropic.claude-sonnet-4-20250514-v1:0"),
        (
            "claude-3-7-sonnet-20250219",
            "ap-southeast-1",
            "apac.anthropic.claude-3-7-sonnet-20250219-v1:0",
        ),
        ("claude-3-opus-20240229", "us-west-2", "us.anthropic.claude-3-opus-20240229-v1:0"),
        ("anthropic.claude-v2:1", "us-east-1", "anthropic.claude-v2:1"),
    ],
)
def test_model_ids_and_cross_region_profiles(model: str, region: str, expected: str) -> None:
    assert model_id(model, region) == expected


async def test_invoke_url_body_and_sigv4_headers() -> None:
    request = await build("AKID|SECRET|us-east-1")
    assert request.url == (
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
        "us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke"
    )
    assert request.url_is_encoded
    body = jsonx.loads(request.body)
    assert "model" not in body
    assert "stream" not in body
    assert body["anthropic_version"] == "bedrock-2023-05-31"
    assert body["max_tokens"] == 64
    headers = request.headers
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/")
    assert "/us-east-1/bedrock/aws4_request" in headers["Authorization"]
    assert (
        "SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date,"
        in (headers["Authorization"])
    )
    assert len(headers["x-amz-content-sha256"]) == 64
    assert headers["x-amz-date"].endswith("Z")
    assert "x-amz-security-token" not in headers


async def test_stream_uses_the_response_stream_verb() -> None:
    request = await build("AKID|SECRET|us-east-1|TOKEN", stream=True)
    assert request.url.endswith("/invoke-with-response-stream")
    assert request.headers["Accept"] == "application/vnd.amazon.eventstream"
    assert request.headers["x-amz-security-token"] == "TOKEN"


async def test_api_key_is_a_bearer_token() -> None:
    request = await build("ABSKkey|us-west-2")
    assert request.headers["Authorization"] == "Bearer ABSKkey"
    assert "x-amz-date" not in request.headers
    assert request.url.startswith("https://bedrock-runtime.us-west-2.amazonaws.com/model/")


async def test_api_key_mode_from_settings() -> None:
    with pytest.raises(UpstreamError):
        await build("AK|SK|us-east-1", settings={"aws_key_type": "api_key"})


async def test_base_url_override_and_header_override_is_signed() -> None:
    request = await build(
        "AKID|SECRET|us-east-1",
        base_url="http://127.0.0.1:9999/",
        header_override={"X-Trace": "t1"},
    )
    assert request.url.startswith("http://127.0.0.1:9999/model/")
    assert request.headers["X-Trace"] == "t1"
    assert "x-trace" in request.headers["Authorization"].split("SignedHeaders=")[1]


async def test_anthropic_beta_header_moves_into_the_body() -> None:
    request = await build("ABSKkey|us-west-2", client_headers={"anthropic-beta": "a-2025, b-2024"})
    assert jsonx.loads(request.body)["anthropic_beta"] == ["a-2025", "b-2024"]


async def test_only_claude_bodies_are_taken() -> None:
    call = UpstreamCall(WireFormat.OPENAI_CHAT, "claude-3-haiku-20240307", b"{}", False)
    with pytest.raises(BadRequest):
        await Bedrock().build_request(target("AK|SK|us-east-1"), call, None)  # type: ignore[arg-type]
    assert Bedrock().target_format(WireFormat.OPENAI_CHAT) is WireFormat.ANTHROPIC_MESSAGES


def test_stream_transform_is_fresh_per_call() -> None:
    provider = Bedrock()
    first = provider.stream_transform(target("AK|SK|us-east-1"))
    second = provider.stream_transform(target("AK|SK|us-east-1"))
    assert first is not None
    assert first is not second

"""AWS Bedrock: Claude through InvokeModel / InvokeModelWithResponseStream.

Channel key: ``AK|SK|region`` (``AK|SK|region|session-token`` for temporary credentials),
signed with SigV4 for service ``bedrock``; or ``APIKEY|region``, a Bedrock API key sent as a
Bearer token (also chosen by settings ``aws_key_type: "api_key"``). The channel's base URL,
when set, replaces ``https://bedrock-runtime.{region}.amazonaws.com``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from relaygate.errors import BadRequest, UpstreamError
from relaygate.kit import jsonx
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import (
    ChannelTarget,
    ChannelType,
    Provider,
    UpstreamCall,
    UpstreamRequest,
    fetch_json,
)
from relaygate.providers.eventstream import BedrockToAnthropicSSE
from relaygate.providers.sigv4 import AwsCredentials, sign

if TYPE_CHECKING:
    from relaygate.providers.transport import Transport

ANTHROPIC_VERSION = "bedrock-2023-05-31"

MODEL_IDS: dict[str, str] = {
    "claude-3-sonnet-20240229": "anthropic.claude-3-sonnet-20240229-v1:0",
    "claude-3-opus-20240229": "anthropic.claude-3-opus-20240229-v1:0",
    "claude-3-haiku-20240307": "anthropic.claude-3-haiku-20240307-v1:0",
    "claude-3-5-sonnet-20240620": "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "claude-3-5-sonnet-20241022": "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "claude-3-5-haiku-20241022": "anthropic.claude-3-5-haiku-20241022-v1:0",
    "claude-3-7-sonnet-20250219": "anthropic.claude-3-7-sonnet-20250219-v1:0",
    "claude-sonnet-4-20250514": "anthropic.claude-sonnet-4-20250514-v1:0",
    "claude-opus-4-20250514": "anthropic.claude-opus-4-20250514-v1:0",
    "claude-opus-4-1-20250805": "anthropic.claude-opus-4-1-20250805-v1:0",
    "claude-sonnet-4-5-20250929": "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "claude-haiku-4-5-20251001": "anthropic.claude-haiku-4-5-20251001-v1:0",
    "claude-opus-4-5-20251101": "anthropic.claude-opus-4-5-20251101-v1:0",
}
"""Anthropic's model names → Bedrock model ids (new-api's awsModelIDMap)."""

_US, _EU, _AP = "us", "eu", "ap"
CROSS_REGION: dict[str, frozenset[str]] = {
    "anthropic.claude-3-sonnet-20240229-v1:0": frozenset({_US, _EU, _AP}),
    "anthropic.claude-3-opus-20240229-v1:0": frozenset({_US}),
    "anthropic.claude-3-haiku-20240307-v1:0": frozenset({_US, _EU, _AP}),
    "anthropic.claude-3-5-sonnet-20240620-v1:0": frozenset({_US, _EU, _AP}),
    "anthropic.claude-3-5-sonnet-20241022-v2:0": frozenset({_US, _AP}),
    "anthropic.claude-3-5-haiku-20241022-v1:0": frozenset({_US}),
    "anthropic.claude-3-7-sonnet-20250219-v1:0": frozenset({_US, _EU, _AP}),
    "anthropic.claude-sonnet-4-20250514-v1:0": frozenset({_US, _EU, _AP}),
    "anthropic.claude-opus-4-20250514-v1:0": frozenset({_US}),
    "anthropic.claude-opus-4-1-20250805-v1:0": frozenset({_US}),
    "anthropic.claude-sonnet-4-5-20250929-v1:0": frozenset({_US, _EU, _AP}),
    "anthropic.claude-haiku-4-5-20251001-v1:0": frozenset({_US, _EU, _AP}),
    "anthropic.claude-opus-4-5-20251101-v1:0": frozenset({_US, _EU, _AP}),
}
"""Which region groups offer a cross-region inference profile per model (new-api's table)."""

PROFILE_PREFIX = {_US: "us", _EU: "eu", _AP: "apac"}


@dataclass(frozen=True, slots=True)
class BedrockKey:
    """A parsed channel key: SigV4 credentials or a Bedrock API key, and the region."""

    region: str
    credentials: AwsCredentials | None = None
    api_key: str = ""


def parse_key(target: ChannelTarget) -> BedrockKey:
    """Split the channel key; a malformed one is a channel error, not the caller's."""
    parts = [part.strip() for part in target.key.strip().split("|")]
    api_key_mode = target.settings.get("aws_key_type") == "api_key" or len(parts) == 2
    if api_key_mode and len(parts) == 2 and all(parts):
        return BedrockKey(region=parts[1], api_key=parts[0])
    if not api_key_mode and len(parts) in (3, 4) and all(parts[:3]):
        token = parts[3] if len(parts) == 4 else ""
        return BedrockKey(region=parts[2], credentials=AwsCredentials(parts[0], parts[1], token))
    raise UpstreamError(
        "AWS channel key must be AK|SK|region, AK|SK|region|session-token or APIKEY|region",
        status_code=401,
        channel_id=target.channel_id,
        disables_channel=True,
    )


def model_id(model: str, region: str) -> str:
    """Bedrock's id for a model, with a cross-region profile prefix where one exists."""
    resolved = MODEL_IDS.get(model, model)
    group = region.split("-", 1)[0]
    if group in CROSS_REGION.get(resolved, ()):
        return f"{PROFILE_PREFIX[group]}.{resolved}"
    return resolved


def bedrock_body(body: bytes, anthropic_beta: str) -> bytes:
    """The Anthropic body Bedrock takes: no model or stream, a Bedrock ``anthropic_version``."""
    try:
        payload: Any = jsonx.loads(body)
    except ValueError as exc:
        raise BadRequest("the Claude request body is not JSON") from exc
    if not isinstance(payload, dict):
        raise BadRequest("the Claude request body is not a JSON object")
    payload.pop("model", None)
    payload.pop("stream", None)
    payload["anthropic_version"] = ANTHROPIC_VERSION
    betas = [beta.strip() for beta in anthropic_beta.split(",") if beta.strip()]
    if betas:
        payload["anthropic_beta"] = betas
    return jsonx.dumps(payload)


class Bedrock(Provider):
    """Claude models on AWS Bedrock."""

    channel_type: ClassVar[ChannelType] = ChannelType.AWS
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset({WireFormat.ANTHROPIC_MESSAGES})
    service: ClassVar[str] = "bedrock"

    def host(self, target: ChannelTarget, region: str, *, runtime: bool = True) -> str:
        """The runtime (or control-plane) endpoint, or the channel's base URL."""
        if target.base_url.strip():
            return target.base_url.strip().rstrip("/")
        name = "bedrock-runtime" if runtime else "bedrock"
        return f"https://{name}.{region}.amazonaws.com"

    def authorize(
        self, target: ChannelTarget, key: BedrockKey, request: UpstreamRequest
    ) -> UpstreamRequest:
        """Header overrides first, then the signature over the final headers."""
        headers = self.apply_header_override(target, dict(request.headers))
        if key.credentials is None:
            headers["Authorization"] = f"Bearer {key.api_key}"
        else:
            if not isinstance(request.body, bytes):
                raise TypeError("SigV4 signs a body held in memory")
            signed = sign(
                request.method,
                request.url,
                headers,
                request.body,
                credentials=key.credentials,
                region=key.region,
                service=self.service,
            )
            headers = signed.headers
        return UpstreamRequest(
            method=request.method,
            url=request.url,
            headers=headers,
            body=request.body,
            url_is_encoded=True,
        )

    async def build_request(
        self, target: ChannelTarget, call: UpstreamCall, transport: Transport
    ) -> UpstreamRequest:
        if call.fmt is not WireFormat.ANTHROPIC_MESSAGES:
            raise BadRequest(f"AWS Bedrock channels take Claude bodies, not {call.fmt}")
        key = parse_key(target)
        # The id's ":" is sent escaped, and SigV4 signs that escaped path escaped once more.
        escaped = quote(model_id(call.model, key.region), safe="")
        verb = "invoke-with-response-stream" if call.stream else "invoke"
        request = UpstreamRequest(
            method="POST",
            url=f"{self.host(target, key.region)}/model/{escaped}/{verb}",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/vnd.amazon.eventstream"
                if call.stream
                else "application/json",
            },
            body=bedrock_body(call.body, call.client_headers.get("anthropic-beta", "")),
        )
        return self.authorize(target, key, request)

    def stream_transform(self, target: ChannelTarget) -> Callable[[bytes], bytes] | None:
        return BedrockToAnthropicSSE()

    async def list_models(self, target: ChannelTarget, transport: Transport) -> list[str]:
        """ListFoundationModels on the control plane, text models by Anthropic."""
        key = parse_key(target)
        url = (
            f"{self.host(target, key.region, runtime=False)}/foundation-models"
            "?byOutputModality=TEXT&byProvider=anthropic"
        )
        request = self.authorize(
            target, key, UpstreamRequest("GET", url, {"Accept": "application/json"}, b"")
        )
        payload = await fetch_json(transport, target, request)
        summaries = payload.get("modelSummaries") if isinstance(payload, dict) else None
        if not isinstance(summaries, list):
            raise UpstreamError(
                "Bedrock model list has no modelSummaries array", channel_id=target.channel_id
            )
        return [
            str(item["modelId"])
            for item in summaries
            if isinstance(item, dict) and isinstance(item.get("modelId"), str)
        ]

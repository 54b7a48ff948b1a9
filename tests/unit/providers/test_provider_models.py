"""list_models: pagination, shapes and failures, against a scripted transport (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from relaygate.errors import UpstreamError
from relaygate.kit import jsonx
from relaygate.providers.base import ChannelTarget, ChannelType, Provider, UpstreamRequest
from relaygate.providers.registry import provider_for


@dataclass
class Answer:
    status: int
    body: bytes

    async def read(self) -> bytes:
        return self.body


@dataclass
class ScriptedTransport:
    """Answers each request with the next scripted (status, JSON) pair."""

    answers: list[tuple[int, Any]]
    sent: list[UpstreamRequest] = field(default_factory=list)

    async def send(self, request: UpstreamRequest, **_: Any) -> Answer:
        self.sent.append(request)
        status, payload = self.answers.pop(0)
        body = payload if isinstance(payload, bytes) else jsonx.dumps(payload)
        return Answer(status, body)


def target(channel_type: ChannelType, **overrides: Any) -> ChannelTarget:
    fields: dict[str, Any] = {"key": "k", "base_url": "https://up.example", **overrides}
    return ChannelTarget(channel_id=9, channel_type=int(channel_type), name="m", **fields)


async def models(channel_type: ChannelType, transport: ScriptedTransport) -> list[str]:
    return await provider_for(channel_type).list_models(
        target(channel_type),
        transport,  # type: ignore[arg-type]
    )


async def test_anthropic_follows_has_more_and_last_id() -> None:
    transport = ScriptedTransport(
        [
            (200, {"data": [{"id": "a"}, {"id": "b"}], "has_more": True, "last_id": "b"}),
            (200, {"data": [{"id": "c"}], "has_more": False, "last_id": "c"}),
        ]
    )
    assert await models(ChannelType.ANTHROPIC, transport) == ["a", "b", "c"]
    assert transport.sent[0].url == "https://up.example/v1/models?limit=1000"
    assert transport.sent[1].url == "https://up.example/v1/models?limit=1000&after_id=b"
    assert transport.sent[0].headers["x-api-key"] == "k"
    assert transport.sent[0].headers["anthropic-version"] == "2023-06-01"


async def test_gemini_follows_next_page_token_and_strips_the_prefix() -> None:
    transport = ScriptedTransport(
        [
            (200, {"models": [{"name": "models/gemini-a"}], "nextPageToken": "t/2"}),
            (200, {"models": [{"name": "models/gemini-b"}, {"displayName": "x"}]}),
        ]
    )
    assert await models(ChannelType.GEMINI, transport) == ["gemini-a", "gemini-b"]
    assert transport.sent[0].url == "https://up.example/v1beta/models?pageSize=1000"
    assert transport.sent[1].url.endswith("&pageToken=t%2F2")
    assert transport.sent[0].headers["x-goog-api-key"] == "k"


async def test_openai_compatible_reads_data_ids() -> None:
    transport = ScriptedTransport([(200, {"object": "list", "data": [{"id": "m1"}, {"x": 1}]})])
    assert await models(ChannelType.DEEPSEEK, transport) == ["m1"]
    request = transport.sent[0]
    assert (request.method, request.url) == ("GET", "https://up.example/v1/models")
    assert request.headers["Authorization"] == "Bearer k"


@pytest.mark.parametrize(
    ("answer", "status", "retryable"),
    [
        ((401, {"error": {"message": "bad key"}}), 401, False),
        ((503, {"error": "down"}), 503, True),
        ((429, {"error": "slow down"}), 429, True),
        ((200, b"<html>"), 502, True),
        ((200, {"no": "data"}), 502, True),
    ],
)
async def test_failures_are_upstream_errors(
    answer: tuple[int, Any], status: int, retryable: bool
) -> None:
    with pytest.raises(UpstreamError) as caught:
        await models(ChannelType.MISTRAL, ScriptedTransport([answer]))
    assert caught.value.status == status
    assert caught.value.retryable is retryable
    assert caught.value.channel_id == 9


async def test_the_base_provider_cannot_list() -> None:
    with pytest.raises(UpstreamError) as caught:
        await Provider().list_models(target(ChannelType.UNKNOWN), ScriptedTransport([]))  # type: ignore[arg-type]
    assert caught.value.status == 501

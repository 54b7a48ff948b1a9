"""URLs, headers and formats of the OpenAI-compatible vendors and Azure (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, ChannelType, UpstreamCall, UpstreamRequest
from relaygate.providers.registry import PROVIDERS, provider_for

CHAT = WireFormat.OPENAI_CHAT
RESPONSES = WireFormat.OPENAI_RESPONSES
CLAUDE = WireFormat.ANTHROPIC_MESSAGES
GEMINI = WireFormat.GEMINI


def target(channel_type: ChannelType, **overrides: Any) -> ChannelTarget:
    fields: dict[str, Any] = {
        "channel_id": 7,
        "channel_type": int(channel_type),
        "name": "c",
        "key": "sk-test",
        "base_url": "",
    }
    fields.update(overrides)
    return ChannelTarget(**fields)


async def build(
    channel_type: ChannelType,
    fmt: WireFormat = CHAT,
    model: str = "m-1",
    *,
    stream: bool = False,
    client_headers: dict[str, str] | None = None,
    **overrides: Any,
) -> UpstreamRequest:
    call = UpstreamCall(fmt, model, b'{"model":"m-1"}', stream, client_headers or {})
    # These providers never exchange tokens, so no transport is needed.
    return await provider_for(channel_type).build_request(
        target(channel_type, **overrides),
        call,
        None,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("channel_type", "url"),
    [
        (ChannelType.OPENAI, "https://api.openai.com/v1/chat/completions"),
        (ChannelType.OPENROUTER, "https://openrouter.ai/api/v1/chat/completions"),
        (ChannelType.DEEPSEEK, "https://api.deepseek.com/v1/chat/completions"),
        (ChannelType.MOONSHOT, "https://api.moonshot.cn/v1/chat/completions"),
        (ChannelType.MISTRAL, "https://api.mistral.ai/v1/chat/completions"),
        (ChannelType.XAI, "https://api.x.ai/v1/chat/completions"),
        (ChannelType.SILICONFLOW, "https://api.siliconflow.cn/v1/chat/completions"),
        (ChannelType.VOLCENGINE, "https://ark.cn-beijing.volces.com/api/v3/chat/completions"),
        (ChannelType.ZHIPU_V4, "https://open.bigmodel.cn/api/paas/v4/chat/completions"),
        (ChannelType.ALI, "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions"),
        (ChannelType.OLLAMA, "http://localhost:11434/v1/chat/completions"),
        (ChannelType.PERPLEXITY, "https://api.perplexity.ai/chat/completions"),
        (ChannelType.COHERE, "https://api.cohere.ai/compatibility/v1/chat/completions"),
    ],
)
async def test_default_chat_url_and_bearer_key(channel_type: ChannelType, url: str) -> None:
    request = await build(channel_type)
    assert request.method == "POST"
    assert request.url == url
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == b'{"model":"m-1"}'


async def test_base_url_replaces_the_default_and_a_v1_suffix_is_not_doubled() -> None:
    request = await build(ChannelType.MISTRAL, base_url="https://proxy.example/v1/")
    assert request.url == "https://proxy.example/v1/chat/completions"
    request = await build(ChannelType.ZHIPU_V4, base_url="https://glm.example")
    assert request.url == "https://glm.example/api/paas/v4/chat/completions"


async def test_stream_asks_for_event_stream() -> None:
    request = await build(ChannelType.DEEPSEEK, stream=True)
    assert request.headers["Accept"] == "text/event-stream"


@pytest.mark.parametrize(
    ("channel_type", "url"),
    [
        (ChannelType.DEEPSEEK, "https://api.deepseek.com/anthropic/v1/messages"),
        (ChannelType.MOONSHOT, "https://api.moonshot.cn/anthropic/v1/messages"),
        (ChannelType.ZHIPU_V4, "https://open.bigmodel.cn/api/anthropic/v1/messages"),
        (ChannelType.ALI, "https://dashscope.aliyuncs.com/apps/anthropic/v1/messages"),
    ],
)
async def test_anthropic_endpoints_of_openai_vendors(channel_type: ChannelType, url: str) -> None:
    request = await build(
        channel_type,
        CLAUDE,
        "qwen-max",
        client_headers={"anthropic-version": "2023-01-01", "anthropic-beta": "b1"},
    )
    assert request.url == url
    assert request.headers["x-api-key"] == "sk-test"
    assert request.headers["anthropic-version"] == "2023-01-01"
    assert request.headers["anthropic-beta"] == "b1"


@pytest.mark.parametrize(
    ("channel_type", "url"),
    [
        (ChannelType.OPENAI, "https://api.openai.com/v1/responses"),
        (ChannelType.XAI, "https://api.x.ai/v1/responses"),
        (ChannelType.OPENROUTER, "https://openrouter.ai/api/v1/responses"),
        (ChannelType.PERPLEXITY, "https://api.perplexity.ai/v1/responses"),
        (ChannelType.VOLCENGINE, "https://ark.cn-beijing.volces.com/api/v3/responses"),
        (
            ChannelType.ALI,
            "https://dashscope.aliyuncs.com/api/v2/apps/protocols/compatible-mode/v1/responses",
        ),
    ],
)
async def test_responses_endpoints(channel_type: ChannelType, url: str) -> None:
    assert RESPONSES in provider_for(channel_type).native_formats
    assert (await build(channel_type, RESPONSES)).url == url


@pytest.mark.parametrize(
    ("channel_type", "inbound", "model", "expected"),
    [
        (ChannelType.DEEPSEEK, CLAUDE, "deepseek-chat", CLAUDE),
        (ChannelType.DEEPSEEK, RESPONSES, "deepseek-chat", CHAT),
        (ChannelType.DEEPSEEK, GEMINI, "deepseek-chat", CHAT),
        (ChannelType.MISTRAL, CLAUDE, "mistral-large", CHAT),
        (ChannelType.OPENAI, RESPONSES, "gpt-4o", RESPONSES),
        (ChannelType.ALI, CLAUDE, "qwen-max", CLAUDE),
        (ChannelType.ALI, CLAUDE, "wanx-v1", CHAT),
        (ChannelType.VOLCENGINE, CLAUDE, "doubao-pro", CHAT),
    ],
)
def test_target_format_per_model(
    channel_type: ChannelType, inbound: WireFormat, model: str, expected: WireFormat
) -> None:
    assert provider_for(channel_type).target_format(inbound, model) is expected


def test_native_formats_for_defaults_to_the_class_attribute() -> None:
    provider = provider_for(ChannelType.MISTRAL)
    assert provider.native_formats_for("anything") == provider.native_formats
    assert provider.target_format(CLAUDE) is CHAT


async def test_ollama_sends_no_authorization_without_a_key() -> None:
    request = await build(ChannelType.OLLAMA, key="")
    assert "Authorization" not in request.headers
    assert (await build(ChannelType.OLLAMA)).headers["Authorization"] == "Bearer sk-test"


async def test_organization_header_only_for_openai() -> None:
    request = await build(ChannelType.OPENAI, organization="org-1")
    assert request.headers["OpenAI-Organization"] == "org-1"
    request = await build(ChannelType.DEEPSEEK, organization="org-1")
    assert "OpenAI-Organization" not in request.headers


async def test_header_override_wins_and_expands_the_key() -> None:
    request = await build(
        ChannelType.XAI, header_override={"Authorization": "Token {api_key}", "X-Extra": "1"}
    )
    assert request.headers["Authorization"] == "Token sk-test"
    assert request.headers["X-Extra"] == "1"


async def test_volcengine_bot_models_use_the_bots_path() -> None:
    request = await build(ChannelType.VOLCENGINE, model="bot-20250101-abc")
    assert request.url == "https://ark.cn-beijing.volces.com/api/v3/bots/chat/completions"


@pytest.mark.parametrize(
    ("channel_type", "plan", "fmt", "url"),
    [
        (
            ChannelType.ZHIPU_V4,
            "glm-coding-plan",
            CHAT,
            "https://open.bigmodel.cn/api/coding/paas/v4/chat/completions",
        ),
        (
            ChannelType.ZHIPU_V4,
            "glm-coding-plan-international",
            CLAUDE,
            "https://api.z.ai/api/anthropic/v1/messages",
        ),
        (
            ChannelType.MOONSHOT,
            "kimi-coding-plan",
            CLAUDE,
            "https://api.kimi.com/coding/v1/messages",
        ),
        (
            ChannelType.VOLCENGINE,
            "doubao-coding-plan",
            CHAT,
            "https://ark.cn-beijing.volces.com/api/coding/v3/chat/completions",
        ),
    ],
)
async def test_coding_plan_pseudo_base_urls(
    channel_type: ChannelType, plan: str, fmt: WireFormat, url: str
) -> None:
    assert (await build(channel_type, fmt, base_url=plan)).url == url


# -- Azure -------------------------------------------------------------------------------

AZURE_BASE = "https://res.openai.azure.com"


async def test_azure_chat_url_strips_dots_for_old_channels_and_uses_api_key() -> None:
    request = await build(ChannelType.AZURE, model="gpt-3.5-turbo", base_url=AZURE_BASE)
    assert request.url == (
        f"{AZURE_BASE}/openai/deployments/gpt-35-turbo/chat/completions?api-version=2024-10-21"
    )
    assert request.headers["api-key"] == "sk-test"
    assert "Authorization" not in request.headers


async def test_azure_keeps_dots_for_channels_created_after_the_cutoff() -> None:
    request = await build(
        ChannelType.AZURE, model="gpt-4.1", base_url=AZURE_BASE, created_time=1_760_000_000
    )
    assert "/openai/deployments/gpt-4.1/chat/completions" in request.url


async def test_azure_api_version_from_other_then_settings() -> None:
    request = await build(ChannelType.AZURE, base_url=AZURE_BASE, other="2025-01-01-preview")
    assert request.url.endswith("?api-version=2025-01-01-preview")
    request = await build(
        ChannelType.AZURE, base_url=AZURE_BASE, settings={"api_version": "2024-06-01"}
    )
    assert request.url.endswith("?api-version=2024-06-01")


async def test_azure_responses_urls() -> None:
    request = await build(ChannelType.AZURE, RESPONSES, base_url=AZURE_BASE, other="2025-01-01")
    assert request.url == f"{AZURE_BASE}/openai/v1/responses?api-version=preview"
    foundry = "https://res.cognitiveservices.azure.com"
    request = await build(ChannelType.AZURE, RESPONSES, base_url=foundry, other="2025-01-01")
    assert request.url == f"{foundry}/openai/responses?api-version=2025-01-01"
    request = await build(
        ChannelType.AZURE,
        RESPONSES,
        base_url=AZURE_BASE,
        settings={"azure_responses_version": "2025-04-01-preview"},
    )
    assert request.url.endswith("/openai/v1/responses?api-version=2025-04-01-preview")


def test_models_urls() -> None:
    cases = {
        ChannelType.OPENAI: "https://api.openai.com/v1/models",
        ChannelType.ZHIPU_V4: "https://open.bigmodel.cn/api/paas/v4/models",
        ChannelType.ALI: "https://dashscope.aliyuncs.com/compatible-mode/v1/models",
        ChannelType.COHERE: "https://api.cohere.ai/v1/models?page_size=1000&endpoint=chat",
    }
    for channel_type, url in cases.items():
        provider: Any = provider_for(channel_type)
        assert provider.models_url(target(channel_type)) == url
    azure: Any = provider_for(ChannelType.AZURE)
    assert (
        azure.models_url(target(ChannelType.AZURE, base_url=AZURE_BASE))
        == f"{AZURE_BASE}/openai/models?api-version=2024-10-21"
    )


def test_cohere_reads_its_own_model_list_shape() -> None:
    cohere: Any = provider_for(ChannelType.COHERE)
    assert cohere.model_names({"models": [{"name": "command-r"}, {"x": 1}]}) == ["command-r"]
    assert cohere.model_names({"data": [{"id": "command-a"}]}) == ["command-a"]


def test_every_registered_provider_declares_its_channel_type() -> None:
    for channel_type, provider in PROVIDERS.items():
        if channel_type != ChannelType.CUSTOM:
            assert provider.channel_type == channel_type, type(provider).__name__
        assert provider.native_formats

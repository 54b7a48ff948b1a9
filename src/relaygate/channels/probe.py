"""Channel tests: one minimal, non-streaming chat call through the channel's own provider.

new-api's ``testChannel`` sends "hi" with a small ``max_tokens`` and times the round trip;
the same is done here through ``provider_for(type).build_request`` and the shared Transport.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from relaygate.channels import multikey
from relaygate.db.models.channel import Channel
from relaygate.errors import UpstreamError
from relaygate.kit import clock, jsonx
from relaygate.kit.crypto import SecretBox
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, UpstreamCall
from relaygate.providers.failures import channel_is_broken
from relaygate.providers.registry import provider_for
from relaygate.providers.transport import Transport

DEFAULT_TEST_MODEL = "gpt-4o-mini"
PROBE_PROMPT = "hi"
PROBE_MAX_TOKENS = 16
PROBE_TIMEOUT = 60.0
_MAPPING_DEPTH = 16


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """How one test call went."""

    ok: bool
    elapsed_ms: int
    model: str
    message: str = ""
    status: int = 0
    error_code: str = ""
    key_index: int | None = None
    """Which key of a multi-key channel was tested."""
    reached: bool = True
    """False when the test could not run at all (no key, unsupported type)."""


def channel_target(channel: Channel, key: str) -> ChannelTarget:
    """The provider's view of a channel row, with one (decrypted) key."""
    mapping = jsonx.loads_object(channel.model_mapping)
    return ChannelTarget(
        channel_id=channel.id,
        channel_type=channel.type,
        name=channel.name,
        created_time=channel.created_time or 0,
        key=key,
        base_url=channel.base_url or "",
        model_mapping={str(k): v for k, v in mapping.items() if isinstance(v, str) and v},
        organization=channel.openai_organization or "",
        header_override={k: str(v) for k, v in jsonx.loads_object(channel.header_override).items()},
        param_override=jsonx.loads_object(channel.param_override),
        other=channel.other or "",
        auto_ban=(channel.auto_ban if channel.auto_ban is not None else 1) == 1,
        status_code_mapping={
            str(k): str(v) for k, v in jsonx.loads_object(channel.status_code_mapping).items()
        },
        settings=jsonx.loads_object(channel.settings),
    )


def pick_test_key(
    channel: Channel, secrets: SecretBox, rng: random.Random | None = None
) -> tuple[int | None, str]:
    """A key to test with: any enabled key of a multi-key channel, else the channel key."""
    text = secrets.decrypt(channel.key or "")
    info = multikey.parse_info(channel.channel_info)
    index, key = multikey.pick_key(text, info, rng=rng)
    return (index if info.is_multi_key else None), key


def model_for(channel: Channel, requested: str) -> str:
    """The model to test: the one asked for, the channel's test model, its first model."""
    for candidate in (requested, channel.test_model or "", *channel.models.split(",")):
        if candidate.strip():
            return candidate.strip()
    return DEFAULT_TEST_MODEL


def upstream_model(model: str, mapping: Mapping[str, str]) -> str:
    """``model`` after the channel's mapping chain (a cycle stops where it repeats)."""
    seen = {model}
    for _ in range(_MAPPING_DEPTH):
        mapped = mapping.get(model)
        if not mapped or mapped in seen:
            break
        seen.add(mapped)
        model = mapped
    return model


def probe_body(fmt: WireFormat, model: str) -> bytes:
    """The smallest useful request in the provider's native format."""
    user = {"role": "user", "content": PROBE_PROMPT}
    if fmt is WireFormat.ANTHROPIC_MESSAGES:
        body: dict[str, Any] = {"model": model, "max_tokens": PROBE_MAX_TOKENS, "messages": [user]}
    elif fmt is WireFormat.GEMINI:
        body = {
            "contents": [{"role": "user", "parts": [{"text": PROBE_PROMPT}]}],
            "generationConfig": {"maxOutputTokens": PROBE_MAX_TOKENS},
        }
    elif fmt is WireFormat.OPENAI_RESPONSES:
        body = {"model": model, "input": PROBE_PROMPT, "max_output_tokens": PROBE_MAX_TOKENS}
    else:
        body = {"model": model, "messages": [user], "max_tokens": PROBE_MAX_TOKENS}
    return jsonx.dumps(body)


def _error_in(body: bytes, status: int) -> tuple[str, str]:
    """An error message and code from an answer, or ("", "") when it is a normal reply."""
    try:
        payload = jsonx.loads(body)
    except ValueError:
        if status >= 400:
            return body.decode(errors="replace").strip()[:500] or f"HTTP {status}", ""
        return "upstream answer is not JSON", "bad_response_body"
    if not isinstance(payload, dict):
        return (f"HTTP {status}", "") if status >= 400 else ("", "")
    error = payload.get("error")
    if error is None and payload.get("type") == "error":
        error = payload
    if isinstance(error, dict):
        nested = error.get("error")
        inner: dict[str, Any] = nested if isinstance(nested, dict) else error
        message = inner.get("message") or inner.get("msg") or jsonx.dumps_str(inner)[:500]
        code = inner.get("code") or inner.get("type") or inner.get("status") or ""
        return str(message), str(code)
    if isinstance(error, str) and error:
        return error, str(payload.get("code", ""))
    if status >= 400:
        return jsonx.dumps_str(payload)[:500], ""
    return "", ""


async def probe(
    target: ChannelTarget,
    transport: Transport,
    model: str,
    *,
    read_timeout: float = PROBE_TIMEOUT,
    key_index: int | None = None,
) -> ProbeResult:
    """Send one minimal chat call for ``model`` and time it (milliseconds, whole call)."""
    provider = provider_for(target.channel_type)
    fmt = provider.target_format(WireFormat.OPENAI_CHAT)
    sent_model = upstream_model(model, target.model_mapping)
    call = UpstreamCall(fmt=fmt, model=sent_model, body=probe_body(fmt, sent_model), stream=False)
    started = clock.monotonic()

    def elapsed() -> int:
        return int((clock.monotonic() - started) * 1000)

    try:
        request = await provider.build_request(target, call, transport)
        response = await transport.send(
            request,
            channel_id=target.channel_id,
            first_byte_timeout=read_timeout,
            idle_timeout=read_timeout,
        )
        body = await response.read()
    except UpstreamError as exc:
        return ProbeResult(
            ok=False,
            elapsed_ms=elapsed(),
            model=model,
            message=exc.message,
            status=exc.status,
            error_code=exc.error_code,
            key_index=key_index,
        )
    message, code = _error_in(body, response.status)
    if response.status >= 400 or message:
        return ProbeResult(
            ok=False,
            elapsed_ms=elapsed(),
            model=model,
            message=message or f"HTTP {response.status}",
            status=response.status,
            error_code=code,
            key_index=key_index,
        )
    return ProbeResult(
        ok=True, elapsed_ms=elapsed(), model=model, status=response.status, key_index=key_index
    )


def should_disable(result: ProbeResult, extra_keywords: str = "") -> bool:
    """A failed test that says the channel itself is broken (bad key, no credit)."""
    if result.ok or not result.reached:
        return False
    return channel_is_broken(result.status, result.error_code, result.message, extra_keywords)

"""``GET /v1/realtime?model=``: the OpenAI Realtime websocket, relayed frame for frame.

Frames pass both ways as they are (text stays text, binary stays binary, nothing re-encoded);
only frames that may be ``response.create``, ``response.created`` or ``response.done`` are
parsed, found by a substring test (base64 audio has no ``.``, so audio deltas never match).

Billing, as new-api prices realtime (service/quota.go ``calculateAudioQuota``)::

    (text_in + text_out × completion_ratio + audio_in × AudioRatio
     + audio_out × AudioRatio × AudioCompletionRatio) × model_ratio × group_ratio

or ``ModelPrice`` per response for a fixed-price model. Quota is reserved before each
response: once when the session opens (a client that cannot afford one response is refused
before any upstream is dialled) and again on each client ``response.create`` (or upstream
``response.created``, for server-VAD turns) when no reservation is held. Each ``response.done``
settles its own cost through the ledger with one log row, keyed by the response id so a
replayed or duplicated ``response.done`` is never billed twice. new-api writes one row per
session; one per response keeps every row final the moment it is written (a session cut by
a crash or a deploy has lost nothing), and lets idempotency and the log speak of the same unit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.websockets import WebSocket, WebSocketDisconnect

from relaygate.auth.api_keys import read_key
from relaygate.billing.ledger import Settlement, consume_row
from relaygate.billing.pricing import Price
from relaygate.errors import (
    BadRequest,
    InsufficientQuota,
    ModelNotFound,
    RelayGateError,
    UpstreamError,
)
from relaygate.kit import jsonx
from relaygate.kit.ids import new_request_id
from relaygate.kit.money import QUOTA_PER_UNIT, round_quota, to_decimal
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.protocols.formats import WireFormat
from relaygate.providers.azure import api_version, deployment_name
from relaygate.providers.base import ChannelTarget, ChannelType
from relaygate.providers.transport import UpstreamSocket
from relaygate.relay.admission import admit
from relaygate.relay.context import RelayContext
from relaygate.relay.service import RelayService
from relaygate.routing import health, mapping

log = logging.getLogger(__name__)

REALTIME_PROTOCOL = "realtime"
KEY_PROTOCOL_PREFIX = "openai-insecure-api-key."
BETA_PROTOCOL = "openai-beta.realtime-v1"
CLOSE_POLICY = 1008
CLOSE_ERROR = 1011
BILLED_MEMORY = 100_000
BILLED_TTL_SECONDS = 24 * 3600


# -- pricing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RealtimeUsage:
    """The ``usage`` of one ``response.done``."""

    input_tokens: int = 0
    output_tokens: int = 0
    input_text: int = 0
    input_audio: int = 0
    cached: int = 0
    output_text: int = 0
    output_audio: int = 0

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_from_done(event: dict[str, Any]) -> RealtimeUsage | None:
    """The usage of a ``response.done`` event, or None when it carries none."""
    response = event.get("response")
    usage = response.get("usage") if isinstance(response, dict) else None
    if not isinstance(usage, dict):
        return None
    inputs = usage.get("input_token_details")
    outputs = usage.get("output_token_details")
    inputs = inputs if isinstance(inputs, dict) else {}
    outputs = outputs if isinstance(outputs, dict) else {}
    input_tokens = _int(usage.get("input_tokens"))
    output_tokens = _int(usage.get("output_tokens"))
    input_audio = _int(inputs.get("audio_tokens"))
    output_audio = _int(outputs.get("audio_tokens"))
    # details are optional: what is not audio is text
    input_text = (
        _int(inputs.get("text_tokens")) if "text_tokens" in inputs else input_tokens - input_audio
    )
    output_text = (
        _int(outputs.get("text_tokens"))
        if "text_tokens" in outputs
        else output_tokens - output_audio
    )
    return RealtimeUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        input_text=max(0, input_text),
        input_audio=input_audio,
        cached=_int(inputs.get("cached_tokens")),
        output_text=max(0, output_text),
        output_audio=output_audio,
    )


@dataclass(frozen=True, slots=True)
class AudioRatios:
    audio: float
    audio_completion: float


def audio_ratios(options: OptionsSnapshot, model: str) -> AudioRatios:
    """AudioRatio and AudioCompletionRatio for ``model`` (1 when unset, as new-api)."""

    def lookup(key: str) -> float:
        value = options.json_value(key)
        ratio = value.get(model) if isinstance(value, dict) else None
        return float(ratio) if isinstance(ratio, int | float) else 1.0

    return AudioRatios(lookup("AudioRatio"), lookup("AudioCompletionRatio"))


def realtime_quota(usage: RealtimeUsage, price: Price, ratios: AudioRatios) -> int:
    """Quota of one response (new-api ``calculateAudioQuota``, rounded half away from zero)."""
    group = to_decimal(price.group_ratio)
    if price.use_price:
        return round_quota(to_decimal(price.model_price) * QUOTA_PER_UNIT * group)
    if usage.total == 0:
        return 0
    audio = to_decimal(ratios.audio)
    tokens = (
        Decimal(usage.input_text)
        + Decimal(usage.output_text) * to_decimal(price.completion_ratio)
        + Decimal(usage.input_audio) * audio
        + Decimal(usage.output_audio) * audio * to_decimal(ratios.audio_completion)
    )
    ratio = to_decimal(price.model_ratio) * group
    quota = round_quota(tokens * ratio)
    return 1 if ratio != 0 and quota <= 0 else quota


def response_reservation(price: Price, ratios: AudioRatios, reserve_tokens: int) -> int:
    """The pre-charge for one response: ``reserve_tokens`` of output at the dearer of the text
    and audio output rates (a fixed price is reserved as it is)."""
    if price.use_price:
        return realtime_quota(RealtimeUsage(), price, ratios)
    text = RealtimeUsage(output_tokens=reserve_tokens, output_text=reserve_tokens)
    audio = RealtimeUsage(output_tokens=reserve_tokens, output_audio=reserve_tokens)
    return max(realtime_quota(text, price, ratios), realtime_quota(audio, price, ratios))


# -- upstream endpoints -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RealtimeDial:
    """Where and how to open one upstream realtime socket."""

    url: str
    headers: dict[str, str]
    protocols: tuple[str, ...] = ()


def _ws_base(base_url: str) -> str:
    if base_url.startswith("https://"):
        return "wss://" + base_url.removeprefix("https://")
    if base_url.startswith("http://"):
        return "ws://" + base_url.removeprefix("http://")
    return base_url


def _auth(
    target: ChannelTarget, model: str, client_protocols: list[str], headers: dict[str, str]
) -> tuple[str, ...]:
    # new-api: a client that spoke subprotocols gets the key as one upstream too; the beta
    # marker only for the retired *-realtime-preview models (GA models refuse it).
    beta = "-realtime-preview" in model
    if client_protocols:
        protocols = [REALTIME_PROTOCOL, KEY_PROTOCOL_PREFIX + target.key]
        if beta:
            protocols.append(BETA_PROTOCOL)
        return tuple(protocols)
    headers["Authorization"] = f"Bearer {target.key}"
    if beta:
        headers["OpenAI-Beta"] = "realtime=v1"
    return ()


def _openai_dial(
    target: ChannelTarget, model: str, query: dict[str, str], client_protocols: list[str]
) -> RealtimeDial:
    base = _ws_base((target.base_url or "https://api.openai.com").rstrip("/"))
    headers: dict[str, str] = {}
    if target.organization:
        headers["OpenAI-Organization"] = target.organization
    protocols = _auth(target, model, client_protocols, headers)
    params = urlencode({**query, "model": model})
    for name, value in target.header_override.items():
        headers[name] = str(value).replace("{api_key}", target.key)
    return RealtimeDial(f"{base}/v1/realtime?{params}", headers, protocols)


def _azure_dial(
    target: ChannelTarget, model: str, query: dict[str, str], client_protocols: list[str]
) -> RealtimeDial:
    base = _ws_base(target.base_url.rstrip("/"))
    params = urlencode(
        {"deployment": deployment_name(target, model), "api-version": api_version(target)}
    )
    headers = {"api-key": target.key}
    protocols = (REALTIME_PROTOCOL,) if client_protocols else ()
    return RealtimeDial(f"{base}/openai/realtime?{params}", headers, protocols)


Dialer = Callable[[ChannelTarget, str, dict[str, str], list[str]], RealtimeDial]
REALTIME_DIALERS: dict[int, Dialer] = {
    ChannelType.OPENAI: _openai_dial,
    ChannelType.CUSTOM: _openai_dial,
    ChannelType.AZURE: _azure_dial,
}
"""Channel types with a realtime endpoint (new-api: the OpenAI adaptor, Azure's URL form)."""


# -- billing ----------------------------------------------------------------------------------


class BilledResponses:
    """Response ids already settled: in memory, and in Redis when present (every node)."""

    def __init__(self, redis: Any | None) -> None:
        self._redis = redis
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def claim(self, token_id: int, response_id: str) -> bool:
        """True the first time (token, response id) is seen; False for a repeat."""
        key = f"{token_id}:{response_id}"
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > BILLED_MEMORY:
            self._seen.popitem(last=False)
        if self._redis is not None:
            try:
                first = await self._redis.set(
                    f"relaygate:realtime:billed:{key}", 1, nx=True, ex=BILLED_TTL_SECONDS
                )
            except Exception:
                log.exception("realtime idempotency check in Redis failed; memory only")
                return True
            return bool(first)
        return True


@dataclass(slots=True)
class Meter:
    """Reservation and settlement for one realtime session."""

    service: RelayService
    ctx: RelayContext
    ratios: AudioRatios
    billed: BilledResponses
    per_response: int
    held: int = 0
    responses: int = 0
    quota_total: int = 0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def ensure_reserved(self) -> None:
        """Hold one response's reservation (raises InsufficientQuota when it cannot be had)."""
        async with self._lock:
            if self.held or self.per_response <= 0:
                return
            caller = self.ctx.caller
            await self.service.quota.reserve(
                user_id=caller.user_id,
                token_id=caller.token_id,
                unlimited=caller.entry.unlimited_quota,
                amount=self.per_response,
            )
            self.held = self.per_response

    async def on_done(self, event: dict[str, Any]) -> None:
        """Settle one ``response.done``: its cost charged against the held reservation."""
        response = event.get("response")
        response_id = str(response.get("id") or "") if isinstance(response, dict) else ""
        usage = usage_from_done(event)
        assert self.ctx.price is not None
        cost = realtime_quota(usage, self.ctx.price, self.ratios) if usage else 0
        if response_id and not await self.billed.claim(self.ctx.caller.token_id, response_id):
            log.info("realtime response %s already billed; ignored", response_id)
            return
        async with self._lock:
            reserved, self.held = self.held, 0
        if usage is None or cost == 0:
            await self._release(reserved)
            return
        self.responses += 1
        self.quota_total += cost
        await self.service.ledger.submit(
            Settlement(
                user_id=self.ctx.caller.user_id,
                token_id=self.ctx.caller.token_id,
                unlimited=self.ctx.caller.entry.unlimited_quota,
                channel_id=self.ctx.channel.channel_id if self.ctx.channel else 0,
                reserved=reserved,
                actual=cost,
                log_row=self._row(usage, cost, response_id)
                if self.service.runtime.options.current.log_consume
                else None,
            )
        )

    async def close(self) -> None:
        """Give back a reservation no response used."""
        async with self._lock:
            reserved, self.held = self.held, 0
        await self._release(reserved)

    async def _release(self, reserved: int) -> None:
        if reserved <= 0:
            return
        caller = self.ctx.caller
        await self.service.ledger.submit(
            Settlement(
                user_id=caller.user_id,
                token_id=caller.token_id,
                unlimited=caller.entry.unlimited_quota,
                channel_id=0,
                reserved=reserved,
                actual=0,
                counts_request=False,
            )
        )

    def _row(self, usage: RealtimeUsage, cost: int, response_id: str) -> dict[str, Any]:
        ctx = self.ctx
        assert ctx.price is not None
        caller = ctx.caller
        other: dict[str, Any] = {
            **ctx.price.as_log(),
            "audio_ratio": self.ratios.audio,
            "audio_completion_ratio": self.ratios.audio_completion,
            "ws": True,
            "realtime": True,
            "response_id": response_id,
            "text_input": usage.input_text,
            "text_output": usage.output_text,
            "audio_input": usage.input_audio,
            "audio_output": usage.output_audio,
            "request_path": ctx.path,
            "admin_info": {"use_channel": [str(c) for c in ctx.tried]},
        }
        if usage.cached:
            other["cache_tokens"] = usage.cached
        if ctx.upstream_model and ctx.upstream_model != ctx.model:
            other["upstream_model_name"] = ctx.upstream_model
        return consume_row(
            user_id=caller.user_id,
            username=caller.entry.username,
            token_id=caller.token_id,
            token_name=caller.entry.token_name,
            channel_id=ctx.channel.channel_id if ctx.channel else 0,
            model=ctx.model,
            quota=cost,
            prompt_tokens=usage.input_tokens,
            completion_tokens=usage.output_tokens,
            use_time=ctx.elapsed_seconds(),
            is_stream=True,
            group=caller.group,
            ip=caller.client_ip,
            request_id=ctx.request_id,
            content="",
            other=other,
        )


# -- the session ------------------------------------------------------------------------------


def _offered_protocols(ws: WebSocket) -> list[str]:
    raw = ws.headers.get("sec-websocket-protocol", "")
    return [item.strip() for item in raw.split(",") if item.strip()]


def client_key(ws: WebSocket, offered: list[str]) -> str:
    """The key from Authorization (or x-api-key, ?key=), else the OpenAI browser subprotocol."""
    raw = read_key(ws.headers, ws.query_params)
    if raw:
        return raw
    for item in offered:
        if item.startswith(KEY_PROTOCOL_PREFIX):
            return item.removeprefix(KEY_PROTOCOL_PREFIX)
    return ""


def _error_event(error: RelayGateError) -> str:
    return jsonx.dumps_str(
        {
            "type": "error",
            "event_id": "event_" + new_request_id()[:24],
            "error": {
                "type": error.type,
                "code": error.error_code,
                "message": error.message,
                "param": None,
                "event_id": None,
            },
        }
    )


async def _refuse(ws: WebSocket, error: RelayGateError, code: int) -> None:
    """Tell the client why (an ``error`` event) and close with ``code``."""
    with contextlib.suppress(Exception):
        await ws.send_text(_error_event(error))
        await ws.close(code=code, reason=error.message[:120])


async def _dial(
    service: RelayService, ctx: RelayContext, query: dict[str, str], offered: list[str]
) -> UpstreamSocket:
    """The first channel whose realtime socket opens (the attempt loop, for websockets)."""
    unsupported = [
        c.channel_id
        for tier in service.routing.tiers(ctx.caller.group, ctx.model)
        for c in tier.candidates
        if service.routing.targets[c.channel_id].channel_type not in REALTIME_DIALERS
    ]
    retries = 0 if ctx.caller.pinned_channel else service.runtime.options.current.retry_times
    last: UpstreamError | None = None
    for _attempt in range(retries + 1):
        target = service.pick_channel(ctx, exclude=[*ctx.tried, *unsupported])
        if target is None:
            break
        ctx.channel = target
        ctx.tried.append(target.channel_id)
        ctx.upstream_model = mapping.resolve(ctx.model, target.model_mapping)
        dialer = REALTIME_DIALERS.get(target.channel_type)
        if dialer is None:
            continue
        dial = dialer(target, ctx.upstream_model, query, offered)
        try:
            return await service.transport.ws_connect(
                dial.url, dial.headers, protocols=dial.protocols, channel_id=target.channel_id
            )
        except UpstreamError as error:
            last = error
            await service.record_failure(target, error)
            if not health.is_retryable(error):
                raise
    if last is not None:
        raise last
    raise ModelNotFound(
        f"no channel for model {ctx.model} serves {ctx.path}", code="endpoint_not_supported"
    )


def _event(frame: str, marker: str) -> dict[str, Any] | None:
    if marker not in frame:
        return None
    try:
        event = jsonx.loads(frame)
    except ValueError:
        return None
    if isinstance(event, dict) and event.get("type") == marker:
        return event
    return None


async def relay_realtime(ws: WebSocket) -> None:
    """Serve one realtime session: admit, reserve, dial, pump frames both ways, settle."""
    service: RelayService = ws.app.state.relay
    offered = _offered_protocols(ws)
    await ws.accept(subprotocol=REALTIME_PROTOCOL if offered else None)
    try:
        caller = await service.authenticate(
            client_key(ws, offered), ws.client.host if ws.client else ""
        )
        model = ws.query_params.get("model", "").strip()
        if not model:
            raise BadRequest("query parameter 'model' is required", code="missing_model")
        ctx = admit(service, ws, caller, fmt=WireFormat.OPENAI_CHAT, model=model, stream=True)
        assert ctx.price is not None
        options = service.runtime.options.current
        ratios = audio_ratios(options, model)
        meter = Meter(
            service=service,
            ctx=ctx,
            ratios=ratios,
            billed=_billed(ws, service),
            per_response=response_reservation(ctx.price, ratios, options.completion_reserve_tokens),
        )
        await meter.ensure_reserved()
    except RelayGateError as error:
        await _refuse(ws, error, CLOSE_POLICY)
        return
    query = {k: v for k, v in ws.query_params.items() if k not in {"model", "key"}}
    try:
        upstream = await _dial(service, ctx, query, offered)
    except RelayGateError as error:
        await meter.close()
        await _refuse(ws, error, CLOSE_ERROR)
        return
    ctx.mark_first_byte()
    try:
        await _pump(ws, upstream, meter)
    finally:
        await upstream.close()
        await meter.close()


def _billed(ws: WebSocket, service: RelayService) -> BilledResponses:
    # one registry per process on app.state, so every session (and reconnect) shares it
    state = ws.app.state
    existing = getattr(state, "realtime_billed", None)
    if isinstance(existing, BilledResponses):
        return existing
    created = BilledResponses(service.runtime.redis)
    state.realtime_billed = created
    return created


async def _pump(ws: WebSocket, upstream: UpstreamSocket, meter: Meter) -> None:
    """Frames both ways until either side closes; then close the other side too."""
    closing: dict[str, int] = {}

    async def client_to_upstream() -> None:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                closing["client"] = int(message.get("code") or 1000)
                return
            text = message.get("text")
            if text is not None:
                if _event(text, "response.create") is not None:
                    try:
                        await meter.ensure_reserved()
                    except InsufficientQuota as error:
                        closing["refused"] = CLOSE_POLICY
                        await _refuse(ws, error, CLOSE_POLICY)
                        return
                await upstream.send(text)
            elif message.get("bytes") is not None:
                await upstream.send(message["bytes"])

    async def upstream_to_client() -> None:
        while True:
            frame = await upstream.receive()
            if frame is None:
                closing["upstream"] = upstream.close_code or 1000
                return
            if isinstance(frame, str):
                if _event(frame, "response.created") is not None:
                    try:
                        await meter.ensure_reserved()
                    except InsufficientQuota as error:
                        closing["refused"] = CLOSE_POLICY
                        await _refuse(ws, error, CLOSE_POLICY)
                        return
                else:
                    done = _event(frame, "response.done")
                    if done is not None:
                        await meter.on_done(done)
                await ws.send_text(frame)
            else:
                await ws.send_bytes(frame)

    tasks = [
        asyncio.create_task(client_to_upstream(), name="realtime-client"),
        asyncio.create_task(upstream_to_client(), name="realtime-upstream"),
    ]
    try:
        finished, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    for task in finished:
        error = task.exception() if not task.cancelled() else None
        if error is not None and not isinstance(error, WebSocketDisconnect | RelayGateError):
            log.error("realtime relay failed", exc_info=error)
    if "client" in closing:
        code = closing["client"]
        await upstream.close(code if 1000 <= code < 1016 and code not in (1005, 1006) else 1000)
        return
    await upstream.close()
    code = closing.get("upstream", CLOSE_ERROR)
    if code in (1005, 1006) or not 1000 <= code < 5000:
        code = 1000
    with contextlib.suppress(Exception):
        await ws.close(code=code)


__all__ = [
    "REALTIME_DIALERS",
    "AudioRatios",
    "RealtimeUsage",
    "audio_ratios",
    "realtime_quota",
    "relay_realtime",
    "response_reservation",
    "usage_from_done",
]

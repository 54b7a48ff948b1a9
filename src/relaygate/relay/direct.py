"""OpenAI endpoints relayed as they are: completions, embeddings, moderations, images, audio, rerank.

A new endpoint is a spec (path, body kind, how it is priced) and nothing else: admission,
the attempt loop and settlement are the ones the chat formats use. Bodies are forwarded with
only the model name changed; multipart uploads stream from disk; binary answers (speech)
stream back as they arrive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from relaygate.auth.api_keys import ApiCaller
from relaygate.billing import pricing
from relaygate.billing.pricing import Usage
from relaygate.billing.usage import estimate_prompt_tokens, estimate_value_tokens
from relaygate.errors import BadRequest, RelayGateError, UpstreamError
from relaygate.kit import jsonx
from relaygate.protocols import wire
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, EndpointCall, UpstreamRequest
from relaygate.providers.registry import provider_for
from relaygate.relay.admission import admit, reserve, token_reservation
from relaygate.relay.attempts import open_upstream
from relaygate.relay.context import RelayContext
from relaygate.relay.convert import ChatPassthrough
from relaygate.relay.endpoint_convert import Conversion, convert
from relaygate.relay.output import RelayResponse
from relaygate.relay.passthrough import usage_from_openai
from relaygate.relay.settle import settle
from relaygate.relay.streaming import stream_response
from relaygate.relay.uploads import Upload, audio_seconds, receive_upload

if TYPE_CHECKING:
    from relaygate.relay.service import RelayService


class Pricing(StrEnum):
    """How an endpoint is billed (new-api's rules)."""

    TOKENS = "tokens"
    """Prompt (+ completion) tokens at the model ratio: completions, embeddings, rerank."""
    IMAGES = "images"
    """Per image: ModelPrice × size and quality multipliers × n."""
    CHARACTERS = "characters"
    """Speech: input characters count as prompt tokens."""
    SECONDS = "seconds"
    """Transcription and translation: audio duration."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One relayed OpenAI endpoint."""

    path: str
    pricing: Pricing
    multipart: bool = False
    default_model: str = ""
    streams: bool = False
    binary: bool = False


ENDPOINTS: dict[str, Endpoint] = {
    "completions": Endpoint("/v1/completions", Pricing.TOKENS, streams=True),
    "embeddings": Endpoint("/v1/embeddings", Pricing.TOKENS),
    "moderations": Endpoint(
        "/v1/moderations", Pricing.TOKENS, default_model="omni-moderation-latest"
    ),
    "images_generations": Endpoint(
        "/v1/images/generations", Pricing.IMAGES, default_model="dall-e-2"
    ),
    "images_edits": Endpoint(
        "/v1/images/edits", Pricing.IMAGES, multipart=True, default_model="dall-e-2"
    ),
    "images_variations": Endpoint(
        "/v1/images/variations", Pricing.IMAGES, multipart=True, default_model="dall-e-2"
    ),
    "speech": Endpoint("/v1/audio/speech", Pricing.CHARACTERS, binary=True),
    "transcriptions": Endpoint(
        "/v1/audio/transcriptions", Pricing.SECONDS, multipart=True, default_model="whisper-1"
    ),
    "translations": Endpoint(
        "/v1/audio/translations", Pricing.SECONDS, multipart=True, default_model="whisper-1"
    ),
    "rerank": Endpoint("/v1/rerank", Pricing.TOKENS),
}


@dataclass(slots=True)
class DirectRequest:
    """The client's call: a JSON payload or a spooled upload."""

    endpoint: Endpoint
    model: str
    stream: bool
    payload: dict[str, Any] | None
    upload: Upload | None
    body: bytes

    def field(self, name: str, default: str = "") -> str:
        if self.payload is not None:
            value = self.payload.get(name)
            return str(value) if value is not None else default
        assert self.upload is not None
        return self.upload.fields.get(name, default)


async def read_direct(
    request: Request, endpoint: Endpoint, path_model: str | None
) -> DirectRequest:
    """Parse the body (JSON, or multipart streamed to disk)."""
    if endpoint.multipart:
        upload = await receive_upload(request)
        model = path_model or upload.fields.get("model") or endpoint.default_model
        if not model:
            upload.close()
            raise BadRequest("field 'model' is required", code="missing_model")
        return DirectRequest(endpoint, model, False, None, upload, b"")
    body = await request.body()
    if not body.strip():
        raise BadRequest("request body is empty; expected a JSON object", code="empty_body")
    payload = wire.load_object(body)
    model = path_model or wire.as_str(payload.get("model")) or endpoint.default_model
    if not model:
        raise BadRequest("field 'model' is required", code="missing_model")
    if endpoint.path in ("/v1/embeddings", "/v1/moderations") and payload.get("input") in (
        None,
        "",
        [],
    ):
        raise BadRequest("field 'input' is required", code="missing_input")
    if endpoint.path == "/v1/completions" and "prompt" not in payload:
        raise BadRequest("field 'prompt' is required", code="missing_prompt")
    if endpoint.path == "/v1/audio/speech" and not wire.as_str(payload.get("input")):
        raise BadRequest("field 'input' is required", code="missing_input")
    if endpoint.path == "/v1/images/generations" and not wire.as_str(payload.get("prompt")):
        raise BadRequest("field 'prompt' is required", code="missing_prompt")
    if endpoint.path == "/v1/rerank" and (
        not payload.get("query") or not isinstance(payload.get("documents"), list)
    ):
        raise BadRequest("fields 'query' and 'documents' are required", code="missing_documents")
    stream = endpoint.streams and payload.get("stream") is True
    return DirectRequest(endpoint, model, stream, payload, None, body)


def _reservation(ctx: RelayContext, call: DirectRequest, completion_reserve: int) -> int:
    assert ctx.price is not None
    endpoint = call.endpoint
    if endpoint.pricing is Pricing.IMAGES:
        count = int(call.field("n", "1") or 1)
        ctx.fixed_quota = pricing.image_quota(
            ctx.price, size=call.field("size"), quality=call.field("quality"), count=count
        )
        ctx.log_other.update(
            {"image_count": count, "size": call.field("size"), "quality": call.field("quality")}
        )
        return ctx.fixed_quota
    if endpoint.pricing is Pricing.CHARACTERS:
        characters = len(call.field("input"))
        ctx.usage = Usage(prompt_tokens=characters)
        ctx.fixed_quota = pricing.quota_for_usage(ctx.usage, ctx.price)
        ctx.log_other["characters"] = characters
        return ctx.fixed_quota
    if endpoint.pricing is Pricing.SECONDS:
        assert call.upload is not None
        audio = next((p for p in call.upload.files if p.name == "file"), None)
        if audio is None:
            raise BadRequest("field 'file' is required", code="missing_file")
        seconds = audio_seconds(audio)
        ctx.fixed_quota = pricing.per_second_quota(ctx.price, seconds)
        ctx.log_other["audio_seconds"] = round(seconds, 2)
        return ctx.fixed_quota
    completion = 0
    if endpoint.path == "/v1/completions":
        max_tokens = wire.opt_int((call.payload or {}).get("max_tokens"))
        completion = max_tokens if max_tokens is not None else completion_reserve
    return token_reservation(ctx, estimate_prompt_tokens(call.body), completion)


def _json_body(call: DirectRequest, upstream_model: str, target: ChannelTarget) -> bytes:
    payload = dict(call.payload or {})
    payload["model"] = upstream_model
    if call.stream:
        options = payload.get("stream_options")
        stream_options = dict(options) if isinstance(options, dict) else {}
        stream_options["include_usage"] = True
        payload["stream_options"] = stream_options
    payload.update(target.param_override)
    return jsonx.dumps(payload)


def _usage_from_answer(call: DirectRequest, raw: bytes) -> Usage | None:
    try:
        payload = jsonx.loads(raw)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    raw_usage = payload.get("usage")
    usage = usage_from_openai(raw_usage)
    if usage is not None and usage.total_tokens:
        return usage
    total = wire.opt_int(wire.as_dict(raw_usage).get("total_tokens"))
    if total:  # Jina-style rerank usage carries only a total
        return Usage(prompt_tokens=total)
    meta = wire.as_dict(payload.get("meta"))
    units = wire.as_dict(meta.get("billed_units"))
    if units:  # Cohere rerank
        tokens = int(units.get("input_tokens") or 0) or int(units.get("search_units") or 0)
        return Usage(prompt_tokens=tokens)
    if call.payload is not None and call.endpoint.path in _COUNTED_INPUTS:
        # no usage in the answer (moderations, some embedding servers): count the input offline
        fields = _COUNTED_INPUTS[call.endpoint.path]
        counted = estimate_value_tokens([call.payload.get(f) for f in fields], call.model)
        return Usage(prompt_tokens=max(1, counted))
    return usage


_COUNTED_INPUTS: dict[str, tuple[str, ...]] = {
    "/v1/moderations": ("input",),
    "/v1/embeddings": ("input",),
    "/v1/rerank": ("query", "documents"),
}


async def relay_direct(
    service: RelayService,
    request: Request,
    caller: ApiCaller,
    endpoint: Endpoint,
    *,
    path_model: str | None = None,
) -> Response:
    """Relay one OpenAI endpoint call."""
    call = await read_direct(request, endpoint, path_model)
    try:
        return await _relay(service, request, caller, call)
    finally:
        if call.upload is not None and not call.endpoint.binary:
            call.upload.close()


async def _relay(
    service: RelayService, request: Request, caller: ApiCaller, call: DirectRequest
) -> Response:
    ctx = admit(
        service, request, caller, fmt=WireFormat.OPENAI_CHAT, model=call.model, stream=call.stream
    )
    options = service.runtime.options.current
    await reserve(service, ctx, _reservation(ctx, call, options.completion_reserve_tokens))

    conversion: Conversion | None = None
    """The last attempt's dialect conversion (the answer comes back through it)."""

    async def build(target: ChannelTarget) -> tuple[UpstreamRequest, WireFormat]:
        nonlocal conversion
        provider = provider_for(target.channel_type)
        path, model = call.endpoint.path, ctx.upstream_model
        json_body = _json_body(call, model, target) if call.upload is None else b""
        conversion = convert(
            provider.endpoint_dialect(path, model),
            path,
            model,
            jsonx.loads(json_body) if json_body else None,
            call.upload,
        )
        if conversion is not None:
            endpoint_call = EndpointCall(path, model, conversion.body, conversion.content_type)
        elif call.upload is not None:
            content_type, body = call.upload.encode({"model": model})
            endpoint_call = EndpointCall(path, model, body, content_type)
        else:
            endpoint_call = EndpointCall(path, model, json_body, stream=call.stream)
        request = await provider.build_endpoint(target, endpoint_call, service.transport)
        return request, conversion.error_format if conversion else WireFormat.OPENAI_CHAT

    try:
        upstream, _target = await open_upstream(
            service,
            ctx,
            build,
            supports=lambda t: provider_for(t.channel_type).supports_endpoint(call.endpoint.path),
        )
    except RelayGateError as error:
        await settle(service, ctx, error=error)
        raise
    except BaseException:
        await settle(service, ctx, error=RelayGateError("request aborted"))
        raise
    content_type = upstream.headers.get("content-type", "application/json")
    if conversion is not None:
        return await _converted(service, ctx, call, upstream, conversion)
    if call.stream:
        return _stream(service, ctx, call, upstream)
    if call.endpoint.binary:
        return _binary(service, ctx, upstream, content_type)
    try:
        raw = await upstream.read()
        ctx.mark_first_byte()
    except RelayGateError as error:
        await settle(service, ctx, error=error)
        raise
    if ctx.fixed_quota is None:
        usage = _usage_from_answer(call, raw)
        ctx.usage = (
            usage if usage is not None and usage.total_tokens else Usage(ctx.prompt_estimate)
        )
    ctx.completed = True
    await settle(service, ctx)
    return Response(raw, status_code=200, media_type=content_type.split(";")[0])


async def _converted(
    service: RelayService,
    ctx: RelayContext,
    call: DirectRequest,
    upstream: Any,
    conversion: Conversion,
) -> Response:
    """A vendor-dialect answer read whole and turned into OpenAI's shape (speech included)."""
    try:
        raw = await upstream.read()
        ctx.mark_first_byte()
        answer = conversion.answer(raw)
    except RelayGateError as error:
        await settle(service, ctx, error=error)
        raise
    finally:
        upstream.close()
    if ctx.fixed_quota is None:
        usage = answer.usage or _usage_from_answer(call, answer.body)
        ctx.usage = (
            usage if usage is not None and usage.total_tokens else Usage(ctx.prompt_estimate)
        )
    ctx.completed = True
    await settle(service, ctx)
    return Response(answer.body, status_code=200, media_type=answer.content_type)


def _stream(
    service: RelayService, ctx: RelayContext, call: DirectRequest, upstream: Any
) -> Response:
    options = (call.payload or {}).get("stream_options")
    include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
    return stream_response(service, ctx, upstream, ChatPassthrough(include_usage))


def _binary(service: RelayService, ctx: RelayContext, upstream: Any, content_type: str) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        async for chunk in upstream.iter_chunks():
            ctx.mark_first_byte()
            yield chunk
        ctx.completed = True

    async def on_close(client_gone: bool) -> None:
        upstream.close()
        if not ctx.completed and not ctx.first_byte_ms:
            await settle(service, ctx, error=UpstreamError("audio stream ended before any byte"))
            return
        await settle(service, ctx)

    return RelayResponse(
        chunks(), headers=[(b"content-type", content_type.encode())], on_close=on_close
    )

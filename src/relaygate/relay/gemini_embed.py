"""Gemini's ``:embedContent`` and ``:batchEmbedContents`` for Gemini clients (google-genai).

Gemini channels get the body as it is (each ``requests[].model`` renamed to the upstream
model). Any other channel that serves ``/v1/embeddings`` gets an OpenAI embeddings request,
converted once more into its own dialect when it has one (Vertex ``predict``), and the answer
comes back as Gemini's ``{"embedding": …}`` or ``{"embeddings": [...]}``. Errors are rendered
in Gemini's shape with the upstream status. Gemini's answer carries no usage, so its prompt
tokens are counted offline, as new-api estimates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from relaygate.auth.api_keys import read_key
from relaygate.billing.pricing import Usage
from relaygate.billing.usage import estimate_value_tokens
from relaygate.errors import BadRequest, RelayGateError, UpstreamError
from relaygate.kit import jsonx
from relaygate.protocols import wire
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, EndpointCall, UpstreamRequest
from relaygate.providers.gemini import GEMINI_BATCH_EMBED, GEMINI_EMBED
from relaygate.providers.registry import provider_for
from relaygate.relay.admission import admit, reserve, token_reservation
from relaygate.relay.attempts import open_upstream
from relaygate.relay.endpoint_convert import (
    EMBEDDINGS,
    Conversion,
    convert,
    gemini_embed_texts,
    gemini_embed_to_openai,
    native_gemini_embed_body,
    openai_embeddings_to_gemini,
)
from relaygate.relay.errors import FORMAT_SCOPE_KEY
from relaygate.relay.settle import settle

if TYPE_CHECKING:
    from relaygate.relay.service import RelayService


@dataclass(slots=True)
class _Attempt:
    """How the chosen channel was spoken to, so its answer can be read back."""

    native: bool = False
    conversion: Conversion | None = None


def _service(request: Request) -> RelayService:
    service: RelayService = request.app.state.relay
    return service


async def embed_content(request: Request) -> Response:
    """``POST /v1beta/models/{model}:embedContent``."""
    return await _relay(request, batch=False)


async def batch_embed_contents(request: Request) -> Response:
    """``POST /v1beta/models/{model}:batchEmbedContents``."""
    return await _relay(request, batch=True)


async def _relay(request: Request, *, batch: bool) -> Response:
    request.scope[FORMAT_SCOPE_KEY] = WireFormat.GEMINI
    service = _service(request)
    raw_key = read_key(request.headers, request.query_params)
    caller = await service.authenticate(raw_key, request.client.host if request.client else "")
    body = await request.body()
    if not body.strip():
        raise BadRequest("request body is empty; expected a JSON object", code="empty_body")
    payload = wire.load_object(body)
    model = str(request.path_params["model"]).removeprefix("models/")
    texts = gemini_embed_texts(payload, batch)
    verb = GEMINI_BATCH_EMBED if batch else GEMINI_EMBED

    ctx = admit(service, request, caller, fmt=WireFormat.GEMINI, model=model, stream=False)
    prompt_tokens = max(1, estimate_value_tokens(texts, model))
    await reserve(service, ctx, token_reservation(ctx, prompt_tokens, 0))
    attempt = _Attempt()

    async def build(target: ChannelTarget) -> tuple[UpstreamRequest, WireFormat]:
        provider = provider_for(target.channel_type)
        upstream_model = ctx.upstream_model
        attempt.native = provider.supports_endpoint(verb)
        if attempt.native:
            attempt.conversion = None
            call = EndpointCall(
                verb, upstream_model, native_gemini_embed_body(payload, batch, upstream_model)
            )
            return await provider.build_endpoint(target, call, service.transport), WireFormat.GEMINI
        openai_payload = gemini_embed_to_openai(payload, batch, upstream_model)
        openai_payload.update(target.param_override)
        attempt.conversion = convert(
            provider.endpoint_dialect(EMBEDDINGS, upstream_model),
            EMBEDDINGS,
            upstream_model,
            openai_payload,
        )
        if attempt.conversion is not None:
            call = EndpointCall(EMBEDDINGS, upstream_model, attempt.conversion.body)
            error_format = attempt.conversion.error_format
        else:
            call = EndpointCall(EMBEDDINGS, upstream_model, jsonx.dumps(openai_payload))
            error_format = WireFormat.OPENAI_CHAT
        return await provider.build_endpoint(target, call, service.transport), error_format

    def supports(target: ChannelTarget) -> bool:
        provider = provider_for(target.channel_type)
        return provider.supports_endpoint(verb) or provider.supports_endpoint(EMBEDDINGS)

    try:
        upstream, _target = await open_upstream(service, ctx, build, supports=supports)
    except RelayGateError as error:
        await settle(service, ctx, error=error)
        raise
    except BaseException:
        await settle(service, ctx, error=RelayGateError("request aborted"))
        raise
    try:
        raw = await upstream.read()
        ctx.mark_first_byte()
        answer, usage = _answer(raw, batch, attempt)
    except RelayGateError as error:
        await settle(service, ctx, error=error)
        raise
    finally:
        upstream.close()
    ctx.usage = usage if usage is not None and usage.total_tokens else Usage(prompt_tokens)
    ctx.completed = True
    await settle(service, ctx)
    return Response(answer, status_code=200, media_type="application/json")


def _answer(raw: bytes, batch: bool, attempt: _Attempt) -> tuple[bytes, Usage | None]:
    """The Gemini-shaped answer and the usage the upstream reported (None: count offline)."""
    if attempt.native:
        try:  # a broken body is an upstream error, not a 200 with garbage
            jsonx.loads(raw)
        except ValueError as exc:
            raise UpstreamError("Gemini embeddings: the upstream answer is not JSON") from exc
        return raw, None
    usage: Usage | None = None
    if attempt.conversion is not None:
        converted = attempt.conversion.answer(raw)
        raw, usage = converted.body, converted.usage
    else:
        usage = _openai_usage(raw)
    return openai_embeddings_to_gemini(raw, batch), usage


def _openai_usage(raw: bytes) -> Usage | None:
    try:
        payload: Any = jsonx.loads(raw)
    except ValueError:
        return None
    usage = wire.as_dict(wire.as_dict(payload).get("usage"))
    prompt = wire.opt_int(usage.get("prompt_tokens")) or wire.opt_int(usage.get("total_tokens"))
    return Usage(prompt_tokens=prompt) if prompt else None

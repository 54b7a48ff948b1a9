"""One /v1 call end to end: authenticate, price, reserve, select, send (with retries), relay, settle.

No retry happens after the first byte reached the client; a stream that breaks later ends
with an error event and bills what was seen. Every exit — success, upstream error, client
gone — settles exactly once and queues exactly one log row.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from relaygate.auth.api_keys import ApiCaller, check_model
from relaygate.billing import pricing
from relaygate.billing.ledger import Settlement, consume_row
from relaygate.billing.pricing import Usage
from relaygate.billing.usage import estimate_prompt_tokens
from relaygate.db.models.log import LOG_TYPE_CONSUME, LOG_TYPE_ERROR
from relaygate.errors import (
    BadRequest,
    ModelNotFound,
    RelayGateError,
    UpstreamError,
)
from relaygate.kit import jsonx
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, UpstreamCall
from relaygate.providers.registry import provider_for
from relaygate.providers.transport import UpstreamResponse
from relaygate.relay.context import RelayContext
from relaygate.relay.errors import error_body
from relaygate.relay.output import RelayResponse
from relaygate.relay.passthrough import OpenAIChatStream, usage_from_openai
from relaygate.routing import health, mapping

if TYPE_CHECKING:
    from relaygate.relay.service import RelayService

log = logging.getLogger(__name__)


def parse_chat_body(body: bytes) -> dict[str, Any]:
    """The request JSON as a dict, with a clear 400 for anything malformed."""
    if not body.strip():
        raise BadRequest("request body is empty; expected a JSON object")
    try:
        payload = jsonx.loads(body)
    except ValueError as exc:
        raise BadRequest(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object")
    model = payload.get("model")
    if not isinstance(model, str) or not model.strip():
        raise BadRequest("field 'model' is required", code="missing_model")
    messages = payload.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("field 'messages' must be a non-empty array", code="missing_messages")
    max_tokens = payload.get("max_tokens", payload.get("max_completion_tokens"))
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 0):
        raise BadRequest("field 'max_tokens' must be a non-negative integer")
    return payload


class ChatPipeline:
    """The OpenAI chat completions pipeline (same-format pass-through)."""

    def __init__(self, service: RelayService) -> None:
        self.service = service

    async def handle(self, request: Request, caller: ApiCaller, body: bytes) -> Response:
        payload = parse_chat_body(body)
        model: str = payload["model"]
        stream = bool(payload.get("stream"))
        check_model(caller, model)
        ctx = RelayContext(
            fmt=WireFormat.OPENAI_CHAT,
            caller=caller,
            model=model,
            stream=stream,
            request_id=request.scope.get("request_id", ""),
            path=request.url.path,
        )
        options = self.service.runtime.options.current
        if not self.service.routes_exist(caller, model):
            raise ModelNotFound(
                f"当前分组 {caller.group} 下对于模型 {model} 无可用渠道 (no channel for model {model} in group {caller.group})"
            )
        ctx.price = pricing.price_for(options, model, caller.group)
        ctx.prompt_estimate = estimate_prompt_tokens(body)
        max_tokens = payload.get("max_tokens") or payload.get("max_completion_tokens")
        completion_reserve = (
            max_tokens if isinstance(max_tokens, int) else options.completion_reserve_tokens
        )
        ctx.reserved = pricing.reservation_for(ctx.price, ctx.prompt_estimate, completion_reserve)
        await self.service.quota.reserve(
            user_id=caller.user_id,
            token_id=caller.token_id,
            unlimited=caller.entry.unlimited_quota,
            amount=ctx.reserved,
        )
        try:
            upstream = await self._open_upstream(ctx, payload)
        except RelayGateError as error:
            await self._settle(ctx, error=error)
            raise
        except BaseException:
            await self._settle(ctx, error=RelayGateError("request aborted"))
            raise
        if stream:
            return self._stream_response(ctx, upstream, payload)
        return await self._json_response(ctx, upstream)

    # -- upstream ---------------------------------------------------------------------

    def _upstream_body(
        self, ctx: RelayContext, payload: dict[str, Any], target: ChannelTarget
    ) -> bytes:
        ctx.upstream_model = mapping.resolve(ctx.model, target.model_mapping)
        body = dict(payload)
        body["model"] = ctx.upstream_model
        if ctx.stream:
            options = body.get("stream_options")
            stream_options = dict(options) if isinstance(options, dict) else {}
            stream_options["include_usage"] = True
            body["stream_options"] = stream_options
        for key, value in target.param_override.items():
            body[key] = value
        return jsonx.dumps(body)

    async def _open_upstream(self, ctx: RelayContext, payload: dict[str, Any]) -> UpstreamResponse:
        service = self.service
        retries = 0 if ctx.caller.pinned_channel else service.runtime.options.current.retry_times
        last_error: UpstreamError | None = None
        for _attempt in range(retries + 1):
            target = service.pick_channel(ctx, exclude=ctx.tried)
            if target is None:
                break
            ctx.channel = target
            ctx.tried.append(target.channel_id)
            provider = provider_for(target.channel_type)
            upstream_fmt = provider.target_format(ctx.fmt)
            body = self._upstream_body(ctx, payload, target)
            call = UpstreamCall(upstream_fmt, ctx.upstream_model, body, ctx.stream)
            request = await provider.build_request(target, call, service.transport)
            try:
                response = await service.send(request, target)
                if response.status >= 400:
                    raise await service.upstream_error(response, target)
                return response
            except UpstreamError as error:
                last_error = error
                await service.record_failure(target, error)
                if not health.is_retryable(error):
                    raise
                log.info(
                    "channel %s failed (%s %s); retrying",
                    target.channel_id,
                    error.status,
                    error.message,
                )
        if last_error is not None:
            raise last_error
        raise ModelNotFound(
            f"当前分组 {ctx.caller.group} 下对于模型 {ctx.model} 无可用渠道 (no channel available)"
        )

    # -- client side ------------------------------------------------------------------

    async def _json_response(self, ctx: RelayContext, upstream: UpstreamResponse) -> Response:
        try:
            raw = await upstream.read()
            ctx.mark_first_byte()
            try:
                payload = jsonx.loads(raw)
            except ValueError as exc:
                raise UpstreamError(
                    "upstream returned a body that is not JSON", status_code=502
                ) from exc
            ctx.usage = usage_from_openai(
                payload.get("usage") if isinstance(payload, dict) else None
            )
            ctx.completed = True
        except RelayGateError as error:
            await self._settle(ctx, error=error)
            raise
        await self._settle(ctx)
        return Response(raw, status_code=200, media_type="application/json")

    def _stream_response(
        self, ctx: RelayContext, upstream: UpstreamResponse, payload: dict[str, Any]
    ) -> Response:
        options = payload.get("stream_options")
        forward_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        relay = OpenAIChatStream(forward_usage=forward_usage)

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in upstream.iter_chunks():
                    ctx.mark_first_byte()
                    frames = relay.feed(chunk)
                    if frames:
                        yield frames
                tail = relay.finish()
                if tail:
                    yield tail
                ctx.completed = relay.done or relay.usage is not None
            except RelayGateError as error:
                ctx.error_message = error.message
                yield b"data: " + error_body(ctx.fmt, error) + b"\n\n"

        async def on_close(client_gone: bool) -> None:
            upstream.close()
            ctx.usage = relay.usage
            ctx.estimated_completion_tokens = relay.estimated_completion
            if client_gone and not ctx.completed:
                ctx.error_message = ctx.error_message or "client disconnected"
            await self._settle(ctx)

        return RelayResponse(chunks(), on_close=on_close)

    # -- settlement -------------------------------------------------------------------

    async def _settle(self, ctx: RelayContext, error: RelayGateError | None = None) -> None:
        """Charge what the call cost (refunding the rest) and queue its log row."""
        caller = ctx.caller
        channel_id = ctx.channel.channel_id if ctx.channel else 0
        other: dict[str, Any] = {
            "request_path": ctx.path,
            "admin_info": {"use_channel": [str(c) for c in ctx.tried]},
            "frt": ctx.first_byte_ms,
        }
        if ctx.price is not None:
            other.update(ctx.price.as_log())
        if ctx.upstream_model and ctx.upstream_model != ctx.model:
            other["upstream_model_name"] = ctx.upstream_model
        if len(ctx.tried) > 1:
            other["retries"] = len(ctx.tried) - 1
        usage = ctx.usage
        got_output = ctx.first_byte_ms > 0 and error is None
        if usage is None and got_output and ctx.stream:
            # cut stream: bill the prompt estimate and the text seen so far
            usage = Usage(ctx.prompt_estimate, ctx.estimated_completion_tokens)
            other["usage_estimated"] = True
        if error is not None or usage is None or ctx.price is None:
            row = None
            if ctx.price is not None or error is not None:
                row = consume_row(
                    user_id=caller.user_id,
                    username=caller.entry.username,
                    token_id=caller.token_id,
                    token_name=caller.entry.token_name,
                    channel_id=channel_id,
                    model=ctx.model,
                    quota=0,
                    prompt_tokens=0,
                    completion_tokens=0,
                    use_time=ctx.elapsed_seconds(),
                    is_stream=ctx.stream,
                    group=caller.group,
                    ip=caller.client_ip,
                    request_id=ctx.request_id,
                    content=(error.message if error else ctx.error_message or "no usage")[:1000],
                    other={**other, "status_code": error.status if error else 0},
                    log_type=LOG_TYPE_ERROR,
                )
            await self.service.ledger.submit(
                Settlement(
                    user_id=caller.user_id,
                    token_id=caller.token_id,
                    unlimited=caller.entry.unlimited_quota,
                    channel_id=channel_id,
                    reserved=ctx.reserved,
                    actual=0,
                    log_row=row,
                    counts_request=False,
                )
            )
            return
        quota = pricing.quota_for_usage(usage, ctx.price)
        if ctx.error_message:
            other["error"] = ctx.error_message[:500]
        if usage.cached_tokens:
            other["cache_tokens"] = usage.cached_tokens
        if usage.cache_write_tokens:
            other["cache_creation_tokens"] = usage.cache_write_tokens
        if usage.reasoning_tokens:
            other["reasoning_tokens"] = usage.reasoning_tokens
        options = self.service.runtime.options.current
        row = (
            consume_row(
                user_id=caller.user_id,
                username=caller.entry.username,
                token_id=caller.token_id,
                token_name=caller.entry.token_name,
                channel_id=channel_id,
                model=ctx.model,
                quota=quota,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                use_time=ctx.elapsed_seconds(),
                is_stream=ctx.stream,
                group=caller.group,
                ip=caller.client_ip,
                request_id=ctx.request_id,
                content="",
                other=other,
                log_type=LOG_TYPE_CONSUME,
            )
            if options.log_consume
            else None
        )
        await self.service.ledger.submit(
            Settlement(
                user_id=caller.user_id,
                token_id=caller.token_id,
                unlimited=caller.entry.unlimited_quota,
                channel_id=channel_id,
                reserved=ctx.reserved,
                actual=quota,
                log_row=row,
            )
        )

"""One /v1 call end to end: authenticate, price, reserve, select, send (with retries), relay, settle.

The client's wire format and the channel's may differ: the body is converted through the IR
only when they do (relay/convert.py). No retry happens after the first byte reached the
client; a stream that breaks later ends with an error event in the client's format and bills
what was seen. Every exit — success, upstream error, client gone — settles exactly once and
queues exactly one log row.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from relaygate.auth.api_keys import ApiCaller
from relaygate.billing.usage import estimate_prompt_tokens
from relaygate.errors import RelayGateError, UpstreamError
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport
from relaygate.providers.base import ChannelTarget, UpstreamCall, UpstreamRequest
from relaygate.providers.registry import provider_for
from relaygate.providers.transport import UpstreamResponse
from relaygate.relay.admission import admit, reserve, token_reservation
from relaygate.relay.attempts import open_upstream
from relaygate.relay.context import RelayContext
from relaygate.relay.convert import client_stream, convert_json_response, upstream_body
from relaygate.relay.inbound import Inbound
from relaygate.relay.output import SSE_HEADERS
from relaygate.relay.settle import settle
from relaygate.relay.streaming import stream_response

if TYPE_CHECKING:
    from relaygate.relay.service import RelayService

log = logging.getLogger(__name__)

_PASSED_HEADERS = ("anthropic-version", "anthropic-beta")


class RelayPipeline:
    """The generation pipeline shared by every client format."""

    def __init__(self, service: RelayService) -> None:
        self.service = service

    async def handle(self, request: Request, caller: ApiCaller, inbound: Inbound) -> Response:
        """Relay one parsed client request."""
        service = self.service
        ctx = admit(
            service, request, caller, fmt=inbound.fmt, model=inbound.model, stream=inbound.stream
        )
        options = service.runtime.options.current
        completion = (
            inbound.max_tokens
            if inbound.max_tokens is not None
            else options.completion_reserve_tokens
        )
        await reserve(
            service, ctx, token_reservation(ctx, estimate_prompt_tokens(inbound.body), completion)
        )
        client_headers = {
            name: value for name in _PASSED_HEADERS if (value := request.headers.get(name))
        }
        losses = LossReport()
        formats: dict[int, WireFormat] = {}

        async def build(target: ChannelTarget) -> tuple[UpstreamRequest, WireFormat]:
            provider = provider_for(target.channel_type)
            upstream_fmt = provider.target_format(inbound.fmt, ctx.upstream_model)
            formats[target.channel_id] = upstream_fmt
            attempt_losses = LossReport()
            body, url_model = upstream_body(
                inbound, upstream_fmt, ctx.upstream_model, target, attempt_losses
            )
            call = UpstreamCall(upstream_fmt, url_model, body, ctx.stream, client_headers)
            request = await provider.build_request(target, call, service.transport)
            losses.extend(attempt_losses)
            return request, upstream_fmt

        try:
            upstream, target = await open_upstream(service, ctx, build)
        except RelayGateError as error:
            await settle(service, ctx, losses, error=error)
            raise
        except BaseException:
            await settle(service, ctx, losses, error=RelayGateError("request aborted"))
            raise
        upstream_fmt = formats[target.channel_id]
        headers = [(b"x-relaygate-losses", losses.header_value().encode())] if losses else []
        if inbound.stream:
            return self._stream_response(ctx, inbound, upstream, upstream_fmt, losses, headers)
        return await self._json_response(ctx, inbound, upstream, upstream_fmt, losses, headers)

    # -- client side ------------------------------------------------------------------

    async def _json_response(
        self,
        ctx: RelayContext,
        inbound: Inbound,
        upstream: UpstreamResponse,
        upstream_fmt: WireFormat,
        losses: LossReport,
        headers: list[tuple[bytes, bytes]],
    ) -> Response:
        try:
            raw = await upstream.read()
            ctx.mark_first_byte()
            try:
                body, ctx.usage = convert_json_response(
                    raw, upstream_fmt, inbound.fmt, inbound.model
                )
            except (ValueError, RelayGateError) as exc:
                raise UpstreamError(
                    f"upstream returned a body that could not be read: {exc}", status_code=502
                ) from exc
            ctx.completed = True
        except RelayGateError as error:
            await settle(self.service, ctx, losses, error=error)
            raise
        await settle(self.service, ctx, losses)
        response = Response(body, status_code=200, media_type="application/json")
        for name, value in headers:
            response.headers[name.decode()] = value.decode()
        return response

    def _stream_response(
        self,
        ctx: RelayContext,
        inbound: Inbound,
        upstream: UpstreamResponse,
        upstream_fmt: WireFormat,
        losses: LossReport,
        headers: list[tuple[bytes, bytes]],
    ) -> Response:
        assert ctx.channel is not None
        transform = provider_for(ctx.channel.channel_type).stream_transform(ctx.channel)
        relay = client_stream(inbound, upstream_fmt, transform)
        media = (
            b"application/json"
            if inbound.fmt == WireFormat.GEMINI and not inbound.gemini_sse
            else None
        )
        base = [(k, media) if media and k == b"content-type" else (k, v) for k, v in SSE_HEADERS]
        return stream_response(
            self.service, ctx, upstream, relay, losses=losses, headers=base + headers
        )

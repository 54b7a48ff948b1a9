"""The client side of one upstream stream: frames relayed as they come, settled when it ends.

Shared by every streamed endpoint; what changes per endpoint is only the ``ClientStream``
that turns upstream bytes into client frames (pass-through, sniffing, or converting).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from relaygate.errors import RelayGateError
from relaygate.protocols.losses import LossReport
from relaygate.providers.transport import UpstreamResponse
from relaygate.relay.context import RelayContext
from relaygate.relay.convert import ClientStream
from relaygate.relay.output import SSE_HEADERS, RelayResponse
from relaygate.relay.settle import settle

if TYPE_CHECKING:
    from relaygate.relay.service import RelayService


def stream_response(
    service: RelayService,
    ctx: RelayContext,
    upstream: UpstreamResponse,
    relay: ClientStream,
    *,
    losses: LossReport | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> RelayResponse:
    """Stream ``upstream`` through ``relay``; a break midway ends with an error frame."""

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
            yield relay.fail(error)

    async def on_close(client_gone: bool) -> None:
        upstream.close()
        ctx.usage = relay.usage
        ctx.estimated_completion_tokens = relay.estimated_completion
        if client_gone and not ctx.completed:
            ctx.error_message = ctx.error_message or "client disconnected"
        await settle(service, ctx, losses)

    return RelayResponse(chunks(), headers=headers or list(SSE_HEADERS), on_close=on_close)

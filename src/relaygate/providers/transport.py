"""The only aiohttp user: one pooled ClientSession per process, foreign errors mapped once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from yarl import URL

from relaygate.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from relaygate.providers.base import UpstreamRequest


@dataclass(slots=True)
class UpstreamResponse:
    """An open upstream answer; ``iter_chunks`` streams its body, ``read`` takes it whole."""

    status: int
    headers: dict[str, str]
    _response: aiohttp.ClientResponse
    _idle_timeout: float | None
    channel_id: int

    async def read(self) -> bytes:
        """The whole body (non-stream answers and error bodies)."""
        try:
            return await self._response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout(
                "upstream timed out while sending the body", channel_id=self.channel_id
            ) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(
                f"upstream connection failed: {exc}", channel_id=self.channel_id
            ) from exc
        finally:
            self._response.release()

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        """Body bytes as they arrive; a silence longer than the idle timeout is an error."""
        content = self._response.content
        try:
            while True:
                if self._idle_timeout:
                    chunk = await asyncio.wait_for(content.readany(), self._idle_timeout)
                else:
                    chunk = await content.readany()
                if not chunk:
                    return
                yield chunk
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout(
                "upstream stream went silent", channel_id=self.channel_id
            ) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(
                f"upstream stream broke: {exc}", channel_id=self.channel_id
            ) from exc
        finally:
            self._response.release()

    def close(self) -> None:
        """Drop the connection (used when the client goes away mid-stream)."""
        self._response.close()


@dataclass(slots=True)
class UpstreamSocket:
    """An open upstream websocket: frames in and out as they are, errors in our tree."""

    protocol: str | None
    _socket: aiohttp.ClientWebSocketResponse
    channel_id: int

    async def receive(self) -> str | bytes | None:
        """The next text (str) or binary (bytes) frame; None once the upstream has closed."""
        try:
            message = await self._socket.receive()
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout(
                "upstream websocket went silent", channel_id=self.channel_id
            ) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(
                f"upstream websocket broke: {exc}", channel_id=self.channel_id
            ) from exc
        if message.type is aiohttp.WSMsgType.TEXT:
            return str(message.data)
        if message.type is aiohttp.WSMsgType.BINARY:
            return bytes(message.data)
        return None

    async def send(self, frame: str | bytes) -> None:
        """Send one frame (text for str, binary for bytes)."""
        try:
            if isinstance(frame, str):
                await self._socket.send_str(frame)
            else:
                await self._socket.send_bytes(frame)
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
            raise UpstreamUnavailable(
                f"upstream websocket closed: {exc}", channel_id=self.channel_id
            ) from exc

    @property
    def close_code(self) -> int | None:
        """The code the upstream closed with, once it has."""
        return self._socket.close_code

    async def close(self, code: int = 1000) -> None:
        """Close our side (idempotent)."""
        if not self._socket.closed:
            await self._socket.close(code=code)


class Transport:
    """Sends upstream requests over one shared connection pool."""

    def __init__(self, *, limit: int = 0, connect_timeout: float = 10.0) -> None:
        self._limit = limit
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Create the pooled session (must run inside the event loop)."""
        connector = aiohttp.TCPConnector(
            limit=self._limit, limit_per_host=0, ttl_dns_cache=300, enable_cleanup_closed=True
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=True,
            skip_auto_headers=("User-Agent",),
            timeout=aiohttp.ClientTimeout(total=None),
        )

    async def close(self) -> None:
        """Close the pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self,
        request: UpstreamRequest,
        *,
        channel_id: int,
        first_byte_timeout: float | None,
        idle_timeout: float | None,
    ) -> UpstreamResponse:
        """Send and wait for the status line and headers."""
        if self._session is None:
            raise RuntimeError("transport not started")
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self._connect_timeout, sock_read=first_byte_timeout
        )
        try:
            response = await self._session.request(
                request.method,
                URL(request.url, encoded=True) if request.url_is_encoded else request.url,
                data=request.body,
                headers=dict(request.headers),
                timeout=timeout,
            )
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout("upstream did not answer in time", channel_id=channel_id) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(
                f"cannot reach upstream: {exc}", channel_id=channel_id
            ) from exc
        return UpstreamResponse(
            status=response.status,
            headers={k.lower(): v for k, v in response.headers.items()},
            _response=response,
            _idle_timeout=idle_timeout,
            channel_id=channel_id,
        )

    async def ws_connect(
        self,
        url: str,
        headers: dict[str, str],
        *,
        protocols: tuple[str, ...] = (),
        channel_id: int,
    ) -> UpstreamSocket:
        """Open a websocket (realtime); a refused handshake is an UpstreamError with its status."""
        if self._session is None:
            raise RuntimeError("transport not started")
        try:
            async with asyncio.timeout(self._connect_timeout):
                socket = await self._session.ws_connect(
                    url,
                    headers=headers,
                    protocols=protocols,
                    autoping=True,
                    max_msg_size=0,
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0),
                )
        except aiohttp.WSServerHandshakeError as exc:
            raise UpstreamError(
                f"upstream refused the websocket: HTTP {exc.status} {exc.message}",
                status_code=exc.status if exc.status >= 400 else 502,
                channel_id=channel_id,
                retryable=exc.status >= 500 or exc.status == 429,
            ) from exc
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout(
                "upstream websocket did not open in time", channel_id=channel_id
            ) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnavailable(
                f"cannot reach upstream websocket: {exc}", channel_id=channel_id
            ) from exc
        return UpstreamSocket(protocol=socket.protocol, _socket=socket, channel_id=channel_id)

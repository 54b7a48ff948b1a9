"""A fake OpenAI Realtime websocket (``/v1/realtime``, Azure's ``/openai/realtime``).

It speaks the event sequence clients expect: ``session.created`` on connect,
``session.update`` → ``session.updated``, ``conversation.item.create`` → ``conversation.item.created``,
``input_audio_buffer.append`` (counted), ``response.create`` → ``response.created``,
``response.output_item.added``, ``response.text.delta`` (or, with audio in the modalities,
``response.audio.delta`` base64 chunks and ``response.audio_transcript.delta``), ``response.done``
with ``usage`` (input/output token details, text and audio). A binary frame is echoed reversed.

Usage is a pure function of the session: input text = 5 + words of every text item so far,
input audio = appended audio bytes // 50, output text = words of the reply, output audio =
10 tokens per audio chunk. Knobs ride in ``response.metadata`` (strings, as OpenAI's are):
``mock_id`` (the response id), ``mock_duplicate_done`` ("1": send response.done twice),
``mock_close`` (close the socket with that code after response.done), ``mock_delay_ms``.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import orjson
from aiohttp import WSMsgType, web

REPLY_TEXT = "hello from the realtime mock"
AUDIO_CHUNK = bytes(range(256)) * 3
AUDIO_CHUNKS = 3
AUDIO_TOKENS_PER_CHUNK = 10
KEY_PREFIX = "openai-insecure-api-key."


@dataclass
class RealtimeConnection:
    """One upstream session as the mock saw it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    protocols: list[str]
    key: str
    received: list[Any] = field(default_factory=list)
    """Parsed client events (bytes for binary frames)."""
    raw: list[str | bytes] = field(default_factory=list)
    """Client frames exactly as they arrived."""
    close_code: int | None = None
    closed_by: str = ""
    closed: threading.Event = field(default_factory=threading.Event)


class BackgroundServer:
    """An aiohttp app on a free port in a daemon thread with its own event loop."""

    def __init__(self, build: Callable[[], web.Application], host: str = "127.0.0.1") -> None:
        self._build = build
        self._host = host
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def start(self) -> Self:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, 0))
        sock.listen(256)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def _serve(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(self._build(), shutdown_timeout=1)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.SockSite(runner, sock).start())
        self._ready.set()
        try:
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
        finally:
            sock.close()
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _words(text: Any) -> int:
    return len(text.split()) if isinstance(text, str) else 0


def _item_words(item: Any) -> int:
    if not isinstance(item, dict):
        return 0
    content = item.get("content")
    if not isinstance(content, list):
        return 0
    return sum(_words(part.get("text")) for part in content if isinstance(part, dict))


class MockRealtime(BackgroundServer):
    """The fake realtime upstream; ``connections`` records every session."""

    def __init__(self) -> None:
        super().__init__(self._app)
        self.connections: list[RealtimeConnection] = []
        self._ids = itertools.count(1)

    def reset(self) -> None:
        self.connections.clear()

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/realtime", self._session)
        app.router.add_get("/openai/realtime", self._session)
        return app

    def _key(self, request: web.Request, protocols: list[str]) -> str:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[7:]
        if request.headers.get("api-key"):
            return request.headers["api-key"]
        for item in protocols:
            if item.startswith(KEY_PREFIX):
                return item[len(KEY_PREFIX) :]
        return ""

    async def _session(self, request: web.Request) -> web.StreamResponse:
        protocols = [
            p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p
        ]
        key = self._key(request, protocols)
        if not key or key.startswith("bad"):
            return web.json_response(
                {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}},
                status=401,
            )
        ws = web.WebSocketResponse(protocols=("realtime",), max_msg_size=0)
        await ws.prepare(request)
        conn = RealtimeConnection(
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            protocols=protocols,
            key=key,
        )
        self.connections.append(conn)
        state: dict[str, int] = {"text_words": 0, "audio_bytes": 0}
        session_id = f"sess_mock{next(self._ids)}"
        model = request.query.get("model") or request.query.get("deployment", "")
        await self._send(
            ws, {"type": "session.created", "session": {"id": session_id, "model": model}}
        )
        try:
            async for message in ws:
                if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    conn.raw.append(message.data)
                if message.type is WSMsgType.BINARY:
                    conn.received.append(bytes(message.data))
                    await ws.send_bytes(bytes(message.data)[::-1])
                    continue
                if message.type is not WSMsgType.TEXT:
                    break
                event = orjson.loads(message.data)
                conn.received.append(event)
                closed = await self._handle(ws, event, state)
                if closed:
                    conn.closed_by = "upstream"
                    break
        finally:
            if not conn.closed_by:
                conn.closed_by = "client"
            conn.close_code = ws.close_code
            conn.closed.set()
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: dict[str, Any]) -> None:
        event.setdefault("event_id", f"event_mock{next(self._ids)}")
        await ws.send_str(orjson.dumps(event).decode())

    async def _handle(
        self, ws: web.WebSocketResponse, event: dict[str, Any], state: dict[str, int]
    ) -> bool:
        kind = event.get("type")
        if kind == "session.update":
            await self._send(ws, {"type": "session.updated", "session": event.get("session", {})})
        elif kind == "conversation.item.create":
            item = event.get("item") or {}
            state["text_words"] += _item_words(item)
            await self._send(
                ws, {"type": "conversation.item.created", "item": {"id": "item_mock", **item}}
            )
        elif kind == "input_audio_buffer.append":
            state["audio_bytes"] += len(base64.b64decode(event.get("audio", "")))
        elif kind == "response.create":
            return await self._respond(ws, event.get("response") or {}, state)
        return False

    async def _respond(
        self, ws: web.WebSocketResponse, options: dict[str, Any], state: dict[str, int]
    ) -> bool:
        metadata = options.get("metadata") or {}
        response_id = str(metadata.get("mock_id") or f"resp_mock{next(self._ids)}")
        delay = int(metadata.get("mock_delay_ms") or 0) / 1000
        audio = "audio" in (options.get("modalities") or ["text"])
        await self._send(
            ws,
            {
                "type": "response.created",
                "response": {
                    "id": response_id,
                    "object": "realtime.response",
                    "status": "in_progress",
                },
            },
        )
        words = REPLY_TEXT.split()
        if audio:
            for _ in range(AUDIO_CHUNKS):
                await asyncio.sleep(delay)
                await self._send(
                    ws,
                    {
                        "type": "response.audio.delta",
                        "response_id": response_id,
                        "delta": base64.b64encode(AUDIO_CHUNK).decode(),
                    },
                )
            for word in words:
                await self._send(
                    ws,
                    {
                        "type": "response.audio_transcript.delta",
                        "response_id": response_id,
                        "delta": word + " ",
                    },
                )
        else:
            for word in words:
                await asyncio.sleep(delay)
                await self._send(
                    ws,
                    {
                        "type": "response.text.delta",
                        "response_id": response_id,
                        "delta": word + " ",
                    },
                )
        input_text = 5 + state["text_words"]
        input_audio = state["audio_bytes"] // 50
        output_audio = AUDIO_CHUNKS * AUDIO_TOKENS_PER_CHUNK if audio else 0
        output_text = len(words)
        usage = {
            "total_tokens": input_text + input_audio + output_text + output_audio,
            "input_tokens": input_text + input_audio,
            "output_tokens": output_text + output_audio,
            "input_token_details": {
                "cached_tokens": 0,
                "text_tokens": input_text,
                "audio_tokens": input_audio,
            },
            "output_token_details": {"text_tokens": output_text, "audio_tokens": output_audio},
        }
        done = {
            "type": "response.done",
            "response": {
                "id": response_id,
                "object": "realtime.response",
                "status": "completed",
                "usage": usage,
            },
        }
        await self._send(ws, dict(done))
        if metadata.get("mock_duplicate_done") == "1":
            await self._send(ws, dict(done))
        close = metadata.get("mock_close")
        if close:
            await ws.close(code=int(close))
            return True
        return False

    def wait_closed(self, conn: RealtimeConnection, timeout: float = 5.0) -> bool:
        """Block until ``conn`` has closed."""
        return conn.closed.wait(timeout)

"""A second mock upstream for OpenAI's non-chat endpoints, wire-exact and deterministic.

Completions (JSON and SSE with the usage chunk), embeddings (float and base64), moderations,
images (generations as JSON; edits and variations as multipart read in chunks), speech
(binary audio streamed in chunks), transcriptions and translations (every response_format),
and Jina/Cohere-shaped rerank. Usage is ``5 + words`` of the input, so tests can work out the
exact quota. Requests are recorded without file contents (names and sizes only).
"""

from __future__ import annotations

import asyncio
import base64
import socket
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from python_multipart.multipart import MultipartParser, parse_options_header

SPEECH_CHUNKS = 8
SPEECH_CHUNK_BYTES = 4096


def words(value: Any) -> int:
    """Whitespace-separated words in every string inside ``value``."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, list):
        return sum(words(v) for v in value)
    if isinstance(value, dict):
        return sum(words(v) for v in value.values())
    return 0


def prompt_tokens(value: Any) -> int:
    """The mock's prompt token count for an input value."""
    return 5 + words(value)


def completion_text(prompt: Any) -> str:
    return f"Completed {words(prompt)} words of prompt."


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    json: dict[str, Any] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)


class MediaMock:
    """Runs in its own thread and event loop on a free port."""

    def __init__(self) -> None:
        self.recorded: list[Recorded] = []
        self.fail_next: int | None = None
        app = web.Application(client_max_size=1024**3)
        app.add_routes(
            [
                web.post("/v1/completions", self.completions),
                web.post("/v1/embeddings", self.embeddings),
                web.post("/v1/moderations", self.moderations),
                web.post("/v1/images/generations", self.images),
                web.post("/v1/images/edits", self.images_multipart),
                web.post("/v1/images/variations", self.images_multipart),
                web.post("/v1/audio/speech", self.speech),
                web.post("/v1/audio/transcriptions", self.transcription),
                web.post("/v1/audio/translations", self.transcription),
                web.post("/v1/rerank", self.rerank),
            ]
        )
        self._app = app
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(self._app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self._runner = runner
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def last(self, path: str) -> Recorded:
        return next(r for r in reversed(self.recorded) if r.path == path)

    # -- helpers

    async def _json(self, request: web.Request) -> dict[str, Any]:
        payload = orjson.loads(await request.read())
        self.recorded.append(Recorded(request.path, dict(request.headers), json=payload))
        return payload  # type: ignore[no-any-return]

    def _failure(self) -> web.Response | None:
        if self.fail_next is None:
            return None
        status, self.fail_next = self.fail_next, None
        body = {
            "error": {"message": f"mock failure {status}", "type": "server_error", "code": None}
        }
        return web.json_response(body, status=status)

    async def _multipart(self, request: web.Request) -> Recorded:
        # python-multipart over the whole body: aiohttp's own multipart reader trips over
        # boundaries split across TCP reads now and then (unread_data)
        recorded = Recorded(request.path, dict(request.headers))
        _, options = parse_options_header(request.headers.get("Content-Type", ""))
        state: dict[str, Any] = {"name": "", "file": False, "value": bytearray(), "size": 0}
        header: dict[str, bytes] = {"field": b"", "value": b""}

        def on_header_end() -> None:
            if header["field"].lower() == b"content-disposition":
                _, params = parse_options_header(header["value"])
                state["name"] = params.get(b"name", b"").decode()
                state["file"] = b"filename" in params
            header["field"] = header["value"] = b""

        def on_part_begin() -> None:
            state.update(name="", file=False, value=bytearray(), size=0)

        def on_part_data(data: bytes, start: int, end: int) -> None:
            if state["file"]:
                state["size"] += end - start
            else:
                state["value"] += data[start:end]

        def on_part_end() -> None:
            if state["file"]:
                recorded.files[state["name"]] = state["size"]
            else:
                recorded.fields[state["name"]] = bytes(state["value"]).decode()

        parser = MultipartParser(
            options[b"boundary"],
            {  # type: ignore[arg-type]
                "on_part_begin": on_part_begin,
                "on_header_field": lambda d, a, b: header.__setitem__(
                    "field", header["field"] + d[a:b]
                ),
                "on_header_value": lambda d, a, b: header.__setitem__(
                    "value", header["value"] + d[a:b]
                ),
                "on_header_end": on_header_end,
                "on_part_data": on_part_data,
                "on_part_end": on_part_end,
            },
        )
        async for chunk in request.content.iter_any():
            parser.write(chunk)
        parser.finalize()
        self.recorded.append(recorded)
        return recorded

    # -- endpoints

    async def completions(self, request: web.Request) -> web.StreamResponse:
        payload = await self._json(request)
        if failure := self._failure():
            return failure
        text = completion_text(payload.get("prompt"))
        usage = {
            "prompt_tokens": prompt_tokens(payload.get("prompt")),
            "completion_tokens": len(text.split()),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        base = {
            "id": "cmpl-mock",
            "object": "text_completion",
            "created": 1,
            "model": payload["model"],
        }
        if not payload.get("stream"):
            choice = {"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}
            return web.json_response({**base, "choices": [choice], "usage": usage})
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for piece in text.split(" "):
            choice = {"text": piece + " ", "index": 0, "logprobs": None, "finish_reason": None}
            await response.write(b"data: " + orjson.dumps({**base, "choices": [choice]}) + b"\n\n")
        final = {"text": "", "index": 0, "logprobs": None, "finish_reason": "stop"}
        await response.write(b"data: " + orjson.dumps({**base, "choices": [final]}) + b"\n\n")
        if (payload.get("stream_options") or {}).get("include_usage"):
            await response.write(
                b"data: " + orjson.dumps({**base, "choices": [], "usage": usage}) + b"\n\n"
            )
        await response.write(b"data: [DONE]\n\n")
        return response

    async def embeddings(self, request: web.Request) -> web.Response:
        payload = await self._json(request)
        if failure := self._failure():
            return failure
        inputs = payload["input"] if isinstance(payload["input"], list) else [payload["input"]]
        vector = [0.25, -0.5, 0.125]
        data = []
        for index, _ in enumerate(inputs):
            embedding: Any = vector
            if payload.get("encoding_format") == "base64":
                embedding = base64.b64encode(struct.pack("<3f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        tokens = prompt_tokens(payload["input"])
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": payload["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    async def moderations(self, request: web.Request) -> web.Response:
        payload = await self._json(request)
        result = {
            "flagged": False,
            "categories": {"violence": False},
            "category_scores": {"violence": 0.01},
        }
        return web.json_response(
            {"id": "modr-mock", "model": payload.get("model"), "results": [result]}
        )

    async def images(self, request: web.Request) -> web.Response:
        payload = await self._json(request)
        if failure := self._failure():
            return failure
        count = int(payload.get("n") or 1)
        item = (
            {"b64_json": base64.b64encode(b"png-bytes").decode()}
            if payload.get("response_format") == "b64_json"
            else {"url": "https://images.example/mock.png"}
        )
        return web.json_response({"created": 1, "data": [item] * count})

    async def images_multipart(self, request: web.Request) -> web.Response:
        recorded = await self._multipart(request)
        count = int(recorded.fields.get("n") or 1)
        return web.json_response(
            {"created": 1, "data": [{"url": "https://images.example/edit.png"}] * count}
        )

    async def speech(self, request: web.Request) -> web.StreamResponse:
        await self._json(request)
        if failure := self._failure():
            return failure
        response = web.StreamResponse(headers={"Content-Type": "audio/mpeg"})
        await response.prepare(request)
        for index in range(SPEECH_CHUNKS):
            await response.write(bytes([index % 256]) * SPEECH_CHUNK_BYTES)
            await asyncio.sleep(0.005)
        return response

    async def transcription(self, request: web.Request) -> web.Response:
        recorded = await self._multipart(request)
        text = "hello from the mock transcription"
        response_format = recorded.fields.get("response_format", "json")
        if response_format == "text":
            return web.Response(text=text, content_type="text/plain")
        if response_format == "srt":
            return web.Response(
                text=f"1\n00:00:00,000 --> 00:00:02,000\n{text}\n", content_type="text/plain"
            )
        if response_format == "vtt":
            return web.Response(
                text=f"WEBVTT\n\n00:00.000 --> 00:02.000\n{text}\n", content_type="text/vtt"
            )
        if response_format == "verbose_json":
            return web.json_response(
                {
                    "task": "transcribe",
                    "language": "english",
                    "duration": 2.0,
                    "text": text,
                    "segments": [],
                }
            )
        return web.json_response({"text": text})

    async def rerank(self, request: web.Request) -> web.Response:
        payload = await self._json(request)
        documents = payload["documents"]
        results = [
            {"index": i, "relevance_score": round(1 - i / (len(documents) + 1), 4)}
            for i in range(len(documents))
        ]
        tokens = prompt_tokens([payload["query"], documents])
        return web.json_response(
            {"model": payload["model"], "results": results, "usage": {"total_tokens": tokens}}
        )

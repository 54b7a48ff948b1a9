"""Vendor-shaped media endpoints around ``MediaMock``: one more server, one prefix per vendor.

``MediaMock`` keeps answering OpenAI's own paths; this server adds the vendors' paths and
delegates to its handlers where the vendor speaks OpenAI's shape, so both record into the
same ``recorded`` list. Base URLs: ``{url}/azure``, ``/gemini``, ``/vertex``, ``/volc``,
``/cohere``, ``/jina``, ``/sf``, ``/xinference``.

- Azure: ``/openai/deployments/{d}/{embeddings|images/generations|audio/speech|…}``, needs
  ``api-key`` and ``api-version`` (the deployment is recorded in ``fields["deployment"]``).
- Gemini: ``/v1beta/models/{m}:{batchEmbedContents|embedContent|predict|generateContent}``
  with ``x-goog-api-key``; generateContent answers an image (``responseModalities`` IMAGE) or
  base64 PCM speech (``AUDIO``). Vertex express mode: ``/v1/publishers/google/models/{m}:…``
  with ``?key=``.
- VolcEngine Ark: ``/api/v3/images/generations`` and ``/api/v3/embeddings``.
- Rerank: Cohere ``/v2/rerank`` (``meta.billed_units``), Jina ``/v1/rerank`` (``usage``),
  SiliconFlow ``/v1/rerank`` (``meta.tokens``), Xinference ``/v1/rerank`` (no usage).

``fail_next = (status, vendor)`` makes the next vendor call fail with that vendor's error body.
Token counts stay the media mock's ``5 + words``; embedding vectors are ``[0.25, -0.5, 0.125]``.
"""

from __future__ import annotations

import asyncio
import base64
import socket
import struct
import threading
from typing import Any

import orjson
from aiohttp import web
from tests.support.mock_media import MediaMock, Recorded, prompt_tokens

VECTOR = [0.25, -0.5, 0.125]
PNG = b"\x89PNG\r\n\x1a\nmock-image"
PCM = struct.pack("<8h", 0, 1000, 2000, 1000, 0, -1000, -2000, -1000)
"""Eight 16-bit samples of speech the Gemini mock answers."""

ERROR_BODIES: dict[str, Any] = {
    "gemini": lambda s: {
        "error": {"code": s, "message": f"mock {s}", "status": "INVALID_ARGUMENT"}
    },
    "openai": lambda s: {"error": {"message": f"mock {s}", "type": "invalid_request_error"}},
    "cohere": lambda s: {"message": f"mock {s}"},
}


class MediaVendorMock:
    """Vendor routes in a thread of their own; ``media`` is the wrapped MediaMock."""

    def __init__(self, media: MediaMock | None = None) -> None:
        self.media = media or MediaMock()
        self._own_media = media is None
        self.fail_next: tuple[int, str] | None = None
        m = self.media
        azure = "/azure/openai/deployments/{deployment}"
        app = web.Application(client_max_size=1024**3)
        app.add_routes(
            [
                web.post(azure + "/embeddings", self._azure(m.embeddings)),
                web.post(azure + "/completions", self._azure(m.completions)),
                web.post(azure + "/images/generations", self._azure(m.images)),
                web.post(azure + "/images/edits", self._azure(m.images_multipart)),
                web.post(azure + "/audio/speech", self._azure(m.speech)),
                web.post(azure + "/audio/transcriptions", self._azure(m.transcription)),
                web.post(azure + "/audio/translations", self._azure(m.transcription)),
                web.post("/gemini/v1beta/models/{call}", self.gemini),
                web.post("/vertex/v1/publishers/google/models/{call}", self.vertex),
                web.post("/volc/api/v3/images/generations", self.seedream),
                web.post("/volc/api/v3/embeddings", self._plain(m.embeddings)),
                web.post("/cohere/v2/rerank", self.cohere_rerank),
                web.post("/jina/v1/rerank", self._plain(m.rerank)),
                web.post("/jina/v1/embeddings", self._plain(m.embeddings)),
                web.post("/sf/v1/rerank", self.siliconflow_rerank),
                web.post("/xinference/v1/rerank", self.xinference_rerank),
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

    @property
    def recorded(self) -> list[Recorded]:
        return self.media.recorded

    def last(self, path: str) -> Recorded:
        return self.media.last(path)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(self._app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if self._own_media:
            self.media.stop()

    # -- helpers

    def _failure(self, vendor: str) -> web.Response | None:
        if self.fail_next is None:
            return None
        (status, kind), self.fail_next = self.fail_next, None
        return web.json_response(ERROR_BODIES[kind](status), status=status)

    async def _record(self, request: web.Request) -> dict[str, Any]:
        payload: dict[str, Any] = orjson.loads(await request.read())
        recorded = Recorded(request.path, dict(request.headers), json=payload)
        recorded.fields.update(request.query)
        self.recorded.append(recorded)
        return payload

    def _azure(self, handler: Any) -> Any:
        async def route(request: web.Request) -> web.StreamResponse:
            if not request.headers.get("api-key") or not request.query.get("api-version"):
                return web.json_response(
                    {"error": {"code": "401", "message": "Access denied: missing api-key"}},
                    status=401,
                )
            if failure := self._failure("openai"):
                return failure
            before = len(self.recorded)
            response: web.StreamResponse = await handler(request)
            if len(self.recorded) > before:
                self.recorded[before].fields["deployment"] = request.match_info["deployment"]
                self.recorded[before].fields["api-version"] = request.query["api-version"]
            return response

        return route

    def _plain(self, handler: Any) -> Any:
        async def route(request: web.Request) -> web.StreamResponse:
            if failure := self._failure("openai"):
                return failure
            response: web.StreamResponse = await handler(request)
            return response

        return route

    # -- Google

    async def gemini(self, request: web.Request) -> web.Response:
        if not request.headers.get("x-goog-api-key"):
            return web.json_response(ERROR_BODIES["gemini"](403), status=403)
        return await self._google(request)

    async def vertex(self, request: web.Request) -> web.Response:
        if not request.query.get("key"):
            return web.json_response(ERROR_BODIES["gemini"](401), status=401)
        return await self._google(request, vertex=True)

    async def _google(self, request: web.Request, *, vertex: bool = False) -> web.Response:
        model, _, verb = request.match_info["call"].partition(":")
        payload = await self._record(request)
        if failure := self._failure("gemini"):
            return failure
        if verb == "batchEmbedContents":
            requests = payload["requests"]
            if any(r.get("model") != f"models/{model}" for r in requests):
                return web.json_response(ERROR_BODIES["gemini"](400), status=400)
            values = [{"values": VECTOR[: r.get("outputDimensionality") or 3]} for r in requests]
            return web.json_response({"embeddings": values})
        if verb == "embedContent":
            return web.json_response({"embedding": {"values": VECTOR}})
        if verb == "predict" and vertex and model.startswith(("text-embedding", "gemini-embed")):
            predictions = [
                {
                    "embeddings": {
                        "values": VECTOR,
                        "statistics": {"token_count": prompt_tokens(i["content"])},
                    }
                }
                for i in payload["instances"]
            ]
            return web.json_response({"predictions": predictions})
        if verb == "predict":
            count = int(payload["parameters"].get("sampleCount") or 1)
            image = {"bytesBase64Encoded": base64.b64encode(PNG).decode(), "mimeType": "image/png"}
            return web.json_response({"predictions": [image] * count})
        if verb == "generateContent":
            modalities = payload.get("generationConfig", {}).get("responseModalities", [])
            if modalities == ["AUDIO"]:
                data = {"mimeType": "audio/L16;codec=pcm;rate=24000", "data": _b64(PCM)}
                parts: list[dict[str, Any]] = [{"inlineData": data}]
            else:
                parts = [
                    {"text": "Here is your image."},
                    {"inlineData": {"mimeType": "image/png", "data": _b64(PNG)}},
                ]
            return web.json_response(
                {
                    "candidates": [
                        {"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}
                    ],
                    "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7},
                }
            )
        return web.json_response(ERROR_BODIES["gemini"](404), status=404)

    # -- VolcEngine

    async def seedream(self, request: web.Request) -> web.Response:
        payload = await self._record(request)
        if failure := self._failure("openai"):
            return failure
        count = 1
        images = payload.get("image")
        item = {"url": "https://ark.example/seedream.png", "size": payload.get("size", "2K")}
        return web.json_response(
            {
                "model": payload["model"],
                "created": 1,
                "data": [item] * count,
                "usage": {"generated_images": count, "output_tokens": 4096, "total_tokens": 4096},
                "edited": bool(images),
            }
        )

    # -- rerank

    async def cohere_rerank(self, request: web.Request) -> web.Response:
        payload = await self._record(request)
        if failure := self._failure("cohere"):
            return failure
        results = _scores(payload["documents"])[: payload.get("top_n") or None]
        tokens = prompt_tokens([payload["query"], payload["documents"]])
        return web.json_response(
            {
                "id": "rr-mock",
                "results": results,
                "meta": {"api_version": {"version": "2"}, "billed_units": {"input_tokens": tokens}},
            }
        )

    async def siliconflow_rerank(self, request: web.Request) -> web.Response:
        payload = await self._record(request)
        if failure := self._failure("openai"):
            return failure
        tokens = prompt_tokens([payload["query"], payload["documents"]])
        return web.json_response(
            {
                "id": "sf-mock",
                "results": _scores(payload["documents"]),
                "meta": {"billed_units": {"search_units": 0}, "tokens": {"input_tokens": tokens}},
            }
        )

    async def xinference_rerank(self, request: web.Request) -> web.Response:
        payload = await self._record(request)
        if failure := self._failure("openai"):
            return failure
        results = [{**r, "document": None} for r in _scores(payload["documents"])]
        return web.json_response({"id": "xin-mock", "results": results, "meta": {}})


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _scores(documents: list[Any]) -> list[dict[str, Any]]:
    return [
        {"index": i, "relevance_score": round(1 - i / (len(documents) + 1), 4)}
        for i in range(len(documents))
    ]


def main() -> None:
    """Serve both mocks until stdin closes (bench/embeddings.py runs this in its own process)."""
    import sys

    server = MediaVendorMock()
    sys.stdout.write(f"{server.media.url} {server.url}\n")
    sys.stdout.flush()
    try:
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()

"""Serves the built console (web/dist): hashed assets with long cache, index.html for every other page."""

from __future__ import annotations

import gzip
import mimetypes
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

_RESERVED = ("/api", "/v1", "/v1beta", "/pg", "/mj", "/suno", "/dashboard")
_NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>relaygate</title></head>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto">
<h1>relaygate is running</h1>
<p>The API is served at <code>/api</code> and <code>/v1</code>. The web console is not built yet:
run <code>make web</code> (or <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>) and reload.</p>
<p>First run? Create the root user with <code>POST /api/setup</code>.</p></body></html>"""


class Console:
    """ASGI-level fallback for paths no router claimed."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist.resolve()

    def built(self) -> bool:
        """Whether web/dist has an index.html."""
        return (self.dist / "index.html").is_file()

    async def serve(self, request: Request) -> Response:
        """A static file, index.html for client-side routes, or the how-to-build page."""
        path = request.url.path
        if path.startswith(_RESERVED) and not path.startswith("/api-docs"):
            return Response(status_code=404)
        if not self.built():
            return HTMLResponse(_NOT_BUILT)
        candidate = (self.dist / path.lstrip("/")).resolve()
        if candidate.is_file() and candidate.is_relative_to(self.dist):
            return self._file(request, candidate)
        return FileResponse(self.dist / "index.html", headers={"Cache-Control": "no-cache"})

    def _file(self, request: Request, file: Path) -> Response:
        hashed = "/assets/" in request.url.path
        headers = {"Cache-Control": "public, max-age=31536000, immutable" if hashed else "no-cache"}
        accepts_gzip = "gzip" in request.headers.get("accept-encoding", "")
        compressed = file.with_name(file.name + ".gz")
        media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if accepts_gzip and compressed.is_file():
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
            return FileResponse(compressed, media_type=media_type, headers=headers)
        if accepts_gzip and media_type.startswith(("text/", "application/javascript")):
            body = gzip.compress(file.read_bytes(), 6)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
            return Response(body, media_type=media_type, headers=headers)
        return FileResponse(file, media_type=media_type, headers=headers)

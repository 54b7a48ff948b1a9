"""Multipart uploads (image edits, audio transcription) spooled to disk as they arrive.

The client's body is parsed while it streams in: small text fields are kept, every file part
goes to its own temporary file. The upstream gets a freshly encoded multipart body streamed
from those files, so a 100 MB upload is never held in memory (and a retry can resend it).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import struct
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from relaygate.errors import BadRequest

_FIELD_LIMIT = 64 * 1024
_CHUNK = 64 * 1024


@dataclass(slots=True)
class FilePart:
    """One uploaded file, on disk."""

    name: str
    filename: str
    content_type: str
    handle: IO[bytes]
    size: int = 0


@dataclass(slots=True)
class Upload:
    """A parsed multipart request: its text fields and its files."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)

    def close(self) -> None:
        """Delete the temporary files."""
        for part in self.files:
            part.handle.close()

    def encode(self, overrides: Mapping[str, str]) -> tuple[str, AsyncIterator[bytes]]:
        """A content type and a body stream with ``overrides`` replacing text fields."""
        boundary = "relaygate" + secrets.token_hex(12)
        fields = {**self.fields, **overrides}

        async def body() -> AsyncIterator[bytes]:
            for name, value in fields.items():
                yield (
                    (
                        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    ).encode()
                    + value.encode()
                    + b"\r\n"
                )
            for part in self.files:
                yield (
                    f"--{boundary}\r\nContent-Disposition: form-data; "
                    f'name="{part.name}"; filename="{part.filename}"\r\n'
                    f"Content-Type: {part.content_type}\r\n\r\n"
                ).encode()
                part.handle.seek(0)
                while True:
                    chunk = await asyncio.to_thread(part.handle.read, _CHUNK)
                    if not chunk:
                        break
                    yield chunk
                yield b"\r\n"
            yield f"--{boundary}--\r\n".encode()

        return f"multipart/form-data; boundary={boundary}", body()


class _Collector:
    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.header_name = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.current_file: FilePart | None = None
        self.field_name = ""
        self.field_value = bytearray()

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda d, s, e: self._append("header_name", d[s:e]),
            "on_header_value": lambda d, s, e: self._append("header_value", d[s:e]),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def _append(self, attr: str, data: bytes) -> None:
        setattr(self, attr, getattr(self, attr) + data)

    def part_begin(self) -> None:
        self.headers = {}
        self.current_file = None
        self.field_name = ""
        self.field_value = bytearray()

    def header_end(self) -> None:
        self.headers[self.header_name.lower()] = self.header_value
        self.header_name = b""
        self.header_value = b""

    def headers_finished(self) -> None:
        disposition, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        if disposition != b"form-data":
            raise BadRequest("multipart part without form-data disposition")
        name = options.get(b"name", b"").decode()
        filename = options.get(b"filename")
        if filename is not None:
            content_type = self.headers.get(b"content-type", b"application/octet-stream").decode()
            handle = tempfile.TemporaryFile(prefix="relaygate-upload-")  # noqa: SIM115
            self.current_file = FilePart(name, filename.decode(), content_type, handle)
            self.upload.files.append(self.current_file)
        else:
            self.field_name = name

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.current_file is not None:
            self.current_file.handle.write(data[start:end])
            self.current_file.size += end - start
            return
        self.field_value += data[start:end]
        if len(self.field_value) > _FIELD_LIMIT:
            raise BadRequest(f"form field {self.field_name!r} is too large")

    def part_end(self) -> None:
        if self.current_file is None and self.field_name:
            self.upload.fields[self.field_name] = self.field_value.decode(errors="replace")


async def receive_upload(request: Request) -> Upload:
    """Parse the client's multipart body while it arrives; BadRequest when it is not multipart."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise BadRequest("expected a multipart/form-data body", code="invalid_content_type")
    upload = Upload()
    collector = _Collector(upload)
    parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except BaseException:
        upload.close()
        raise
    return upload


def audio_seconds(part: FilePart) -> float:
    """Duration of an uploaded audio file: exact for WAV, from the bitrate of the first MP3
    frame, else estimated at 128 kbit/s (offline; no decoder needed)."""
    part.handle.seek(0)
    head = part.handle.read(4096)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        position = 12
        byte_rate = 0
        while position + 8 <= len(head):
            chunk_id, chunk_size = (
                head[position : position + 4],
                struct.unpack_from("<I", head, position + 4)[0],
            )
            if chunk_id == b"fmt ":
                byte_rate = struct.unpack_from("<I", head, position + 16)[0]
            if chunk_id == b"data" and byte_rate:
                data_size = min(int(chunk_size), part.size - position - 8)
                return float(data_size) / int(byte_rate)
            position += 8 + chunk_size + (chunk_size & 1)
    bitrate = _mp3_bitrate(head) or 128_000
    return part.size * 8 / bitrate


_MP3_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0)


def _mp3_bitrate(head: bytes) -> int:
    start = 0
    if head[:3] == b"ID3" and len(head) >= 10:
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        start = 10 + size
        if start + 4 > len(head):
            return 0
    frame = head[start : start + 4]
    if len(frame) == 4 and frame[0] == 0xFF and (frame[1] & 0xE0) == 0xE0:
        index = frame[2] >> 4
        return _MP3_BITRATES[index] * 1000
    return 0


def file_size(part: FilePart) -> int:
    """Bytes on disk for a part."""
    return os.fstat(part.handle.fileno()).st_size

"""SSE parsing at odd boundaries and OpenAI usage sniffing/stripping."""

from __future__ import annotations

from relaygate.kit import jsonx
from relaygate.kit.sse import SSEParser
from relaygate.relay.passthrough import OpenAIChatStream

CHUNKS = [
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}],
        "usage": None,
    },
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": "Hello there"}}],
        "usage": None,
    },
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        "usage": None,
    },
    {
        "id": "c",
        "object": "chat.completion.chunk",
        "choices": [],
        "usage": {
            "prompt_tokens": 7,
            "completion_tokens": 2,
            "total_tokens": 9,
            "prompt_tokens_details": {"cached_tokens": 3},
        },
    },
]


def _wire() -> bytes:
    return b"".join(b"data: " + jsonx.dumps(c) + b"\n\n" for c in CHUNKS) + b"data: [DONE]\n\n"


def _feed_split(stream: OpenAIChatStream, data: bytes, step: int) -> bytes:
    out = b"".join(stream.feed(data[i : i + step]) for i in range(0, len(data), step))
    return out + stream.finish()


def test_parser_handles_any_split_and_crlf() -> None:
    data = b'event: a\r\ndata: {"x":1}\r\n\r\n: comment\n\ndata: two\ndata: lines\n\n'
    for step in (1, 2, 3, 7, len(data)):
        parser = SSEParser()
        events = [e for i in range(0, len(data), step) for e in parser.feed(data[i : i + step])]
        assert [(e.event, e.data) for e in events] == [("a", b'{"x":1}'), (None, b"two\nlines")]


def test_usage_chunk_stripped_when_client_did_not_ask() -> None:
    for step in (1, 5, 64, 10_000):
        stream = OpenAIChatStream(forward_usage=False)
        out = _feed_split(stream, _wire(), step)
        frames = [f for f in out.split(b"\n\n") if f]
        assert frames[-1] == b"data: [DONE]"
        assert len(frames) == 4  # three content chunks + DONE, usage chunk dropped
        assert stream.usage is not None
        assert (
            stream.usage.prompt_tokens,
            stream.usage.completion_tokens,
            stream.usage.cached_tokens,
        ) == (7, 2, 3)
        assert stream.done


def test_usage_chunk_forwarded_when_client_asked() -> None:
    stream = OpenAIChatStream(forward_usage=True)
    out = _feed_split(stream, _wire(), 13)
    frames = [f for f in out.split(b"\n\n") if f]
    assert len(frames) == 5
    assert jsonx.loads(frames[3][6:])["usage"]["total_tokens"] == 9


def test_cut_stream_estimates_completion_from_text_seen() -> None:
    stream = OpenAIChatStream(forward_usage=False)
    wire = _wire()
    cut = wire[: wire.index(b"finish_reason")]
    stream.feed(cut)
    assert stream.usage is None
    assert stream.estimated_completion >= 2  # "Hello there" ≈ 3 tokens
    assert not stream.done

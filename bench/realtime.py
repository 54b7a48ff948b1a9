"""Realtime frame relay latency: per-frame round trip through relaygate vs straight to the mock.

Starts the mock realtime upstream (tests/support/mock_realtime.py) and a real gateway process
(SQLite), adds a channel, user and token through /api, then sends ``--frames`` frames one at a
time on one websocket and times each round trip, directly and through the gateway:

- binary: a 64-byte binary frame the mock echoes (the relay's plain pass-through path);
- event: a ``conversation.item.create`` text frame answered by ``conversation.item.created``
  (the path that sniffs for ``response.*`` markers on each frame).

It prints p50 / p90 / p99 in microseconds and the p50 the relay adds. No timing is asserted.

    .venv/bin/python bench/realtime.py --frames 2000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.support.gateway import Gateway  # noqa: E402
from tests.support.mock_realtime import MockRealtime  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from relaygate.kit import jsonx  # noqa: E402

MODEL = "bench-realtime"
ITEM = jsonx.dumps_str(
    {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "hi"}],
        },
    }
)


def _ok(answer: object) -> object:
    body = answer.json()  # type: ignore[attr-defined]
    assert body["success"], body
    return body.get("data")


def setup(gateway: Gateway, upstream_url: str) -> str:
    """Channel, priced model, user and unlimited token; returns the client key."""
    root = gateway.root
    _ok(
        root.client.put(
            "/api/option/", json={"key": "ModelRatio", "value": jsonx.dumps_str({MODEL: 1})}
        )
    )
    channel = {
        "type": 1,
        "name": "bench-rt",
        "key": "bench-upstream-key",
        "base_url": upstream_url,
        "models": MODEL,
        "group": "default",
    }
    _ok(root.client.post("/api/channel/", json={"mode": "single", "channel": channel}))
    created = _ok(
        root.client.post(
            "/api/token/",
            json={"name": "bench", "remain_quota": 0, "unlimited_quota": True, "expired_time": -1},
        )
    )
    return "sk-" + created["key"]  # type: ignore[index]


async def measure(url: str, headers: dict[str, str], frames: int, kind: str) -> list[float]:
    """Round trips in microseconds, after a short warm-up."""
    timings: list[float] = []
    async with connect(url, additional_headers=headers, max_size=None) as ws:
        await ws.recv()  # session.created
        for index in range(frames + 100):
            start = time.perf_counter()
            if kind == "binary":
                await ws.send(b"x" * 64)
                await ws.recv()
            else:
                await ws.send(ITEM)
                await ws.recv()
            if index >= 100:
                timings.append((time.perf_counter() - start) * 1e6)
    return timings


def report(label: str, timings: list[float]) -> float:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p90 = ordered[int(len(ordered) * 0.9)]
    p99 = ordered[int(len(ordered) * 0.99)]
    print(f"{label:<24} p50 {p50:8.0f} µs   p90 {p90:8.0f} µs   p99 {p99:8.0f} µs")
    return p50


async def run(frames: int, gateway: Gateway, upstream: MockRealtime, key: str) -> None:
    direct_url = upstream.url.replace("http://", "ws://") + f"/v1/realtime?model={MODEL}"
    relay_url = gateway.url.replace("http://", "ws://") + f"/v1/realtime?model={MODEL}"
    for kind in ("binary", "event"):
        direct = report(
            f"direct {kind}",
            await measure(direct_url, {"Authorization": "Bearer bench"}, frames, kind),
        )
        relayed = report(
            f"relay {kind}",
            await measure(relay_url, {"Authorization": f"Bearer {key}"}, frames, kind),
        )
        print(f"{'added by relay':<24} p50 {relayed - direct:8.0f} µs\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=2000)
    args = parser.parse_args()
    with MockRealtime() as upstream, Gateway(env={"LOG_FLUSH_INTERVAL": "0.05"}) as gateway:
        key = setup(gateway, upstream.url)
        asyncio.run(run(args.frames, gateway, upstream, key))


if __name__ == "__main__":
    main()

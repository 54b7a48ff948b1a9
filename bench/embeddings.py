"""Embeddings req/s: straight to the mock vs through relaygate, pass-through and converted.

A real gateway process (SQLite, pinned to core 0) and the media mocks
(tests/support/mock_media_vendors.py, own process on core 1, with this load generator) serve:

- direct: OpenAI ``/v1/embeddings`` on the mock;
- relay openai: the same call through an OpenAI channel (body forwarded, usage sniffed);
- relay gemini: OpenAI embeddings through a Gemini channel (→ ``batchEmbedContents`` and back,
  tokens counted offline with cl100k);
- relay gemini-in: a Gemini client's ``batchEmbedContents`` through the Gemini channel.

Each case runs ``--seconds`` at ``--concurrency`` in flight after a warm-up; figures are printed
and written to bench/results/embeddings.json. No figure is asserted.

    .venv/bin/python bench/embeddings.py [--seconds 10] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

import aiohttp  # noqa: E402
from tests.support.gateway import Gateway  # noqa: E402

from relaygate.kit import jsonx  # noqa: E402

OPENAI_MODEL = "bench-embed"
GEMINI_MODEL = "bench-gemini-embed"
INPUT = ["The quick brown fox jumps over the lazy dog.", "Embeddings through a relay, benchmarked."]


def _ok(answer: object) -> object:
    body = answer.json()  # type: ignore[attr-defined]
    assert body["success"], body
    return body.get("data")


def setup(gateway: Gateway, media_url: str, vendors_url: str) -> str:
    root = gateway.root
    ratios = jsonx.dumps_str({OPENAI_MODEL: 1, GEMINI_MODEL: 1})
    _ok(root.client.put("/api/option/", json={"key": "ModelRatio", "value": ratios}))
    for kind, base, model in (
        (1, media_url, OPENAI_MODEL),
        (24, vendors_url + "/gemini", GEMINI_MODEL),
    ):
        channel = {
            "type": kind,
            "name": f"bench-{model}",
            "key": "bench-upstream-key",
            "base_url": base,
            "models": model,
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


async def rate(
    url: str, body: bytes, headers: dict[str, str], concurrency: int, seconds: float
) -> float:
    """Completed 200s per second."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def burst(until: float) -> int:
            done = 0
            while time.monotonic() < until:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"{url}: HTTP {resp.status}")
                    done += 1
            return done

        warm = time.monotonic() + 1.0
        await asyncio.gather(*(burst(warm) for _ in range(concurrency)))
        start = time.monotonic()
        counts = await asyncio.gather(*(burst(start + seconds) for _ in range(concurrency)))
        return sum(counts) / (time.monotonic() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    mock = subprocess.Popen(
        [sys.executable, "-m", "tests.support.mock_media_vendors"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    two_cores = (os.cpu_count() or 1) > 1
    try:
        assert mock.stdout is not None
        media_url, vendors_url = mock.stdout.readline().split()
        if two_cores:
            os.sched_setaffinity(mock.pid, {1})
            os.sched_setaffinity(0, {1})
        with Gateway(env={"LOG_FLUSH_INTERVAL": "0.2"}) as gateway:
            if two_cores and gateway.process is not None:
                os.sched_setaffinity(gateway.process.pid, {0})
            key = setup(gateway, media_url, vendors_url)
            relay = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            openai_body = jsonx.dumps({"model": OPENAI_MODEL, "input": INPUT})
            gemini_body = jsonx.dumps({"model": GEMINI_MODEL, "input": INPUT})
            batch = jsonx.dumps(
                {
                    "requests": [
                        {"model": f"models/{GEMINI_MODEL}", "content": {"parts": [{"text": t}]}}
                        for t in INPUT
                    ]
                }
            )
            cases = [
                (
                    "direct",
                    f"{media_url}/v1/embeddings",
                    openai_body,
                    {"Authorization": "Bearer x"},
                ),
                ("relay openai", f"{gateway.url}/v1/embeddings", openai_body, relay),
                ("relay gemini", f"{gateway.url}/v1/embeddings", gemini_body, relay),
                (
                    "relay gemini-in",
                    f"{gateway.url}/v1beta/models/{GEMINI_MODEL}:batchEmbedContents",
                    batch,
                    {"x-goog-api-key": key, "Content-Type": "application/json"},
                ),
            ]
            figures: dict[str, float] = {}
            for name, url, body, headers in cases:
                figures[name] = asyncio.run(
                    rate(url, body, headers, args.concurrency, args.seconds)
                )
                print(f"{name:<18} {figures[name]:9.0f} req/s   c={args.concurrency}", flush=True)
            direct = figures["direct"]
            for name in list(figures)[1:]:
                print(f"{name:<18} {figures[name] / direct:9.2f} × direct")
    finally:
        if mock.stdin is not None:
            mock.stdin.close()
        mock.wait(timeout=30)
    out = ROOT / "bench" / "results" / "embeddings.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(
        jsonx.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "concurrency": args.concurrency,
                "seconds": args.seconds,
                "req_per_s": figures,
            }
        )
    )


if __name__ == "__main__":
    main()

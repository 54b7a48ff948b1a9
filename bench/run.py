"""relaygate vs a direct call to the mock upstream, on the same machine in one run.

The gateway runs on core 0 (one worker, full path: auth, reservation, settlement, log);
the mock upstream and the load generators share core 1. Every figure is measured against
both targets and printed with the difference or ratio; results go to bench/results/.

    .venv/bin/python bench/run.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx

from relaygate.kit import jsonx

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(sys.executable).parent
MODEL = "mock-chat"
TTFB_MODEL = "mock-chunks20-delay5"
CHUNKS_MODEL = "mock-chunks{n}-words{n}"
CONVERTED_MODEL = "conv-chunks{n}-words{n}"
"""Served by an Anthropic-type channel: OpenAI chat client → Claude stream, converted."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(core: int, command: list[str]) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(core), *command]
    return command


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Target:
    name: str
    url: str
    key: str

    @property
    def chat(self) -> str:
        return self.url + "/v1/chat/completions"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}


@dataclass
class Results:
    figures: dict[str, dict[str, float]] = field(default_factory=dict)

    def put(self, metric: str, target: str, value: float) -> None:
        self.figures.setdefault(metric, {})[target] = value


def body(model: str = MODEL, stream: bool = False) -> bytes:
    # The mock reads its knobs (chunk count, delay) from tokens in the model name.
    return jsonx.dumps(
        {
            "model": model,
            "messages": [{"role": "user", "content": "hello, benchmark"}],
            "max_tokens": 4096,
            "stream": stream,
        }
    )


async def latency(target: Target, count: int) -> list[float]:
    samples: list[float] = []
    payload = body()
    async with aiohttp.ClientSession() as session:
        for i in range(count + 20):
            start = time.perf_counter()
            async with session.post(target.chat, data=payload, headers=target.headers()) as resp:
                await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"{target.name}: HTTP {resp.status}")
            if i >= 20:  # warm-up excluded
                samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


async def throughput_python(target: Target, concurrency: int, seconds: float) -> float:
    payload = body()
    done = 0
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                async with session.post(
                    target.chat, data=payload, headers=target.headers()
                ) as resp:
                    await resp.read()
                    if resp.status == 200:
                        done += 1

        start = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.monotonic() - start)


def throughput_wrk(target: Target, concurrency: int, seconds: int, workdir: Path) -> float:
    script = workdir / f"post-{target.name}.lua"
    headers = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in target.headers().items())
    script.write_text(f'wrk.method = "POST"\nwrk.body = [[{body().decode()}]]\n{headers}')
    out = subprocess.run(
        pinned(
            1, ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "-s", str(script), target.chat]
        ),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{target.name}: {errors.group(1)} failed responses under load")
    return float(match.group(1)) if match else 0.0


async def stream_ttfb(target: Target, streams: int, rounds: int) -> list[float]:
    payload = body(TTFB_MODEL, stream=True)
    samples: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=streams)) as session:

        async def one() -> float:
            start = time.perf_counter()
            async with session.post(target.chat, data=payload, headers=target.headers()) as resp:
                first = 0.0
                async for chunk in resp.content.iter_any():
                    if not first and b"data:" in chunk:
                        first = (time.perf_counter() - start) * 1000
                return first

        for _ in range(rounds):
            samples.extend(await asyncio.gather(*(one() for _ in range(streams))))
    return samples


async def stream_chunks(
    target: Target, streams: int, chunks: int, model: str = CHUNKS_MODEL
) -> int:
    payload = body(model.format(n=chunks), stream=True)
    seen = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=streams)) as session:

        async def one() -> int:
            count = 0
            async with session.post(target.chat, data=payload, headers=target.headers()) as resp:
                async for line in resp.content:
                    if line.startswith(b"data:"):
                        count += 1
            return count

        for count in await asyncio.gather(*(one() for _ in range(streams))):
            seen += count
    return seen


def setup_gateway(url: str, mock_url: str, models: list[str], claude_models: list[str]) -> str:
    with httpx.Client(base_url=url, timeout=30) as client:
        client.post(
            "/api/setup",
            json={
                "username": "root",
                "password": "benchpass123",
                "confirmPassword": "benchpass123",
            },
        )
        login = client.post(
            "/api/user/login", json={"username": "root", "password": "benchpass123"}
        ).json()
        user_id = login["data"]["id"]
        headers = {"New-Api-User": str(user_id)}
        client.put(
            "/api/option/",
            json={
                "key": "ModelRatio",
                "value": jsonx.dumps_str(dict.fromkeys(models + claude_models, 1)),
            },
            headers=headers,
        ).raise_for_status()
        client.post(
            "/api/channel/",
            json={
                "mode": "single",
                "channel": {
                    "type": 1,
                    "name": "mock",
                    "key": "mock-key",
                    "base_url": mock_url,
                    "models": ",".join(models),
                    "group": "default",
                },
            },
            headers=headers,
        ).raise_for_status()
        client.post(
            "/api/channel/",
            json={
                "mode": "single",
                "channel": {
                    "type": 14,
                    "name": "mock-claude",
                    "key": "mock-key",
                    "base_url": mock_url,
                    "models": ",".join(claude_models),
                    "group": "default",
                },
            },
            headers=headers,
        ).raise_for_status()
        client.post(
            "/api/user/manage",
            json={"id": user_id, "action": "add_quota", "mode": "override", "value": 10**13},
            headers=headers,
        )
        created = client.post(
            "/api/token/",
            json={
                "name": "bench",
                "remain_quota": 10**12,
                "unlimited_quota": False,
                "expired_time": -1,
            },
            headers=headers,
        ).json()
        key = created.get("data")
        if not isinstance(key, str):
            tokens = client.get("/api/token/", headers=headers).json()["data"]["items"]
            key = client.post(f"/api/token/{tokens[0]['id']}/key", headers=headers).json()["data"][
                "key"
            ]
        return key if key.startswith("sk-") else f"sk-{key}"


def table(results: Results, rows: list[tuple[str, str, str]]) -> str:
    lines = [f"{'metric':<34}{'direct':>12}{'relaygate':>12}{'added/ratio':>14}   goal"]
    for metric, kind, goal in rows:
        fig = results.figures.get(metric, {})
        direct, gateway = fig.get("direct", float("nan")), fig.get("relaygate", float("nan"))
        if kind == "added":
            extra = f"+{gateway - direct:.2f}"
        elif kind == "ratio":
            extra = f"{gateway / direct:.2f}x" if direct else "-"
        else:
            extra = ""
        lines.append(f"{metric:<34}{direct:>12.2f}{gateway:>12.2f}{extra:>14}   {goal}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--quick", action="store_true", help="shorter runs (smoke test of the bench)"
    )
    args = parser.parse_args()
    seconds = 3 if args.quick else 10
    work = Path(tempfile.mkdtemp(prefix="relaygate-bench-"))
    mock_port, gateway_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    mock = subprocess.Popen(
        pinned(1, [PYTHON, "-m", "tests.support.mock_upstream", "--port", str(mock_port)]),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    gateway_env = {
        **env,
        "SQLITE_PATH": str(work / "bench.db"),
        "SESSION_SECRET": "bench-secret-bench-secret-bench-secret",
        "DATA_DIR": str(work),
        "SYNC_FREQUENCY": "3600",
    }
    gateway = subprocess.Popen(
        pinned(0, [str(BIN / "relaygate"), "serve", "--port", str(gateway_port)]),
        cwd=work,
        env=gateway_env,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "gateway.log", "wb"),  # noqa: SIM115
    )
    results = Results()
    try:
        mock_url = f"http://127.0.0.1:{mock_port}"
        gateway_url = f"http://127.0.0.1:{gateway_port}"
        wait_http(mock_url + "/v1/models")
        wait_http(gateway_url + "/api/status")
        chunk_count = 500 if args.quick else 2000
        models = [MODEL, TTFB_MODEL, CHUNKS_MODEL.format(n=chunk_count)]
        converted = CONVERTED_MODEL.format(n=chunk_count)
        key = setup_gateway(gateway_url, mock_url, models, [converted])
        targets = [Target("direct", mock_url, "mock-key"), Target("relaygate", gateway_url, key)]
        time.sleep(1)
        results.put("RSS at rest (MiB)", "relaygate", rss_mib(gateway.pid))
        results.put("RSS at rest (MiB)", "direct", rss_mib(mock.pid))
        for target in targets:
            samples = asyncio.run(latency(target, 200 if args.quick else 1000))
            results.put("latency c=1 p50 (ms)", target.name, statistics.median(samples))
            results.put("latency c=1 p99 (ms)", target.name, percentile(samples, 99))
        use_wrk = shutil.which("wrk") is not None
        for concurrency in (32, 128):
            for target in targets:
                if use_wrk:
                    rps = throughput_wrk(target, concurrency, seconds, work)
                else:
                    rps = asyncio.run(throughput_python(target, concurrency, seconds))
                results.put(f"req/s c={concurrency}", target.name, rps)
        for target in targets:
            ttfb = asyncio.run(stream_ttfb(target, 16, 5 if args.quick else 20))
            results.put("stream TTFB p50 @16 (ms)", target.name, statistics.median(ttfb))
            results.put("stream TTFB p99 @16 (ms)", target.name, percentile(ttfb, 99))
        for target in targets:
            pid = gateway.pid if target.name == "relaygate" else mock.pid
            before = cpu_seconds(pid)
            chunks = asyncio.run(stream_chunks(target, 16, chunk_count))
            used = cpu_seconds(pid) - before
            results.put("CPU µs per SSE chunk", target.name, used * 1e6 / max(1, chunks))
        # converted stream: OpenAI chat client → Anthropic channel (relaygate only; the
        # direct column is the mock serving the same Anthropic stream to a raw client)
        before = cpu_seconds(gateway.pid)
        chunks = asyncio.run(stream_chunks(targets[1], 16, chunk_count, CONVERTED_MODEL))
        used = cpu_seconds(gateway.pid) - before
        results.put("CPU µs per converted chunk", "relaygate", used * 1e6 / max(1, chunks))
        recorded = httpx.get(f"{mock_url}/_mock/requests", timeout=30).json()
        items = recorded.get("requests", recorded) if isinstance(recorded, dict) else recorded
        if not any(r.get("path") == "/v1/messages" for r in items):
            raise RuntimeError("the converted case never reached the mock's Anthropic endpoint")
        results.put("CPU µs per converted chunk", "direct", float("nan"))
        time.sleep(1)
        results.put("RSS after load (MiB)", "relaygate", rss_mib(gateway.pid))
        results.put("RSS after load (MiB)", "direct", rss_mib(mock.pid))
    finally:
        for process in (gateway, mock):
            process.send_signal(signal.SIGTERM)
        for process in (gateway, mock):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    rows = [
        ("latency c=1 p50 (ms)", "added", "added ≤ 1 ms"),
        ("latency c=1 p99 (ms)", "added", "added ≤ 2 ms"),
        ("req/s c=32", "ratio", "relaygate ≥ 1,400"),
        ("req/s c=128", "ratio", "≥ 0.9 × c=32"),
        ("stream TTFB p50 @16 (ms)", "added", "added ≤ 2 ms"),
        ("stream TTFB p99 @16 (ms)", "added", ""),
        ("CPU µs per SSE chunk", "", "relaygate ≤ 40"),
        ("CPU µs per converted chunk", "", "OpenAI client → Claude channel"),
        ("RSS at rest (MiB)", "", "relaygate ≤ 100"),
        ("RSS after load (MiB)", "", "relaygate ≤ 150"),
    ]
    print(table(results, rows))
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "latest.json"
    out.write_bytes(
        jsonx.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "figures": results.figures})
    )
    print(
        f"\nwritten {out.relative_to(ROOT)}; gateway log in {work / 'gateway.log'}", file=sys.stderr
    )


if __name__ == "__main__":
    main()

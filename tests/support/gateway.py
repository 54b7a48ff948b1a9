"""Run the real relaygate server (``relaygate serve``: uvicorn, uvloop, httptools) in a subprocess.

```python
with Gateway(sql_dsn=dsn, env={"REDIS_CONN_STRING": url}) as gateway:
    gateway.api("GET", "/api/status")                 # as root: setup + login done lazily
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=token_key)
```
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import httpx
from tests.support.services import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
ROOT_USERNAME = "root"
ROOT_PASSWORD = "relaygate-root-pw"
SESSION_SECRET = "relaygate-test-session-secret"


class GatewayError(RuntimeError):
    """The gateway did not start, or an /api call it needed failed."""


@dataclass
class ApiUser:
    """A logged-in console user: an httpx client holding the session cookie + New-Api-User."""

    id: int
    username: str
    role: int
    client: httpx.Client
    data: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        """Close the underlying client."""
        self.client.close()


class Gateway:
    """One relaygate process on a free port; ``stop()`` sends SIGTERM and waits."""

    def __init__(
        self,
        *,
        sql_dsn: str = "",
        env: dict[str, str] | None = None,
        data_dir: Path | None = None,
        port: int | None = None,
        ready_timeout: float = 60.0,
    ) -> None:
        self.port = port or free_port()
        self.sql_dsn = sql_dsn
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="relaygate-gw-")
            data_dir = Path(self._tmp.name)
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.log_path = data_dir / "gateway.log"
        self.extra_env = dict(env or {})
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._users: dict[str, ApiUser] = {}

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (append ``/v1`` for OpenAI SDKs)."""
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The child's environment: ours minus relaygate settings, plus the test's."""
        inherited = {k: v for k, v in os.environ.items() if k not in _SETTING_NAMES}
        return {
            **inherited,
            "SQL_DSN": self.sql_dsn,
            "SQLITE_PATH": str(self.data_dir / "relaygate.db"),
            "DATA_DIR": str(self.data_dir),
            "SESSION_SECRET": SESSION_SECRET,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "WEB_DIST": str(REPO_ROOT / "web" / "dist"),
            "PYTHONUNBUFFERED": "1",
            # new-api's per-IP limits would throttle a test that drives the API from one
            # address; the protection tests enable them explicitly through ``env``
            "GLOBAL_API_RATE_LIMIT_ENABLE": "false",
            "GLOBAL_WEB_RATE_LIMIT_ENABLE": "false",
            "CRITICAL_RATE_LIMIT_ENABLE": "false",
            "SEARCH_RATE_LIMIT_ENABLE": "false",
            **self.extra_env,
        }

    def start(self) -> Self:
        """Spawn ``python -m relaygate serve`` and wait until it answers HTTP."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "relaygate",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                env=self.environment(),
                cwd=self.data_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + self.ready_timeout
        with httpx.Client(timeout=2) as probe:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise GatewayError(
                        f"gateway exited with {self.process.returncode}\n{self.log_tail()}"
                    )
                try:
                    probe.get(self.url + "/api/status")
                    return self
                except httpx.TransportError:
                    time.sleep(0.05)
        self.stop()
        raise GatewayError(f"gateway not ready after {self.ready_timeout}s\n{self.log_tail()}")

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, wait (SIGKILL after ``timeout``); returns the exit code.

        A clean shutdown returns ``-SIGTERM``: uvicorn re-raises the signal after shutting down.
        """
        for user in self._users.values():
            user.close()
        self._users.clear()
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            code = self.process.returncode
            self.process = None
        return code

    def cleanup(self) -> None:
        """Stop, then delete the temporary data directory (if this object made it)."""
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's combined stdout/stderr."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    # -- console API (new-api shapes)

    def client(self, **kwargs: Any) -> httpx.Client:
        """A fresh httpx client on the gateway (caller closes it)."""
        return httpx.Client(base_url=self.url, timeout=kwargs.pop("timeout", 30), **kwargs)

    def setup_root(self, username: str = ROOT_USERNAME, password: str = ROOT_PASSWORD) -> None:
        """``POST /api/setup`` unless ``GET /api/setup`` says it is done already."""
        with self.client() as client:
            status = client.get("/api/setup")
            if status.status_code == 200 and (status.json().get("data") or {}).get("status"):
                return
            answer = client.post(
                "/api/setup",
                json={"username": username, "password": password, "confirmPassword": password},
            )
            body = _envelope(answer, "POST /api/setup")
            if not body.get("success"):
                raise GatewayError(f"setup failed: {body}")

    def login(self, username: str, password: str) -> ApiUser:
        """``POST /api/user/login``; the returned user's client sends cookie + New-Api-User."""
        client = self.client()
        answer = client.post("/api/user/login", json={"username": username, "password": password})
        body = _envelope(answer, "POST /api/user/login")
        if not body.get("success"):
            client.close()
            raise GatewayError(f"login failed for {username}: {body.get('message')}")
        data = body.get("data") or {}
        client.headers["New-Api-User"] = str(data["id"])
        user = ApiUser(
            id=int(data["id"]),
            username=username,
            role=int(data.get("role", 0)),
            client=client,
            data=data,
        )
        previous = self._users.pop(username, None)
        if previous is not None:
            previous.close()
        self._users[username] = user
        return user

    @property
    def root(self) -> ApiUser:
        """The root user, set up and logged in on first use."""
        if ROOT_USERNAME not in self._users:
            self.setup_root()
            self.login(ROOT_USERNAME, ROOT_PASSWORD)
        return self._users[ROOT_USERNAME]

    def api(
        self, method: str, path: str, json: Any = None, user: ApiUser | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Call ``/api`` as ``user`` (root by default)."""
        who = user or self.root
        return who.client.request(method, path, json=json, **kwargs)


_SETTING_NAMES = frozenset(
    {
        "SQL_DSN", "SQLITE_PATH", "DATA_DIR", "REDIS_CONN_STRING", "SESSION_SECRET", "CRYPTO_SECRET",
        "PORT", "HOST", "NODE_TYPE", "RELAYGATE_ENV", "WEB_DIST", "DEBUG", "SYNC_FREQUENCY",
    }
)  # fmt: skip


def _envelope(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise GatewayError(
            f"{what}: HTTP {response.status_code}, not JSON: {response.text[:300]}"
        ) from exc
    if not isinstance(body, dict):
        raise GatewayError(f"{what}: unexpected body {body!r}")
    return body

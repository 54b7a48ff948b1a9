"""Helpers for the accounts and protection tests: a real SMTP sink and option setting.

Holds no tests. The sink is aiosmtpd on a free local port; mails are parsed back with the
stdlib so tests read the code or link exactly as a mail client would.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from test_api_support import Actor, ok

SMTP_ACCOUNT = "mailer@relaygate.test"
SMTP_TOKEN = "smtp-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    """What the sink received, plus the logins it accepted."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            login, password = data.login.decode(), data.password.decode()
            if login == SMTP_ACCOUNT and password == SMTP_TOKEN:
                with self.lock:
                    self.logins.append(login)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def last(self) -> EmailMessage:
        with self.lock:
            assert self.messages, "no mail received"
            return self.messages[-1]

    def last_html(self) -> str:
        body = self.last().get_body(("html",))
        assert body is not None
        return str(body.get_content())  # type: ignore[attr-defined]


@pytest.fixture(name="mailbox")
def mailbox_fixture() -> Iterator[Mailbox]:
    """A running SMTP server on 127.0.0.1 offering AUTH (without TLS: it is local)."""
    box = Mailbox(host="127.0.0.1", port=free_port())
    controller = Controller(
        box,
        hostname=box.host,
        port=box.port,
        authenticator=box.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


async def set_options(client: httpx.AsyncClient, root: Actor, **values: Any) -> None:
    """Store options as root (each reloads the snapshot)."""
    for key, value in values.items():
        key = key.replace("__", ".")
        body = {"key": key, "value": value}
        await ok(await client.put("/api/option/", json=body, headers=root.headers))


async def use_mailbox(client: httpx.AsyncClient, root: Actor, box: Mailbox) -> None:
    """Point the SMTP options at the sink."""
    await set_options(
        client,
        root,
        SMTPServer=box.host,
        SMTPPort=str(box.port),
        SMTPAccount=SMTP_ACCOUNT,
        SMTPFrom="noreply@relaygate.test",
        SMTPToken=SMTP_TOKEN,
        SystemName="RelayTest",
    )


def code_in(html: str) -> str:
    """The 6-character verification code in a verification mail."""
    found = re.search(r"<strong>([0-9a-f]{6})</strong>", html)
    assert found, html
    return found.group(1)


def from_ip(
    client: httpx.AsyncClient, ip: str, *, raise_app_exceptions: bool = True
) -> httpx.AsyncClient:
    """Another client on the same in-process app, seen as coming from ``ip`` (own rate limits)."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(
            app=transport.app, client=(ip, 40000), raise_app_exceptions=raise_app_exceptions
        ),
        base_url=str(client.base_url),
    )

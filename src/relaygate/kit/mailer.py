"""Outgoing mail over SMTP (new-api common/email.go), with the stdlib client run in a thread.

Port 465 or ``ssl`` means implicit TLS; otherwise STARTTLS is used when the server offers it.
Credentials are never sent in plaintext to a non-local server that lacks STARTTLS.
"""

from __future__ import annotations

import asyncio
import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Protocol

_SESSION_TIMEOUT = 30.0


class MailError(Exception):
    """The message could not be handed to the SMTP server; the text is safe to show."""


class OptionSource(Protocol):
    """Anything with new-api option lookup (the options snapshot)."""

    def get(self, key: str, default: str = "") -> str: ...


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and as whom to send (new-api's SMTP* options)."""

    server: str
    port: int
    account: str = ""
    token: str = ""
    sender: str = ""
    ssl: bool = False
    sender_name: str = ""
    timeout: float = _SESSION_TIMEOUT

    @classmethod
    def from_options(cls, options: OptionSource) -> SmtpConfig:
        """Build from SMTPServer, SMTPPort, SMTPAccount, SMTPFrom, SMTPToken, SMTPSSLEnabled."""
        try:
            port = int(options.get("SMTPPort", "587") or "587")
        except ValueError:
            port = 587
        account = options.get("SMTPAccount").strip()
        return cls(
            server=options.get("SMTPServer").strip(),
            port=port,
            account=account,
            token=options.get("SMTPToken"),
            sender=options.get("SMTPFrom").strip() or account,
            ssl=options.get("SMTPSSLEnabled") == "true",
            sender_name=options.get("SystemName"),
        )

    @property
    def configured(self) -> bool:
        """Whether a server and a sender address are set."""
        return bool(self.server) and "@" in self.sender


def _no_header_break(*values: str) -> None:
    if any("\r" in value or "\n" in value for value in values):
        raise MailError("email headers must not contain CR or LF")


def build_message(config: SmtpConfig, *, to: str, subject: str, html: str) -> EmailMessage:
    """An HTML message with From, To, Subject, Date and Message-ID."""
    _no_header_break(to, subject, config.sender, config.sender_name)
    message = EmailMessage()
    message["From"] = formataddr((config.sender_name, config.sender))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=config.sender.rsplit("@", 1)[-1])
    message.set_content(html, subtype="html", charset="utf-8")
    return message


def _is_local(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _deliver(config: SmtpConfig, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.port == 465 or config.ssl:
        client = smtplib.SMTP_SSL(
            config.server, config.port, timeout=config.timeout, context=context
        )
    else:
        client = smtplib.SMTP(config.server, config.port, timeout=config.timeout)
    with client:
        client.ehlo()
        wants_auth = bool(config.account and config.token)
        if not isinstance(client, smtplib.SMTP_SSL):
            if client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif wants_auth and not _is_local(config.server):
                raise MailError(
                    f"SMTP server {config.server} does not advertise STARTTLS; "
                    "refusing plaintext SMTP auth"
                )
        if wants_auth:
            if not client.has_extn("auth"):
                raise MailError("smtp: server doesn't support AUTH")
            client.login(config.account, config.token)
        client.send_message(message)


async def send(config: SmtpConfig, *, to: str, subject: str, html: str) -> None:
    """Send one HTML mail; raises ``MailError`` with a displayable reason."""
    if not config.configured:
        raise MailError("SMTP 服务器未配置")
    message = build_message(config, to=to, subject=subject, html=html)
    try:
        await asyncio.to_thread(_deliver, config, message)
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError:
        raise MailError("SMTP 认证失败") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"发送邮件失败: {exc}") from None

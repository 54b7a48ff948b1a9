"""Google service-account OAuth: an RS256 JWT exchanged for an access token, cached to expiry."""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from relaygate.errors import UpstreamError
from relaygate.kit import jsonx
from relaygate.providers.base import ChannelTarget, UpstreamRequest, fetch_json

if TYPE_CHECKING:
    from relaygate.providers.transport import Transport

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 3600
REFRESH_MARGIN = 300.0
"""Seconds before expiry at which a cached token is replaced, so none expires in flight."""


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    """The fields of a service-account key file that signing and routing need."""

    client_email: str
    private_key: str
    private_key_id: str
    project_id: str
    token_uri: str

    @classmethod
    def parse(cls, key: str) -> ServiceAccount:
        """Parse the JSON key file; ValueError when it is not one."""
        try:
            data = jsonx.loads(key)
        except ValueError as exc:
            raise ValueError("the channel key is not a service-account JSON file") from exc
        if not isinstance(data, dict):
            raise ValueError("the channel key is not a service-account JSON object")
        missing = [name for name in ("client_email", "private_key") if not data.get(name)]
        if missing:
            raise ValueError(f"service-account JSON lacks {', '.join(missing)}")
        return cls(
            client_email=str(data["client_email"]),
            private_key=_normalize_pem(str(data["private_key"])),
            private_key_id=str(data.get("private_key_id") or ""),
            project_id=str(data.get("project_id") or ""),
            token_uri=str(data.get("token_uri") or DEFAULT_TOKEN_URI),
        )


def _normalize_pem(pem: str) -> str:
    # Keys pasted into a form often arrive with literal "\n" sequences (new-api strips them too).
    return pem.replace("\\n", "\n").replace("\r", "")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_assertion(account: ServiceAccount, *, now: int | None = None) -> str:
    """An RS256 JWT asserting the account, for the cloud-platform scope at its token URI."""
    issued = int(time.time()) if now is None else now
    header: dict[str, Any] = {"alg": "RS256", "typ": "JWT"}
    if account.private_key_id:
        header["kid"] = account.private_key_id
    claims = {
        "iss": account.client_email,
        "scope": CLOUD_PLATFORM_SCOPE,
        "aud": account.token_uri,
        "iat": issued,
        "exp": issued + ASSERTION_LIFETIME,
    }
    signing_input = f"{_b64url(jsonx.dumps(header))}.{_b64url(jsonx.dumps(claims))}"
    try:
        key = serialization.load_pem_private_key(account.private_key.encode(), password=None)
    except ValueError as exc:
        raise ValueError("the service-account private key is not a valid PEM key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the service-account private key is not an RSA key")
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


class AccessTokens:
    """Access tokens per service account, fetched once and reused until shortly before expiry."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    async def token(
        self, account: ServiceAccount, target: ChannelTarget, transport: Transport
    ) -> str:
        """A valid access token for the account; one exchange at a time per account."""
        cache_key = (account.client_email, account.private_key_id, account.token_uri)
        cached = self._tokens.get(cache_key)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        lock = self._locks.setdefault(cache_key, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(cache_key)
            if cached is not None and cached[1] > time.monotonic():
                return cached[0]
            token, lifetime = await self._exchange(account, target, transport)
            self._tokens[cache_key] = (token, time.monotonic() + lifetime - REFRESH_MARGIN)
            return token

    def forget(self, account: ServiceAccount) -> None:
        """Drop a cached token (after the upstream rejected it)."""
        self._tokens.pop((account.client_email, account.private_key_id, account.token_uri), None)

    async def _exchange(
        self, account: ServiceAccount, target: ChannelTarget, transport: Transport
    ) -> tuple[str, float]:
        try:
            assertion = signed_assertion(account)
        except ValueError as exc:
            raise UpstreamError(
                str(exc), status_code=401, channel_id=target.channel_id, disables_channel=True
            ) from exc
        body = urlencode({"grant_type": JWT_BEARER_GRANT, "assertion": assertion}).encode()
        request = UpstreamRequest(
            method="POST",
            url=account.token_uri,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            body=body,
        )
        try:
            payload = await fetch_json(transport, target, request)
        except UpstreamError as exc:
            raise UpstreamError(
                f"service-account token exchange failed: {exc.message}",
                status_code=exc.status if exc.status >= 500 else 401,
                channel_id=target.channel_id,
                retryable=exc.retryable,
                disables_channel=exc.status in (400, 401, 403),
            ) from exc
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token:
            raise UpstreamError(
                "service-account token exchange answered without access_token",
                channel_id=target.channel_id,
            )
        expires_in = payload.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
        return token, max(lifetime, REFRESH_MARGIN + 1.0)

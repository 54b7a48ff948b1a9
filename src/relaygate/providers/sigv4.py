"""AWS Signature Version 4 for request headers (docs.aws.amazon.com/IAM, "Create a signed request")."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_HEADERS = frozenset({"authorization", "user-agent", "expect", "connection"})
"""Headers proxies and clients add or change on the way, so they are never signed."""


@dataclass(frozen=True, slots=True)
class AwsCredentials:
    """A static key pair, with the session token of temporary credentials when there is one."""

    access_key: str
    secret_key: str
    session_token: str = ""


@dataclass(frozen=True, slots=True)
class SignedParts:
    """The intermediate values, exposed so tests can compare them with AWS's worked examples."""

    canonical_request: str
    string_to_sign: str
    signature: str
    headers: dict[str, str]


def _uri_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def canonical_uri(path: str, *, double_encode: bool) -> str:
    """The path as signed: every service but S3 encodes the already-encoded path once more."""
    if not path:
        return "/"
    if double_encode:
        return quote(path, safe="/~")
    return quote(unquote(path), safe="/~")


def canonical_query(query: str) -> str:
    """Name=value pairs, each URI-encoded, sorted by name then value."""
    if not query:
        return ""
    pairs: list[tuple[str, str]] = []
    for item in query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((_uri_encode(unquote(name)), _uri_encode(unquote(value))))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _header_value(value: str) -> str:
    return " ".join(value.strip().split())


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """HMAC chain from the secret over date, region, service and ``aws4_request``."""
    key = ("AWS4" + secret_key).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    credentials: AwsCredentials,
    region: str,
    service: str,
    now: datetime | None = None,
    content_sha256_header: bool = True,
) -> SignedParts:
    """Sign a request; ``headers`` in the result are the originals plus the ``x-amz-*`` and
    ``Authorization`` headers to send. ``url`` must be exactly what goes on the wire.

    ``content_sha256_header`` adds ``x-amz-content-sha256`` (Bedrock accepts it, S3 needs it;
    the generic test-suite vectors are signed without it).
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    parts = urlsplit(url)
    payload_hash = hashlib.sha256(body).hexdigest()

    out = dict(headers)
    out["x-amz-date"] = amz_date
    if content_sha256_header:
        out["x-amz-content-sha256"] = payload_hash
    if credentials.session_token:
        out["x-amz-security-token"] = credentials.session_token
    signed: dict[str, str] = {"host": parts.netloc}
    for name, value in out.items():
        lower = name.lower()
        if lower not in UNSIGNED_HEADERS and lower != "host":
            signed[lower] = _header_value(value)
    names = sorted(signed)
    signed_headers = ";".join(names)
    canonical_headers = "".join(f"{name}:{signed[name]}\n" for name in names)
    canonical_request = "\n".join(
        (
            method.upper(),
            canonical_uri(parts.path, double_encode=service != "s3"),
            canonical_query(parts.query),
            canonical_headers,
            signed_headers,
            payload_hash,
        )
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        (ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest())
    )
    key = signing_key(credentials.secret_key, date, region, service)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = (
        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return SignedParts(canonical_request, string_to_sign, signature, out)

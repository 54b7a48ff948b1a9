"""Vendor-specific routes for the mock upstream: Azure, Vertex AI, AWS Bedrock, Google OAuth.

Importing this module registers the routes through ``mock_upstream.ROUTE_HOOKS`` (for servers
built afterwards, so import it at test-module import time). The checks are deliberately
independent of relaygate's code: the token endpoint verifies the JWT with the service
account's public key, and the Bedrock routes recompute the SigV4 signature from the request
as it arrived (raw path, query, headers, body).

- Azure: ``POST /openai/deployments/{deployment}/chat/completions``, ``POST /openai/v1/responses``
  and ``/openai/responses``, ``GET /openai/models``; each needs ``api-version`` and ``api-key``.
- Vendor paths of OpenAI-compatible providers (VolcEngine, GLM, DashScope, Cohere, and the
  ``/anthropic`` endpoints of DeepSeek, Moonshot, GLM, DashScope) answer as OpenAI/Anthropic.
- Google OAuth: ``POST /oauth/token`` (JWT-bearer grant) issues ``ya29.mock-N`` tokens.
- Vertex: ``…/publishers/google/models/{m}:{verb}`` and ``…/publishers/anthropic/models/…``,
  with or without ``/projects/{p}/locations/{r}``; ``GET /v1beta1/publishers/google/models``.
- Bedrock: ``POST /model/{id}/invoke`` (Anthropic JSON) and ``/invoke-with-response-stream``
  (``application/vnd.amazon.eventstream`` frames), ``GET /foundation-models``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import struct
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

import orjson
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from tests.support import mock_upstream as mu

TOKEN_PATH = "/oauth/token"
VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16"
BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31"
STREAM_WRITE_SIZE = 37
"""Bedrock stream bytes are written in pieces that never line up with message boundaries."""


@dataclass
class VendorState:
    """Credentials the mock trusts and tokens it issued; shared with the server thread."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    service_accounts: dict[str, rsa.RSAPublicKey] = field(default_factory=dict)
    aws_secrets: dict[str, str] = field(default_factory=dict)
    bedrock_api_keys: set[str] = field(default_factory=set)
    issued_tokens: set[str] = field(default_factory=set)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    signature_failures: list[str] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def trust_service_account(self, client_email: str, public_pem: bytes) -> None:
        """Accept JWTs from this account, verified with its public key."""
        key = serialization.load_pem_public_key(public_pem)
        assert isinstance(key, rsa.RSAPublicKey)
        with self.lock:
            self.service_accounts[client_email] = key

    def trust_aws_key(self, access_key: str, secret_key: str) -> None:
        """Accept SigV4 signatures made with this key pair."""
        with self.lock:
            self.aws_secrets[access_key] = secret_key

    def reset(self) -> None:
        """Forget every credential and token."""
        with self.lock:
            self.service_accounts.clear()
            self.aws_secrets.clear()
            self.bedrock_api_keys.clear()
            self.issued_tokens.clear()
            self.token_requests.clear()
            self.signature_failures.clear()


VENDORS = VendorState()


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# ---------------------------------------------------------------------------- Google OAuth


async def oauth_token(request: web.Request) -> web.StreamResponse:
    form = dict(parse_qsl((await request.read()).decode()))
    if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
        return _json({"error": "unsupported_grant_type"}, 400)
    try:
        header_b64, claims_b64, signature_b64 = form.get("assertion", "").split(".")
        header = orjson.loads(_b64url_decode(header_b64))
        claims = orjson.loads(_b64url_decode(claims_b64))
    except ValueError:
        return _json({"error": "invalid_grant", "error_description": "malformed JWT"}, 400)
    with VENDORS.lock:
        VENDORS.token_requests.append({"header": header, "claims": claims})
        public_key = VENDORS.service_accounts.get(str(claims.get("iss")))
    if header.get("alg") != "RS256" or public_key is None:
        return _json({"error": "invalid_grant", "error_description": "unknown issuer"}, 400)
    try:
        public_key.verify(
            _b64url_decode(signature_b64),
            f"{header_b64}.{claims_b64}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        return _json({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, 400)
    now = time.time()
    expected_aud = str(request.url.with_query(None))
    if claims.get("aud") != expected_aud or not claims.get("iat", 0) - 60 <= now < claims.get(
        "exp", 0
    ):
        return _json({"error": "invalid_grant", "error_description": "bad aud or time"}, 400)
    if claims.get("scope") != "https://www.googleapis.com/auth/cloud-platform":
        return _json({"error": "invalid_scope"}, 400)
    with VENDORS.lock:
        token = f"ya29.mock-{next(VENDORS.counter)}"
        VENDORS.issued_tokens.add(token)
    return _json({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})


def _vertex_auth_error(request: web.Request) -> web.Response | None:
    if request.query.get("key"):
        return None
    auth = request.headers.get("Authorization", "")
    with VENDORS.lock:
        ok = auth.startswith("Bearer ") and auth[7:] in VENDORS.issued_tokens
    if ok:
        return None
    body = mu.error_body(mu.Fmt.GEMINI, 401, "Request had invalid authentication credentials.")
    return web.Response(body=body, status=401, content_type="application/json")


# ---------------------------------------------------------------------------------- AWS


def _sigv4_error(request: web.Request, body: bytes) -> str | None:
    """Why the request's SigV4 signature is wrong, or None when it verifies."""
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        with VENDORS.lock:
            return None if auth[7:] in VENDORS.bedrock_api_keys else "unknown API key"
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "missing Authorization"
    fields = dict(part.strip().split("=", 1) for part in auth[17:].split(","))
    access_key, date, region, service, terminator = fields["Credential"].split("/")
    with VENDORS.lock:
        secret = VENDORS.aws_secrets.get(access_key)
    if secret is None or terminator != "aws4_request":
        return "unknown access key"
    payload_hash = hashlib.sha256(body).hexdigest()
    if request.headers.get("x-amz-content-sha256", payload_hash) != payload_hash:
        return "content hash mismatch"
    names = fields["SignedHeaders"].split(";")
    if "host" not in names or "x-amz-date" not in names:
        return "host and x-amz-date must be signed"
    canonical_headers = "".join(
        f"{name}:{' '.join(request.headers.get(name, '').split())}\n" for name in names
    )
    query = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~"))
        for k, v in parse_qsl(request.query_string, keep_blank_values=True)
    )
    canonical = "\n".join(
        [
            request.method,
            quote(request.raw_path.split("?", 1)[0], safe="/~"),
            "&".join(f"{k}={v}" for k, v in query),
            canonical_headers,
            fields["SignedHeaders"],
            payload_hash,
        ]
    )
    amz_date = request.headers["x-amz-date"]
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = (
        f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["Signature"]):
        return f"signature mismatch; canonical request was:\n{canonical}"
    return None


def _aws_denied(message: str) -> web.Response:
    with VENDORS.lock:
        VENDORS.signature_failures.append(message)
    return web.Response(
        body=orjson.dumps({"message": "The request signature we calculated does not match."}),
        status=403,
        content_type="application/json",
        headers={"x-amzn-ErrorType": "InvalidSignatureException"},
    )


def encode_event(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message with string headers."""
    raw = b"".join(
        bytes([len(n.encode())]) + n.encode() + b"\x07" + struct.pack(">H", len(v)) + v.encode()
        for n, v in headers.items()
    )
    prelude = struct.pack(">II", 12 + len(raw) + len(payload) + 4, len(raw))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + raw + payload
    return message + struct.pack(">I", zlib.crc32(message))


def bedrock_stream_body(frames: Iterable[bytes]) -> bytes:
    """Anthropic SSE frames re-wrapped as Bedrock ``chunk`` events."""
    out = bytearray()
    for frame in frames:
        data = next(line[6:] for line in frame.split(b"\n") if line.startswith(b"data: "))
        envelope = {"bytes": base64.b64encode(data).decode(), "p": "abcdefgh"}
        headers = {
            ":event-type": "chunk",
            ":content-type": "application/json",
            ":message-type": "event",
        }
        out += encode_event(headers, orjson.dumps(envelope))
    return bytes(out)


# ------------------------------------------------------------------------------- routes


def vendor_routes(server: mu.MockServer) -> list[web.RouteDef]:
    """The extra routes, bound to one MockServer."""

    async def azure_chat(request: web.Request) -> web.StreamResponse:
        if not request.query.get("api-version"):
            return _json({"error": {"code": "404", "message": "Resource not found"}}, 404)
        return await server.openai_chat(request)

    async def azure_models(request: web.Request) -> web.StreamResponse:
        if not request.query.get("api-version") or not request.headers.get("api-key"):
            return _json({"error": {"code": "401", "message": "Access denied"}}, 401)
        return await _models(request)

    async def _models(request: web.Request) -> web.StreamResponse:
        call = mu.Call(fmt=mu.Fmt.OPENAI, path=request.path, key=None, model="", stream=False)
        fault = server.state.take_fault(call)
        if fault is not None and fault.status is not None:
            body = mu.error_body(mu.Fmt.OPENAI, fault.status, f"mock fault {fault.id}")
            return web.Response(body=body, status=fault.status, content_type="application/json")
        server._record(request, None, None, None, False)
        return await server.list_models(request)

    async def vertex_google(request: web.Request) -> web.StreamResponse:
        return _vertex_auth_error(request) or await server.gemini(request)

    async def vertex_anthropic(request: web.Request) -> web.StreamResponse:
        denied = _vertex_auth_error(request)
        if denied is not None:
            return denied
        model, _, verb = request.match_info["target"].partition(":")
        body = await server._read_json(request)
        if not isinstance(body, dict) or "model" in body:
            message = "Vertex Claude bodies carry no model field"
            return _json(orjson.loads(mu.error_body(mu.Fmt.ANTHROPIC, 400, message)), 400)
        if body.get("anthropic_version") != VERTEX_ANTHROPIC_VERSION:
            message = "anthropic_version must be vertex-2023-10-16"
            return _json(orjson.loads(mu.error_body(mu.Fmt.ANTHROPIC, 400, message)), 400)
        if verb not in ("rawPredict", "streamRawPredict"):
            return _json({"error": {"code": 404, "message": f"unknown method {verb}"}}, 404)
        return await server._generate(request, mu.Fmt.ANTHROPIC, model, verb == "streamRawPredict")

    async def vertex_models(request: web.Request) -> web.StreamResponse:
        denied = _vertex_auth_error(request)
        if denied is not None:
            return denied
        names = [f"publishers/google/models/{m}" for m in mu.MODELS]
        if request.query.get("pageToken") == "page-2":
            return _json({"publisherModels": [{"name": n} for n in names[2:]]})
        page = {"publisherModels": [{"name": n} for n in names[:2]], "nextPageToken": "page-2"}
        return _json(page)

    async def bedrock_invoke(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        problem = _sigv4_error(request, raw)
        if problem is not None:
            return _aws_denied(problem)
        model = request.match_info["model_id"]
        stream = request.match_info["verb"] == "invoke-with-response-stream"
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        entry = server._record(request, body, mu.Fmt.ANTHROPIC, model, stream)
        if not isinstance(body, dict) or "model" in body or "stream" in body:
            return _json({"message": "Malformed input request: extraneous key"}, 400)
        if body.get("anthropic_version") != BEDROCK_ANTHROPIC_VERSION:
            return _json({"message": "anthropic_version must be bedrock-2023-05-31"}, 400)
        call = mu.Call(
            fmt=mu.Fmt.ANTHROPIC, path=request.path, key=None, model=model, stream=stream
        )
        fault = server.state.take_fault(call)
        if fault is not None and fault.status is not None:
            return _json({"message": f"mock fault {fault.id}"}, fault.status)
        plan = mu.plan_for(body, model, mu.knobs_for(model, request.headers, server.state.defaults))
        if entry is not None:
            entry.reply_text = plan.text
            entry.usage = plan.usage()
        if not stream:
            return web.Response(body=mu.anthropic_json(plan), content_type="application/json")
        payload = bedrock_stream_body(mu.anthropic_frames(plan))
        response = web.StreamResponse(
            status=200, headers={"Content-Type": "application/vnd.amazon.eventstream"}
        )
        await response.prepare(request)
        for at in range(0, len(payload), STREAM_WRITE_SIZE):
            await response.write(payload[at : at + STREAM_WRITE_SIZE])
        await response.write_eof()
        return response

    async def bedrock_models(request: web.Request) -> web.StreamResponse:
        problem = _sigv4_error(request, await request.read())
        if problem is not None:
            return _aws_denied(problem)
        server._record(request, None, None, None, False)
        summaries = [
            {"modelId": f"anthropic.{m}-v1:0", "providerName": "Anthropic"} for m in mu.MODELS
        ]
        return _json({"modelSummaries": summaries})

    async def openai_compatible_chat(request: web.Request) -> web.StreamResponse:
        return await server.openai_chat(request)

    async def anthropic_compatible(request: web.Request) -> web.StreamResponse:
        return await server.anthropic_messages(request)

    vertex_prefixes = ("/v1/projects/{project}/locations/{region}", "/v1")
    routes = [
        web.post("/openai/deployments/{deployment}/chat/completions", azure_chat),
        web.post("/openai/v1/responses", server.openai_responses),
        web.post("/openai/responses", server.openai_responses),
        web.get("/openai/models", azure_models),
        web.post(TOKEN_PATH, oauth_token),
        web.get("/v1beta1/publishers/google/models", vertex_models),
        web.post("/model/{model_id}/{verb:invoke|invoke-with-response-stream}", bedrock_invoke),
        web.get("/foundation-models", bedrock_models),
        web.get("/api/paas/v4/models", _models),
        web.get("/compatible-mode/v1/models", _models),
    ]
    for prefix in vertex_prefixes:
        routes.append(web.post(prefix + "/publishers/google/models/{target}", vertex_google))
        routes.append(web.post(prefix + "/publishers/anthropic/models/{target}", vertex_anthropic))
    for path in (
        "/api/v3/chat/completions",
        "/api/v3/bots/chat/completions",
        "/api/paas/v4/chat/completions",
        "/compatible-mode/v1/chat/completions",
        "/compatibility/v1/chat/completions",
    ):
        routes.append(web.post(path, openai_compatible_chat))
    for path in (
        "/anthropic/v1/messages",
        "/api/anthropic/v1/messages",
        "/apps/anthropic/v1/messages",
    ):
        routes.append(web.post(path, anthropic_compatible))
    return routes


if vendor_routes not in mu.ROUTE_HOOKS:
    mu.ROUTE_HOOKS.append(vendor_routes)

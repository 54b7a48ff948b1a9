"""Google Vertex AI: Gemini and Claude publisher models, service-account or express-mode auth.

URLs follow new-api's relay/channel/vertex/url_builder.go:
``{host}/v1/projects/{project}/locations/{region}/publishers/{google|anthropic}/models/{m}:{verb}``
with ``host`` = ``https://{region}-aiplatform.googleapis.com`` (``aiplatform.googleapis.com``
for ``global``), or the channel's base URL when set. Express mode (an API key instead of a
service-account JSON) drops the project path and sends ``?key=``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from relaygate.errors import BadRequest, UpstreamError
from relaygate.kit import jsonx
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import (
    ChannelTarget,
    ChannelType,
    EndpointCall,
    EndpointDialect,
    Provider,
    UpstreamCall,
    UpstreamRequest,
    fetch_json,
    json_object,
)
from relaygate.providers.gemini import GOOGLE_ENDPOINTS, google_verb
from relaygate.providers.google_auth import AccessTokens, ServiceAccount

if TYPE_CHECKING:
    from relaygate.providers.transport import Transport

DEFAULT_REGION = "us-central1"
API_VERSION = "v1"
OPEN_MODEL_API_VERSION = "v1beta1"
ANTHROPIC_VERSION = "vertex-2023-10-16"
MAX_PAGES = 100

CLAUDE_MODEL_IDS: dict[str, str] = {
    "claude-3-sonnet-20240229": "claude-3-sonnet@20240229",
    "claude-3-opus-20240229": "claude-3-opus@20240229",
    "claude-3-haiku-20240307": "claude-3-haiku@20240307",
    "claude-3-5-sonnet-20240620": "claude-3-5-sonnet@20240620",
    "claude-3-5-sonnet-20241022": "claude-3-5-sonnet-v2@20241022",
    "claude-3-7-sonnet-20250219": "claude-3-7-sonnet@20250219",
    "claude-sonnet-4-20250514": "claude-sonnet-4@20250514",
    "claude-opus-4-20250514": "claude-opus-4@20250514",
    "claude-opus-4-1-20250805": "claude-opus-4-1@20250805",
    "claude-sonnet-4-5-20250929": "claude-sonnet-4-5@20250929",
    "claude-haiku-4-5-20251001": "claude-haiku-4-5@20251001",
    "claude-opus-4-5-20251101": "claude-opus-4-5@20251101",
}
"""Anthropic's model names → Vertex model ids (new-api's claudeModelMap)."""

GEMINI = frozenset({WireFormat.GEMINI})
CLAUDE = frozenset({WireFormat.ANTHROPIC_MESSAGES})
OPEN_MODELS = frozenset({WireFormat.OPENAI_CHAT})


def is_claude(model: str) -> bool:
    """Claude models go to the anthropic publisher."""
    return model.startswith("claude")


def is_open_model(model: str) -> bool:
    """Llama and other model-as-a-service models use the OpenAI-compatible endpoint."""
    return "llama" in model or "-maas" in model


def region_for(target: ChannelTarget, model: str) -> str:
    """The region from ``other``: a plain name, or a JSON map of model → region (+ default)."""
    mapping = json_object(target.other)
    if mapping is None:
        return target.other.strip() or DEFAULT_REGION
    region = mapping.get(model) or mapping.get("default")
    return str(region).strip() if region else DEFAULT_REGION


def uses_api_key(target: ChannelTarget) -> bool:
    """Express mode: settings say so, or the key is plainly not a JSON document."""
    if target.settings.get("vertex_key_type") == "api_key":
        return True
    return not target.key.lstrip().startswith("{")


class VertexAI(Provider):
    """Vertex AI; the native format depends on the model (Claude, Gemini or open models)."""

    channel_type: ClassVar[ChannelType] = ChannelType.VERTEX_AI
    native_formats: ClassVar[frozenset[WireFormat]] = GEMINI

    def __init__(self) -> None:
        self.tokens = AccessTokens()

    def native_formats_for(self, model: str) -> frozenset[WireFormat]:
        if is_claude(model):
            return CLAUDE
        if is_open_model(model):
            return OPEN_MODELS
        return GEMINI

    def host(self, target: ChannelTarget, region: str) -> str:
        """The API host (channel base URL first), without a version segment."""
        if target.base_url.strip():
            return target.base_url.strip().rstrip("/").removesuffix(f"/{API_VERSION}")
        if region == "global":
            return "https://aiplatform.googleapis.com"
        return f"https://{region}-aiplatform.googleapis.com"

    def location_path(self, project: str, region: str) -> str:
        """``/projects/{p}/locations/{r}``, or nothing in express mode."""
        return f"/projects/{project}/locations/{region}" if project else ""

    def model_url(self, target: ChannelTarget, call: UpstreamCall, project: str) -> str:
        """The full URL for one call, before the express-mode ``key`` parameter."""
        region = region_for(target, call.model)
        base = self.host(target, region)
        if is_open_model(call.model):
            location = self.location_path(project, region)
            return f"{base}/{OPEN_MODEL_API_VERSION}{location}/endpoints/openapi/chat/completions"
        if is_claude(call.model):
            publisher = "anthropic"
            model = CLAUDE_MODEL_IDS.get(call.model, call.model)
            verb = "streamRawPredict?alt=sse" if call.stream else "rawPredict"
        else:
            publisher, model = "google", call.model
            verb = "streamGenerateContent?alt=sse" if call.stream else "generateContent"
        location = self.location_path(project, region)
        return f"{base}/{API_VERSION}{location}/publishers/{publisher}/models/{model}:{verb}"

    async def build_request(
        self, target: ChannelTarget, call: UpstreamCall, transport: Transport
    ) -> UpstreamRequest:
        expected = self.native_formats_for(call.model)
        if call.fmt not in expected:
            raise BadRequest(f"Vertex AI model {call.model} does not take {call.fmt} bodies")
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream" if call.stream else "application/json",
        }
        if uses_api_key(target):
            url = self.model_url(target, call, project="")
            url += ("&" if "?" in url else "?") + "key=" + quote(target.key.strip(), safe="")
        else:
            account = self.account(target)
            url = self.model_url(target, call, account.project_id)
            token = await self.tokens.token(account, target, transport)
            headers["Authorization"] = f"Bearer {token}"
            if account.project_id:
                headers["x-goog-user-project"] = account.project_id
        body = call.body
        if is_claude(call.model):
            body = claude_body(call.body)
            beta = call.client_headers.get("anthropic-beta")
            if beta:
                headers["anthropic-beta"] = beta
        return UpstreamRequest(
            method="POST",
            url=url,
            headers=self.apply_header_override(target, headers),
            body=body,
        )

    endpoints: ClassVar[frozenset[str]] = GOOGLE_ENDPOINTS

    def endpoint_dialect(self, path: str, model: str) -> EndpointDialect:
        return EndpointDialect.VERTEX

    async def build_endpoint(
        self, target: ChannelTarget, call: EndpointCall, transport: Transport
    ) -> UpstreamRequest:
        """Google publisher models: embeddings and Imagen ``predict``, the rest ``generateContent``."""
        if is_claude(call.model) or is_open_model(call.model):
            raise BadRequest(f"Vertex AI model {call.model} does not serve {call.path}")
        region = region_for(target, call.model)
        base = self.host(target, region)
        verb = "predict" if call.path == "/v1/embeddings" else google_verb(call.path, call.model)
        headers = {"Content-Type": "application/json"}
        if uses_api_key(target):
            location = ""
            suffix = "?key=" + quote(target.key.strip(), safe="")
        else:
            account = self.account(target)
            location = self.location_path(account.project_id, region)
            suffix = ""
            token = await self.tokens.token(account, target, transport)
            headers["Authorization"] = f"Bearer {token}"
            if account.project_id:
                headers["x-goog-user-project"] = account.project_id
        url = f"{base}/{API_VERSION}{location}/publishers/google/models/{call.model}:{verb}{suffix}"
        return UpstreamRequest(
            method="POST",
            url=url,
            headers=self.apply_header_override(target, headers),
            body=call.body,
        )

    def account(self, target: ChannelTarget) -> ServiceAccount:
        """The channel's service account; an unreadable key file is a channel error."""
        try:
            return ServiceAccount.parse(target.key)
        except ValueError as exc:
            raise UpstreamError(
                f"Vertex AI channel key: {exc}",
                status_code=401,
                channel_id=target.channel_id,
                disables_channel=True,
            ) from exc

    async def list_models(self, target: ChannelTarget, transport: Transport) -> list[str]:
        """Google's publisher models (``v1beta1 publishers/google/models``), paginated."""
        headers = {"Accept": "application/json"}
        query = "pageSize=1000"
        if uses_api_key(target):
            query += "&key=" + quote(target.key.strip(), safe="")
        else:
            account = self.account(target)
            headers["Authorization"] = (
                f"Bearer {await self.tokens.token(account, target, transport)}"
            )
            if account.project_id:
                headers["x-goog-user-project"] = account.project_id
        base = self.host(target, region_for(target, ""))
        url = f"{base}/{OPEN_MODEL_API_VERSION}/publishers/google/models?{query}"
        headers = self.apply_header_override(target, headers)
        names: list[str] = []
        page = ""
        for _ in range(MAX_PAGES):
            page_url = f"{url}&pageToken={quote(page, safe='')}" if page else url
            payload = await fetch_json(
                transport, target, UpstreamRequest("GET", page_url, headers, b"")
            )
            models = payload.get("publisherModels") if isinstance(payload, dict) else None
            if not isinstance(models, list):
                raise UpstreamError(
                    "Vertex AI model list has no publisherModels array",
                    channel_id=target.channel_id,
                )
            for model in models:
                if isinstance(model, dict) and isinstance(model.get("name"), str):
                    names.append(model["name"].rsplit("/", 1)[-1])
            page = str(payload.get("nextPageToken") or "")
            if not page:
                break
        return names


def claude_body(body: bytes) -> bytes:
    """An Anthropic Messages body for Vertex: the model is in the URL, the version in the body."""
    try:
        payload: Any = jsonx.loads(body)
    except ValueError as exc:
        raise BadRequest("the Claude request body is not JSON") from exc
    if not isinstance(payload, dict):
        raise BadRequest("the Claude request body is not a JSON object")
    payload.pop("model", None)
    payload["anthropic_version"] = ANTHROPIC_VERSION
    return jsonx.dumps(payload)

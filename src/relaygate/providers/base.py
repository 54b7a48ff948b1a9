"""The value objects a provider works on, and the Provider base class."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from relaygate.errors import UpstreamError
from relaygate.kit import jsonx
from relaygate.protocols.formats import WireFormat

if TYPE_CHECKING:
    from relaygate.providers.transport import Transport


class ChannelType(IntEnum):
    """new-api's channel type numbers (constant/channel.go)."""

    UNKNOWN = 0
    OPENAI = 1
    MIDJOURNEY = 2
    AZURE = 3
    OLLAMA = 4
    MIDJOURNEY_PLUS = 5
    OPENAI_MAX = 6
    OHMYGPT = 7
    CUSTOM = 8
    AILS = 9
    AIPROXY = 10
    PALM = 11
    API2GPT = 12
    AIGC2D = 13
    ANTHROPIC = 14
    BAIDU = 15
    ZHIPU = 16
    ALI = 17
    XUNFEI = 18
    AI360 = 19
    OPENROUTER = 20
    AIPROXY_LIBRARY = 21
    FASTGPT = 22
    TENCENT = 23
    GEMINI = 24
    MOONSHOT = 25
    ZHIPU_V4 = 26
    PERPLEXITY = 27
    LINGYIWANWU = 31
    AWS = 33
    COHERE = 34
    MINIMAX = 35
    SUNO_API = 36
    DIFY = 37
    JINA = 38
    CLOUDFLARE = 39
    SILICONFLOW = 40
    VERTEX_AI = 41
    MISTRAL = 42
    DEEPSEEK = 43
    MOKAAI = 44
    VOLCENGINE = 45
    BAIDU_V2 = 46
    XINFERENCE = 47
    XAI = 48
    COZE = 49


@dataclass(frozen=True, slots=True)
class ChannelTarget:
    """Everything a provider needs to reach one channel; built from a channel row, keys decrypted."""

    channel_id: int
    channel_type: int
    name: str
    key: str
    base_url: str
    model_mapping: Mapping[str, str] = field(default_factory=dict)
    organization: str = ""
    header_override: Mapping[str, str] = field(default_factory=dict)
    param_override: Mapping[str, object] = field(default_factory=dict)
    other: str = ""
    auto_ban: bool = True
    status_code_mapping: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, object] = field(default_factory=dict)
    created_time: int = 0
    """Unix seconds the channel was created (Azure keeps dots in deployments after 2025-05-10)."""


@dataclass(frozen=True, slots=True)
class UpstreamCall:
    """What the relay wants sent: a body already in ``fmt`` (one of the provider's formats)."""

    fmt: WireFormat
    model: str
    """The upstream model name (after mapping)."""
    body: bytes
    stream: bool
    client_headers: Mapping[str, str] = field(default_factory=dict)
    """Lower-cased client headers a provider may pass on (anthropic-version, anthropic-beta)."""


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    """One HTTP request to an upstream, ready to send."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | AsyncIterable[bytes]
    """The body; an async iterable streams a large upload without holding it in memory."""
    url_is_encoded: bool = False
    """Send ``url`` byte for byte (a signature covers its escapes, as SigV4's does)."""


@dataclass(frozen=True, slots=True)
class EndpointCall:
    """A non-conversational OpenAI endpoint call (embeddings, images, audio, rerank, …)."""

    path: str
    """The OpenAI path, e.g. ``/v1/embeddings``."""
    model: str
    body: bytes | AsyncIterable[bytes]
    content_type: str = "application/json"
    stream: bool = False


OPENAI_ENDPOINTS: frozenset[str] = frozenset(
    {
        "/v1/completions",
        "/v1/embeddings",
        "/v1/moderations",
        "/v1/images/generations",
        "/v1/images/edits",
        "/v1/images/variations",
        "/v1/audio/speech",
        "/v1/audio/transcriptions",
        "/v1/audio/translations",
        "/v1/rerank",
    }
)


class EndpointDialect(StrEnum):
    """The body an OpenAI endpoint call is sent upstream in (``relay/endpoint_convert.py``).

    Providers name the dialect; the relay converts the client's OpenAI body into it before
    ``build_endpoint`` and converts the answer back, so the client always gets OpenAI's shape.
    """

    OPENAI = "openai"
    """The client's body as it is (only the model renamed)."""
    GEMINI = "gemini"
    """Gemini API: ``batchEmbedContents``, Imagen ``predict``, ``generateContent`` images/speech."""
    VERTEX = "vertex"
    """Vertex AI: embeddings and Imagen through ``predict``, ``generateContent`` images/speech."""
    COHERE = "cohere"
    """Cohere ``/v2/rerank``."""
    SILICONFLOW = "siliconflow"
    """Rerank answers carrying ``meta.tokens``."""
    XINFERENCE = "xinference"
    """Rerank answers with no usage (estimated offline)."""
    SEEDREAM = "seedream"
    """VolcEngine Seedream: image edits as a JSON body with the images as data URLs."""


class Provider:
    """Where and how to send a request for one channel type."""

    channel_type: ClassVar[ChannelType] = ChannelType.UNKNOWN
    default_base_url: ClassVar[str] = ""
    native_formats: ClassVar[frozenset[WireFormat]] = frozenset({WireFormat.OPENAI_CHAT})
    endpoints: ClassVar[frozenset[str]] = frozenset()
    """OpenAI endpoint paths this provider relays as they are (see ``build_endpoint``)."""

    def supports_endpoint(self, path: str) -> bool:
        """Whether ``build_endpoint`` can send this OpenAI endpoint."""
        return path in self.endpoints

    def endpoint_dialect(self, path: str, model: str) -> EndpointDialect:
        """The body shape ``build_endpoint`` expects for ``path`` and upstream ``model``."""
        return EndpointDialect.OPENAI

    async def build_endpoint(
        self, target: ChannelTarget, call: EndpointCall, transport: Transport
    ) -> UpstreamRequest:
        """URL, headers and body for an OpenAI endpoint call."""
        raise NotImplementedError(f"{type(self).__name__} does not relay {call.path}")

    def base_url(self, target: ChannelTarget) -> str:
        """The channel's base URL without a trailing slash."""
        return (target.base_url or self.default_base_url).rstrip("/")

    def native_formats_for(self, model: str) -> frozenset[WireFormat]:
        """The formats this provider speaks for one upstream model (Vertex: Claude or Gemini)."""
        return self.native_formats

    def target_format(self, inbound: WireFormat, model: str = "") -> WireFormat:
        """The inbound format when spoken natively for ``model``, else the first native one."""
        native = self.native_formats_for(model)
        if inbound in native:
            return inbound
        for preferred in (WireFormat.OPENAI_CHAT, WireFormat.ANTHROPIC_MESSAGES, WireFormat.GEMINI):
            if preferred in native:
                return preferred
        return next(iter(native))

    async def build_request(
        self, target: ChannelTarget, call: UpstreamCall, transport: Transport
    ) -> UpstreamRequest:
        """URL, headers and body for one call (``transport`` is there for token exchanges)."""
        raise NotImplementedError

    def stream_transform(self, target: ChannelTarget) -> Callable[[bytes], bytes] | None:
        """A converter from the raw stream body to SSE in the call's format (Bedrock), or None.

        Each call returns a fresh, stateful converter for one stream answer; it is fed the
        body chunk by chunk and returns the SSE bytes completed so far. Non-stream answers
        and error bodies are never fed to it.
        """
        return None

    async def list_models(self, target: ChannelTarget, transport: Transport) -> list[str]:
        """The upstream's model names for this channel; UpstreamError when it cannot tell."""
        raise UpstreamError(
            f"channel type {target.channel_type} cannot list upstream models",
            status_code=501,
            channel_id=target.channel_id,
            retryable=False,
        )

    def apply_header_override(
        self, target: ChannelTarget, headers: dict[str, str]
    ) -> dict[str, str]:
        """Channel ``header_override``; ``{api_key}`` in a value is the channel key."""
        for name, value in target.header_override.items():
            headers[name] = str(value).replace("{api_key}", target.key)
        return headers


LIST_MODELS_TIMEOUT = 30.0


async def fetch_json(transport: Transport, target: ChannelTarget, request: UpstreamRequest) -> Any:
    """Send a small request (model lists, token exchanges) and parse its JSON answer.

    A status of 400 or more, or a body that is not JSON, is an UpstreamError carrying the
    upstream status and the start of its body.
    """
    response = await transport.send(
        request,
        channel_id=target.channel_id,
        first_byte_timeout=LIST_MODELS_TIMEOUT,
        idle_timeout=LIST_MODELS_TIMEOUT,
    )
    raw = await response.read()
    if response.status >= 400:
        raise UpstreamError(
            f"upstream answered {response.status}: {raw[:500].decode(errors='replace')}",
            status_code=response.status,
            channel_id=target.channel_id,
            retryable=response.status >= 500 or response.status == 429,
        )
    try:
        return jsonx.loads(raw)
    except ValueError as exc:
        raise UpstreamError(
            "upstream returned a body that is not JSON", channel_id=target.channel_id
        ) from exc


def json_object(raw: str) -> dict[str, Any] | None:
    """``raw`` parsed when it is a JSON object (channel ``other`` may hold one), else None."""
    text = raw.strip()
    if not text.startswith("{"):
        return None
    try:
        value = jsonx.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None

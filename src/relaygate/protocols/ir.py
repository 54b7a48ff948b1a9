"""The internal representation every wire format decodes to and encodes from.

Conventions the codecs share:

- ``Request.system`` holds the leading system prompt; a system or developer turn in the middle
  of a conversation stays in ``messages`` with ``role="system"``.
- Tool results are blocks inside ``user`` messages (Claude's layout); OpenAI chat's separate
  ``tool`` messages are merged on decode and split again on encode.
- ``Usage.input_tokens`` counts *all* prompt tokens, cached ones included (OpenAI's meaning);
  ``output_tokens`` includes reasoning tokens. Codecs translate to and from vendor meanings.
- Block ``provider_details`` use flat, documented keys (``cache_control``, ``thought_signature``,
  ``item_id``, ``detail``, ``status``); ``Request.provider_details`` is keyed by wire format and
  holds top-level fields only that format understands, so they round-trip in-format and are
  reported as losses elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from relaygate.protocols.formats import WireFormat

Role: TypeAlias = Literal["system", "user", "assistant"]
FinishReason: TypeAlias = Literal[
    "stop", "length", "tool_calls", "content_filter", "pause", "refusal", "error"
]


@dataclass(slots=True)
class TextBlock:
    """Plain text."""

    text: str
    """The text itself."""
    provider_details: dict[str, Any] = field(default_factory=dict)
    """Vendor extras: ``cache_control`` (Claude), ``thought_signature`` (Gemini), ``role``."""
    kind: Literal["text"] = "text"


@dataclass(slots=True)
class ImageBlock:
    """An image, by URL or inline base64."""

    url: str | None = None
    """A fetchable http(s) URL (data: URLs are split into ``data`` + ``media_type``)."""
    data: str | None = None
    """Base64 bytes, when inline."""
    media_type: str | None = None
    """MIME type of inline data, e.g. ``image/png``."""
    provider_details: dict[str, Any] = field(default_factory=dict)
    """Vendor extras: ``detail`` (OpenAI), ``cache_control`` (Claude)."""
    kind: Literal["image"] = "image"


@dataclass(slots=True)
class FileBlock:
    """A document (usually PDF), inline or by URL."""

    data: str | None = None
    """Base64 bytes, when inline."""
    media_type: str = "application/pdf"
    """MIME type of the document."""
    url: str | None = None
    """A URL or provider file URI, when not inline."""
    filename: str | None = None
    """Original file name, when the client sent one."""
    provider_details: dict[str, Any] = field(default_factory=dict)
    """Vendor extras: ``cache_control`` (Claude), ``file_id`` (OpenAI)."""
    kind: Literal["file"] = "file"


@dataclass(slots=True)
class ToolCallBlock:
    """The model asks for a function call."""

    id: str
    """Call id that the matching ``ToolResultBlock.tool_call_id`` echoes."""
    name: str
    """Function name."""
    arguments: str = ""
    """Arguments as a JSON object string (streamed piecewise, so kept as text)."""
    provider_details: dict[str, Any] = field(default_factory=dict)
    """Vendor extras: ``thought_signature`` (Gemini, must come back), ``item_id``, ``status``."""
    kind: Literal["tool_call"] = "tool_call"


@dataclass(slots=True)
class ToolResultBlock:
    """The client's answer to a tool call."""

    tool_call_id: str
    """The ``ToolCallBlock.id`` being answered."""
    content: list[TextBlock | ImageBlock] = field(default_factory=list)
    """Result content; usually one text block."""
    is_error: bool = False
    """The tool failed (Claude's ``is_error``)."""
    name: str | None = None
    """Function name when the wire format carries it (Gemini needs it)."""
    provider_details: dict[str, Any] = field(default_factory=dict)
    """Vendor extras: ``cache_control`` (Claude), ``gemini_response`` (raw response object)."""
    kind: Literal["tool_result"] = "tool_result"


@dataclass(slots=True)
class ThinkingBlock:
    """Model reasoning, with the opaque proof its vendor needs back on the next turn."""

    text: str = ""
    """Reasoning (or reasoning summary) text."""
    signature: str | None = None
    """Opaque proof from ``origin``: Claude signature, Responses encrypted_content, Gemini
    thoughtSignature, or the encrypted data of a redacted block."""
    redacted: bool = False
    """Claude ``redacted_thinking``: no text, ``signature`` holds the data."""
    origin: WireFormat | None = None
    """The format family that issued ``signature``; no other family can verify it."""
    provider_details: dict[str, Any] = field(default_factory=dict)
    """Vendor extras: ``item_id`` (Responses reasoning item id)."""
    kind: Literal["thinking"] = "thinking"


@dataclass(slots=True)
class RawBlock:
    """A block only its own wire format understands (server tool results, code execution)."""

    origin: WireFormat
    """The format the block came from; it is re-emitted only there."""
    data: dict[str, Any]
    """The block exactly as received."""
    kind: Literal["raw"] = "raw"


Block: TypeAlias = (
    TextBlock | ImageBlock | FileBlock | ToolCallBlock | ToolResultBlock | ThinkingBlock | RawBlock
)


@dataclass(slots=True)
class Message:
    """One conversation turn."""

    role: Role
    """Speaker; tool results travel in ``user`` turns."""
    blocks: list[Block] = field(default_factory=list)
    """Content, in order."""
    provider_details: dict[str, Any] = field(default_factory=dict)
    """Vendor extras: ``role`` (original role name, e.g. ``developer``), ``name``."""
    kind: Literal["message"] = "message"


@dataclass(slots=True)
class Tool:
    """A function the model may call, or a vendor built-in tool kept raw."""

    name: str
    """Function name (for raw tools, the vendor's tool type)."""
    description: str | None = None
    """What the tool does."""
    parameters: dict[str, Any] | None = None
    """JSON Schema of the arguments object."""
    strict: bool | None = None
    """OpenAI strict schema adherence."""
    raw: dict[str, Any] | None = None
    """A built-in tool (web search, code execution, namespace) exactly as received."""
    raw_origin: WireFormat | None = None
    """The format ``raw`` belongs to."""
    provider_details: dict[str, Any] = field(default_factory=dict)
    """Vendor extras: ``cache_control``, ``gemini_parameters`` (original OpenAPI schema)."""
    kind: Literal["tool"] = "tool"


@dataclass(slots=True)
class ToolChoice:
    """How the model must use tools."""

    mode: Literal["auto", "none", "required", "tool"] = "auto"
    """``required`` means some tool; ``tool`` means the one named."""
    name: str | None = None
    """The forced tool, when ``mode == "tool"``."""
    kind: Literal["tool_choice"] = "tool_choice"


@dataclass(slots=True)
class Reasoning:
    """Thinking controls, in whatever terms the client used."""

    enabled: bool | None = None
    """Explicit on/off; ``None`` means the client did not say."""
    effort: str | None = None
    """``minimal``, ``low``, ``medium``, ``high``, ``xhigh`` (or Claude's ``max``)."""
    budget_tokens: int | None = None
    """Thinking token budget (Claude, Gemini 2.5); ``-1`` is Gemini's dynamic budget."""
    include_thoughts: bool | None = None
    """Return thinking text (Gemini includeThoughts)."""
    summary: str | None = None
    """Responses reasoning summary mode: ``auto``, ``concise``, ``detailed``."""
    adaptive: bool = False
    """Claude ``thinking: {type: adaptive}``: the model picks its own budget."""
    kind: Literal["reasoning"] = "reasoning"


@dataclass(slots=True)
class ResponseFormat:
    """Structured output."""

    type: Literal["text", "json_object", "json_schema"] = "text"
    """Plain text, any JSON object, or JSON matching ``schema``."""
    schema: dict[str, Any] | None = None
    """The JSON Schema, for ``json_schema``."""
    name: str | None = None
    """Schema name (OpenAI requires one)."""
    strict: bool | None = None
    """OpenAI strict mode."""
    description: str | None = None
    """Schema description."""
    provider_details: dict[str, Any] = field(default_factory=dict)
    """Vendor extras: ``gemini_schema`` (original OpenAPI responseSchema)."""
    kind: Literal["response_format"] = "response_format"


@dataclass(slots=True)
class Request:
    """One generation request."""

    model: str
    """Model name as the client (or the mapping) wrote it."""
    messages: list[Message] = field(default_factory=list)
    """The conversation."""
    system: list[TextBlock] = field(default_factory=list)
    """Leading system prompt blocks."""
    tools: list[Tool] = field(default_factory=list)
    """Callable tools."""
    tool_choice: ToolChoice | None = None
    """Tool use constraint; ``None`` leaves the vendor default."""
    max_tokens: int | None = None
    """Output token cap."""
    temperature: float | None = None
    """Sampling temperature."""
    top_p: float | None = None
    """Nucleus sampling."""
    top_k: int | None = None
    """Top-k sampling (Claude, Gemini)."""
    stop: list[str] = field(default_factory=list)
    """Stop sequences."""
    stream: bool = False
    """Stream the answer."""
    include_usage: bool = False
    """OpenAI chat ``stream_options.include_usage``."""
    reasoning: Reasoning | None = None
    """Thinking controls."""
    response_format: ResponseFormat | None = None
    """Structured output."""
    parallel_tool_calls: bool | None = None
    """Allow several tool calls in one turn."""
    user: str | None = None
    """End-user id (OpenAI ``user``, Claude ``metadata.user_id``)."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Free-form request metadata (OpenAI/Responses ``metadata``)."""
    presence_penalty: float | None = None
    """OpenAI/Gemini presence penalty."""
    frequency_penalty: float | None = None
    """OpenAI/Gemini frequency penalty."""
    seed: int | None = None
    """Sampling seed."""
    source_format: WireFormat | None = None
    """The wire format this request was decoded from."""
    provider_details: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per wire format, top-level fields only that format understands."""
    kind: Literal["request"] = "request"


@dataclass(slots=True)
class Usage:
    """Token counts, in OpenAI's meaning (input includes cache, output includes reasoning)."""

    input_tokens: int = 0
    """All prompt tokens, cache reads and writes included."""
    output_tokens: int = 0
    """All generated tokens, reasoning included."""
    cache_read_tokens: int = 0
    """Prompt tokens served from cache."""
    cache_write_tokens: int = 0
    """Prompt tokens written to cache."""
    reasoning_tokens: int = 0
    """Generated tokens spent thinking."""
    kind: Literal["usage"] = "usage"

    @property
    def total_tokens(self) -> int:
        """Input plus output."""
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class Response:
    """One complete (non-streamed, or folded) answer."""

    id: str
    """Vendor response id."""
    model: str
    """Model that answered."""
    blocks: list[Block] = field(default_factory=list)
    """Answer content, in order."""
    finish_reason: FinishReason | None = None
    """Why generation stopped."""
    usage: Usage = field(default_factory=Usage)
    """Token counts."""
    provider_details: dict[str, Any] = field(default_factory=dict)
    """Vendor extras: ``stop_sequence`` (Claude), ``created`` (OpenAI)."""
    kind: Literal["response"] = "response"

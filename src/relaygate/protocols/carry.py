"""Carrying one vendor's opaque reasoning proofs through a client that speaks another format.

A Claude thinking signature, a Responses ``encrypted_content`` or a Gemini ``thoughtSignature``
must come back byte for byte on the next turn, but the client's format may have no field for
it. We pack it into a field the client is bound to echo:

- a *packed proof* (standard base64 of ``PACK_MAGIC`` + JSON, so SDKs that decode Gemini's
  ``thoughtSignature`` as bytes re-encode it intact) in the client's own proof slot: Claude
  ``signature``, Responses ``encrypted_content``, Gemini ``thoughtSignature``;
- an *attached tool-call id* (``<id>__rg__<base64url JSON>``) where no proof slot exists: OpenAI
  chat tool calls (clients echo ids verbatim in ``tool_calls`` and in ``tool_call_id``), and
  Gemini signatures shown to Claude or Responses clients.

Reasoning proofs only matter on turns that call tools (Claude and Gemini require them back
then), so carrying them on the first tool call of the turn is enough. Decoders detect and
unpack both forms; only base64url characters are used, so Claude's id pattern still matches.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from relaygate.kit import jsonx
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.ir import ThinkingBlock

PACK_MAGIC = b"\x00rgx1\x00"
PACK_PREFIX = base64.b64encode(PACK_MAGIC).decode()
"""Every packed proof starts with this (``AHJneDEA``): the magic is a whole base64 group."""
ID_SEPARATOR = "__rg__"
_ORIGINS = frozenset(WireFormat)


def _encode(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(jsonx.dumps(payload)).rstrip(b"=").decode()


def _decode(text: str) -> dict[str, Any] | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        value = jsonx.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _block_payload(block: ThinkingBlock, with_text: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"s": block.signature, "o": str(block.origin) if block.origin else None}
    if with_text and block.text:
        item["t"] = block.text
    if block.redacted:
        item["r"] = 1
    if "item_id" in block.provider_details:
        item["i"] = block.provider_details["item_id"]
    return item


def _block_from(item: dict[str, Any]) -> ThinkingBlock:
    origin = item.get("o")
    block = ThinkingBlock(
        text=str(item.get("t", "")),
        signature=item.get("s"),
        redacted=bool(item.get("r")),
        origin=WireFormat(origin) if isinstance(origin, str) and origin in _ORIGINS else None,
    )
    if "i" in item:
        block.provider_details["item_id"] = item["i"]
    return block


def pack(
    blocks: Sequence[ThinkingBlock], *, with_text: bool, thought_signature: str | None = None
) -> str:
    """Thinking blocks (and a Gemini tool-call signature) as one opaque proof string."""
    payload: dict[str, Any] = {"b": [_block_payload(b, with_text) for b in blocks]}
    if thought_signature is not None:
        payload["g"] = thought_signature
    return base64.b64encode(PACK_MAGIC + jsonx.dumps(payload)).decode()


def is_packed(value: object) -> bool:
    """Whether ``value`` is a proof string made by ``pack``."""
    return isinstance(value, str) and value.startswith(PACK_PREFIX)


def _unpack_payload(value: str) -> dict[str, Any] | None:
    # Python SDKs may hand the proof back in the URL-safe alphabet.
    text = value.replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4))
        payload = jsonx.loads(raw[len(PACK_MAGIC) :])
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def unpack(value: str) -> tuple[list[ThinkingBlock], str | None] | None:
    """Thinking blocks and Gemini signature from ``pack``; ``None`` if not ours."""
    if not value.startswith(PACK_PREFIX):
        return None
    payload = _unpack_payload(value)
    if payload is None:
        return None
    blocks = [_block_from(item) for item in payload.get("b", []) if isinstance(item, dict)]
    signature = payload.get("g")
    return blocks, signature if isinstance(signature, str) else None


def attach(
    call_id: str, blocks: Sequence[ThinkingBlock] = (), thought_signature: str | None = None
) -> str:
    """``call_id`` with reasoning proofs appended; unchanged when there is nothing to carry."""
    if not blocks and thought_signature is None:
        return call_id
    payload: dict[str, Any] = {"b": [_block_payload(b, True) for b in blocks]}
    if thought_signature is not None:
        payload["g"] = thought_signature
    return call_id + ID_SEPARATOR + _encode(payload)


def detach(call_id: str) -> tuple[str, list[ThinkingBlock], str | None]:
    """Undo ``attach``: the original id, carried thinking blocks, carried Gemini signature."""
    head, separator, tail = call_id.partition(ID_SEPARATOR)
    if not separator:
        return call_id, [], None
    payload = _decode(tail)
    if payload is None:
        return call_id, [], None
    blocks = [_block_from(item) for item in payload.get("b", []) if isinstance(item, dict)]
    signature = payload.get("g")
    return head, blocks, signature if isinstance(signature, str) else None


def original_id(call_id: str) -> str:
    """The id without anything ``attach`` added."""
    return call_id.partition(ID_SEPARATOR)[0]

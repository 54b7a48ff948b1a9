"""Every cross-format request conversion: the exact loss list, and the content that survives."""

from __future__ import annotations

import pytest
from proto_support import PAIRS, fixture

from relaygate.protocols import ir
from relaygate.protocols.codecs import CODECS, convert_request
from relaygate.protocols.formats import WireFormat
from relaygate.protocols.losses import LossReport

EXPECTED_LOSSES: dict[tuple[WireFormat, WireFormat], list[tuple[str, str]]] = {
    (WireFormat.OPENAI_CHAT, WireFormat.OPENAI_RESPONSES): [
        ("dropped", "seed"),
        ("dropped", "stop"),
        ("dropped", "logit_bias"),
        ("dropped", "n"),
    ],
    (WireFormat.OPENAI_CHAT, WireFormat.ANTHROPIC_MESSAGES): [
        ("dropped", "image_url.detail"),
        ("coerced", "thinking"),
        ("dropped", "seed"),
        ("dropped", "logit_bias"),
        ("dropped", "n"),
    ],
    (WireFormat.OPENAI_CHAT, WireFormat.GEMINI): [
        ("coerced", "image_url"),
        ("dropped", "response_format.strict"),
        ("coerced", "reasoning_effort"),
        ("dropped", "user"),
        ("dropped", "logit_bias"),
        ("dropped", "n"),
    ],
    (WireFormat.OPENAI_RESPONSES, WireFormat.OPENAI_CHAT): [
        ("dropped", "thinking"),
        ("dropped", "tools.web_search"),
        ("dropped", "reasoning.summary"),
        ("dropped", "prompt_cache_key"),
    ],
    (WireFormat.OPENAI_RESPONSES, WireFormat.ANTHROPIC_MESSAGES): [
        ("coerced", "max_tokens"),
        ("dropped", "image_url.detail"),
        ("dropped", "thinking"),
        ("dropped", "tools.web_search"),
        ("coerced", "reasoning_effort"),
        ("dropped", "reasoning.summary"),
        ("dropped", "prompt_cache_key"),
    ],
    (WireFormat.OPENAI_RESPONSES, WireFormat.GEMINI): [
        ("coerced", "image_url"),
        ("dropped", "thinking"),
        ("dropped", "tools.web_search"),
        ("coerced", "reasoning_effort"),
        ("dropped", "reasoning.summary"),
        ("dropped", "prompt_cache_key"),
    ],
    (WireFormat.ANTHROPIC_MESSAGES, WireFormat.OPENAI_CHAT): [
        ("dropped", "cache_control"),
        ("dropped", "thinking"),
        ("coerced", "thinking.budget_tokens"),
        ("dropped", "context_management"),
    ],
    (WireFormat.ANTHROPIC_MESSAGES, WireFormat.OPENAI_RESPONSES): [
        ("dropped", "cache_control"),
        ("dropped", "thinking"),
        ("coerced", "thinking.budget_tokens"),
        ("dropped", "context_management"),
    ],
    (WireFormat.ANTHROPIC_MESSAGES, WireFormat.GEMINI): [
        ("dropped", "cache_control"),
        ("dropped", "thinking"),
        ("dropped", "user"),
        ("dropped", "context_management"),
    ],
    (WireFormat.GEMINI, WireFormat.OPENAI_CHAT): [
        ("dropped", "thought_signature"),
        ("dropped", "tools.googleSearch"),
        ("dropped", "top_k"),
        ("coerced", "thinking.budget_tokens"),
        ("dropped", "safetySettings"),
    ],
    (WireFormat.GEMINI, WireFormat.OPENAI_RESPONSES): [
        ("dropped", "thought_signature"),
        ("dropped", "tools.googleSearch"),
        ("coerced", "thinking.budget_tokens"),
        ("dropped", "top_k"),
        ("dropped", "stop"),
        ("dropped", "safetySettings"),
    ],
    (WireFormat.GEMINI, WireFormat.ANTHROPIC_MESSAGES): [
        ("dropped", "thought_signature"),
        ("dropped", "tools.googleSearch"),
        ("coerced", "thinking"),
        ("dropped", "safetySettings"),
    ],
}


def _convert(src: WireFormat, dst: WireFormat, losses: LossReport) -> bytes:
    gemini = src == WireFormat.GEMINI
    return convert_request(
        fixture(src, "request.json"), src, dst, losses,
        model="gemini-2.5-flash" if gemini else None, stream=True if gemini else None,
    )  # fmt: skip


def _summary(request: ir.Request) -> dict[str, object]:
    blocks = [b for m in request.messages for b in m.blocks]
    return {
        "system": [b.text for b in request.system],
        "tools": sorted(t.name for t in request.tools if t.raw is None),
        "calls": [(b.id, b.name) for b in blocks if isinstance(b, ir.ToolCallBlock)],
        "results": [b.tool_call_id for b in blocks if isinstance(b, ir.ToolResultBlock)],
        "images": sum(isinstance(b, ir.ImageBlock) for b in blocks),
        "texts": [b.text for b in blocks if isinstance(b, ir.TextBlock)],
        "roles": [m.role for m in request.messages],
        "stream": request.stream,
    }


@pytest.mark.parametrize(("src", "dst"), PAIRS)
def test_exact_loss_list(src: WireFormat, dst: WireFormat) -> None:
    losses = LossReport()
    _convert(src, dst, losses)
    assert [(loss.action, loss.field) for loss in losses.items] == EXPECTED_LOSSES[(src, dst)]
    assert all(loss.note for loss in losses.items)


@pytest.mark.parametrize(("src", "dst"), PAIRS)
def test_conversation_survives(src: WireFormat, dst: WireFormat) -> None:
    original = CODECS[src].decode_request(fixture(src, "request.json"), LossReport())
    original.stream = True
    converted = CODECS[dst].decode_request(_convert(src, dst, LossReport()), LossReport())
    before, after = _summary(original), _summary(converted)
    assert "\n\n".join(before["system"]) == "\n\n".join(after["system"])  # type: ignore[arg-type]
    for key in ("tools", "calls", "results", "images", "texts", "roles"):
        assert after[key] == before[key], key
    if dst != WireFormat.GEMINI:  # Gemini puts the stream flag in the URL
        assert after["stream"] is True


@pytest.mark.parametrize(("src", "dst"), PAIRS)
def test_conversion_is_deterministic(src: WireFormat, dst: WireFormat) -> None:
    assert _convert(src, dst, LossReport()) == _convert(src, dst, LossReport())

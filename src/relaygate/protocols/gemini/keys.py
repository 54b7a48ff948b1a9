"""Gemini request field names in one spelling: the API takes proto JSON, snake_case or camelCase.

Google's JSON mapping accepts both ``thinkingConfig`` and ``thinking_config`` for every field,
and the Python ``google-genai`` SDK relies on it: it camel-cases the fields it knows
(``inlineData``, ``functionDeclarations``) but copies nested objects as they are, so a real
request carries ``{"inlineData": {"mime_type": ...}}``, ``parameters_json_schema`` and
``thinkingConfig: {"include_thoughts": true, "thinking_budget": 1024}``. The decoder reads
camelCase only, after ``camel_keys``.

Only field names are rewritten, never data: function-call ``args``, function ``response``
objects, JSON schemas (``parametersJsonSchema``, ``responseJsonSchema``), schema property
names, enum values, examples and defaults stay exactly as sent.
"""

from __future__ import annotations

from typing import Any

_OPAQUE = frozenset(
    {"parametersJsonSchema", "responseJsonSchema", "example", "default", "enum", "labels"}
)
"""Fields whose value is data (or plain JSON Schema), copied unchanged."""
_DATA = frozenset(
    {("functionCall", "args"), ("functionCall", "partialArgs"), ("functionResponse", "response")}
)
"""(parent, field) pairs whose value is the caller's data."""
_SCHEMAS = frozenset({"parameters", "responseSchema"})
"""Fields holding Gemini's OpenAPI ``Schema`` message."""


def _camel(key: str) -> str:
    if "_" not in key:
        return key
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _schema(value: Any) -> Any:
    """A ``Schema`` message: field names camel-cased, property names kept."""
    if isinstance(value, list):
        return [_schema(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = _camel(key)
        if name == "properties" and isinstance(item, dict):
            out[name] = {prop: _schema(sub) for prop, sub in item.items()}
        elif name in _OPAQUE:
            out[name] = item
        else:
            out[name] = _schema(item)
    return out


def _message(value: Any, parent: str) -> Any:
    if isinstance(value, list):
        return [_message(item, parent) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = _camel(key)
        if name in _OPAQUE or (parent, name) in _DATA:
            out[name] = item
        elif name in _SCHEMAS or (parent == "functionDeclarations" and name == "response"):
            out[name] = _schema(item)
        else:
            out[name] = _message(item, name)
    return out


def camel_keys(data: dict[str, Any]) -> dict[str, Any]:
    """A generateContent request with every proto field name in camelCase."""
    result: dict[str, Any] = _message(data, "")
    return result

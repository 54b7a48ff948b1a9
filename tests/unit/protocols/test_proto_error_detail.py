"""Error bodies of FastAPI-style vendors ({"detail": …}) keep their message."""

from __future__ import annotations

from relaygate.protocols.openai_errors import parse_error


def test_detail_string_and_list_are_read() -> None:
    assert parse_error(b'{"detail": "Model jina-x not found"}') == ("Model jina-x not found", None)
    message, _ = parse_error(b'{"detail": [{"loc": ["body", "query"], "msg": "field required"}]}')
    assert "field required" in message


def test_openai_shape_still_wins() -> None:
    assert parse_error(b'{"error": {"message": "bad", "code": "x"}, "detail": "other"}') == (
        "bad",
        "x",
    )

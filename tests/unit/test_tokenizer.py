"""Offline token counts: exact cl100k/o200k figures, no network, heuristic fallback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest

from relaygate.billing import tokenizer, usage


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connect from this process fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize(
    ("text", "cl100k", "o200k"),
    [
        ("hello world", 2, 2),
        ("Hello, world!", 4, 4),
        ("你好，世界", 6, 3),
        ("The quick brown fox jumps over the lazy dog.", 10, 10),
        ("<|endoftext|> hi", 8, 8),  # special tokens count as plain text
        ("", 0, 0),
    ],
)
def test_known_counts(text: str, cl100k: int, o200k: int) -> None:
    assert tokenizer.count(text, "gpt-4") == cl100k
    assert tokenizer.count(text, "text-embedding-3-small") == cl100k
    assert tokenizer.count(text, "gemini-embedding-001") == cl100k
    assert tokenizer.count(text, "gpt-4o-mini") == o200k
    assert tokenizer.count(text, "openai/gpt-5") == o200k


def test_token_ids_match_tiktoken() -> None:
    """The vocabularies are the real ones: tiktoken's ids for "hello world"."""
    native = tokenizer._native()
    assert native.tokenizer_for_encoding("cl100k_base").encode("hello world") == [15339, 1917]
    assert native.tokenizer_for_encoding("o200k_base").encode("hello world") == [24912, 2375]


def test_encoding_choice_follows_new_api() -> None:
    assert tokenizer.encoding_for("gpt-4o-2024-08-06") == tokenizer.O200K
    assert tokenizer.encoding_for("o3-mini") == tokenizer.O200K
    assert tokenizer.encoding_for("gpt-3.5-turbo") == tokenizer.CL100K
    assert tokenizer.encoding_for("claude-sonnet-4-5") == tokenizer.CL100K
    assert tokenizer.encoding_for("") == tokenizer.CL100K


def test_large_text_is_counted_without_chunk_limit() -> None:
    assert tokenizer.count("a" * 400_000) == 50_000


def test_usage_estimates_use_the_tokenizer() -> None:
    assert usage.estimate_tokens("hello world") == 2
    # strings inside a JSON value, joined by newlines; type/role/model keys skipped
    value = {"model": "m", "input": ["hello world", {"type": "text", "text": "hello world"}]}
    assert usage.estimate_value_tokens(value) == tokenizer.count("hello world\nhello world")
    assert usage.estimate_prompt_tokens(b"x" * 40) == 10  # the size heuristic is kept


def test_heuristic_when_the_tokenizer_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokenizer, "_loaded", {tokenizer.CL100K: None, tokenizer.O200K: None})
    assert tokenizer.count("hello world") is None
    assert usage.estimate_tokens("hello world") == usage.heuristic_tokens("hello world") == 3
    assert usage.estimate_tokens("你好") == 2


def test_fresh_process_counts_with_sockets_and_downloads_disabled() -> None:
    """A new interpreter with no cache and connect() refused still loads both vocabularies."""
    script = textwrap.dedent(
        """
        import os, socket
        def refuse(*a, **k):
            raise SystemExit("network access attempted")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        os.environ["TIKTOKEN_CACHE_DIR"] = "/nonexistent"
        from relaygate.billing import tokenizer
        print(tokenizer.count("hello world", "gpt-4"), tokenizer.count("hello world", "gpt-4o"))
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "2"]

"""Offline token counts with OpenAI's BPE vocabularies (cl100k_base, o200k_base).

The counts come from ``bpe-openai``, whose wheels carry both vocabularies inside the package:
nothing is downloaded at run time (tiktoken, by contrast, fetches its encoding files on first
use). The vocabulary for a model follows new-api's choice: o200k for the GPT-4o, GPT-4.1,
GPT-5 and o-series families, cl100k for every other model (Gemini, Claude and open models
included), since new-api prices their missing usage with cl100k too.

Each vocabulary loads on its first use (cl100k ~50 ms, o200k ~90 ms, ~100 MiB for both,
mostly the shared library's file-backed pages). When the
package is missing or fails, ``count`` returns None and callers use the character heuristic.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

CL100K = "cl100k_base"
O200K = "o200k_base"

_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "chatgpt-4o", "o1", "o3", "o4")
_lock = threading.Lock()


def encoding_for(model: str) -> str:
    """The vocabulary new-api counts ``model`` with."""
    name = model.lower().rsplit("/", 1)[-1]
    if name.startswith(_O200K_PREFIXES) or name.startswith(("gpt-oss", "omni-moderation")):
        return O200K
    return CL100K


def _native() -> Any:
    """The package's Rust extension, loaded without running ``bpe_openai/__init__``.

    The package's ``__init__`` parses every vocabulary into Python dicts for its
    tiktoken-compatible API (0.5 s, 60 MiB, deprecated ``importlib.resources`` calls); the
    extension alone has the vocabularies compiled in and loads both in 0.15 s.
    """
    spec = importlib.util.find_spec("bpe_openai")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("bpe-openai is not installed")
    for folder in spec.submodule_search_locations:
        for name in sorted(os.listdir(folder)):
            if name.startswith("_bindings.") and name.endswith((".so", ".pyd")):
                binding = importlib.util.spec_from_file_location(
                    "bpe_openai._bindings", os.path.join(folder, name)
                )
                if binding is None or binding.loader is None:
                    continue
                module = importlib.util.module_from_spec(binding)
                binding.loader.exec_module(module)
                return module
    raise ImportError("bpe-openai has no native extension")


_MISSING = object()
_loaded: dict[str, Callable[[str], int] | None] = {}


def _load(encoding: str) -> Callable[[str], int] | None:
    with _lock:  # two first calls in two threads load once
        if encoding in _loaded:
            return _loaded[encoding]
        counter: Callable[[str], int] | None = None
        try:
            counter = _native().tokenizer_for_encoding(encoding).count
        except Exception:  # ImportError, or a wheel without this vocabulary
            log.warning("offline tokenizer %s unavailable; token counts are estimated", encoding)
        _loaded[encoding] = counter
        return counter


def _counter(encoding: str) -> Callable[[str], int] | None:
    found = _loaded.get(encoding, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    return _load(encoding)


def available(encoding: str = CL100K) -> bool:
    """Whether exact counts for ``encoding`` can be made (loads it)."""
    return _counter(encoding) is not None


def count(text: str, model: str = "") -> int | None:
    """Exact BPE tokens of ``text`` for ``model``'s vocabulary, or None when it is unavailable.

    Special-token text such as ``<|endoftext|>`` is counted as ordinary text, as new-api does.
    """
    if not text:
        return 0
    counter = _counter(encoding_for(model))
    if counter is None:
        return None
    try:
        return counter(text)
    except Exception:  # never let a tokenizer fault fail a relay call
        log.exception("offline tokenizer failed on a %d-character text", len(text))
        return None


def warm(model: str = "") -> bool:
    """Load ``model``'s vocabulary now instead of on the first call."""
    return available(encoding_for(model))

"""Random identifiers: token keys, request ids, access tokens."""

from __future__ import annotations

import secrets
import string
import time

_ALPHABET = string.ascii_letters + string.digits


def random_string(length: int) -> str:
    """Cryptographically random alphanumeric string."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_token_key() -> str:
    """A 48-character API key body, as new-api generates (clients see it with ``sk-``)."""
    return random_string(48)


def new_access_token() -> str:
    """A 32-character management access token (new-api's ``users.access_token``)."""
    return secrets.token_hex(16)


def new_request_id() -> str:
    """A sortable request id: time prefix plus randomness, like new-api's."""
    return time.strftime("%Y%m%d%H%M%S") + secrets.token_hex(8)

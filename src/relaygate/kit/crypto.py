"""Secrets at rest and in transit: Fernet encryption keyed by CRYPTO_SECRET, HMAC helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

_PREFIX = "enc:v1:"


class SecretBox:
    """Encrypts short secrets (channel keys) with a key derived from ``CRYPTO_SECRET``.

    Values without the ``enc:v1:`` prefix are read as plain text, so a new-api database
    (which stores keys in plain text) is readable before it is re-encrypted.
    """

    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, plain: str) -> str:
        """Encrypt ``plain``; empty stays empty."""
        if not plain:
            return ""
        return _PREFIX + self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, stored: str) -> str:
        """Decrypt a stored value; plain text passes through unchanged."""
        if not stored.startswith(_PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored[len(_PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise ValueError("secret was encrypted with another CRYPTO_SECRET") from exc


def hmac_sha256(secret: str, message: str) -> str:
    """Hex HMAC-SHA256."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def constant_time_equal(left: str, right: str) -> bool:
    """Compare secrets without leaking timing."""
    return hmac.compare_digest(left.encode(), right.encode())

"""A software WebAuthn authenticator: a real EC P-256 key, 'none' attestation, signed assertions.

It answers the JSON options the server sends (``data.options.publicKey``) with the JSON a
browser's ``navigator.credentials.create()/get()`` would post back, so the server's py_webauthn
checks run unmocked.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from relaygate.kit import jsonx

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_AT = 0x40
AAGUID = bytes(16)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """One resident credential for one RP, bound to an origin."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.rp_id = ""
        self.user_handle = b""

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str) -> bytes:
        body = {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}
        return jsonx.dumps(body)

    def _auth_data(self, flags: int, attested: bytes = b"") -> bytes:
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", self.sign_count) + attested

    def create(self, public_key: dict[str, Any]) -> dict[str, Any]:
        """Answer PublicKeyCredentialCreationOptions."""
        self.rp_id = public_key["rp"]["id"]
        self.user_handle = unb64url(public_key["user"]["id"])
        attested = AAGUID + struct.pack(">H", len(self.credential_id)) + self.credential_id
        auth_data = self._auth_data(FLAG_UP | FLAG_UV | FLAG_AT, attested + self._cose_key())
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", public_key["challenge"])
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }

    def get(self, public_key: dict[str, Any], *, origin: str | None = None) -> dict[str, Any]:
        """Answer PublicKeyCredentialRequestOptions (a discoverable or allow-listed get)."""
        allowed = [unb64url(c["id"]) for c in public_key.get("allowCredentials") or []]
        if allowed and self.credential_id not in allowed:
            raise LookupError("no matching credential")
        if public_key.get("rpId", self.rp_id) != self.rp_id:
            raise LookupError("credential belongs to another RP")
        self.sign_count += 1
        auth_data = self._auth_data(FLAG_UP | FLAG_UV)
        client_data = self._client_data("webauthn.get", public_key["challenge"])
        if origin is not None:
            client_data = client_data.replace(self.origin.encode(), origin.encode())
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(self.user_handle),
            },
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        }

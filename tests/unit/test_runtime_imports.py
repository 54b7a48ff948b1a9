"""What ``import relaygate.app`` may load: never httpx (a test-only dependency, absent from a
production ``pip install .``), and not the heavy optional libraries either (stripe, authlib,
webauthn: ~20 MiB of resident memory at rest), which the code imports where it uses them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

BLOCK_HTTPX = """
import sys
for name in ("httpx", "httpx2"):
    sys.modules[name] = None  # any `import httpx` now raises ImportError
"""


def _run(script: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(BLOCK_HTTPX) + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_app_imports_without_httpx_and_without_heavy_libraries() -> None:
    done = _run(
        """
        import relaygate.app
        from relaygate.app import create_app
        create_app
        heavy = ("stripe", "authlib", "webauthn")
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"imported at app import: {done.stdout}"


def test_lazily_imported_code_paths_work_without_httpx() -> None:
    # The imports the OAuth, passkey and Stripe functions make on first use, and the bits of
    # them relaygate calls, with httpx unavailable (as in production).
    done = _run(
        """
        from authlib.oauth2.auth import ClientAuth, TokenAuth
        from authlib.oauth2.rfc6749.parameters import prepare_token_request
        from joserfc import jwt
        from joserfc.jwk import KeySet
        import stripe
        import webauthn
        from webauthn.helpers.structs import UserVerificationRequirement

        body = prepare_token_request("authorization_code", code="c", redirect_uri="https://r/cb")
        _, headers, body = ClientAuth("id", "secret", "client_secret_basic").prepare(
            "POST", "https://idp/token", {}, body
        )
        assert headers["Authorization"].startswith("Basic "), headers
        _, _, body = ClientAuth("id", "secret", "client_secret_post").prepare(
            "POST", "https://idp/token", {}, body
        )
        assert "client_secret=secret" in body, body
        _, headers, _ = TokenAuth({"access_token": "t", "token_type": "Bearer"}).prepare(
            "https://idp/userinfo", {}, ""
        )
        assert headers == {"Authorization": "Bearer t"}, headers
        stripe.AIOHTTPClient
        webauthn.generate_authentication_options(
            rp_id="example.com", user_verification=UserVerificationRequirement.PREFERRED
        )
        import relaygate.auth.oauth, relaygate.auth.passkeys, relaygate.payments.stripe
        assert "httpx" not in [m.split(".")[0] for m in sys.modules if sys.modules[m]]
        print("ok")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"

"""Passkeys (WebAuthn, py_webauthn): one discoverable credential per user, as new-api.

The relying party comes from the ``passkey.*`` options (new-api's PasskeySettings), else from
``ServerAddress``, else from the request's host and scheme. Ceremony state (the challenge, who
it is for, when it expires) lives in the signed session cookie and is popped on finish.

py_webauthn (several MiB with its CBOR and attestation code) is imported inside the functions
that use it, so an app that never sees a passkey ceremony does not load it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.db.models.passkey import PasskeyCredential
from relaygate.db.models.two_fa import utcnow
from relaygate.db.models.user import User
from relaygate.errors import ApiRefused
from relaygate.kit import clock, jsonx
from relaygate.options.snapshot import OptionsSnapshot

if TYPE_CHECKING:
    from webauthn.helpers.structs import (
        AuthenticatorAttachment,
        PublicKeyCredentialDescriptor,
        UserVerificationRequirement,
    )

REGISTRATION_SESSION_KEY = "passkey_registration_session"
LOGIN_SESSION_KEY = "passkey_login_session"
VERIFY_SESSION_KEY = "passkey_verify_session"
CEREMONY_TIMEOUT = 120
"""Seconds a begun ceremony stays valid (new-api: two minutes)."""

NOT_ENABLED = "管理员未启用 Passkey 登录"
NOT_BOUND = "该用户尚未绑定 Passkey"


@dataclass(frozen=True, slots=True)
class RelyingParty:
    """Who the credentials are scoped to."""

    rp_id: str
    name: str
    origins: list[str]
    user_verification: UserVerificationRequirement
    attachment: AuthenticatorAttachment | None


def _bool(value: str) -> bool:
    return value.strip().lower() == "true"


def enabled(options: OptionsSnapshot) -> bool:
    """``passkey.enabled``."""
    return _bool(options.get("passkey.enabled", "false"))


def _is_loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in ("localhost", "127.0.0.1", "[::1]")


def relying_party(request: Request, options: OptionsSnapshot) -> RelyingParty:
    """The RP for this request (new-api's BuildWebAuthn: settings, ServerAddress, request)."""
    from webauthn.helpers.structs import AuthenticatorAttachment, UserVerificationRequirement

    insecure_ok = _bool(options.get("passkey.allow_insecure_origin", "false"))
    server_address = options.get("ServerAddress", "").strip().rstrip("/")
    configured = options.get("passkey.origins", "").strip() or server_address
    origins = [o.strip().rstrip("/") for o in configured.split(",") if o.strip()]
    if origins:
        for origin in origins:
            if origin.lower().startswith("http://") and not insecure_ok:
                host = urlsplit(origin).netloc
                if not _is_loopback(host):
                    raise ApiRefused(f"Passkey 不允许使用不安全的 Origin: {origin}")
    else:
        forwarded = request.headers.get("x-forwarded-proto", "")
        scheme = forwarded.split(",")[0].strip().lower() or request.url.scheme or "https"
        host = request.headers.get("x-forwarded-host") or request.headers.get("host", "")
        if not host:
            raise ApiRefused("无法确定 Passkey 的 Origin，请在系统设置或 Passkey 设置中指定")
        if scheme == "http" and not insecure_ok and not _is_loopback(host):
            raise ApiRefused(
                f"Passkey 仅支持 HTTPS，当前访问: {scheme}://{host}，"
                "请在 Passkey 设置中允许不安全 Origin 或配置 HTTPS"
            )
        origins = [f"{scheme}://{host}"]
    rp_id = options.get("passkey.rp_id", "").strip()
    if rp_id and "//" in rp_id:
        rp_id = urlsplit(rp_id).hostname or ""
    elif rp_id:
        rp_id = rp_id.split(":")[0]
    else:
        rp_id = urlsplit(origins[0]).hostname or ""
    if not rp_id:
        raise ApiRefused("Passkey 未配置 Origin，无法推导 RPID")
    uv_raw = options.get("passkey.user_verification", "preferred").strip() or "preferred"
    try:
        uv = UserVerificationRequirement(uv_raw)
    except ValueError:
        uv = UserVerificationRequirement.PREFERRED
    attachment_raw = options.get("passkey.attachment_preference", "").strip()
    try:
        attachment = AuthenticatorAttachment(attachment_raw) if attachment_raw else None
    except ValueError:
        attachment = None
    name = (
        options.get("passkey.rp_display_name", "").strip()
        or options.get("SystemName", "relaygate")
        or "relaygate"
    )
    return RelyingParty(rp_id, name, origins, uv, attachment)


# ----------------------------------------------------------------------------- storage


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text) if text else b""


async def get(session: AsyncSession, user_id: int) -> PasskeyCredential | None:
    """The user's passkey, or None."""
    stmt = select(PasskeyCredential).where(
        PasskeyCredential.user_id == user_id, PasskeyCredential.deleted_at.is_(None)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_by_credential_id(session: AsyncSession, raw_id: bytes) -> PasskeyCredential | None:
    """The passkey with this credential id."""
    stmt = select(PasskeyCredential).where(
        PasskeyCredential.credential_id == _b64(raw_id), PasskeyCredential.deleted_at.is_(None)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def remove(session: AsyncSession, user_id: int) -> bool:
    """Delete the user's passkey; False when there was none."""
    result = await session.execute(
        delete(PasskeyCredential).where(PasskeyCredential.user_id == user_id)
    )
    return bool(getattr(result, "rowcount", 0))


def _descriptor(credential: PasskeyCredential) -> PublicKeyCredentialDescriptor:
    from webauthn.helpers.structs import AuthenticatorTransport, PublicKeyCredentialDescriptor

    transports: list[AuthenticatorTransport] = []
    try:
        for item in jsonx.loads(credential.transports) if credential.transports else []:
            try:
                transports.append(AuthenticatorTransport(item))
            except ValueError:
                continue
    except ValueError:
        transports = []
    return PublicKeyCredentialDescriptor(
        id=_unb64(credential.credential_id), transports=transports or None
    )


# ----------------------------------------------------------------------------- ceremony state


def _save_state(request: Request, key: str, challenge: bytes, user_id: int | None) -> None:
    from webauthn.helpers import bytes_to_base64url

    request.session[key] = {
        "challenge": bytes_to_base64url(challenge),
        "user_id": user_id,
        "expires": clock.now() + CEREMONY_TIMEOUT,
    }


def _pop_state(request: Request, key: str) -> tuple[bytes, int | None]:
    from webauthn import base64url_to_bytes

    state = request.session.pop(key, None)
    if not isinstance(state, dict) or not isinstance(state.get("challenge"), str):
        raise ApiRefused("Passkey 会话不存在或已过期")
    if int(state.get("expires", 0)) < clock.now():
        raise ApiRefused("Passkey 会话不存在或已过期")
    user_id = state.get("user_id")
    return base64url_to_bytes(state["challenge"]), user_id if isinstance(user_id, int) else None


def _options_json(options: Any) -> dict[str, Any]:
    from webauthn import options_to_json

    return {"publicKey": jsonx.loads(options_to_json(options))}


# ----------------------------------------------------------------------------- registration


def begin_registration(
    request: Request, rp: RelyingParty, user: User, existing: PasskeyCredential | None
) -> dict[str, Any]:
    """Creation options for the browser; the challenge goes into the session."""
    from webauthn import generate_registration_options
    from webauthn.helpers.structs import AuthenticatorSelectionCriteria, ResidentKeyRequirement

    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.name,
        user_id=str(user.id).encode(),
        user_name=user.username,
        user_display_name=user.display_name or user.username,
        timeout=CEREMONY_TIMEOUT * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            authenticator_attachment=rp.attachment,
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=rp.user_verification,
        ),
        exclude_credentials=[_descriptor(existing)] if existing is not None else None,
    )
    _save_state(request, REGISTRATION_SESSION_KEY, options.challenge, user.id)
    return _options_json(options)


async def finish_registration(
    session: AsyncSession,
    request: Request,
    rp: RelyingParty,
    user_id: int,
    credential: dict[str, Any],
) -> PasskeyCredential:
    """Verify the attestation and store (or replace) the user's passkey."""
    from webauthn import verify_registration_response
    from webauthn.helpers.exceptions import WebAuthnException
    from webauthn.helpers.structs import CredentialDeviceType, UserVerificationRequirement

    challenge, state_user = _pop_state(request, REGISTRATION_SESSION_KEY)
    if state_user != user_id:
        raise ApiRefused("Passkey 会话不存在或已过期")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origins,
            require_user_verification=rp.user_verification == UserVerificationRequirement.REQUIRED,
        )
    except WebAuthnException as exc:
        raise ApiRefused(f"Passkey 注册失败: {exc}") from exc
    if await get_by_credential_id(session, verified.credential_id) is not None:
        raise ApiRefused("该 Passkey 已被绑定")
    transports = credential.get("response", {}).get("transports") or []
    attachment = credential.get("authenticatorAttachment") or ""
    await remove(session, user_id)
    now = utcnow()
    row = PasskeyCredential(
        user_id=user_id,
        credential_id=_b64(verified.credential_id),
        public_key=_b64(verified.credential_public_key),
        attestation_type=str(getattr(verified.fmt, "value", verified.fmt)),
        aaguid=_b64(bytes.fromhex(verified.aaguid.replace("-", ""))),
        sign_count=verified.sign_count,
        clone_warning=False,
        user_present=True,
        user_verified=verified.user_verified,
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backup_state=verified.credential_backed_up,
        transports=jsonx.dumps_str([str(t) for t in transports]) if transports else "",
        attachment=str(attachment)[:32],
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


# ----------------------------------------------------------------------------- assertions


def begin_login(request: Request, rp: RelyingParty) -> dict[str, Any]:
    """Discoverable-credential request options (no user named)."""
    from webauthn import generate_authentication_options

    options = generate_authentication_options(
        rp_id=rp.rp_id, timeout=CEREMONY_TIMEOUT * 1000, user_verification=rp.user_verification
    )
    _save_state(request, LOGIN_SESSION_KEY, options.challenge, None)
    return _options_json(options)


def begin_verify(
    request: Request, rp: RelyingParty, user_id: int, credential: PasskeyCredential
) -> dict[str, Any]:
    """Request options limited to the user's own credential (step-up)."""
    from webauthn import generate_authentication_options

    options = generate_authentication_options(
        rp_id=rp.rp_id,
        timeout=CEREMONY_TIMEOUT * 1000,
        allow_credentials=[_descriptor(credential)],
        user_verification=rp.user_verification,
    )
    _save_state(request, VERIFY_SESSION_KEY, options.challenge, user_id)
    return _options_json(options)


def _raw_id(credential: dict[str, Any]) -> bytes:
    from webauthn import base64url_to_bytes

    raw = credential.get("rawId") or credential.get("id")
    if not isinstance(raw, str) or not raw:
        raise ApiRefused("无效的 Passkey 凭证")
    try:
        return base64url_to_bytes(raw)
    except ValueError as exc:
        raise ApiRefused("无效的 Passkey 凭证") from exc


async def _check_assertion(
    session: AsyncSession,
    rp: RelyingParty,
    challenge: bytes,
    stored: PasskeyCredential,
    credential: dict[str, Any],
) -> None:
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException
    from webauthn.helpers.structs import UserVerificationRequirement

    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origins,
            credential_public_key=_unb64(stored.public_key),
            credential_current_sign_count=stored.sign_count,
            require_user_verification=rp.user_verification == UserVerificationRequirement.REQUIRED,
        )
    except WebAuthnException as exc:
        raise ApiRefused(f"Passkey 验证失败: {exc}") from exc
    stored.sign_count = verified.new_sign_count
    stored.user_verified = verified.user_verified
    stored.backup_state = verified.credential_backed_up
    stored.last_used_at = utcnow()
    stored.updated_at = stored.last_used_at
    await session.flush()


async def finish_login(
    session: AsyncSession, request: Request, rp: RelyingParty, credential: dict[str, Any]
) -> User:
    """Verify a discoverable assertion and return the user it belongs to."""
    from webauthn import base64url_to_bytes

    challenge, _ = _pop_state(request, LOGIN_SESSION_KEY)
    stored = await get_by_credential_id(session, _raw_id(credential))
    if stored is None:
        raise ApiRefused("未找到 Passkey 凭证")
    user = await session.get(User, stored.user_id)
    if user is None or user.deleted_at is not None:
        raise ApiRefused("用户信息获取失败")
    handle = credential.get("response", {}).get("userHandle")
    if isinstance(handle, str) and handle:
        try:
            claimed = base64url_to_bytes(handle).decode()
        except (ValueError, UnicodeDecodeError):
            claimed = ""
        if claimed.isdigit() and int(claimed) != user.id:
            raise ApiRefused("用户句柄与凭证不匹配")
    await _check_assertion(session, rp, challenge, stored, credential)
    return user


async def finish_verify(
    session: AsyncSession,
    request: Request,
    rp: RelyingParty,
    user_id: int,
    credential: dict[str, Any],
) -> None:
    """Verify a step-up assertion from the user's own passkey."""
    challenge, state_user = _pop_state(request, VERIFY_SESSION_KEY)
    if state_user != user_id:
        raise ApiRefused("Passkey 会话不存在或已过期")
    stored = await get(session, user_id)
    if stored is None:
        raise ApiRefused(NOT_BOUND)
    if _raw_id(credential) != _unb64(stored.credential_id):
        raise ApiRefused("Passkey 验证失败: 凭证不匹配")
    await _check_assertion(session, rp, challenge, stored, credential)

"""Helpers the auth routes share: starting a login session and reading the session user."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel

from relaygate.db.models.user import User
from relaygate.users.schemas import LoginPublic


class CodeRequest(BaseModel):
    """``{code}``: a TOTP or backup code."""

    code: str = ""


def start_session(request: Request, user: User, *, is_new_user: bool = False) -> dict[str, Any]:
    """Log ``user`` in on this session with new-api's keys; returns the login data."""
    data = LoginPublic.model_validate(user)
    request.session.clear()
    request.session.update(
        {
            "id": data.id,
            "username": data.username,
            "role": data.role,
            "status": data.status,
            "group": data.group,
        }
    )
    body: dict[str, Any] = data.model_dump()
    if is_new_user:
        body["is_new_user"] = True
    return body


def session_user_id(request: Request) -> int | None:
    """The logged-in user id from the session cookie, if any."""
    value = request.session.get("id") if "session" in request.scope else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None

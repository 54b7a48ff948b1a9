"""Routes authenticated by the relay key itself (``Authorization: Bearer sk-…``), read-only:
``GET /api/usage/token/`` (the key's quota) and ``GET /api/log/token`` (its newest logs).

Both are rate-limited like new-api (CriticalRateLimit) and open to any origin (CORS), since
scripts and third-party dashboards call them with nothing but the key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from relaygate.auth.deps import DbSession
from relaygate.db.models.token import Token
from relaygate.kit import jsonx
from relaygate.logs.schemas import LogPublic
from relaygate.tokens import repository, service
from relaygate.tokens.ratelimit import critical_rate_limit
from relaygate.tokens.schemas import TokenUsageAnswer

RECENT_LOGS = 1000
"""new-api's MaxRecentItems."""
_ADMIN_ONLY_OTHER_FIELDS = ("admin_info", "stream_status")
_CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}

router = APIRouter(tags=["tokens"], dependencies=[Depends(critical_rate_limit)])


async def _presenting_token(
    session: DbSession, authorization: Annotated[str, Header()] = ""
) -> Token:
    return await service.presenting_token(session, authorization)


PresentingToken = Annotated[Token, Depends(_presenting_token)]


@router.get("/api/usage/token/")
async def token_usage(token: PresentingToken) -> JSONResponse:
    """The presenting key's quota: granted, used, available, limits and expiry."""
    answer = TokenUsageAnswer(data=service.usage(token))
    return JSONResponse(answer.model_dump(mode="json"), headers=_CORS)


def _user_view(row: LogPublic, position: int) -> LogPublic:
    row.id = position
    row.channel_name = ""
    try:
        other = jsonx.loads(row.other) if row.other else None
    except ValueError:
        other = None
    if isinstance(other, dict):
        for field in _ADMIN_ONLY_OTHER_FIELDS:
            other.pop(field, None)
        row.other = jsonx.dumps_str(other)
    return row


@router.get("/api/log/token")
async def token_logs(token: PresentingToken, session: DbSession) -> JSONResponse:
    """The presenting key's newest log rows, numbered from 1, admin-only details removed."""
    rows = await repository.recent_logs(session, token.id, limit=RECENT_LOGS)
    items = [
        _user_view(LogPublic.model_validate(row), position)
        for position, row in enumerate(rows, start=1)
    ]
    body = {"success": True, "message": "", "data": [item.model_dump() for item in items]}
    return JSONResponse(body, headers=_CORS)

"""/api/token: a user's own API keys. Writes commit, then tell the relay's key cache."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from relaygate.auth.deps import DbSession, RuntimeDep, UserCaller
from relaygate.kit.envelope import Envelope
from relaygate.misc.paging import PageParams
from relaygate.runtime import TOPIC_TOKENS
from relaygate.tokens import service
from relaygate.tokens.ratelimit import critical_rate_limit
from relaygate.tokens.schemas import (
    TokenBatch,
    TokenCreate,
    TokenCreated,
    TokenKey,
    TokenKeys,
    TokenPage,
    TokenPublic,
    TokenUpdate,
)

_NO_STORE = {"Cache-Control": "no-store"}

router = APIRouter(prefix="/api/token", tags=["tokens"])


def _status_filter(raw: str) -> int:
    # new-api: absent means any status; unparsable matches nothing.
    if not raw:
        return 0
    try:
        return int(raw)
    except ValueError:
        return -1


@router.get("/")
async def list_tokens(
    page: PageParams, session: DbSession, caller: UserCaller, group: str = ""
) -> Envelope[TokenPage]:
    """The caller's tokens, newest first, keys masked, with counts by status."""
    return Envelope[TokenPage](
        data=await service.list_tokens(session, caller.id, page, group=group)
    )


@router.get("/search")  # per-user SearchRateLimit: relaygate.protection
async def search_tokens(
    page: PageParams,
    session: DbSession,
    runtime: RuntimeDep,
    caller: UserCaller,
    keyword: str = "",
    token: str = "",
    group: str = "",
    status: str = "",
) -> Envelope[TokenPage]:
    """The caller's tokens by exact name or key (``%`` for a fuzzy match), group and status."""
    return Envelope[TokenPage](
        data=await service.search_tokens(
            session,
            caller.id,
            page,
            runtime.options.current,
            keyword=keyword,
            key=token,
            group=group,
            status=_status_filter(status),
        )
    )


@router.post("/batch/keys", dependencies=[Depends(critical_rate_limit)])
async def reveal_keys(body: TokenBatch, session: DbSession, caller: UserCaller) -> JSONResponse:
    """Full keys of up to 100 of the caller's tokens, by id (rate-limited, never cached)."""
    keys = await service.keys_of(session, caller.id, body.ids)
    answer = Envelope[TokenKeys](data=TokenKeys(keys=keys))
    return JSONResponse(answer.model_dump(mode="json"), headers=_NO_STORE)


@router.post("/batch")
async def delete_tokens(body: TokenBatch, runtime: RuntimeDep, caller: UserCaller) -> Envelope[int]:
    """Delete several of the caller's tokens; data is how many were deleted."""
    async with runtime.database.unit_of_work() as session:
        keys = await service.delete_many(session, caller.id, body.ids)
    for key in keys:
        await runtime.changed(TOPIC_TOKENS, key)
    return Envelope[int](data=len(keys))


@router.get("/{token_id}")
async def get_token(token_id: int, session: DbSession, caller: UserCaller) -> Envelope[TokenPublic]:
    """One of the caller's tokens, key masked."""
    return Envelope[TokenPublic](
        data=service.public(await service.get(session, caller.id, token_id))
    )


@router.post("/{token_id}/key", dependencies=[Depends(critical_rate_limit)])
async def reveal_key(token_id: int, session: DbSession, caller: UserCaller) -> JSONResponse:
    """The full key of one of the caller's tokens (rate-limited, never cached)."""
    token = await service.get(session, caller.id, token_id)
    answer = Envelope[TokenKey](data=TokenKey(key=token.key))
    return JSONResponse(answer.model_dump(mode="json"), headers=_NO_STORE)


@router.post("/")
async def create_token(
    body: TokenCreate, runtime: RuntimeDep, caller: UserCaller
) -> Envelope[TokenCreated]:
    """Issue a key; the answer is the only time the full key is sent unasked."""
    async with runtime.database.unit_of_work() as session:
        token = await service.create(
            session, caller.id, body, runtime.options.current, user_group=caller.group
        )
    await runtime.changed(TOPIC_TOKENS, token.key)
    return Envelope[TokenCreated](data=TokenCreated(id=token.id, key=token.key))


@router.put("/")
async def update_token(
    body: TokenUpdate, runtime: RuntimeDep, caller: UserCaller, status_only: str = ""
) -> Envelope[TokenPublic]:
    """Edit a token; any non-empty ``status_only`` changes only its status (new-api)."""
    async with runtime.database.unit_of_work() as session:
        token = await service.update(
            session,
            caller.id,
            body,
            runtime.options.current,
            status_only=bool(status_only),
            user_group=caller.group,
        )
    await runtime.changed(TOPIC_TOKENS, token.key)
    return Envelope[TokenPublic](data=service.public(token))


@router.delete("/{token_id}")
async def delete_token(token_id: int, runtime: RuntimeDep, caller: UserCaller) -> Envelope[Any]:
    """Delete one of the caller's tokens."""
    async with runtime.database.unit_of_work() as session:
        key = await service.delete(session, caller.id, token_id)
    await runtime.changed(TOPIC_TOKENS, key)
    return Envelope.ok()

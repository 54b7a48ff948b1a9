"""/api/token: a user's own API keys. Writes commit, then tell the relay's key cache."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from relaygate.auth.deps import DbSession, RuntimeDep, UserCaller
from relaygate.kit.envelope import Envelope, Page
from relaygate.misc.paging import PageParams
from relaygate.runtime import TOPIC_TOKENS
from relaygate.tokens import service
from relaygate.tokens.schemas import (
    TokenCreate,
    TokenCreated,
    TokenKey,
    TokenPublic,
    TokenUpdate,
)

router = APIRouter(prefix="/api/token", tags=["tokens"])


@router.get("/")
async def list_tokens(
    page: PageParams, session: DbSession, caller: UserCaller, group: str = ""
) -> Envelope[Page[TokenPublic]]:
    """The caller's tokens, newest first, keys masked."""
    return Envelope[Page[TokenPublic]](
        data=await service.list_tokens(session, caller.id, page, group=group)
    )


@router.get("/search")
async def search_tokens(
    page: PageParams,
    session: DbSession,
    caller: UserCaller,
    keyword: str = "",
    token: str = "",
    group: str = "",
) -> Envelope[Page[TokenPublic]]:
    """The caller's tokens whose name contains ``keyword`` (or whose key is ``token``)."""
    return Envelope[Page[TokenPublic]](
        data=await service.list_tokens(
            session, caller.id, page, keyword=keyword, key=token, group=group
        )
    )


@router.get("/{token_id}")
async def get_token(token_id: int, session: DbSession, caller: UserCaller) -> Envelope[TokenPublic]:
    """One of the caller's tokens, key masked."""
    return Envelope[TokenPublic](
        data=service.public(await service.get(session, caller.id, token_id))
    )


@router.post("/{token_id}/key")
async def reveal_key(token_id: int, session: DbSession, caller: UserCaller) -> Envelope[TokenKey]:
    """The full key of one of the caller's tokens."""
    token = await service.get(session, caller.id, token_id)
    return Envelope[TokenKey](data=TokenKey(key=token.key))


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

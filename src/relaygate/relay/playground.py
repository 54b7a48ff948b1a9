"""The console playground: ``POST /pg/chat/completions`` as the logged-in user (no API key).

As in new-api the call is billed to the user's own quota (no token), in the group the
console picked (one of the user's usable groups) or the user's group.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from relaygate.auth.api_keys import ApiCaller, TokenEntry
from relaygate.auth.deps import UserCaller
from relaygate.db.models.user import User
from relaygate.errors import Forbidden, RelayGateError
from relaygate.protocols import wire
from relaygate.protocols.formats import WireFormat
from relaygate.relay.errors import FORMAT_SCOPE_KEY
from relaygate.relay.inbound import read_inbound
from relaygate.relay.pipeline import RelayPipeline
from relaygate.relay.service import RelayService
from relaygate.relay.settle import record_refusal

router = APIRouter()


def _usable_groups(request: Request, user_group: str) -> set[str]:
    service: RelayService = request.app.state.relay
    usable = service.runtime.options.current.json_value("UserUsableGroups")
    groups = set(usable) if isinstance(usable, dict) else set()
    groups.add(user_group)
    return groups


@router.post("/pg/chat/completions", include_in_schema=False)
async def playground_chat(request: Request, caller: UserCaller) -> Response:
    """Relay one playground chat for the session user."""
    request.scope[FORMAT_SCOPE_KEY] = WireFormat.OPENAI_CHAT
    service: RelayService = request.app.state.relay
    async with service.runtime.database.reader() as session:
        user = (await session.execute(select(User).where(User.id == caller.id))).scalar_one()
    body = await request.body()
    inbound = read_inbound(WireFormat.OPENAI_CHAT, body)
    group = wire.as_str(inbound.payload.get("group")) or user.group or "default"
    if group not in _usable_groups(request, user.group or "default"):
        raise Forbidden(f"group {group} is not usable by this user", code="group_not_allowed")
    inbound.payload.pop("group", None)
    entry = TokenEntry(
        token_id=0,
        token_name="playground",
        key="",
        user_id=user.id,
        username=user.username,
        user_role=user.role,
        user_status=user.status,
        user_group=user.group or "default",
        status=1,
        expired_time=-1,
        unlimited_quota=True,
        model_limits=None,
        allow_ips=(),
        group=group,
    )
    api_caller = ApiCaller(
        entry=entry,
        group=group,
        pinned_channel=None,
        client_ip=request.client.host if request.client else "",
    )
    try:
        return await RelayPipeline(service).handle(request, api_caller, inbound)
    except RelayGateError as error:
        await record_refusal(
            service,
            request.scope["path"],
            request.scope.get("request_id", ""),
            api_caller,
            inbound.model,
            error,
        )
        raise

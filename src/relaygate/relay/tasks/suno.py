"""Suno through suno-api channels (type 36), as new-api's suno adaptor: ``/suno/submit/{action}``
(MUSIC or LYRICS, priced as ``suno_music`` / ``suno_lyrics``), fetches answered from ``tasks``,
status polled in batches with ``POST /suno/fetch``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from relaygate.auth.api_keys import ApiCaller
from relaygate.db.models.task import (
    PLATFORM_SUNO,
    TASK_STATUS_FAILURE,
    TASK_STATUS_NOT_START,
    TASK_STATUS_SUCCESS,
    Task,
)
from relaygate.errors import BadRequest, RelayGateError, UpstreamError
from relaygate.kit import clock
from relaygate.protocols import wire
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, UpstreamRequest
from relaygate.relay.service import RelayService
from relaygate.relay.settle import settle
from relaygate.relay.tasks import service as tasks
from relaygate.tasks_admin import repository
from relaygate.tasks_admin.schemas import TaskUpdate
from relaygate.tasks_admin.service import task_public

ACTIONS = frozenset({"MUSIC", "LYRICS"})


def _request(target: ChannelTarget, path: str, payload: Any) -> UpstreamRequest:
    base = (target.base_url or "").rstrip("/")
    return tasks.json_request(
        "POST", base + path, {"Authorization": f"Bearer {target.key}"}, payload
    )


async def submit(request: Request) -> Response:
    """``POST /suno/submit/{action}``."""
    service: RelayService = request.app.state.relay
    caller = await tasks.caller_for(request)
    try:
        return await _submit(service, request, caller)
    except RelayGateError as error:
        return tasks.task_error(error)


async def _submit(service: RelayService, request: Request, caller: ApiCaller) -> Response:
    action = request.path_params["action"].upper()
    payload = wire.load_object(await request.body())
    if action not in ACTIONS:
        raise BadRequest("invalid_action", code="invalid_request")
    if action == "MUSIC" and not payload.get("mv"):
        payload["mv"] = "chirp-v3-0"
    if action == "LYRICS" and not wire.as_str(payload.get("prompt")):
        raise BadRequest("prompt_empty", code="invalid_request")
    ctx = await tasks.start(service, request, caller, f"suno_{action.lower()}")

    async def build(target: ChannelTarget) -> tuple[UpstreamRequest, WireFormat]:
        return _request(target, f"/suno/submit/{action}", payload), WireFormat.OPENAI_CHAT

    try:
        upstream, target = await tasks.send(service, ctx, build)
        answer = await tasks.read_json(upstream)
        answer = answer if isinstance(answer, dict) else {}
        if answer.get("code") != "success" or not wire.as_str(answer.get("data")):
            raise UpstreamError(
                wire.as_str(answer.get("message")) or "suno refused the task",
                status_code=500,
                code=wire.as_str(answer.get("code")) or "fail_to_fetch_task",
                retryable=False,
            )
    except RelayGateError as error:
        await settle(service, ctx, error=error)
        raise
    public_id = tasks.public_task_id()
    ctx.log_other["task_id"] = public_id
    await settle(service, ctx)
    now = clock.now()
    await tasks.record(
        service,
        Task(
            created_at=now,
            updated_at=now,
            task_id=public_id,
            platform=PLATFORM_SUNO,
            user_id=caller.user_id,
            group=caller.group,
            channel_id=target.channel_id,
            quota=ctx.fixed_quota or 0,
            action=action,
            status=TASK_STATUS_NOT_START,
            submit_time=now,
            progress="0%",
            properties={
                "input": wire.as_str(payload.get("prompt")),
                "origin_model_name": ctx.model,
            },
            private_data={
                "upstream_task_id": answer["data"],
                "token_id": caller.token_id,
                "token_unlimited": caller.entry.unlimited_quota,
            },
        ),
    )
    return tasks.json_response(
        {"code": "success", "message": answer.get("message") or "", "data": public_id}
    )


def _dto(task: Task) -> dict[str, Any]:
    return task_public(task).model_dump(exclude={"username"}, exclude_none=True) | {
        "data": task.data
    }


async def fetch(request: Request) -> Response:
    """``POST /suno/fetch`` with ``{"ids": [...]}``, or ``GET /suno/fetch/{id}``."""
    service: RelayService = request.app.state.relay
    caller = await tasks.caller_for(request)
    async with service.runtime.database.reader() as session:
        if "id" in request.path_params:
            task = await repository.task_for_user(
                session, caller.user_id, request.path_params["id"]
            )
            if task is None:
                return tasks.task_error(BadRequest("task_not_exist", code="task_not_exist"))
            return tasks.json_response({"code": "success", "message": "", "data": _dto(task)})
        try:
            payload = wire.load_object(await request.body())
        except RelayGateError as error:
            return tasks.task_error(error)
        ids = [str(i) for i in payload.get("ids") or [] if isinstance(i, str | int)]
        found = await repository.tasks_for_user(session, caller.user_id, ids)
    return tasks.json_response({"code": "success", "message": "", "data": [_dto(t) for t in found]})


async def poll(
    service: RelayService, target: ChannelTarget, upstream_ids: list[str]
) -> dict[str, TaskUpdate]:
    """The channel's view of these tasks (``POST /suno/fetch``), keyed by upstream id."""
    upstream = await service.send(_request(target, "/suno/fetch", {"ids": upstream_ids}), target)
    if upstream.status != 200:
        raise await service.upstream_error(upstream, target, WireFormat.OPENAI_CHAT)
    answer = await tasks.read_json(upstream)
    items = answer.get("data") if isinstance(answer, dict) else None
    updates: dict[str, TaskUpdate] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not item.get("task_id"):
            continue
        status = wire.as_str(item.get("status")) or None
        update = TaskUpdate(status=status, data=item.get("data"))
        update.fail_reason = wire.as_str(item.get("fail_reason")) or None
        update.start_time = item.get("start_time") or None
        update.finish_time = item.get("finish_time") or None
        if status == TASK_STATUS_FAILURE and not update.fail_reason:
            update.fail_reason = "task failed"
        if status == TASK_STATUS_SUCCESS:
            update.progress = "100%"
        updates[str(item["task_id"])] = update
    return updates


def register(routes: Any) -> None:
    """The /suno routes (new-api router/relay-router.go)."""
    routes.post("/suno/submit/{action}")(submit)
    routes.post("/suno/fetch")(fetch)
    routes.get("/suno/fetch/{id}")(fetch)

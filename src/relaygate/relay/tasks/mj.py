"""Midjourney through midjourney-proxy channels (types 2 and 5), as new-api relays it
(relay/mjproxy_handler.go): submissions are priced per action (``mj_imagine``, ``mj_upscale``,
…), forwarded with the channel key in ``mj-api-secret``, and recorded in ``midjourneys``;
task fetches are answered from that table, which the polling job keeps current.

midjourney-proxy codes: 1 submitted, 21 already exists (maybe finished), 22 queued; anything
else is a refusal, which is not charged.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from relaygate.auth.api_keys import ApiCaller
from relaygate.db.models.midjourney import Midjourney
from relaygate.errors import BadRequest, RelayGateError
from relaygate.kit import clock, jsonx
from relaygate.options.snapshot import OptionsSnapshot
from relaygate.protocols import wire
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, UpstreamRequest
from relaygate.relay.service import RelayService
from relaygate.relay.settle import settle
from relaygate.relay.tasks import service as tasks
from relaygate.tasks_admin import repository
from relaygate.tasks_admin.service import forwarded_image_url

MJ_REQUEST_ERROR = 4
MJ_ACCEPTED = frozenset({1, 21, 22})
FREE_ACTIONS = frozenset({"INPAINT", "CUSTOM_ZOOM"})

SIMPLE_ACTIONS = {
    "imagine": "IMAGINE",
    "describe": "DESCRIBE",
    "blend": "BLEND",
    "shorten": "SHORTEN",
    "edits": "EDITS",
    "upload-discord-images": "UPLOAD",
}
"""Submit paths whose action is the path itself (new-api ``GetMjRequestModel``)."""


class MjRefusal(RelayGateError):
    """A Midjourney refusal: new-api answers ``{description, type, code}`` with HTTP 400."""

    status_code = 400

    def __init__(self, description: str, code: int = MJ_REQUEST_ERROR) -> None:
        super().__init__(description, code="mj_error")
        self.mj_code = code


def refusal_response(error: RelayGateError) -> Response:
    code = error.mj_code if isinstance(error, MjRefusal) else MJ_REQUEST_ERROR
    status = error.status if not isinstance(error, MjRefusal) else 400
    return tasks.json_response(
        {"description": error.message, "type": "upstream_error", "code": code}, status
    )


def model_for(action: str) -> str:
    """new-api ``CovertMjpActionToModelName``."""
    return "swap_face" if action == "SWAP_FACE" else "mj_" + action.lower()


def plus_action(payload: dict[str, Any]) -> str:
    """The action of a midjourney-plus ``customId`` (``MJ::JOB::upsample::2::…``)."""
    custom = wire.as_str(payload.get("customId"))
    if not custom:
        raise MjRefusal("custom_id_is_required")
    parts = custom.split("::")
    name = (
        parts[2] if len(parts) > 2 and parts[1] == "JOB" else (parts[1] if len(parts) > 1 else "")
    )
    if "upsample" in name:
        return "UPSCALE"
    if "variation" in name:
        return {"low_variation": "LOW_VARIATION", "high_variation": "HIGH_VARIATION"}.get(
            name, "VARIATION"
        )
    for marker, action in (
        ("pan", "PAN"),
        ("reroll", "REROLL"),
        ("Outpaint", "ZOOM"),
        ("CustomZoom", "CUSTOM_ZOOM"),
        ("Inpaint", "INPAINT"),
    ):
        if marker in name:
            return action
    raise MjRefusal(f"unknown_action:{custom}")


def simple_change(content: str) -> tuple[str, str]:
    """``"<task id> U2"`` → (task id, action) (new-api ``ConvertSimpleChangeParams``)."""
    parts = content.split(" ")
    if len(parts) != 2 or not parts[1]:
        raise MjRefusal("content_parse_failed")
    kind = parts[1].lower()
    if kind == "r":
        return parts[0], "REROLL"
    if kind[0] in "uv" and kind[1:2].isdigit() and 1 <= int(kind[1:2]) <= 4:
        return parts[0], "UPSCALE" if kind[0] == "u" else "VARIATION"
    raise MjRefusal("content_parse_failed")


def resolve_action(mode: str, payload: dict[str, Any]) -> tuple[str, str]:
    """(action, origin task id or "") for one submit path."""
    task_id = wire.as_str(payload.get("taskId"))
    if mode in SIMPLE_ACTIONS:
        if mode == "imagine" and not wire.as_str(payload.get("prompt")):
            raise MjRefusal("prompt_is_required")
        return SIMPLE_ACTIONS[mode], ""
    if mode == "change":
        action = wire.as_str(payload.get("action"))
        if not task_id:
            raise MjRefusal("task_id_is_required")
        if not action:
            raise MjRefusal("action_is_required")
        if not payload.get("index"):
            raise MjRefusal("index_is_required")
        return action.upper(), task_id
    if mode == "simple-change":
        return simple_change(wire.as_str(payload.get("content")))[::-1]
    if mode == "modal":
        return "MODAL", task_id
    if mode == "action":
        return plus_action(payload), task_id
    if mode == "video":
        if not task_id:
            raise MjRefusal("task_id_is_required")
        return "VIDEO", task_id
    raise MjRefusal("unknown_relay_action")


def upstream_path(path: str) -> str:
    """new-api ``getMjRequestPath``: ``/mj-fast/mj/…`` goes upstream as ``/mj/…``."""
    if "/mj-" in path and "/mj/" in path:
        return "/mj/" + path.split("/mj/", 1)[1]
    return path


def clean_body(options: OptionsSnapshot, payload: dict[str, Any]) -> dict[str, Any]:
    """Drop what the console does not allow through (accountFilter, notifyHook, speed flags)."""
    body = dict(payload)
    if options.get("MjAccountFilterEnabled", "false") != "true":
        body.pop("accountFilter", None)
    if options.get("MjNotifyEnabled", "false") != "true":
        body.pop("notifyHook", None)
    prompt = body.get("prompt")
    if options.get("MjModeClearEnabled", "false") == "true" and isinstance(prompt, str):
        for flag in ("--fast", "--relax", "--turbo"):
            prompt = prompt.replace(flag, "")
        body["prompt"] = prompt
    return body


def _request(target: ChannelTarget, method: str, path: str, payload: Any) -> UpstreamRequest:
    base = (target.base_url or "").rstrip("/")
    headers = {"mj-api-secret": target.key.removeprefix("Bearer ")}
    return tasks.json_request(method, base + path, headers, payload)


async def submit(request: Request) -> Response:
    """``POST /mj/submit/{mode}``."""
    service: RelayService = request.app.state.relay
    caller = await tasks.caller_for(request)
    try:
        return await _submit(service, request, caller, request.path_params["mode"])
    except RelayGateError as error:
        return refusal_response(error)


async def _submit(
    service: RelayService, request: Request, caller: ApiCaller, mode: str
) -> Response:
    try:
        payload = wire.load_object(await request.body())
    except RelayGateError as exc:
        raise MjRefusal("bind_request_body_failed") from exc
    action, origin_id = resolve_action(mode, payload)
    options = service.runtime.options.current
    pinned: int | None = None
    prompt = wire.as_str(payload.get("prompt"))
    if origin_id:
        async with service.runtime.database.reader() as session:
            origin = await repository.midjourney_for_user(session, caller.user_id, origin_id)
        if origin is None:
            raise MjRefusal("task_not_found")
        check = options.get("MjActionCheckSuccessEnabled", "true") == "true"
        if check and origin.status != "SUCCESS" and action != "MODAL":
            raise MjRefusal("task_status_not_success")
        pinned, prompt = origin.channel_id, origin.prompt
    ctx = await tasks.start(
        service, request, caller, model_for(action), charge=action not in FREE_ACTIONS
    )
    path = upstream_path(request.scope["path"])
    body = clean_body(options, payload)

    async def build(target: ChannelTarget) -> tuple[UpstreamRequest, WireFormat]:
        return _request(target, "POST", path, body), WireFormat.OPENAI_CHAT

    try:
        upstream, target = await tasks.send(service, ctx, build, pinned=pinned)
        answer = await tasks.read_json(upstream)
    except RelayGateError as error:
        await settle(service, ctx, error=error)
        raise
    answer = answer if isinstance(answer, dict) else {}
    code = answer.get("code") if isinstance(answer.get("code"), int) else 0
    now_ms = clock.now() * 1000
    row = Midjourney(
        user_id=caller.user_id,
        code=code,
        action=action,
        mj_id=wire.as_str(answer.get("result")),
        prompt=prompt,
        description=wire.as_str(answer.get("description")),
        submit_time=now_ms,
        progress="0%",
        channel_id=target.channel_id,
        quota=ctx.fixed_quota or 0,
    )
    if code not in MJ_ACCEPTED or upstream.status != 200:
        # refused upstream: not charged, and already final so the poller never refunds it
        row.fail_reason = row.description or "submit refused"
        row.status, row.progress, row.quota = "FAILURE", "100%", 0
        await settle(service, ctx, error=RelayGateError(row.fail_reason, status_code=400))
    else:
        ctx.log_other.update({"mj_action": action, "mj_id": row.mj_id})
        await settle(service, ctx)
    if code == 21:
        properties = answer.get("properties")
        if isinstance(properties, dict) and isinstance(properties.get("status"), str):
            row.image_url = wire.as_str(properties.get("imageUrl"))
            row.status = properties["status"]
            if row.status == "SUCCESS":
                row.progress, row.start_time, row.finish_time = "100%", now_ms, now_ms
    if code == 1 and action == "UPLOAD":
        row.status, row.progress = "SUCCESS", "100%"
    await tasks.record(service, row)
    raw = jsonx.dumps(answer)
    if code in (21, 22) and action not in FREE_ACTIONS:
        answer = {**answer, "code": 1}
        raw = jsonx.dumps(answer)
    return Response(raw, status_code=upstream.status, media_type="application/json")


def task_dto(options: OptionsSnapshot, row: Midjourney) -> dict[str, Any]:
    """new-api ``coverMidjourneyTaskDto``: the midjourney-proxy shape of one stored task."""

    def parsed(text: str) -> Any:
        if not text:
            return None
        try:
            return jsonx.loads(text)
        except ValueError:
            return None

    image_url = forwarded_image_url(options, row)
    if image_url != row.image_url and row.status != "SUCCESS":
        image_url += f"?rand={time.time_ns()}"  # new-api: defeat caches until it is final
    return {
        "id": row.mj_id,
        "action": row.action,
        "customId": "",
        "botType": "",
        "prompt": row.prompt,
        "promptEn": row.prompt_en,
        "description": row.description,
        "state": row.state,
        "submitTime": row.submit_time,
        "startTime": row.start_time,
        "finishTime": row.finish_time,
        "imageUrl": image_url,
        "videoUrl": row.video_url,
        "videoUrls": parsed(row.video_urls),
        "status": row.status,
        "progress": row.progress,
        "failReason": row.fail_reason,
        "buttons": parsed(row.buttons),
        "maskBase64": "",
        "properties": parsed(row.properties),
    }


async def fetch(request: Request) -> Response:
    """``GET /mj/task/{id}/fetch`` from the table."""
    service: RelayService = request.app.state.relay
    caller = await tasks.caller_for(request)
    async with service.runtime.database.reader() as session:
        row = await repository.midjourney_for_user(
            session, caller.user_id, request.path_params["id"]
        )
    if row is None:
        return refusal_response(MjRefusal("task_no_found"))
    return tasks.json_response(task_dto(service.runtime.options.current, row))


async def list_by_condition(request: Request) -> Response:
    """``POST /mj/task/list-by-condition`` with ``{"ids": [...]}``."""
    service: RelayService = request.app.state.relay
    caller = await tasks.caller_for(request)
    try:
        payload = wire.load_object(await request.body())
    except RelayGateError:
        return refusal_response(MjRefusal("do_request_failed"))
    ids = [str(i) for i in payload.get("ids") or [] if isinstance(i, str | int)]
    async with service.runtime.database.reader() as session:
        rows = await repository.midjourneys_for_user(session, caller.user_id, ids)
    options = service.runtime.options.current
    return tasks.json_response([task_dto(options, row) for row in rows])


async def image_seed(request: Request) -> Response:
    """``GET /mj/task/{id}/image-seed``: asked of the task's own channel."""
    service: RelayService = request.app.state.relay
    caller = await tasks.caller_for(request)
    async with service.runtime.database.reader() as session:
        row = await repository.midjourney_for_user(
            session, caller.user_id, request.path_params["id"]
        )
    if row is None:
        return refusal_response(MjRefusal("task_no_found"))
    target = service.routing.targets.get(row.channel_id)
    if target is None:
        return refusal_response(MjRefusal("该任务所属渠道已被禁用"))
    path = upstream_path(request.scope["path"])
    try:
        upstream = await service.send(_request(target, "GET", path, None), target)
        raw = await upstream.read()
    except RelayGateError as error:
        return refusal_response(error)
    return Response(raw, status_code=upstream.status, media_type="application/json")


async def image(request: Request) -> Response:
    """``GET /mj/image/{id}``: the task's image streamed through us (no key, as new-api)."""
    service: RelayService = request.app.state.relay
    async with service.runtime.database.reader() as session:
        row = await repository.midjourney_by_mj_id(session, request.path_params["id"])
    if row is None or not row.image_url:
        return tasks.json_response({"error": "midjourney_task_not_found"}, 400)
    target = service.routing.targets.get(row.channel_id)
    fetch_request = UpstreamRequest(method="GET", url=row.image_url, headers={}, body=b"")
    try:
        upstream = await service.transport.send(
            fetch_request,
            channel_id=target.channel_id if target else 0,
            first_byte_timeout=tasks.SUBMIT_TIMEOUT,
            idle_timeout=tasks.SUBMIT_TIMEOUT,
        )
    except RelayGateError:
        return tasks.json_response({"error": "http_get_image_failed"}, 500)
    if upstream.status != 200:
        return tasks.json_response(
            {"error": (await upstream.read()).decode(errors="replace")}, upstream.status
        )

    async def body() -> AsyncIterator[bytes]:
        async for chunk in upstream.iter_chunks():
            yield chunk

    return StreamingResponse(
        body(), media_type=upstream.headers.get("content-type") or "image/jpeg"
    )


async def poll(
    service: RelayService, target: ChannelTarget, mj_ids: list[str]
) -> list[dict[str, Any]]:
    """The channel's view of these tasks (``/mj/task/list-by-condition``), for the poller."""
    upstream = await service.send(
        _request(target, "POST", "/mj/task/list-by-condition", {"ids": mj_ids}), target
    )
    if upstream.status != 200:
        raise await service.upstream_error(upstream, target, WireFormat.OPENAI_CHAT)
    answer = await tasks.read_json(upstream)
    if not isinstance(answer, list):
        raise BadRequest("midjourney-proxy answered list-by-condition with no list")
    return [item for item in answer if isinstance(item, dict)]


def register(routes: Any) -> None:
    """The /mj routes, also under new-api's ``/{mode}/mj`` prefix (``/mj-fast/mj/…``)."""
    for prefix in ("/mj", "/{prefix_mode}/mj"):
        routes.post(f"{prefix}/submit/{{mode}}")(submit)
        routes.get(f"{prefix}/task/{{id}}/fetch")(fetch)
        routes.get(f"{prefix}/task/{{id}}/image-seed")(image_seed)
        routes.post(f"{prefix}/task/list-by-condition")(list_by_condition)
        routes.get(f"{prefix}/image/{{id}}")(image)

"""Video generation: OpenAI's Sora API (``/v1/videos``) and new-api's ``/v1/video/generations``,
relayed to OpenAI-type channels as new-api's sora adaptor does (relay/channel/task/sora).

The body goes upstream as the client sent it (JSON or multipart; character, storyboard and
any other parameters pass through) with only the model name mapped. Quota: the per-call
price × seconds (4 unless asked) × 1.666667 for the 1792-pixel sizes, charged at submission.
Clients only ever see the public ``task_…`` id; the upstream's id stays in private data.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from relaygate.auth.api_keys import ApiCaller
from relaygate.db.models.task import (
    TASK_STATUS_FAILURE,
    TASK_STATUS_IN_PROGRESS,
    TASK_STATUS_NOT_START,
    TASK_STATUS_QUEUED,
    TASK_STATUS_SUBMITTED,
    TASK_STATUS_SUCCESS,
    Task,
)
from relaygate.errors import BadRequest, NotFound, RelayGateError
from relaygate.kit import clock, jsonx
from relaygate.protocols import wire
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, ChannelType, UpstreamRequest
from relaygate.relay.service import RelayService
from relaygate.relay.settle import settle
from relaygate.relay.tasks import service as tasks
from relaygate.tasks_admin import repository
from relaygate.tasks_admin.schemas import TaskUpdate
from relaygate.tasks_admin.service import task_public

DEFAULT_MODEL = "sora-2"
DEFAULT_SECONDS = 4
WIDE_SIZES = frozenset({"1792x1024", "1024x1792"})
SORA_CHANNEL_TYPES = frozenset({ChannelType.OPENAI, ChannelType.CUSTOM, 55})
"""Channel types the sora adaptor serves (new-api: Sora 55 and OpenAI 1)."""

UPSTREAM_STATUS = {
    "queued": TASK_STATUS_QUEUED,
    "pending": TASK_STATUS_QUEUED,
    "processing": TASK_STATUS_IN_PROGRESS,
    "in_progress": TASK_STATUS_IN_PROGRESS,
    "completed": TASK_STATUS_SUCCESS,
    "failed": TASK_STATUS_FAILURE,
    "cancelled": TASK_STATUS_FAILURE,
}
VIDEO_STATUS = {
    TASK_STATUS_NOT_START: "queued",
    TASK_STATUS_SUBMITTED: "queued",
    TASK_STATUS_QUEUED: "queued",
    TASK_STATUS_IN_PROGRESS: "in_progress",
    TASK_STATUS_SUCCESS: "completed",
    TASK_STATUS_FAILURE: "failed",
}


class VideoCall:
    """The client's submission: fields for pricing, and the body to forward."""

    def __init__(
        self, fields: dict[str, Any], body: bytes, content_type: str, files: list[UploadFile]
    ) -> None:
        self.fields = fields
        self.body = body
        self.content_type = content_type
        self.files = files

    @property
    def model(self) -> str:
        return wire.as_str(self.fields.get("model")) or DEFAULT_MODEL

    def ratios(self) -> dict[str, float]:
        """new-api's sora ``EstimateBilling``: seconds and size."""
        raw = self.fields.get("seconds") or self.fields.get("duration")
        try:
            seconds = int(str(raw)) if raw not in (None, "") else 0
        except ValueError:
            seconds = 0
        size = wire.as_str(self.fields.get("size")) or "720x1280"
        return {
            "seconds": float(seconds if seconds > 0 else DEFAULT_SECONDS),
            "size": 1.666667 if size in WIDE_SIZES else 1.0,
        }

    async def encode(self, model: str) -> tuple[bytes, str]:
        """The body with ``model`` set (the client's bytes when nothing changes)."""
        if self.content_type.startswith("multipart/form-data"):
            if self.fields.get("model") == model:
                return self.body, self.content_type
            return await _multipart({**self.fields, "model": model}, self.files)
        if self.content_type.startswith("application/json") or not self.content_type:
            payload = dict(self.fields)
            payload["model"] = model
            return jsonx.dumps(payload), "application/json"
        return self.body, self.content_type


async def _multipart(fields: Mapping[str, Any], files: list[UploadFile]) -> tuple[bytes, str]:
    boundary = "relaygate" + secrets.token_hex(12)
    parts: list[bytes] = []
    for name, value in fields.items():
        if isinstance(value, UploadFile):
            continue
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for upload in files:
        data = await upload.read()
        field_name = getattr(upload, "field_name", "") or "input_reference"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
            f'filename="{upload.filename or "file"}"\r\n'
            f"Content-Type: {upload.content_type or 'application/octet-stream'}\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


async def read_call(request: Request) -> VideoCall:
    """Parse the submission (JSON object or multipart form)."""
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        fields: dict[str, Any] = {}
        files: list[UploadFile] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                value.field_name = name  # type: ignore[attr-defined]
                files.append(value)
            else:
                fields[name] = value
        return VideoCall(fields, body, content_type, files)
    if not body.strip():
        raise BadRequest("request body is empty; expected a JSON object", code="invalid_request")
    return VideoCall(wire.load_object(body), body, content_type or "application/json", [])


def _headers(target: ChannelTarget, content_type: str = "") -> dict[str, str]:
    headers = {"Authorization": f"Bearer {target.key}"}
    if content_type:
        headers["Content-Type"] = content_type
    return headers


def _base(target: ChannelTarget) -> str:
    return (target.base_url or "https://api.openai.com").rstrip("/")


async def submit(request: Request) -> Response:
    """``POST /v1/videos``, ``POST /v1/video/generations``, ``POST /v1/videos/{id}/remix``."""
    service: RelayService = request.app.state.relay
    caller = await tasks.caller_for(request)
    try:
        return await _submit(service, request, caller)
    except RelayGateError as error:
        return tasks.task_error(error)


async def _submit(service: RelayService, request: Request, caller: ApiCaller) -> Response:
    call = await read_call(request)
    origin: Task | None = None
    video_id = request.path_params.get("video_id")
    model, ratios = call.model, call.ratios()
    if video_id:
        async with service.runtime.database.reader() as session:
            origin = await repository.task_for_user(session, caller.user_id, video_id)
        if origin is None:
            raise BadRequest("task_origin_not_exist", code="task_not_exist")
        properties = origin.properties or {}
        model = str(properties.get("origin_model_name") or model)
        context = (origin.private_data or {}).get("billing_context") or {}
        ratios = dict(context.get("other_ratios") or ratios)
        if not wire.as_str(call.fields.get("prompt")):
            raise BadRequest("field prompt is required", code="invalid_request")
    ctx = await tasks.start(service, request, caller, model, ratios)
    upstream_origin = (
        str((origin.private_data or {}).get("upstream_task_id") or "") if origin else ""
    )

    async def build(target: ChannelTarget) -> tuple[UpstreamRequest, WireFormat]:
        body, content_type = await call.encode(ctx.upstream_model)
        path = f"/v1/videos/{upstream_origin}/remix" if origin else "/v1/videos"
        headers = _headers(target, content_type)
        return UpstreamRequest("POST", _base(target) + path, headers, body), WireFormat.OPENAI_CHAT

    try:
        upstream, target = await tasks.send(
            service, ctx, build, pinned=origin.channel_id if origin else None
        )
        answer = await tasks.read_json(upstream)
        upstream_id = ""
        if isinstance(answer, dict):
            upstream_id = wire.as_str(answer.get("id")) or wire.as_str(answer.get("task_id"))
        if not upstream_id:
            raise RelayGateError("task_id is empty", status_code=500, code="invalid_response")
    except RelayGateError as error:
        await settle(service, ctx, error=error)
        raise
    public_id = tasks.public_task_id()
    ctx.log_other["task_id"] = public_id
    await settle(service, ctx)
    now = clock.now()
    task = Task(
        created_at=now,
        updated_at=now,
        task_id=public_id,
        platform=str(target.channel_type),
        user_id=caller.user_id,
        group=caller.group,
        channel_id=target.channel_id,
        quota=ctx.fixed_quota or 0,
        action="remixGenerate" if origin else "generate",
        status=TASK_STATUS_SUBMITTED,
        submit_time=now,
        progress="10%",
        properties={
            "input": wire.as_str(call.fields.get("prompt")),
            "origin_model_name": ctx.model,
            "upstream_model_name": ctx.upstream_model,
        },
        private_data={
            "upstream_task_id": upstream_id,
            "token_id": caller.token_id,
            "token_unlimited": caller.entry.unlimited_quota,
            "billing_context": {
                "model_price": ctx.price.model_price if ctx.price else 0,
                "group_ratio": ctx.price.group_ratio if ctx.price else 1,
                "other_ratios": ratios,
                "origin_model_name": ctx.model,
            },
        },
        data=answer,
    )
    await tasks.record(service, task)
    assert isinstance(answer, dict)
    return tasks.json_response({**answer, "id": public_id, "task_id": public_id})


def openai_video(task: Task) -> dict[str, Any]:
    """The task in OpenAI's video shape (new-api ``ConvertToOpenAIVideo``: data, our id)."""
    data = dict(task.data) if isinstance(task.data, dict) else {}
    data.update({"id": task.task_id, "object": data.get("object") or "video"})
    data["status"] = VIDEO_STATUS.get(task.status, data.get("status") or "queued")
    if task.progress.endswith("%") and task.progress[:-1].isdigit():
        data["progress"] = int(task.progress[:-1])
    if task.status == TASK_STATUS_FAILURE:
        data["error"] = data.get("error") or {"message": task.fail_reason, "code": "task_failed"}
    data.pop("task_id", None)
    return data


async def _own_task(request: Request, name: str) -> Task:
    service: RelayService = request.app.state.relay
    caller = await tasks.caller_for(request)
    async with service.runtime.database.reader() as session:
        task = await repository.task_for_user(session, caller.user_id, request.path_params[name])
    if task is None:
        raise BadRequest("task_not_exist", code="task_not_exist")
    return task


async def fetch_openai(request: Request) -> Response:
    """``GET /v1/videos/{task_id}`` in OpenAI's shape."""
    try:
        task = await _own_task(request, "task_id")
    except RelayGateError as error:
        return tasks.task_error(error)
    return tasks.json_response(openai_video(task))


async def fetch_generation(request: Request) -> Response:
    """``GET /v1/video/generations/{task_id}``: ``{code: success, data: TaskDto}``."""
    try:
        task = await _own_task(request, "task_id")
    except RelayGateError as error:
        return tasks.task_error(error)
    dto = task_public(task).model_dump(exclude={"username"}, exclude_none=True)
    dto.setdefault("data", None)
    return tasks.json_response({"code": "success", "message": "", "data": dto})


async def content(request: Request) -> Response:
    """``GET /v1/videos/{task_id}/content``: the finished video streamed from the channel.

    No key needed, as in new-api: the random public task id is the capability."""
    service: RelayService = request.app.state.relay
    async with service.runtime.database.reader() as session:
        task = await repository.task_by_public_id(session, request.path_params["task_id"])
    if task is None or task.status != TASK_STATUS_SUCCESS:
        return tasks.task_error(NotFound("task not found or not completed", code="task_not_exist"))
    target = service.routing.targets.get(task.channel_id)
    upstream_id = str((task.private_data or {}).get("upstream_task_id") or "")
    if target is None or not upstream_id:
        return tasks.task_error(NotFound("the task's channel is gone", code="channel_not_found"))
    variant = request.query_params.get("variant")
    url = f"{_base(target)}/v1/videos/{upstream_id}/content"
    if variant:
        url += f"?variant={variant}"
    try:
        upstream = await service.send(UpstreamRequest("GET", url, _headers(target), b""), target)
    except RelayGateError as error:
        return tasks.task_error(error)
    if upstream.status >= 400:
        return tasks.task_error(
            await service.upstream_error(upstream, target, WireFormat.OPENAI_CHAT)
        )

    async def body() -> AsyncIterator[bytes]:
        async for chunk in upstream.iter_chunks():
            yield chunk

    headers = {}
    if "content-length" in upstream.headers:
        headers["content-length"] = upstream.headers["content-length"]
    return StreamingResponse(
        body(), media_type=upstream.headers.get("content-type") or "video/mp4", headers=headers
    )


async def poll(service: RelayService, target: ChannelTarget, task: Task) -> TaskUpdate:
    """The channel's view of one task (``GET /v1/videos/{id}``), for the poller."""
    upstream_id = str((task.private_data or {}).get("upstream_task_id") or "")
    url = f"{_base(target)}/v1/videos/{upstream_id}"
    upstream = await service.send(UpstreamRequest("GET", url, _headers(target), b""), target)
    if upstream.status >= 400:
        raise await service.upstream_error(upstream, target, WireFormat.OPENAI_CHAT)
    answer = await tasks.read_json(upstream)
    if not isinstance(answer, dict):
        raise BadRequest("video status answer is not an object")
    update = TaskUpdate(data=answer)
    status = UPSTREAM_STATUS.get(wire.as_str(answer.get("status")))
    update.status = status
    progress = answer.get("progress")
    if isinstance(progress, int) and 0 < progress < 100:
        update.progress = f"{progress}%"
    if status == TASK_STATUS_FAILURE:
        error = answer.get("error")
        message = wire.as_str(error.get("message")) if isinstance(error, dict) else ""
        update.fail_reason = message or "task failed"
    if status == TASK_STATUS_SUCCESS:
        server = service.runtime.options.current.get("ServerAddress").rstrip("/")
        update.result_url = f"{server}/v1/videos/{task.task_id}/content"
    return update


def register(routes: Any) -> None:
    """The video routes (new-api router/video-router.go)."""
    routes.post("/v1/videos", "/v1/video/generations")(submit)
    routes.post("/v1/videos/{video_id}/remix")(submit)
    routes.get("/v1/videos/{task_id}/content")(content)
    routes.get("/v1/videos/{task_id}")(fetch_openai)
    routes.get("/v1/video/generations/{task_id}")(fetch_generation)

"""What every async-task submission shares: per-call pricing, the pre-charge, the upstream
send, and charging (or refunding) once the upstream has accepted (or refused) the task.

Quota is charged at submission, as new-api does: ``ModelPrice`` (or half the model ratio, in
$) per call, times the task's other ratios (seconds, size). The polling job gives it back
once if the task later fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from relaygate.auth.api_keys import ApiCaller, read_key
from relaygate.billing.pricing import Price
from relaygate.db.models.midjourney import Midjourney
from relaygate.db.models.task import Task
from relaygate.errors import ModelNotFound, RelayGateError, UpstreamError
from relaygate.kit import jsonx
from relaygate.kit.ids import random_string
from relaygate.kit.money import QUOTA_PER_UNIT, to_decimal
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, UpstreamRequest
from relaygate.providers.transport import UpstreamResponse
from relaygate.relay.admission import admit, reserve
from relaygate.relay.attempts import Build, open_upstream
from relaygate.relay.context import RelayContext
from relaygate.relay.errors import FORMAT_SCOPE_KEY
from relaygate.relay.service import RelayService
from relaygate.routing import mapping
from relaygate.tasks_admin import repository

SUBMIT_TIMEOUT = 60.0


def _truncate(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_DOWN))


def per_call_quota(price: Price, ratios: Mapping[str, float] | None = None) -> int:
    """new-api ``ModelPriceHelperPerCall`` then ``applyTaskOtherRatios`` (truncating each step)."""
    group = to_decimal(price.group_ratio)
    if price.use_price:
        quota = _truncate(to_decimal(price.model_price) * QUOTA_PER_UNIT * group)
    else:
        quota = _truncate(to_decimal(price.model_ratio) / 2 * QUOTA_PER_UNIT * group)
    for ratio in (ratios or {}).values():
        if ratio != 1:
            quota = _truncate(Decimal(quota) * to_decimal(ratio))
    return quota


def public_task_id() -> str:
    """A new public task id (``task_`` + 32 random characters, as new-api)."""
    return "task_" + random_string(32)


async def caller_for(request: Request) -> ApiCaller:
    """The presented key's caller (errors render in OpenAI's shape)."""
    request.scope[FORMAT_SCOPE_KEY] = WireFormat.OPENAI_CHAT
    raw = read_key(request.headers, request.query_params)
    service: RelayService = request.app.state.relay
    return await service.authenticate(raw, request.client.host if request.client else "")


async def start(
    service: RelayService,
    request: Request,
    caller: ApiCaller,
    model: str,
    ratios: Mapping[str, float] | None = None,
    *,
    charge: bool = True,
) -> RelayContext:
    """Admit the call, price it per call and pre-charge that quota."""
    ctx = admit(service, request, caller, fmt=WireFormat.OPENAI_CHAT, model=model, stream=False)
    assert ctx.price is not None
    ctx.fixed_quota = per_call_quota(ctx.price, ratios) if charge else 0
    if ratios:
        ctx.log_other["other_ratios"] = dict(ratios)
    await reserve(service, ctx, ctx.fixed_quota)
    return ctx


async def send(
    service: RelayService, ctx: RelayContext, build: Build, *, pinned: int | None = None
) -> tuple[UpstreamResponse, ChannelTarget]:
    """Send to a channel serving the model (retrying others), or to the ``pinned`` channel
    an earlier task ran on (Midjourney changes, Sora remixes)."""
    if pinned is None:
        return await open_upstream(service, ctx, build)
    target = service.routing.targets.get(pinned)
    if target is None:
        raise ModelNotFound(
            "该任务所属渠道已被禁用 (the channel of the original task is disabled)",
            code="task_channel_disable",
        )
    ctx.channel = target
    ctx.tried.append(target.channel_id)
    ctx.upstream_model = mapping.resolve(ctx.model, target.model_mapping)
    request, error_fmt = await build(target)
    response = await service.send(request, target)
    if response.status >= 400:
        raise await service.upstream_error(response, target, error_fmt)
    return response, target


def json_request(
    method: str, url: str, headers: dict[str, str], payload: Any | None = None
) -> UpstreamRequest:
    """A JSON upstream request (no body for GET)."""
    body = b"" if payload is None else jsonx.dumps(payload)
    if payload is not None:
        headers = {"Content-Type": "application/json", **headers}
    return UpstreamRequest(method=method, url=url, headers=headers, body=body)


async def read_json(response: UpstreamResponse) -> Any:
    """The upstream's JSON answer; a body that is not JSON is an UpstreamError."""
    raw = await response.read()
    try:
        return jsonx.loads(raw)
    except ValueError as exc:
        raise UpstreamError(
            f"upstream returned a body that is not JSON: {raw[:200]!r}",
            channel_id=response.channel_id,
        ) from exc


async def record(service: RelayService, row: Midjourney | Task) -> None:
    """Insert the task row in its own unit of work."""
    async with service.runtime.database.unit_of_work() as session:
        await repository.add(session, row)


def json_response(payload: Any, status_code: int = 200) -> Response:
    return Response(jsonx.dumps(payload), status_code=status_code, media_type="application/json")


def task_error(error: RelayGateError) -> Response:
    """new-api's ``TaskError`` body ``{code, message, data}`` at the error's status."""
    return json_response(
        {"code": error.error_code, "message": error.message, "data": None}, error.status
    )

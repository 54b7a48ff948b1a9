"""/api/channel (admin). Writes commit first, then announce TOPIC_CHANNELS so routing reloads.

Static paths are declared before ``/{channel_id}`` so they are never read as an id.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from relaygate.auth import verification
from relaygate.auth.deps import AdminCaller, DbSession, RootCaller, RuntimeDep
from relaygate.channels import balance, bulk, multikey, repository, service, upstream
from relaygate.channels.repository import ChannelQuery
from relaygate.channels.schemas import (
    BalanceAnswer,
    ChannelAddRequest,
    ChannelBatch,
    ChannelKey,
    ChannelPage,
    ChannelPublic,
    ChannelUpdate,
    CopyResult,
    FetchModelsRequest,
    FixResult,
    ModelEntry,
    MultiKeyManageRequest,
    TagEdit,
    TestAnswer,
    UpstreamApplyResult,
    UpstreamDetectAllResult,
    UpstreamDetectResult,
    UpstreamUpdateRequest,
)
from relaygate.channels.tester import ProbeRunner, probe_one
from relaygate.db.models.channel import CHANNEL_STATUS_AUTO_DISABLED, CHANNEL_STATUS_ENABLED
from relaygate.errors import ApiRefused, RelayGateError, UpstreamError
from relaygate.kit import clock
from relaygate.kit.envelope import Envelope
from relaygate.misc.paging import PageParams, PageQuery
from relaygate.providers.transport import Transport
from relaygate.runtime import TOPIC_CHANNELS
from relaygate.tokens.ratelimit import critical_rate_limit

router = APIRouter(prefix="/api/channel", tags=["channels"])

BALANCE_CONCURRENCY = 4


def get_transport(request: Request) -> Transport:
    """The relay's shared upstream pool (tests and balances go out the same way as calls)."""
    transport = getattr(getattr(request.app.state, "relay", None), "transport", None)
    if not isinstance(transport, Transport):
        raise RelayGateError("upstream transport is not running")
    return transport


def get_probe_runner(request: Request) -> ProbeRunner:
    """The process's test-all runner (one run at a time)."""
    runner = getattr(request.app.state, "channel_probe_runner", None)
    if not isinstance(runner, ProbeRunner):
        runner = ProbeRunner()
        request.app.state.channel_probe_runner = runner
    return runner


TransportDep = Annotated[Transport, Depends(get_transport)]
ProbeRunnerDep = Annotated[ProbeRunner, Depends(get_probe_runner)]


def _truthy(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "t", "yes")


def _type_filter(raw: str) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def _group_filter(raw: str) -> str:
    group = raw.strip()
    return "" if group.lower() in ("all", "null") else group


@router.get("/")
async def list_channels(
    page: PageParams,
    session: DbSession,
    _: AdminCaller,
    id_sort: str = "",
    tag_mode: str = "",
    group: str = "",
    status: str = "",
    type: str = "",
    sort_by: str = "",
    sort_order: str = "",
) -> Envelope[ChannelPage]:
    """A page of channels, keys blanked."""
    query = ChannelQuery(
        group=_group_filter(group),
        status=status,
        type=_type_filter(type),
        sort_by=sort_by,
        sort_order=sort_order,
        id_sort=_truthy(id_sort),
    )
    return Envelope[ChannelPage](
        data=await service.list_channels(session, query, page, tag_mode=_truthy(tag_mode))
    )


@router.get("/search")
async def search_channels(
    session: DbSession,
    _: AdminCaller,
    keyword: str = "",
    group: str = "",
    model: str = "",
    status: str = "",
    type: str = "",
    id_sort: str = "",
    tag_mode: str = "",
    sort_by: str = "",
    sort_order: str = "",
    p: int = 1,
    page_size: int = 20,
) -> Envelope[ChannelPage]:
    """Channels matching a keyword (id, name, base URL, tag) and a model substring."""
    query = ChannelQuery(
        group=_group_filter(group),
        status=status,
        type=_type_filter(type),
        sort_by=sort_by,
        sort_order=sort_order,
        id_sort=_truthy(id_sort),
    )
    page = PageQuery.of(p, page_size, default_size=20)
    return Envelope[ChannelPage](
        data=await service.search_channels(
            session,
            query,
            page,
            keyword=keyword.strip(),
            model=model.strip(),
            tag_mode=_truthy(tag_mode),
        )
    )


@router.get("/models")
async def list_models(
    runtime: RuntimeDep, session: DbSession, _: AdminCaller
) -> Envelope[list[ModelEntry]]:
    """Models the console can offer: every priced model plus every model a channel serves."""
    known = list(runtime.options.current.model_ratio) + list(runtime.options.current.model_price)
    known += await repository.enabled_models(session)
    return Envelope[list[ModelEntry]](data=service.known_models(known))


@router.get("/models_enabled")
async def list_enabled_models(session: DbSession, _: AdminCaller) -> Envelope[list[str]]:
    """Models at least one enabled channel serves."""
    return Envelope[list[str]](data=await repository.enabled_models(session))


# -- tests and balances ----------------------------------------------------------------


@router.get("/test")
async def start_channel_tests(
    runtime: RuntimeDep, transport: TransportDep, runner: ProbeRunnerDep, _: AdminCaller
) -> Envelope[Any]:
    """Start testing every channel in the background; answers at once."""
    runner.start(runtime, transport)
    return Envelope.ok()


@router.get("/test/{channel_id}")
async def run_channel_test(
    channel_id: int, runtime: RuntimeDep, transport: TransportDep, _: AdminCaller, model: str = ""
) -> TestAnswer:
    """Send one minimal chat call; records response time and acts on the result."""
    outcome = await probe_one(runtime, transport, channel_id, model=model.strip())
    result = outcome.result
    if not result.reached:
        return TestAnswer(success=False, message=result.message, time=0.0)
    return TestAnswer(
        success=result.ok,
        message=result.message,
        time=result.elapsed_ms / 1000,
        error_code=None if result.ok else (result.error_code or None),
    )


async def _update_balance(
    runtime: RuntimeDep, transport: Transport, channel_id: int, *, disable_when_empty: bool
) -> float:
    async with runtime.database.reader() as session:
        channel = await service.load(session, channel_id)
    if multikey.parse_info(channel.channel_info).is_multi_key:
        raise ApiRefused("多密钥渠道不支持余额查询")
    target = upstream.saved_target(channel, runtime.secrets)
    try:
        rate = float(runtime.options.current.get("USDExchangeRate", "7.3"))
    except ValueError:
        rate = 7.3
    try:
        amount = await balance.fetch_balance(target, transport, cny_per_usd=rate)
    except balance.BalanceUnsupported as exc:
        raise ApiRefused(str(exc)) from None
    except UpstreamError as exc:
        raise ApiRefused(exc.message) from None
    async with runtime.database.unit_of_work() as session:
        await repository.record_balance(session, channel_id, balance=amount, at=clock.now())
        disable = (
            disable_when_empty
            and amount <= 0
            and runtime.options.current.auto_disable
            and (channel.auto_ban if channel.auto_ban is not None else 1) == 1
        )
        if disable:
            disable = await service.apply_status(
                session, channel_id, CHANNEL_STATUS_AUTO_DISABLED, reason="余额不足"
            )
    if disable:
        await runtime.changed(TOPIC_CHANNELS)
    return amount


@router.get("/update_balance")
async def update_all_balances(
    runtime: RuntimeDep, transport: TransportDep, _: AdminCaller
) -> Envelope[Any]:
    """Refresh every enabled single-key channel's balance; an empty one is auto-disabled."""
    async with runtime.database.reader() as session:
        channels = await repository.all_channels(session, status=CHANNEL_STATUS_ENABLED)
    gate = asyncio.Semaphore(BALANCE_CONCURRENCY)

    async def one(channel_id: int) -> None:
        async with gate:
            # An unsupported type or an upstream error skips the channel, as in new-api.
            with contextlib.suppress(ApiRefused):
                await _update_balance(runtime, transport, channel_id, disable_when_empty=True)

    eligible = [
        channel.id
        for channel in channels
        if channel.type in balance.BALANCE_FETCHERS
        and not multikey.parse_info(channel.channel_info).is_multi_key
    ]
    await asyncio.gather(*(one(channel_id) for channel_id in eligible))
    return Envelope.ok()


@router.get("/update_balance/{channel_id}")
async def update_balance(
    channel_id: int, runtime: RuntimeDep, transport: TransportDep, _: AdminCaller
) -> BalanceAnswer:
    """Fetch and store one channel's balance from its vendor."""
    amount = await _update_balance(runtime, transport, channel_id, disable_when_empty=False)
    return BalanceAnswer(balance=amount)


# -- upstream model lists --------------------------------------------------------------


@router.get("/fetch_models/{channel_id}")
async def fetch_channel_models(
    channel_id: int, runtime: RuntimeDep, transport: TransportDep, _: AdminCaller
) -> Envelope[list[str]]:
    """The model ids a saved channel's upstream lists."""
    async with runtime.database.reader() as session:
        channel = await service.load(session, channel_id)
    try:
        models = await upstream.fetch_models(
            upstream.saved_target(channel, runtime.secrets), transport
        )
    except UpstreamError as exc:
        raise ApiRefused(upstream.upstream_error_message(exc)) from None
    return Envelope[list[str]](data=models)


@router.post("/fetch_models")
async def fetch_models(
    body: FetchModelsRequest, transport: TransportDep, _: RootCaller
) -> Envelope[list[str]]:
    """The model ids an unsaved channel (type, base URL, key) would offer (root only)."""
    target = upstream.unsaved_target(body.type, body.base_url, body.key)
    try:
        models = await upstream.fetch_models(target, transport)
    except UpstreamError as exc:
        raise ApiRefused(upstream.upstream_error_message(exc)) from None
    return Envelope[list[str]](data=models)


async def _detect(
    runtime: RuntimeDep, transport: Transport, channel_id: int
) -> UpstreamDetectResult:
    async with runtime.database.reader() as session:
        channel = await service.load(session, channel_id)
    listed = await upstream.fetch_models(upstream.saved_target(channel, runtime.secrets), transport)
    async with runtime.database.unit_of_work() as session:
        return await upstream.detect(session, await service.load(session, channel_id), listed)


@router.post("/upstream_updates/detect")
async def detect_upstream_updates(
    body: UpstreamUpdateRequest, runtime: RuntimeDep, transport: TransportDep, _: AdminCaller
) -> Envelope[UpstreamDetectResult]:
    """Compare the upstream's model list with the channel's; store and answer the changes."""
    if body.id <= 0:
        raise ApiRefused("invalid channel id")
    try:
        result = await _detect(runtime, transport, body.id)
    except UpstreamError as exc:
        raise ApiRefused(upstream.upstream_error_message(exc)) from None
    if result.auto_added_models:
        await runtime.changed(TOPIC_CHANNELS)
    return Envelope[UpstreamDetectResult](data=result)


@router.post("/upstream_updates/detect_all")
async def detect_all_upstream_updates(
    runtime: RuntimeDep, transport: TransportDep, _: AdminCaller
) -> Envelope[UpstreamDetectAllResult]:
    """Detect for every enabled channel that opted in to upstream model-update checks."""
    async with runtime.database.reader() as session:
        channels = await repository.all_channels(session, status=CHANNEL_STATUS_ENABLED)
    results: list[UpstreamDetectResult] = []
    failed: list[int] = []
    for channel in channels:
        if not upstream.check_enabled(channel):
            continue
        try:
            results.append(await _detect(runtime, transport, channel.id))
        except (UpstreamError, ApiRefused):
            failed.append(channel.id)
    if any(result.auto_added_models for result in results):
        await runtime.changed(TOPIC_CHANNELS)
    summary = UpstreamDetectAllResult(
        processed_channels=len(results),
        failed_channel_ids=failed,
        detected_add_models=sum(len(result.add_models) for result in results),
        detected_remove_models=sum(len(result.remove_models) for result in results),
        channel_detected_results=results,
    )
    return Envelope[UpstreamDetectAllResult](data=summary)


@router.post("/upstream_updates/apply")
async def apply_upstream_updates(
    body: UpstreamUpdateRequest, runtime: RuntimeDep, _: AdminCaller
) -> Envelope[UpstreamApplyResult]:
    """Add, remove or ignore models picked from the last detection."""
    if body.id <= 0:
        raise ApiRefused("invalid channel id")
    async with runtime.database.unit_of_work() as session:
        result, changed = await upstream.apply(session, await service.load(session, body.id), body)
    if changed:
        await runtime.changed(TOPIC_CHANNELS)
    return Envelope[UpstreamApplyResult](data=result)


# -- tags and batches ------------------------------------------------------------------


@router.get("/tag/models")
async def tag_models(session: DbSession, _: AdminCaller, tag: str = "") -> Envelope[str]:
    """The longest model list among the channels with ``tag``."""
    return Envelope[str](data=await bulk.tag_models(session, tag))


@router.put("/tag")
async def edit_tag(body: TagEdit, runtime: RuntimeDep, _: AdminCaller) -> Envelope[Any]:
    """Edit every channel with a tag (priority, weight, models, groups, overrides, rename)."""
    async with runtime.database.unit_of_work() as session:
        await bulk.edit_by_tag(session, body)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope.ok()


@router.post("/tag/enabled")
async def enable_tag(body: TagEdit, runtime: RuntimeDep, _: AdminCaller) -> Envelope[Any]:
    """Enable every channel with a tag."""
    async with runtime.database.unit_of_work() as session:
        await bulk.set_tag_enabled(session, body.tag, enabled=True)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope.ok()


@router.post("/tag/disabled")
async def disable_tag(body: TagEdit, runtime: RuntimeDep, _: AdminCaller) -> Envelope[Any]:
    """Manually disable every channel with a tag."""
    async with runtime.database.unit_of_work() as session:
        await bulk.set_tag_enabled(session, body.tag, enabled=False)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope.ok()


@router.post("/batch/tag")
async def batch_set_tag(body: ChannelBatch, runtime: RuntimeDep, _: AdminCaller) -> Envelope[int]:
    """Set (or clear) the tag of the listed channels; data is how many ids were sent."""
    async with runtime.database.unit_of_work() as session:
        count = await bulk.batch_set_tag(session, body.ids, body.tag)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope[int](data=count)


@router.post("/batch")
async def batch_delete(body: ChannelBatch, runtime: RuntimeDep, _: AdminCaller) -> Envelope[int]:
    """Delete the listed channels; data is how many ids were sent."""
    async with runtime.database.unit_of_work() as session:
        count = await bulk.batch_delete(session, body.ids)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope[int](data=count)


@router.delete("/disabled")
async def delete_disabled(runtime: RuntimeDep, _: AdminCaller) -> Envelope[int]:
    """Delete every disabled channel; data is how many went."""
    async with runtime.database.unit_of_work() as session:
        count = await bulk.delete_disabled(session)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope[int](data=count)


@router.post("/fix")
async def fix_abilities(runtime: RuntimeDep, _: AdminCaller) -> Envelope[FixResult]:
    """Rebuild every channel's abilities from its row."""
    async with runtime.database.unit_of_work() as session:
        result = await bulk.fix_abilities(session)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope[FixResult](data=result)


@router.post("/copy/{channel_id}")
async def copy_channel(
    channel_id: int,
    runtime: RuntimeDep,
    _: AdminCaller,
    suffix: str = "_复制",
    reset_balance: str = "true",
) -> Envelope[CopyResult]:
    """Clone a channel with its key (balance and used quota reset unless told otherwise)."""
    reset = reset_balance.strip().lower() not in ("0", "false", "f", "no")
    async with runtime.database.unit_of_work() as session:
        clone = await bulk.copy(session, channel_id, suffix=suffix, reset_balance=reset)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope[CopyResult](data=CopyResult(id=clone.id))


@router.post("/multi_key/manage")
async def manage_multi_keys(
    body: MultiKeyManageRequest, runtime: RuntimeDep, _: AdminCaller
) -> Envelope[Any]:
    """List, enable, disable or delete the keys of a multi-key channel."""
    async with runtime.database.unit_of_work() as session:
        message, data, changed = await bulk.manage_keys(session, body, runtime.secrets)
    if changed:
        await runtime.changed(TOPIC_CHANNELS)
    return Envelope.ok(data, message=message)


# -- one channel -----------------------------------------------------------------------


@router.get("/{channel_id}")
async def get_channel(
    channel_id: int, session: DbSession, _: AdminCaller
) -> Envelope[ChannelPublic]:
    """One channel, key blanked."""
    return Envelope[ChannelPublic](data=await service.get(session, channel_id))


@router.post("/{channel_id}/key", dependencies=[Depends(critical_rate_limit)])
async def reveal_key(
    channel_id: int, request: Request, runtime: RuntimeDep, session: DbSession, _: RootCaller
) -> Any:
    """The channel's stored key (root, after a recent secure verification, rate-limited)."""
    if not verification.verified_recently(request):
        return JSONResponse(
            {"success": False, "message": "需要安全验证", "code": "VERIFICATION_REQUIRED"},
            status_code=403,
            headers={"Cache-Control": "no-store"},
        )
    channel = await service.load(session, channel_id)
    key = service.plain_key(channel, runtime.secrets)
    return JSONResponse(
        Envelope[ChannelKey](message="获取成功", data=ChannelKey(key=key)).model_dump(),
        headers={"Cache-Control": "no-store"},
    )


@router.post("/")
async def add_channel(
    body: ChannelAddRequest, runtime: RuntimeDep, _: AdminCaller
) -> Envelope[Any]:
    """Create one channel, one per key line (``batch``), or one multi-key channel; data lists
    the new ids."""
    async with runtime.database.unit_of_work() as session:
        channels = await service.create(session, body, runtime.secrets)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope.ok([channel.id for channel in channels])


@router.put("/")
async def update_channel(
    body: ChannelUpdate, runtime: RuntimeDep, _: AdminCaller
) -> Envelope[ChannelPublic]:
    """Partially update a channel; an empty key keeps the stored one."""
    async with runtime.database.unit_of_work() as session:
        channel = await service.update(session, body, runtime.secrets)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope[ChannelPublic](data=service.public(channel))


@router.delete("/{channel_id}")
async def delete_channel(channel_id: int, runtime: RuntimeDep, _: AdminCaller) -> Envelope[Any]:
    """Delete a channel and its abilities."""
    async with runtime.database.unit_of_work() as session:
        await service.delete(session, channel_id)
    await runtime.changed(TOPIC_CHANNELS)
    return Envelope.ok()

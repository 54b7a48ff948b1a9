"""Catalog routes: /api/pricing, /api/models (dashboard and metadata), /api/user/models,
/api/vendors, /api/prefill_group, /api/group, /api/ratio_config and /api/ratio_sync."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from relaygate.auth.deps import (
    AdminCaller,
    Caller,
    DbSession,
    RootCaller,
    RuntimeDep,
    UserCaller,
    current_user,
)
from relaygate.catalog import ratio_sync, service
from relaygate.catalog.schemas import (
    ModelMetaPage,
    ModelMetaPublic,
    ModelMetaWrite,
    PrefillGroupPublic,
    PrefillGroupWrite,
    RatioSyncRequest,
    RatioSyncResult,
    SyncableChannel,
    VendorPublic,
    VendorWrite,
)
from relaygate.errors import Forbidden, RelayGateError
from relaygate.kit import jsonx
from relaygate.kit.envelope import Envelope, Page
from relaygate.misc.paging import PageParams
from relaygate.runtime import Runtime

router = APIRouter(prefix="/api", tags=["catalog"])


def _nav_access(runtime: Runtime, module: str) -> tuple[bool, bool]:
    """(enabled, require_auth) of a header-nav module (new-api getHeaderNavAccess)."""
    parsed = runtime.options.current.json_value("HeaderNavModules")
    value = parsed.get(module) if isinstance(parsed, dict) else None

    def flag(raw: Any, fallback: bool) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "1", "false", "0"):
            return raw.strip().lower() in ("true", "1")
        if isinstance(raw, int | float) and raw in (0, 1):
            return raw == 1
        return fallback

    if isinstance(value, dict):
        return flag(value.get("enabled"), True), flag(value.get("requireAuth"), False)
    return flag(value, True), False


async def pricing_caller(request: Request, runtime: RuntimeDep) -> Caller | None:
    """new-api's HeaderNavModuleAuth("pricing"): refused when the module is off, a login when it
    requires one, otherwise the caller if one is logged in."""
    enabled, require_auth = _nav_access(runtime, "pricing")
    if not enabled:
        raise Forbidden("pricing is disabled")
    if require_auth:
        return await current_user(request, runtime)
    try:
        return await current_user(request, runtime)
    except RelayGateError:
        return None


PricingCaller = Annotated[Caller | None, Depends(pricing_caller)]
Keyword = Annotated[str, Query()]


# ------------------------------------------------------------------------------ pricing


@router.get("/pricing")
async def get_pricing(runtime: RuntimeDep, session: DbSession, caller: PricingCaller) -> Response:
    """Every model the caller's groups may use, priced, with vendors and group ratios."""
    group = caller.group if caller is not None else ""
    document = await service.pricing_document(session, runtime.options.current, group)
    return Response(jsonx.dumps(document), media_type="application/json")


@router.get("/ratio_config")
async def get_ratio_config(runtime: RuntimeDep) -> Response:
    """Our ratio maps for other instances' ratio sync, when ExposeRatioEnabled."""
    options = runtime.options.current
    if options.get("ExposeRatioEnabled", "false") != "true":
        return JSONResponse({"success": False, "message": "倍率配置接口未启用"}, status_code=403)
    return JSONResponse(
        {"success": True, "message": "", "data": ratio_sync.exposed_ratio_config(options)}
    )


@router.get("/ratio_sync/channels")
async def syncable_channels(session: DbSession, _: RootCaller) -> Envelope[list[SyncableChannel]]:
    """Channels with a base URL, plus the official and models.dev presets."""
    return Envelope[list[SyncableChannel]](data=await service.syncable_channels(session))


@router.post("/ratio_sync/fetch")
async def fetch_upstream_ratios(
    body: RatioSyncRequest, runtime: RuntimeDep, _: RootCaller
) -> Envelope[RatioSyncResult]:
    """Ask the given upstreams (or channels) for their ratios and list the differences."""
    async with runtime.database.reader() as session:
        sources, keys = await service.sync_sources(session, body, runtime.secrets)
    result = await service.fetch_upstream_ratios(
        sources, keys, runtime.options.current, body.timeout
    )
    return Envelope[RatioSyncResult](data=result)


# ------------------------------------------------------------------------------- models


@router.get("/models")
async def dashboard_models(session: DbSession, _: UserCaller) -> Envelope[dict[int, list[str]]]:
    """Channel type → models (the console's model picker)."""
    return Envelope[dict[int, list[str]]](data=await service.dashboard_models(session))


@router.get("/user/models")
async def user_models(
    runtime: RuntimeDep, session: DbSession, caller: UserCaller, group: str = ""
) -> Envelope[list[str]]:
    """Models the caller's usable groups (or one of them) can call."""
    models = await service.user_models(
        session, runtime.options.current, caller.group, group.strip()
    )
    return Envelope[list[str]](data=models)


@router.get("/models/")
async def list_model_metas(
    runtime: RuntimeDep, session: DbSession, page: PageParams, _: AdminCaller
) -> Envelope[ModelMetaPage]:
    """Model metadata, newest first, with model counts per vendor."""
    data = await service.model_meta_page(
        session, runtime.options.current, page, keyword="", vendor=""
    )
    return Envelope[ModelMetaPage](data=data)


@router.get("/models/search")
async def search_model_metas(
    runtime: RuntimeDep,
    session: DbSession,
    page: PageParams,
    _: AdminCaller,
    keyword: Keyword = "",
    vendor: Keyword = "",
) -> Envelope[Page[ModelMetaPublic]]:
    """Model metadata whose name, description or tags contain ``keyword``, of a vendor (id or
    name)."""
    data = await service.model_meta_search(
        session, runtime.options.current, page, keyword=keyword.strip(), vendor=vendor.strip()
    )
    return Envelope[Page[ModelMetaPublic]](data=data)


@router.get("/models/missing")
async def missing_models(session: DbSession, _: AdminCaller) -> Envelope[list[str]]:
    """Enabled models with no metadata row."""
    return Envelope[list[str]](data=await service.missing_models(session))


@router.get("/models/{meta_id}")
async def get_model_meta(
    meta_id: int, runtime: RuntimeDep, session: DbSession, _: AdminCaller
) -> Envelope[ModelMetaPublic]:
    """One model meta, enriched."""
    return Envelope[ModelMetaPublic](
        data=await service.model_meta(session, runtime.options.current, meta_id)
    )


@router.post("/models/")
async def create_model_meta(
    body: ModelMetaWrite, session: DbSession, _: AdminCaller
) -> Envelope[ModelMetaPublic]:
    """Create a model meta (exact name or a prefix/contains/suffix rule)."""
    return Envelope[ModelMetaPublic](data=await service.create_model_meta(session, body))


@router.put("/models/")
async def update_model_meta(
    body: ModelMetaWrite, session: DbSession, _: AdminCaller, status_only: str = ""
) -> Envelope[ModelMetaPublic]:
    """Replace a model meta; ``?status_only=true`` changes only its status."""
    data = await service.update_model_meta(session, body, status_only=status_only == "true")
    return Envelope[ModelMetaPublic](data=data)


@router.delete("/models/{meta_id}")
async def delete_model_meta(meta_id: int, session: DbSession, _: AdminCaller) -> Envelope[Any]:
    """Delete a model meta."""
    await service.delete_model_meta(session, meta_id)
    return Envelope.ok()


# ------------------------------------------------------------------------------ vendors


@router.get("/vendors/")
async def list_vendors(
    session: DbSession, page: PageParams, _: AdminCaller
) -> Envelope[Page[VendorPublic]]:
    """Vendors, paged."""
    return Envelope[Page[VendorPublic]](data=await service.vendor_page(session, page))


@router.get("/vendors/search")
async def search_vendors(
    session: DbSession, page: PageParams, _: AdminCaller, keyword: Keyword = ""
) -> Envelope[Page[VendorPublic]]:
    """Vendors whose name or description contains ``keyword``."""
    data = await service.vendor_page(session, page, keyword=keyword.strip())
    return Envelope[Page[VendorPublic]](data=data)


@router.get("/vendors/{vendor_id}")
async def get_vendor(vendor_id: int, session: DbSession, _: AdminCaller) -> Envelope[VendorPublic]:
    """One vendor."""
    return Envelope[VendorPublic](data=await service.vendor(session, vendor_id))


@router.post("/vendors/")
async def create_vendor(
    body: VendorWrite, session: DbSession, _: AdminCaller
) -> Envelope[VendorPublic]:
    """Create a vendor."""
    return Envelope[VendorPublic](data=await service.create_vendor(session, body))


@router.put("/vendors/")
async def update_vendor(
    body: VendorWrite, session: DbSession, _: AdminCaller
) -> Envelope[VendorPublic]:
    """Replace a vendor."""
    return Envelope[VendorPublic](data=await service.update_vendor(session, body))


@router.delete("/vendors/{vendor_id}")
async def delete_vendor(vendor_id: int, session: DbSession, _: AdminCaller) -> Envelope[Any]:
    """Delete a vendor."""
    await service.delete_vendor(session, vendor_id)
    return Envelope.ok()


# ----------------------------------------------------------------------- groups, prefill


@router.get("/group/")
async def list_groups(runtime: RuntimeDep, _: AdminCaller) -> Envelope[list[str]]:
    """Every group name in GroupRatio."""
    return Envelope[list[str]](data=service.group_names(runtime.options.current))


@router.get("/prefill_group/")
async def list_prefill_groups(
    session: DbSession, _: AdminCaller, type: str = ""
) -> Envelope[list[PrefillGroupPublic]]:
    """Prefill groups, of one ``type`` when given (model, tag, endpoint …)."""
    data = await service.prefill_groups(session, type.strip())
    return Envelope[list[PrefillGroupPublic]](data=data)


@router.post("/prefill_group/")
async def create_prefill_group(
    body: PrefillGroupWrite, session: DbSession, _: AdminCaller
) -> Envelope[PrefillGroupPublic]:
    """Create a prefill group."""
    return Envelope[PrefillGroupPublic](data=await service.create_prefill_group(session, body))


@router.put("/prefill_group/")
async def update_prefill_group(
    body: PrefillGroupWrite, session: DbSession, _: AdminCaller
) -> Envelope[PrefillGroupPublic]:
    """Replace a prefill group."""
    return Envelope[PrefillGroupPublic](data=await service.update_prefill_group(session, body))


@router.delete("/prefill_group/{group_id}")
async def delete_prefill_group(group_id: int, session: DbSession, _: AdminCaller) -> Envelope[Any]:
    """Delete a prefill group."""
    await service.delete_prefill_group(session, group_id)
    return Envelope.ok()

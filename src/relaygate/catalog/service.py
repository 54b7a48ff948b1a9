"""Catalog rules: pricing for a caller's groups, model/vendor metadata, prefill groups, groups,
and ratio sync. Services never commit; the route's unit of work does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from relaygate.catalog import pricing, ratio_sync, repository
from relaygate.catalog.pricing import Catalog
from relaygate.catalog.schemas import (
    BoundChannel,
    ModelMetaPage,
    ModelMetaPublic,
    ModelMetaWrite,
    PrefillGroupPublic,
    PrefillGroupWrite,
    RatioSyncRequest,
    RatioSyncResult,
    SyncableChannel,
    UpstreamSource,
    VendorPublic,
    VendorWrite,
)
from relaygate.db.models.model_meta import NAME_RULE_EXACT, NAME_RULES, ModelMeta
from relaygate.db.models.prefill_group import PrefillGroup
from relaygate.db.models.vendor import Vendor
from relaygate.errors import ApiRefused
from relaygate.kit import clock, jsonx
from relaygate.kit.crypto import SecretBox
from relaygate.kit.envelope import Page
from relaygate.misc.paging import PageQuery
from relaygate.options.snapshot import OptionsSnapshot

PRICING_VERSION = "group-model-ratio-v1"
AUTO_GROUP = "auto"

# ------------------------------------------------------------------------------ groups


def usable_groups(options: OptionsSnapshot, user_group: str) -> dict[str, str]:
    """Groups a user may use, with descriptions (new-api GetUserUsableGroups): the
    ``UserUsableGroups`` option plus the user's own group."""
    configured = options.json_value("UserUsableGroups")
    groups = {str(k): str(v) for k, v in configured.items()} if isinstance(configured, dict) else {}
    if user_group and user_group not in groups:
        groups[user_group] = "用户分组"
    return groups


def auto_groups(options: OptionsSnapshot, user_group: str) -> list[str]:
    """The ``AutoGroups`` the user may use (new-api GetUserAutoGroup)."""
    configured = options.json_value("AutoGroups")
    if not isinstance(configured, list):
        return []
    usable = usable_groups(options, user_group)
    return [str(group) for group in configured if str(group) in usable]


def group_names(options: OptionsSnapshot) -> list[str]:
    """``GET /api/group/``: every group with a ratio."""
    return list(options.group_ratio)


# ------------------------------------------------------------------------------ pricing


async def catalog(session: AsyncSession, options: OptionsSnapshot) -> Catalog:
    """The full pricing catalog from the database and options."""
    abilities = await repository.enabled_abilities(session)
    metas = await repository.all_model_metas(session)
    vendors = await repository.all_vendors(session)
    return pricing.build_catalog(abilities, metas, vendors, options)


async def pricing_document(
    session: AsyncSession, options: OptionsSnapshot, user_group: str
) -> dict[str, Any]:
    """The whole ``GET /api/pricing`` body (it carries keys beside ``data``, as new-api's does)."""
    full = await catalog(session, options)
    usable = usable_groups(options, user_group)
    items = pricing.for_groups(full, usable)
    group_ratio = {group: ratio for group, ratio in options.group_ratio.items() if group in usable}
    return {
        "success": True,
        "message": "",
        "data": [item.model_dump(exclude_none=True) for item in items],
        "vendors": [vendor.model_dump(exclude_none=True) for vendor in full.vendors],
        "group_ratio": group_ratio,
        "group_model_ratio": {},
        "usable_group": usable,
        "supported_endpoint": {
            name: info.model_dump() for name, info in full.supported_endpoint.items()
        },
        "auto_groups": auto_groups(options, user_group),
        "pricing_version": PRICING_VERSION,
    }


async def user_models(
    session: AsyncSession, options: OptionsSnapshot, user_group: str, group: str
) -> list[str]:
    """``GET /api/user/models``: models enabled in the groups the user may use (or in one of
    them, with ``group``; ``auto`` means the auto groups)."""
    usable = usable_groups(options, user_group)
    if group:
        if group not in usable:
            return []
        if group == AUTO_GROUP:
            return await repository.models_of_groups(session, auto_groups(options, user_group))
        return await repository.models_of_groups(session, [group])
    return await repository.models_of_groups(session, sorted(usable))


async def dashboard_models(session: AsyncSession) -> dict[int, list[str]]:
    """``GET /api/models``: channel type → the models channels of that type are set up with.

    new-api answers from its adaptors' built-in model lists; relaygate has none, so it reports
    what the configured channels serve.
    """
    by_type: dict[int, set[str]] = {}
    for ability in await repository.enabled_abilities(session):
        by_type.setdefault(ability.channel_type, set()).add(ability.model)
    return {channel_type: sorted(models) for channel_type, models in sorted(by_type.items())}


# ------------------------------------------------------------------------ model metadata


def _meta_public(meta: ModelMeta) -> ModelMetaPublic:
    return ModelMetaPublic.model_validate(meta)


async def _enriched(
    session: AsyncSession, metas: Sequence[ModelMeta], options: OptionsSnapshot
) -> list[ModelMetaPublic]:
    """new-api's enrichModels: endpoints, bound channels, enabled groups and quota types; rule
    rows also list the models they match."""
    full = await catalog(session, options)
    listed = [item.model_name for item in full.items]
    matched = {
        meta.id: [name for name in listed if pricing.rule_matches(meta, name)]
        for meta in metas
        if meta.name_rule != NAME_RULE_EXACT
    }
    names = {meta.model_name for meta in metas if meta.name_rule == NAME_RULE_EXACT}
    for found in matched.values():
        names.update(found)
    bound = await repository.bound_channels(session, sorted(names))
    public: list[ModelMetaPublic] = []
    for meta in metas:
        item = _meta_public(meta)
        targets = [meta.model_name] if meta.name_rule == NAME_RULE_EXACT else matched[meta.id]
        channels = {pair for target in targets for pair in bound.get(target, [])}
        if channels:
            item.bound_channels = [BoundChannel(name=n, type=t) for n, t in sorted(channels)]
        groups = sorted({g for target in targets for g in full.groups_of(target)})
        if groups:
            item.enable_groups = groups
        quota_types = sorted({q for target in targets for q in full.quota_types_of(target)})
        if quota_types:
            item.quota_types = quota_types
        if not item.endpoints:
            endpoints = list(dict.fromkeys(e for t in targets for e in full.endpoints_of(t)))
            item.endpoints = jsonx.dumps_str(endpoints)
        if meta.name_rule != NAME_RULE_EXACT:
            item.matched_models = matched[meta.id]
            item.matched_count = len(matched[meta.id])
        public.append(item)
    return public


async def model_meta_page(
    session: AsyncSession, options: OptionsSnapshot, page: PageQuery, *, keyword: str, vendor: str
) -> ModelMetaPage:
    """A page of model metas, newest first, with vendor counts."""
    rows, total = await repository.model_page(
        session, keyword=keyword, vendor=vendor, offset=page.offset, limit=page.page_size
    )
    return ModelMetaPage(
        items=await _enriched(session, rows, options),
        total=total,
        page=page.page,
        page_size=page.page_size,
        vendor_counts=await repository.vendor_model_counts(session),
    )


async def model_meta_search(
    session: AsyncSession, options: OptionsSnapshot, page: PageQuery, *, keyword: str, vendor: str
) -> Page[ModelMetaPublic]:
    """``GET /api/models/search``: new-api's plain page (no vendor counts)."""
    found = await model_meta_page(session, options, page, keyword=keyword, vendor=vendor)
    return Page[ModelMetaPublic](
        page=found.page, page_size=found.page_size, total=found.total, items=found.items
    )


async def model_meta(
    session: AsyncSession, options: OptionsSnapshot, meta_id: int
) -> ModelMetaPublic:
    """One enriched model meta."""
    meta = await repository.get_model_meta(session, meta_id)
    if meta is None:
        raise ApiRefused("record not found")
    return (await _enriched(session, [meta], options))[0]


def _checked_meta_fields(body: ModelMetaWrite) -> dict[str, Any]:
    name = body.model_name.strip()
    if not name:
        raise ApiRefused("模型名称不能为空")
    if body.name_rule not in NAME_RULES:
        raise ApiRefused("无效的名称匹配规则")
    if body.endpoints.strip():
        try:
            parsed = jsonx.loads(body.endpoints)
        except ValueError:
            raise ApiRefused("端点配置必须是 JSON") from None
        if not isinstance(parsed, dict | list):
            raise ApiRefused("端点配置必须是 JSON 对象")
    return {
        "model_name": name,
        "description": body.description,
        "icon": body.icon,
        "tags": body.tags,
        "vendor_id": body.vendor_id,
        "endpoints": body.endpoints,
        "status": body.status,
        "sync_official": body.sync_official,
        "name_rule": body.name_rule,
    }


async def create_model_meta(session: AsyncSession, body: ModelMetaWrite) -> ModelMetaPublic:
    """Create a meta row; names are unique among live rows."""
    fields = _checked_meta_fields(body)
    if await repository.model_name_taken(session, fields["model_name"]):
        raise ApiRefused("模型名称已存在")
    meta = await repository.add_model_meta(session, ModelMeta(**fields))
    return _meta_public(meta)


async def update_model_meta(
    session: AsyncSession, body: ModelMetaWrite, *, status_only: bool
) -> ModelMetaPublic:
    """Replace every field (or only ``status``, with ``status_only``)."""
    if body.id == 0:
        raise ApiRefused("缺少模型 ID")
    meta = await repository.get_model_meta(session, body.id)
    if meta is None:
        raise ApiRefused("record not found")
    if status_only:
        await repository.set_model_status(session, body.id, body.status)
        await session.refresh(meta)
        return _meta_public(meta)
    fields = _checked_meta_fields(body)
    if await repository.model_name_taken(session, fields["model_name"], except_id=body.id):
        raise ApiRefused("模型名称已存在")
    for key, value in fields.items():
        setattr(meta, key, value)
    meta.updated_time = clock.now()
    await session.flush()
    return _meta_public(meta)


async def delete_model_meta(session: AsyncSession, meta_id: int) -> None:
    """Soft-delete a meta row (deleting an unknown id succeeds, as in new-api)."""
    await repository.soft_delete_model_meta(session, meta_id)


async def missing_models(session: AsyncSession) -> list[str]:
    """Enabled models with no exact-name meta row (new-api GetMissingModels)."""
    enabled = sorted({ability.model for ability in await repository.enabled_abilities(session)})
    existing = await repository.existing_model_names(session, enabled)
    return [name for name in enabled if name not in existing]


# -------------------------------------------------------------------------------- vendors


async def vendor_page(
    session: AsyncSession, page: PageQuery, *, keyword: str = ""
) -> Page[VendorPublic]:
    """A page of vendors (searched when ``keyword``)."""
    rows, total = await repository.vendor_page(
        session, keyword=keyword, offset=page.offset, limit=page.page_size
    )
    return Page[VendorPublic](
        page=page.page,
        page_size=page.page_size,
        total=total,
        items=[VendorPublic.model_validate(row) for row in rows],
    )


async def vendor(session: AsyncSession, vendor_id: int) -> VendorPublic:
    """One vendor."""
    row = await repository.get_vendor(session, vendor_id)
    if row is None:
        raise ApiRefused("record not found")
    return VendorPublic.model_validate(row)


async def create_vendor(session: AsyncSession, body: VendorWrite) -> VendorPublic:
    """Create a vendor; names are unique among live vendors."""
    name = body.name.strip()
    if not name:
        raise ApiRefused("供应商名称不能为空")
    if await repository.vendor_name_taken(session, name):
        raise ApiRefused("供应商名称已存在")
    row = await repository.add_vendor(
        session,
        Vendor(name=name, description=body.description, icon=body.icon, status=body.status),
    )
    return VendorPublic.model_validate(row)


async def update_vendor(session: AsyncSession, body: VendorWrite) -> VendorPublic:
    """Replace a vendor's fields."""
    if body.id == 0:
        raise ApiRefused("缺少供应商 ID")
    name = body.name.strip()
    if not name:
        raise ApiRefused("供应商名称不能为空")
    row = await repository.get_vendor(session, body.id)
    if row is None:
        raise ApiRefused("record not found")
    if await repository.vendor_name_taken(session, name, except_id=body.id):
        raise ApiRefused("供应商名称已存在")
    row.name, row.description, row.icon, row.status = name, body.description, body.icon, body.status
    row.updated_time = clock.now()
    await session.flush()
    return VendorPublic.model_validate(row)


async def delete_vendor(session: AsyncSession, vendor_id: int) -> None:
    """Soft-delete a vendor."""
    await repository.soft_delete_vendor(session, vendor_id)


# ------------------------------------------------------------------------ prefill groups


def _items(value: Any) -> Any:
    # new-api stores the raw JSON; a JSON-encoded string is accepted and decoded.
    if isinstance(value, str) and value.strip().startswith(("[", "{")):
        try:
            return jsonx.loads(value)
        except ValueError:
            raise ApiRefused("items 必须是合法的 JSON") from None
    return value


async def prefill_groups(session: AsyncSession, group_type: str) -> list[PrefillGroupPublic]:
    """Prefill groups, of one type when given."""
    rows = await repository.prefill_groups(session, group_type)
    return [PrefillGroupPublic.model_validate(row) for row in rows]


async def create_prefill_group(
    session: AsyncSession, body: PrefillGroupWrite
) -> PrefillGroupPublic:
    """Create a prefill group; name and type are required, names unique."""
    name, group_type = body.name.strip(), body.type.strip()
    if not name or not group_type:
        raise ApiRefused("组名称和类型不能为空")
    if await repository.prefill_name_taken(session, name):
        raise ApiRefused("组名称已存在")
    row = await repository.add_prefill_group(
        session,
        PrefillGroup(
            name=name, type=group_type, items=_items(body.items), description=body.description
        ),
    )
    return PrefillGroupPublic.model_validate(row)


async def update_prefill_group(
    session: AsyncSession, body: PrefillGroupWrite
) -> PrefillGroupPublic:
    """Replace a prefill group's fields."""
    if body.id == 0:
        raise ApiRefused("缺少组 ID")
    row = await repository.get_prefill_group(session, body.id)
    if row is None:
        raise ApiRefused("record not found")
    name, group_type = body.name.strip(), body.type.strip()
    if not name or not group_type:
        raise ApiRefused("组名称和类型不能为空")
    if await repository.prefill_name_taken(session, name, except_id=body.id):
        raise ApiRefused("组名称已存在")
    row.name, row.type, row.description = name, group_type, body.description
    row.items = _items(body.items)
    row.updated_time = clock.now()
    await session.flush()
    return PrefillGroupPublic.model_validate(row)


async def delete_prefill_group(session: AsyncSession, group_id: int) -> None:
    """Soft-delete a prefill group."""
    await repository.soft_delete_prefill_group(session, group_id)


# ----------------------------------------------------------------------------- ratio sync


async def syncable_channels(session: AsyncSession) -> list[SyncableChannel]:
    """Channels with a base URL, then the two presets (new-api GetSyncableChannels)."""
    channels = [
        SyncableChannel(
            id=channel.id,
            name=channel.name,
            base_url=channel.base_url or "",
            status=channel.status,
            type=channel.type,
        )
        for channel in await repository.channels_with_base_url(session)
    ]
    for preset_id, name, base_url in (ratio_sync.OFFICIAL_PRESET, ratio_sync.MODELS_DEV_PRESET):
        channels.append(SyncableChannel(id=preset_id, name=name, base_url=base_url, status=1))
    return channels


def _first_key(secrets: SecretBox, stored: str) -> str:
    text = secrets.decrypt(stored or "").strip()
    return text.splitlines()[0].strip() if text else ""


async def sync_sources(
    session: AsyncSession, body: RatioSyncRequest, secrets: SecretBox
) -> tuple[list[UpstreamSource], dict[int, str]]:
    """Which upstreams to ask (explicit ones win over channel ids) and OpenRouter keys by id."""
    if body.upstreams:
        sources = [
            source.model_copy(
                update={
                    "base_url": source.base_url.rstrip("/"),
                    "endpoint": source.endpoint or ratio_sync.DEFAULT_ENDPOINT,
                }
            )
            for source in body.upstreams
            if source.base_url.startswith("http")
        ]
        ids = [source.id for source in sources if source.id > 0 and source.endpoint == "openrouter"]
    else:
        sources = []
        ids = []
        for channel in await repository.channels_by_ids(session, body.channel_ids):
            base = (channel.base_url or "").rstrip("/")
            if base.startswith("http"):
                sources.append(UpstreamSource(id=channel.id, name=channel.name, base_url=base))
    keys: dict[int, str] = {}
    for channel in await repository.channels_by_ids(session, ids):
        keys[channel.id] = _first_key(secrets, channel.key)
    return sources, keys


async def fetch_upstream_ratios(
    sources: Sequence[UpstreamSource],
    keys: Mapping[int, str],
    options: OptionsSnapshot,
    timeout_seconds: int,
) -> RatioSyncResult:
    """Ask every source, then compare with our own ratios."""
    if not sources:
        raise ApiRefused("无有效上游渠道")
    seconds = timeout_seconds if timeout_seconds > 0 else ratio_sync.DEFAULT_TIMEOUT_SECONDS
    fetched = await ratio_sync.fetch_all(sources, float(seconds), keys)
    return ratio_sync.result(ratio_sync.local_data(options), fetched)

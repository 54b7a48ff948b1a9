"""Bodies for the catalog routes, with new-api's JSON field names."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# --------------------------------------------------------------------------- models meta


class BoundChannel(BaseModel):
    """A channel serving a model (name and type only)."""

    name: str
    type: int


class ModelMetaWrite(BaseModel):
    """``POST``/``PUT /api/models/``: new-api binds the whole ``Model`` struct."""

    id: int = 0
    model_name: str = ""
    description: str = ""
    icon: str = ""
    tags: str = ""
    vendor_id: int = 0
    endpoints: str = ""
    status: int = 1
    sync_official: int = 1
    name_rule: int = 0


class ModelMetaPublic(BaseModel):
    """One model meta row, enriched as new-api's ``enrichModels`` does."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    model_name: str
    description: str = ""
    icon: str = ""
    tags: str = ""
    vendor_id: int = 0
    endpoints: str = ""
    status: int
    sync_official: int
    created_time: int
    updated_time: int
    name_rule: int
    bound_channels: list[BoundChannel] | None = None
    enable_groups: list[str] | None = None
    quota_types: list[int] | None = None
    matched_models: list[str] | None = None
    matched_count: int | None = None


class ModelMetaPage(BaseModel):
    """``GET /api/models/``: a page plus model counts per vendor id."""

    items: list[ModelMetaPublic]
    total: int
    page: int
    page_size: int
    vendor_counts: dict[int, int] = Field(default_factory=dict)


# ------------------------------------------------------------------------------- vendors


class VendorWrite(BaseModel):
    """``POST``/``PUT /api/vendors/``."""

    id: int = 0
    name: str = ""
    description: str = ""
    icon: str = ""
    status: int = 1


class VendorPublic(BaseModel):
    """One vendor row."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str = ""
    icon: str = ""
    status: int
    created_time: int
    updated_time: int


# ------------------------------------------------------------------------ prefill groups


class PrefillGroupWrite(BaseModel):
    """``POST``/``PUT /api/prefill_group/``; ``items`` is any JSON (new-api stores it raw)."""

    id: int = 0
    name: str = ""
    type: str = ""
    items: Any = None
    description: str = ""


class PrefillGroupPublic(BaseModel):
    """One prefill group."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    type: str
    items: Any = None
    description: str = ""
    created_time: int
    updated_time: int


# ------------------------------------------------------------------------------- pricing


class PricingItem(BaseModel):
    """One entry of ``GET /api/pricing`` (new-api model.Pricing); unset optionals are omitted."""

    model_name: str
    description: str | None = None
    icon: str | None = None
    tags: str | None = None
    vendor_id: int | None = None
    quota_type: int
    model_ratio: float
    model_price: float
    owner_by: str = ""
    completion_ratio: float
    cache_ratio: float | None = None
    create_cache_ratio: float | None = None
    image_ratio: float | None = None
    audio_ratio: float | None = None
    audio_completion_ratio: float | None = None
    enable_groups: list[str]
    supported_endpoint_types: list[str]
    pricing_version: str | None = None


class PricingVendor(BaseModel):
    """A vendor as the pricing page lists it."""

    id: int
    name: str
    description: str | None = None
    icon: str | None = None


class EndpointInfo(BaseModel):
    """Where an endpoint type is served."""

    path: str
    method: str


# ---------------------------------------------------------------------------- ratio sync


class UpstreamSource(BaseModel):
    """One instance to compare with: its base URL and the path that answers (new-api UpstreamDTO)."""

    id: int = 0
    name: str
    base_url: str
    endpoint: str = ""


class RatioSyncRequest(BaseModel):
    """``POST /api/ratio_sync/fetch``: channel ids, or explicit upstreams, and a timeout (s)."""

    channel_ids: list[int] = Field(default_factory=list)
    upstreams: list[UpstreamSource] = Field(default_factory=list)
    timeout: int = 0


class SyncTestResult(BaseModel):
    """Whether one upstream answered (``error`` only when it did not, as new-api omits it)."""

    name: str
    status: str
    error: str | None = Field(default=None, exclude_if=lambda value: value is None)


class DifferenceItem(BaseModel):
    """One model × field: the local value, each upstream's value (a number, ``"same"`` or null)
    and whether each upstream value is trusted."""

    current: Any = None
    upstreams: dict[str, Any]
    confidence: dict[str, bool]


class RatioSyncResult(BaseModel):
    """``differences[model][field]`` and one test result per upstream."""

    differences: dict[str, dict[str, DifferenceItem]]
    test_results: list[SyncTestResult]


class SyncableChannel(BaseModel):
    """A channel (or preset) whose base URL can be asked for ratios."""

    id: int
    name: str
    base_url: str
    status: int
    type: int = 0

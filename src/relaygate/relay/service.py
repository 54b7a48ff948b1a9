"""The relay service: long-lived state for /v1 calls (transport, snapshots, ledger)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import replace

from sqlalchemy import select

from relaygate.auth.api_keys import ApiCaller, KeyIndex, check_entry, load_entry, parse_key
from relaygate.billing.ledger import Ledger
from relaygate.billing.quota_store import QuotaStore, quota_store_for
from relaygate.channels import multikey
from relaygate.channels import service as channels_service
from relaygate.channels.probe import channel_target
from relaygate.db.models.ability import Ability
from relaygate.db.models.channel import (
    CHANNEL_STATUS_AUTO_DISABLED,
    CHANNEL_STATUS_ENABLED,
    Channel,
)
from relaygate.errors import ModelNotFound, Unauthorized, UpstreamError
from relaygate.protocols.codecs import CODECS
from relaygate.protocols.formats import WireFormat
from relaygate.providers.base import ChannelTarget, UpstreamRequest
from relaygate.providers.transport import Transport, UpstreamResponse
from relaygate.relay.context import RelayContext
from relaygate.routing import health, selector
from relaygate.routing.snapshot import RoutingSnapshot
from relaygate.runtime import TOPIC_CHANNELS, TOPIC_TOKENS, TOPIC_USERS, Runtime

log = logging.getLogger(__name__)


class RelayService:
    """Owns the upstream transport, routing and key snapshots, and the log ledger."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.transport = Transport()
        self.keys = KeyIndex()
        self.routing = RoutingSnapshot()
        self.quota: QuotaStore = quota_store_for(runtime.database)
        self.ledger = Ledger(
            self.quota,
            batch_size=settings.log_batch_size,
            flush_interval=settings.log_flush_interval,
            queue_size=settings.log_queue_size,
            spill_dir=settings.data_dir,
        )
        self._reload_lock = asyncio.Lock()
        self._multi_keys: dict[int, tuple[str, multikey.ChannelInfo]] = {}
        self._poll_index: dict[int, int] = {}

    async def start(self) -> None:
        """Open the pool, load snapshots, start the ledger writer, follow changes."""
        await self.transport.start()
        await self.reload()
        await self.ledger.start()
        self.runtime.bus.subscribe(self._on_change)

    async def close(self) -> None:
        """Drain the ledger and close the pool."""
        await self.ledger.close()
        await self.transport.close()
        self.quota.close()

    async def _on_change(self, topic: str, payload: str) -> None:
        if topic == TOPIC_CHANNELS:
            await self.reload_channels()
        elif topic == TOPIC_TOKENS:
            if payload:
                self.keys.forget_key(payload)
            else:
                self.keys.clear()
        elif topic == TOPIC_USERS:
            if payload.isdigit():
                self.keys.forget_user(int(payload))
            else:
                self.keys.clear()

    async def reload(self) -> None:
        """Reload every snapshot from the database."""
        await self.reload_channels()
        self.keys.clear()

    async def reload_channels(self) -> None:
        """Rebuild the routing snapshot from channels and abilities."""
        async with self._reload_lock:
            async with self.runtime.database.reader() as session:
                channels = (
                    (
                        await session.execute(
                            select(Channel).where(Channel.status == CHANNEL_STATUS_ENABLED)
                        )
                    )
                    .scalars()
                    .all()
                )
                abilities = (
                    await session.execute(
                        select(
                            Ability.group,
                            Ability.model,
                            Ability.channel_id,
                            Ability.priority,
                            Ability.weight,
                        ).where(Ability.enabled.is_(True))
                    )
                ).all()
            targets = {channel.id: self._target(channel) for channel in channels}
            multi: dict[int, tuple[str, multikey.ChannelInfo]] = {}
            for channel in channels:
                info = multikey.parse_info(channel.channel_info)
                if info.is_multi_key:
                    multi[channel.id] = (targets[channel.id].key, info)
            self._multi_keys = multi
            self.routing = RoutingSnapshot.build(
                [(g, m, cid, int(p or 0), int(w or 0)) for g, m, cid, p, w in abilities], targets
            )

    def _target(self, channel: Channel) -> ChannelTarget:
        key = self.runtime.secrets.decrypt(channel.key or "").strip()
        return channel_target(channel, key)

    # -- auth -------------------------------------------------------------------------

    async def authenticate(self, raw_key: str, client_ip: str) -> ApiCaller:
        """The caller for a presented key, from the index or the database."""
        presented = parse_key(raw_key)
        entry = self.keys.get(presented.key)
        if entry is None:
            async with self.runtime.database.reader() as session:
                entry = await load_entry(session, presented.key)
            if entry is None:
                raise Unauthorized("无效的令牌 (invalid API key)")
            self.keys.put(entry)
        return check_entry(entry, presented, client_ip)

    # -- routing ----------------------------------------------------------------------

    def routes_exist(self, caller: ApiCaller, model: str) -> bool:
        """Whether any enabled channel serves the model (or the pinned channel exists)."""
        if caller.pinned_channel is not None:
            return True
        return bool(self.routing.tiers(caller.group, model))

    def pick_channel(self, ctx: RelayContext, exclude: Collection[int]) -> ChannelTarget | None:
        """The next channel to try for this call."""
        pinned = ctx.caller.pinned_channel
        if pinned is not None:
            if pinned in exclude:
                return None
            target = self.routing.targets.get(pinned)
            if target is None:
                raise ModelNotFound(
                    f"指定的渠道 {pinned} 不存在或已禁用 (channel {pinned} unavailable)"
                )
            return self._with_key(ctx, target)
        chosen = selector.select(self.routing, ctx.caller.group, ctx.model, exclude=exclude)
        return self._with_key(ctx, chosen) if chosen is not None else None

    def _with_key(self, ctx: RelayContext, target: ChannelTarget) -> ChannelTarget:
        """A multi-key channel's target carries the one key picked for this call."""
        multi = self._multi_keys.get(target.channel_id)
        if multi is None:
            ctx.key_index = None
            return target
        key_text, info = multi
        try:
            index, key = multikey.pick_key(
                key_text, info, poll_index=self._poll_index.get(target.channel_id)
            )
        except multikey.NoEnabledKey:
            ctx.key_index = None
            return target
        self._poll_index[target.channel_id] = index + 1
        ctx.key_index = index
        return replace(target, key=key)

    def candidates(self, ctx: RelayContext) -> list[ChannelTarget]:
        """Every channel that serves the call's (group, model), or the pinned one."""
        if ctx.caller.pinned_channel is not None:
            pinned = self.routing.targets.get(ctx.caller.pinned_channel)
            return [pinned] if pinned is not None else []
        return [
            self.routing.targets[c.channel_id]
            for tier in self.routing.tiers(ctx.caller.group, ctx.model)
            for c in tier.candidates
        ]

    def models_for(self, caller: ApiCaller) -> list[str]:
        """Models this caller may use, sorted."""
        models = self.routing.models(caller.group)
        limits = caller.entry.model_limits
        if limits is not None:
            models = models & limits
        return sorted(models)

    # -- upstream ---------------------------------------------------------------------

    async def send(self, request: UpstreamRequest, target: ChannelTarget) -> UpstreamResponse:
        """Send over the shared pool with the configured timeouts."""
        settings = self.runtime.settings
        read_timeout = float(settings.relay_timeout or settings.streaming_timeout) or None
        return await self.transport.send(
            request,
            channel_id=target.channel_id,
            first_byte_timeout=read_timeout,
            idle_timeout=float(settings.streaming_timeout) or None,
        )

    async def upstream_error(
        self, response: UpstreamResponse, target: ChannelTarget, fmt: WireFormat
    ) -> UpstreamError:
        """An UpstreamError from a non-2xx answer, with the channel's status-code mapping applied."""
        body = await response.read()
        message, code = CODECS[fmt].parse_error(body)
        if not message:
            message = f"upstream returned HTTP {response.status}"
        status = response.status
        mapped = target.status_code_mapping.get(str(status))
        if mapped and mapped.isdigit():
            status = int(mapped)
        return UpstreamError(
            message, status_code=status, code=code or "upstream_error", channel_id=target.channel_id
        )

    async def record_failure(
        self, target: ChannelTarget, error: UpstreamError, key_index: int | None = None
    ) -> None:
        """Auto-disable a broken channel when the option and the channel allow it."""
        options = self.runtime.options.current
        if not (options.auto_disable and target.auto_ban):
            return
        if not health.should_disable(error, options.get("AutomaticDisableKeywords")):
            return
        key_index = key_index if target.channel_id in self._multi_keys else None
        log.warning(
            "auto-disabling channel %s%s: %s",
            target.channel_id,
            f" key #{key_index}" if key_index is not None else "",
            error.message,
        )
        async with self.runtime.database.unit_of_work() as session:
            await channels_service.apply_status(
                session,
                target.channel_id,
                CHANNEL_STATUS_AUTO_DISABLED,
                key_index=key_index,
                reason=error.message[:200],
            )
        await self.runtime.changed(TOPIC_CHANNELS)

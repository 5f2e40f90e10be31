"""The management API's background part: hashes a plaintext secret-key and feeds the event stream.

On start (and whenever a new config arrives with a plaintext ``remote-management.secret-key``) the
secret is bcrypt-hashed, the hash replaces only that scalar in config.yaml, and the live config gets
the hash. It also connects the places where state changes to ``service.events``: config changes,
the credential pool (credentials, cooldowns started and ended, with a timer for the natural end of a
cooldown) and usage records.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from typing import TYPE_CHECKING

from server.api.management.common import management_for
from server.api.management.secret import hash_secret, is_hashed
from server.config.edit import EditError
from server.config.schema import Config
from server.usage.record import UsageRecord

if TYPE_CHECKING:
    from server.service import ProxyService

__all__ = ["ManagementComponent", "changed_keys"]

log = logging.getLogger(__name__)


def changed_keys(old: Config, new: Config) -> list[str]:
    """Sorted YAML keys of the top-level settings that differ (never values: they may be secret)."""
    keys = [
        f.metadata["key"]
        for f in dataclasses.fields(Config)
        if f.metadata.get("key") and getattr(old, f.name) != getattr(new, f.name)
    ]
    extra = {k for k in (*old.extra, *new.extra) if old.extra.get(k) != new.extra.get(k)}
    return sorted({*keys, *extra})


class ManagementComponent:
    """A ServiceComponent; register it in ``wiring.build_service``."""

    def __init__(self) -> None:
        self._service: ProxyService | None = None
        self._hashing = False
        self._expiry: dict[tuple[str, str], asyncio.TimerHandle] = {}

    async def start(self, service: ProxyService) -> None:
        self._service = service
        service.on_config_change(self._config_changed)
        service.state.pool.on_event = self._pool_event
        service.pipeline.add_usage_sink(self._usage)
        await self._hash_secret()

    async def stop(self) -> None:
        for handle in self._expiry.values():
            handle.cancel()
        self._expiry.clear()
        if self._service is not None:
            if self._service.state.pool.on_event == self._pool_event:
                self._service.state.pool.on_event = None
            self._service.events.close()
        self._service = None

    # -- secret hashing ----------------------------------------------------------------------------

    async def _hash_secret(self) -> None:
        service = self._service
        if service is None:
            return
        plaintext = service.config.remote_management.secret_key
        if not plaintext or is_hashed(plaintext):
            return
        try:
            hashed = await asyncio.to_thread(hash_secret, plaintext)
        except ValueError:
            log.warning("remote-management.secret-key is longer than 72 bytes; it stays unhashed")
            return

        def change(config: Config) -> Config:
            remote = config.remote_management
            if remote.secret_key != plaintext:
                return config
            return dataclasses.replace(
                config, remote_management=dataclasses.replace(remote, secret_key=hashed)
            )

        try:
            await management_for(service).editor.edit(change, apply=False)
        except EditError as exc:
            log.warning("the hashed management secret could not be written to the config file: %s", exc)
        live = service.config
        if live.remote_management.secret_key == plaintext:
            service.apply_config(change(live))
            log.info("management secret-key hashed with bcrypt")

    async def _hash_in_background(self) -> None:
        try:
            await self._hash_secret()
        finally:
            self._hashing = False

    # -- events ----------------------------------------------------------------------------------

    def _config_changed(self, old: Config, new: Config) -> None:
        service = self._service
        if service is None:
            return
        keys = changed_keys(old, new)
        if keys:
            service.events.publish("config.changed", {"keys": keys})
        secret = new.remote_management.secret_key
        if secret and not is_hashed(secret) and not self._hashing:
            self._hashing = True
            service.tasks.spawn(self._hash_in_background(), name="hash management secret")

    def _pool_event(self, kind: str, data: dict[str, object]) -> None:
        service = self._service
        if service is None:
            return
        bus = service.events
        payload = dict(data)
        key = (str(data.get("credential", "")), str(data.get("model") or ""))
        if kind == "cooldown.started":
            seconds = data.get("seconds")
            seconds = float(seconds) if isinstance(seconds, int | float) else 0.0
            payload["until"] = time.time() + seconds
            if bus.subscriber_count:
                self._expire_later(key, seconds)
        elif kind == "cooldown.ended":
            for known in [k for k in self._expiry if k[0] == key[0] and key[1] in ("", k[1])]:
                self._expiry.pop(known).cancel()
        bus.publish(kind, payload)

    def _expire_later(self, key: tuple[str, str], seconds: float) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        previous = self._expiry.pop(key, None)
        if previous is not None:
            previous.cancel()
        self._expiry[key] = loop.call_later(seconds, self._expired, key)

    def _expired(self, key: tuple[str, str]) -> None:
        self._expiry.pop(key, None)
        if self._service is not None:
            credential, model = key
            self._service.events.publish(
                "cooldown.ended", {"credential": credential, "model": model, "reason": "expired"}
            )

    def _usage(self, record: UsageRecord) -> None:
        service = self._service
        if service is None or not service.events.subscriber_count:
            return
        service.events.publish(
            "usage.recorded",
            {
                "count": 1,
                "model": record.requested_model,
                "provider": record.provider,
                "credential": record.credential_id,
                "failed": record.failed or record.status >= 400,
            },
        )

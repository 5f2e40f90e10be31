"""The settings half of ``ManagementClient``: setting values, client API keys, payload rules and the
provider key lists, read and written through ``/v0/management``. No Qt here.
"""

from __future__ import annotations

from collections.abc import Iterable

import yaml

from gui.client_base import ClientBase, ManagementError
from gui.endpoints import SCALAR_SETTINGS
from gui.models import PayloadRule, ProviderKey, Settings
from gui.payload_rules import payload_with, rules_from
from gui.provider_keys import KEY_KINDS, entry_of, key_from
from gui.wire import flatten, obj, yaml_text_with
from server.config.edit import splice

__all__ = ["SettingsCalls"]


class SettingsCalls(ClientBase):
    """Settings calls of ``ManagementClient`` (which adds accounts, models, usage, logs and events)."""

    async def settings(self) -> Settings:
        """Every setting by YAML key path; ``host``/``port`` come from the config file itself."""
        values = flatten(await self._json("GET", "/config"))
        try:
            document = yaml.safe_load((await self._call("GET", "/config.yaml")).text) or {}
        except (ManagementError, yaml.YAMLError):
            document = {}
        for key in ("host", "port"):
            if isinstance(document, dict) and key in document:
                values[key] = document[key]
        return Settings(values)

    async def update_setting(self, key: str, value: object) -> bool:
        """Change one setting; True when the running proxy needs a restart for it to apply."""
        if key in SCALAR_SETTINGS:
            await self._call("PUT", f"/{key}", body={"value": value})
            return False
        current = (await self._call("GET", "/config.yaml")).text
        edited = splice(current, tuple(key.split("/")), value)
        content = (edited if edited is not None else yaml_text_with(current, key, value)).encode()
        answer = obj((await self._call("PUT", "/config.yaml", content=content)).json())
        return bool(answer.get("restart-required"))

    async def api_keys(self) -> list[str]:
        answer = await self._json("GET", "/api-keys")
        keys = answer.get("api-keys")
        return [str(k) for k in keys] if isinstance(keys, list) else []

    async def set_api_keys(self, keys: Iterable[str]) -> None:
        listed = [k for k in keys if k.strip()]
        if listed:
            await self._call("PUT", "/api-keys", body=listed)
        else:
            await self._call("PUT", "/config.yaml", content=(await self._without_keys()).encode())

    async def _without_keys(self) -> str:
        current = (await self._call("GET", "/config.yaml")).text
        edited = splice(current, ("api-keys",), [])
        return edited if edited is not None else yaml_text_with(current, "api-keys", [])

    async def payload_rules(self) -> list[PayloadRule]:
        """The simple ``payload`` rules (default / override) of the config."""
        return rules_from(obj((await self._json("GET", "/config")).get("payload")))

    async def set_payload_rules(self, rules: Iterable[PayloadRule]) -> None:
        """Replace the default / override rules; raw rules and filters stay as they are."""
        current = obj((await self._json("GET", "/config")).get("payload"))
        await self.update_setting("payload", payload_with(current, list(rules)))

    async def provider_keys(self) -> list[ProviderKey]:
        """Every entry of the provider key lists, list by list."""
        keys: list[ProviderKey] = []
        for kind, _name in KEY_KINDS:
            entries = (await self._json("GET", f"/{kind}")).get(kind)
            keys += [key_from(kind, obj(e)) for e in (entries if isinstance(entries, list) else [])]
        return keys

    async def set_provider_keys(self, kind: str, keys: Iterable[ProviderKey]) -> None:
        """Replace the ``kind`` list with ``keys`` (the proxy checks each entry and names a bad field)."""
        await self._call("PUT", f"/{kind}", body=[entry_of(k) for k in keys if k.kind == kind])

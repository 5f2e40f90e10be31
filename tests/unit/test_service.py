"""ProxyService: the runtime attributes components fill in (``accounts``, ``usage``, ``logs``)."""

from __future__ import annotations

from pathlib import Path

from server.auth.runtime import AccountRuntime
from server.config import parse_config
from server.logsetup import LogsRuntime
from server.service import ProxyService
from server.usage.runtime import UsageRuntime


def test_a_new_service_has_no_runtimes_yet() -> None:
    service = ProxyService(parse_config({}))
    assert (service.accounts, service.usage, service.logs) == (None, None, None)


async def test_each_component_sets_its_attribute_when_it_starts(tmp_path: Path) -> None:
    service = ProxyService(parse_config({"auth-dir": str(tmp_path / "auths")}))
    accounts = AccountRuntime(auth_dir=tmp_path / "auths")
    usage = UsageRuntime(tmp_path / "usage.sqlite3", flush_interval=0.05)
    logs = LogsRuntime(directory=tmp_path / "logs")
    for component in (accounts, usage, logs):
        service.add_component(component)
    await service.start()
    try:
        assert service.accounts is accounts
        assert service.usage is usage
        assert service.logs is logs.files
    finally:
        await service.stop()

"""Config over the management API: JSON and YAML views, YAML replacement, every scalar setting
(server.md §3.3-3.4, §8 items 19-21 and 25)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import bcrypt
import httpx
import pytest
import yaml

from server import __version__
from server.api.management.settings import SETTINGS
from server.config.schema import Config
from tests.e2e.conftest import CLIENT_KEY
from tests.e2e.management_support import MANAGEMENT_KEY, Launcher, Managed, launcher, shared_server, wait_for

COMMENTED = f"""# My proxy settings
host: 127.0.0.1   # only this computer
port: 0

# client keys
api-keys:
  - "{CLIENT_KEY}"

# More detailed logs.
debug: false  # switch on when debugging

routing:
  # how accounts are picked
  strategy: round-robin

remote-management:
  secret-key: "{{hash}}"
my-own-key:
  nested: [1, 2, 3]   # not ours
"""


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launcher]:
    yield from launcher(tmp_path)


def _commented() -> str:
    hashed = bcrypt.hashpw(MANAGEMENT_KEY.encode(), bcrypt.gensalt(4)).decode()
    return COMMENTED.replace("{hash}", hashed)


@pytest.fixture
def server(launch: Launcher) -> Managed:
    return launch.start(text=_commented())


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Managed]:
    """One server for the tests that each set only their own setting."""
    yield from shared_server(tmp_path_factory, text=_commented())


def test_get_config_hides_server_keys_and_shows_empty_lists_as_null(server: Managed) -> None:
    with server.client() as client:
        config = client.get("/config").json()
    for hidden in ("host", "port", "auth-dir", "remote-management"):
        assert hidden not in config
    assert config["api-keys"] == [CLIENT_KEY]
    for empty in (
        "gemini-api-key",
        "claude-api-key",
        "codex-api-key",
        "vertex-api-key",
        "openai-compatibility",
    ):
        assert config[empty] is None
    assert "oauth-excluded-models" not in config
    assert config["debug"] is False and config["routing"] == {"strategy": "round-robin"}
    assert config["quota-exceeded"] == {"switch-project": True, "switch-preview-model": True}
    assert "my-own-key" not in config


def test_get_config_yaml_is_the_file_byte_for_byte(server: Managed) -> None:
    with server.client() as client:
        answer = client.get("/config.yaml")
    assert answer.status_code == 200
    assert answer.content == server.path.read_bytes()
    assert answer.headers["content-type"] == "application/yaml; charset=utf-8"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_put_debug_changes_only_that_line(server: Managed) -> None:
    before = server.text()
    with server.client() as client:
        assert client.put("/debug", json={"value": True}).json() == {"status": "ok"}
        assert client.get("/debug").json() == {"debug": True}
    assert server.text() == before.replace(
        "debug: false  # switch on when debugging", "debug: true  # switch on when debugging"
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/debug", {"value": "true"}),
        ("/debug", {"value": 1}),
        ("/debug", {}),
        ("/debug", ["x"]),
        ("/request-retry", {"value": True}),
        ("/request-retry", {"value": 1.5}),
        ("/proxy-url", {"value": 5}),
        ("/routing/strategy", {"value": "random"}),
    ],
    ids=[
        "string-for-bool",
        "int-for-bool",
        "no-value",
        "array",
        "bool-for-int",
        "float",
        "int-for-str",
        "strategy",
    ],
)
def test_wrong_values_are_refused_and_the_file_is_unchanged(shared: Managed, path: str, body: object) -> None:
    before = shared.text()
    with shared.client() as client:
        answer = client.put(path, json=body)
    assert answer.status_code == 400
    message = answer.json()["error"]
    assert message.startswith(("invalid body", "invalid strategy"))
    assert path.rsplit("/", 1)[-1] in message or "routing/strategy" in message
    assert shared.text() == before


def test_invalid_json_body_is_400(shared: Managed) -> None:
    with shared.client() as client:
        answer = client.put("/debug", content=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"].startswith("invalid body")


def _default(path: str) -> object:
    value: object = Config()
    for key in path.split("/"):
        value = getattr(value, key.replace("-", "_"))
    return value


def _sample(path: str) -> object:
    """A valid value for the setting that differs from its default (so the file must change)."""
    if path == "routing/strategy":
        return "fill-first"
    default = _default(path)
    if isinstance(default, bool):
        return not default
    return 7 if isinstance(default, int) else "socks5://127.0.0.1:1080"


@pytest.mark.parametrize("path", [s.path for s in SETTINGS])
def test_every_setting_round_trips_through_put_patch_and_the_file(shared: Managed, path: str) -> None:
    server = shared
    setting = next(s for s in SETTINGS if s.path == path)
    value = _sample(path)
    with server.client() as client:

        def reads(expected: object) -> bool:
            return bool(client.get("/" + path).json() == {setting.response_key: expected})

        # wait_for: until the file watcher holds server.config.edit.config_lock, it can briefly re-apply
        # an older version of the file it read while a management write was under way (see the report)
        assert client.put("/" + path, json={"value": value}).json() == {"status": "ok"}
        assert wait_for(lambda: reads(value))
        assert client.patch("/" + path, json={"value": value}).status_code == 200
        if setting.deletable:
            assert client.delete("/" + path).json() == {"status": "ok"}
            assert wait_for(lambda: reads(""))
    node: object = server.config()
    for key in path.split("/"):
        assert isinstance(node, dict)
        node = node[key]
    assert node == ("" if setting.deletable else value)
    assert "# how accounts are picked" in server.text() and "# not ours" in server.text()
    with server.client() as client:  # leave the shared server as it was (debug, file logging …)
        assert client.put("/" + path, json={"value": _default(path)}).status_code == 200


@pytest.mark.parametrize(
    ("path", "sent", "stored"),
    [
        ("routing/strategy", "ff", "fill-first"),
        ("routing/strategy", "RR", "round-robin"),
        ("request-retry", -3, 0),
        ("logs-max-total-size-mb", -1, 0),
        ("error-logs-max-files", -5, 10),
        ("proxy-url", "  http://p:1  ", "http://p:1"),
    ],
    ids=["ff", "RR", "retry-negative", "size-negative", "error-files-negative", "proxy-trimmed"],
)
def test_settings_are_normalised(shared: Managed, path: str, sent: object, stored: object) -> None:
    with shared.client() as client:
        assert client.put("/" + path, json={"value": sent}).status_code == 200
        assert wait_for(lambda: list(client.get("/" + path).json().values()) == [stored])
        assert client.put("/" + path, json={"value": _default(path)}).status_code == 200


def test_a_setting_is_live_at_once(server: Managed) -> None:
    with server.client() as client:
        client.put("/api-keys", json=["fresh-key"])
        assert client.put("/usage-statistics-enabled", json={"value": False}).status_code == 200
        assert client.get("/usage-statistics-enabled").json() == {"usage-statistics-enabled": False}
    assert (
        httpx.get(server.url + "/v1/models", headers={"Authorization": "Bearer fresh-key"}).status_code == 200
    )


def test_put_config_yaml_with_broken_yaml_is_400_and_keeps_the_file(server: Managed) -> None:
    before = server.text()
    with server.client() as client:
        answer = client.put("/config.yaml", content=b"debug: [unclosed\n")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_yaml" and "line" in answer.json()["message"]
    assert server.text() == before


def test_put_config_yaml_with_an_empty_body_is_refused(shared: Managed) -> None:
    before = shared.text()
    with shared.client() as client:
        answer = client.put("/config.yaml", content=b"  \n")
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_yaml")
    assert shared.text() == before


def test_put_config_yaml_with_a_bad_value_names_the_key(server: Managed) -> None:
    before = server.text()
    with server.client() as client:
        answer = client.put("/config.yaml", content=b"port: 0\nrequest-retry: lots\n")
    assert answer.status_code == 422
    assert answer.json() == {
        "error": "invalid_config",
        "message": "request-retry: expected an integer, got 'lots'",
    }
    assert server.text() == before


def test_put_config_yaml_writes_verbatim_and_goes_live(server: Managed) -> None:
    body = (
        server.text().replace(f'"{CLIENT_KEY}"', '"yaml-key"  # replaced')
        + "# trailing note\nzz-unknown: 1\n"
    )
    with server.client() as client:
        answer = client.put("/config.yaml", content=body.encode())
        assert answer.json() == {"ok": True, "changed": ["config"]}
        assert client.get("/api-keys").json() == {"api-keys": ["yaml-key"]}
    assert server.text() == body
    ok = httpx.get(server.url + "/v1/models", headers={"Authorization": "Bearer yaml-key"})
    old = httpx.get(server.url + "/v1/models", headers={"Authorization": f"Bearer {CLIENT_KEY}"})
    assert (ok.status_code, old.status_code) == (200, 401)


def test_put_config_yaml_reports_settings_that_need_a_restart(server: Managed) -> None:
    body = server.text().replace("port: 0", "port: 1")
    with server.client() as client:
        answer = client.put("/config.yaml", content=body.encode())
    assert answer.json() == {"ok": True, "changed": ["config"], "restart-required": ["port"]}


def test_put_config_yaml_with_a_plaintext_secret_gets_it_hashed(launch: Launcher) -> None:
    server = launch.start()
    document = server.config()
    document["remote-management"]["secret-key"] = "new-plain-secret"
    with server.client() as client:
        assert client.put("/config.yaml", content=yaml.safe_dump(document).encode()).status_code == 200

    def hashed() -> bool:
        return str(yaml.safe_load(server.text())["remote-management"]["secret-key"]).startswith("$2a$")

    assert wait_for(hashed)
    with server.client("new-plain-secret") as client:
        assert client.get("/debug").status_code == 200


def test_latest_version_answers_without_a_network_call(shared: Managed) -> None:
    with shared.client() as client:
        answer = client.get("/latest-version").json()
    assert answer == {"latest-version": __version__, "current-version": __version__, "checked": False}


def test_unknown_management_path_is_a_plain_404(shared: Managed) -> None:
    with shared.client() as client:
        answer = client.get("/no-such-endpoint")
        wrong_method = client.post("/debug", json={"value": True})
    assert (answer.status_code, answer.text) == (404, "404 page not found")
    assert wrong_method.status_code == 404

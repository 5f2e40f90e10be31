"""Gemini CLI accounts through the real pipeline: per-request refresh, projects, 429 cooldown and failover.

Account files in a temp auth-dir go through the auth machinery (store, refresher, token source) into
a ProxyState; the Pipeline sends to the fake Code Assist upstream. Clock and sleep are injected.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from server.config.schema import Config
from server.errors import ModelCooldown, UpstreamError
from server.exchange import ProxyRequest, ProxyResponse
from server.http import HttpClients
from server.jsontypes import JSONObject
from server.pipeline import Pipeline
from server.providers.gemini_cli_account import CLIENT_ID
from server.providers.google_oauth import rfc3339
from server.state import ProxyState
from tests.fakes import Fail, Reply
from tests.unit.providers.google_support import Accounts, Fakes, reset_fakes, serve_fakes
from tests.unit.providers.test_gemini_cli_account import original_file

START = 1_750_000_000.0


@pytest.fixture(scope="module")
def servers() -> Iterator[Fakes]:
    yield from serve_fakes()


@pytest.fixture
def fakes(servers: Fakes) -> Fakes:
    return reset_fakes(servers)


@dataclass
class Clock:
    now: float = START
    slept: list[float] | None = None

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if self.slept is not None:
            self.slept.append(seconds)
        self.now += seconds


@dataclass
class Proxy:
    accounts: Accounts
    state: ProxyState
    pipeline: Pipeline
    clock: Clock
    fakes: Fakes

    def load(self) -> None:
        self.accounts.reload()
        self.state.set_extra_credentials([c for _, c in self.accounts.by_id.values()])

    def write(self, name: str, data: JSONObject) -> None:
        self.accounts.store.write_json(name, {**data, "base_url": self.fakes.google.url()})
        self.load()

    async def ask(self, model: str = "gemini-2.5-pro") -> ProxyResponse:
        request = ProxyRequest(
            fmt="gemini",
            model=model,
            body={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
            stream=False,
        )
        answer = await self.pipeline.handle(request)
        assert isinstance(answer, ProxyResponse)
        return answer

    def sent(self) -> list[tuple[str, str, str]]:
        """(token, project, model) of each upstream generate call."""
        out = []
        for record in self.fakes.google.upstream.requests:
            body = record.json if isinstance(record.json, dict) else {}
            out.append((record.api_key, str(body.get("project")), str(body.get("model"))))
        return out


@pytest.fixture
async def proxy(tmp_path: Path, fakes: Fakes) -> AsyncIterator[Proxy]:
    clock = Clock(slept=[])
    clients = HttpClients()
    async with httpx.AsyncClient(trust_env=False) as http:
        accounts = Accounts(tmp_path, http, fakes, clock)
        config = replace(Config(), request_retry=1, max_retry_interval=30)
        state = ProxyState(config)
        state.token_source = accounts.source
        pipeline = Pipeline(state, clients, clock=clock, wall_clock=clock, sleep=clock.sleep)
        proxy = Proxy(accounts, state, pipeline, clock, fakes)
        accounts.refresher._on_refreshed = lambda name: proxy.load()  # reload into the state too
        yield proxy
    await clients.aclose()


def fresh_file(project: str, token: str, expiry: float = START + 3000) -> JSONObject:
    data = original_file(project)
    data["token"] = {**data["token"], "access_token": token, "expiry": rfc3339(expiry)}  # type: ignore[dict-item]
    return data


async def test_expired_token_is_refreshed_before_the_request(proxy: Proxy) -> None:
    proxy.write("gemini-a@b.com-p1.json", fresh_file("p1", "ya29.old", expiry=START - 10))
    answer = await proxy.ask()
    assert answer.status == 200 and b"Hello from gemini-cli fake" in answer.content
    (grant,) = proxy.fakes.token_requests("refresh_token")
    assert grant.form["client_id"] == CLIENT_ID and grant.form["client_secret"] == "GOCSPX-secret"
    ((token, project, model),) = proxy.sent()
    assert token.startswith("at-") and (project, model) == ("p1", "gemini-2.5-pro")
    stored = json.loads((proxy.accounts.store.directory / "gemini-a@b.com-p1.json").read_text())
    assert stored["token"]["access_token"] == token  # written back: no refresh again after a restart
    await proxy.ask()
    assert len(proxy.fakes.token_requests("refresh_token")) == 1


async def test_token_valid_for_longer_than_a_minute_is_used_as_is(proxy: Proxy) -> None:
    proxy.write("gemini-a@b.com-p1.json", fresh_file("p1", "ya29.ok", expiry=START + 61))
    await proxy.ask()
    assert proxy.sent()[0][0] == "ya29.ok" and not proxy.fakes.token_requests()
    assert not proxy.accounts.refresher.tick()  # no background refresh for Gemini CLI
    proxy.clock.now += 2
    await proxy.ask()
    assert len(proxy.fakes.token_requests("refresh_token")) == 1


async def test_concurrent_requests_share_one_refresh(proxy: Proxy) -> None:
    proxy.write("gemini-a@b.com-all.json", fresh_file("p1,p2", "ya29.old", expiry=START - 1))
    answers = await asyncio.gather(*(proxy.ask() for _ in range(6)))
    assert {a.status for a in answers} == {200}
    assert len(proxy.fakes.token_requests("refresh_token")) == 1
    assert proxy.accounts.refresher.calls == 1
    tokens = {token for token, _, _ in proxy.sent()}
    assert len(tokens) == 1 and next(iter(tokens)).startswith("at-")


async def test_projects_take_turns_and_a_429_fails_over_to_the_next_project(proxy: Proxy) -> None:
    proxy.write("gemini-a@b.com-all.json", fresh_file("p1,p2", "tok"))
    await proxy.ask()
    await proxy.ask()
    assert [project for _, project, _ in proxy.sent()] == ["p1", "p2"]
    proxy.fakes.google.upstream.clear()
    proxy.fakes.google.upstream.script("tok", Fail(429, retry_after=20))
    answer = await proxy.ask()
    assert answer.status == 200
    assert [project for _, project, _ in proxy.sent()] == ["p1", "p2"]  # same request, other project
    await proxy.ask()
    assert proxy.sent()[-1][1] == "p2"  # p1 is cooling for this model


async def test_retry_info_cools_that_credential_for_that_model_only(proxy: Proxy) -> None:
    proxy.state.apply_config(replace(proxy.state.config, request_retry=0))
    proxy.write("gemini-a@b.com-p1.json", fresh_file("p1", "tok"))
    proxy.fakes.google.upstream.script("tok", Fail(429, retry_after=2))
    with pytest.raises(UpstreamError) as caught:
        await proxy.ask()
    assert caught.value.status == 429 and caught.value.retry_after == 2
    proxy.clock.now += 1
    with pytest.raises(ModelCooldown):
        await proxy.ask()
    assert len(proxy.sent()) == 1  # no upstream call while cooling
    assert (await proxy.ask("gemini-2.5-flash")).status == 200  # other models still usable
    proxy.clock.now += 1.1
    assert (await proxy.ask()).status == 200
    assert [model for _, _, model in proxy.sent()] == ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-pro"]


@pytest.mark.parametrize(
    ("hints", "slept", "succeeds"),
    [((1, 3), True, True), ((60, 60), False, False)],
    ids=["short-hints-wait-and-retry", "long-hints-fail-now"],
)
async def test_wait_and_retry_on_retry_info(
    proxy: Proxy, hints: tuple[int, int], slept: bool, succeeds: bool
) -> None:
    proxy.write("gemini-a@b.com-p1.json", fresh_file("p1", "tok-a"))
    proxy.write("gemini-c@d.com-p7.json", {**fresh_file("p7", "tok-b"), "email": "c@d.com"})
    proxy.fakes.google.upstream.script("tok-a", Fail(429, retry_after=hints[0]), Reply())
    proxy.fakes.google.upstream.script("tok-b", Fail(429, retry_after=hints[1]), Reply())
    if succeeds:
        assert (await proxy.ask()).status == 200
    else:
        with pytest.raises(UpstreamError):
            await proxy.ask()
    assert bool(proxy.clock.slept) is slept
    if slept:
        assert proxy.clock.slept == [pytest.approx(hints[0], abs=0.1)]
        assert len(proxy.sent()) == 3


async def test_revoked_refresh_token_marks_the_file_and_does_not_crash(proxy: Proxy) -> None:
    data = fresh_file("p1", "ya29.dead", expiry=START - 5)
    data["token"] = {**data["token"], "refresh_token": "1//dead"}  # type: ignore[dict-item]
    proxy.write("gemini-a@b.com-p1.json", data)
    proxy.fakes.oauth.revoke("1//dead")  # the fake cannot un-revoke: a token no other test uses
    proxy.fakes.google.upstream.always("ya29.dead", Fail(401))
    with pytest.raises(UpstreamError) as caught:
        await proxy.ask()
    assert caught.value.status == 401
    state = proxy.accounts.refresher.state("gemini-a@b.com-p1.json")
    assert state.permanent and "revoked" in state.error
    assert proxy.accounts.refresher.backing_off("gemini-a@b.com-p1.json")
    assert len(proxy.fakes.token_requests("refresh_token")) == 1

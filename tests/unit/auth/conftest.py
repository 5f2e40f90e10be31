"""A shared fake OAuth server and an HTTP client for the account tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.fakes.oauth_fake import FakeOAuth, start_fake_oauth


@pytest.fixture(scope="module")
def oauth_server() -> Iterator[FakeOAuth]:
    fake, server = start_fake_oauth()
    try:
        yield fake
    finally:
        server.stop()


@pytest.fixture
def oauth(oauth_server: FakeOAuth) -> FakeOAuth:
    oauth_server.reset()
    return oauth_server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client

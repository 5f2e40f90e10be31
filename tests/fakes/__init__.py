"""Fake upstream providers for end-to-end tests, and the thread that serves them."""

from __future__ import annotations

from tests.fakes.script import (
    Behaviour,
    CutStream,
    Fail,
    FakeOptions,
    Hang,
    HtmlError,
    Malformed,
    Recorded,
    Reply,
    Slow,
    image_parts,
    signature_for,
)
from tests.fakes.server_thread import ServerThread
from tests.fakes.upstream import FakeUpstream

__all__ = [
    "Behaviour",
    "CutStream",
    "Fail",
    "FakeOptions",
    "FakeUpstream",
    "Hang",
    "HtmlError",
    "Malformed",
    "Recorded",
    "Reply",
    "ServerThread",
    "Slow",
    "image_parts",
    "signature_for",
    "start_fake_upstream",
]


def start_fake_upstream(**options: object) -> tuple[FakeUpstream, ServerThread]:
    """A FakeUpstream with ``options`` (see FakeOptions) served on a free loopback port; stop the thread."""
    fake = FakeUpstream(**options)
    return fake, ServerThread(fake.app).start()

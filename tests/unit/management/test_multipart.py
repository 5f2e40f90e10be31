"""The multipart/form-data reader used for uploads."""

from __future__ import annotations

import httpx
import pytest

from server.api.management.multipart import FormPart, MultipartError, parse_form


def _encode(files: dict[str, tuple[str, bytes]], data: dict[str, str] | None = None) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://x/", files=files, data=data)
    return request.read(), request.headers["content-type"]


@pytest.mark.parametrize(
    "content",
    [b'{"type": "claude"}', b"line1\r\n\r\nline2\r\n", bytes(range(256)), b""],
    ids=["json", "crlf-inside", "binary", "empty"],
)
def test_file_content_comes_back_exactly(content: bytes) -> None:
    body, content_type = _encode({"file": ("a b.json", content)}, {"location": "eu-west"})
    fields = parse_form(body, content_type)
    assert fields["file"] == FormPart("file", "a b.json", content)
    assert fields["location"].text == "eu-west" and fields["location"].filename == ""


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"{}", "application/json"), (b"x", "multipart/form-data"), (b"", "text/plain; boundary=x")],
    ids=["json", "no-boundary", "not-multipart"],
)
def test_non_multipart_bodies_are_refused(body: bytes, content_type: str) -> None:
    with pytest.raises(MultipartError):
        parse_form(body, content_type)


def test_the_first_of_repeated_names_wins() -> None:
    request = httpx.Request(
        "POST", "http://x/", files=[("file", ("a.json", b"1")), ("file", ("b.json", b"2"))]
    )
    assert parse_form(request.read(), request.headers["content-type"])["file"].data == b"1"

"""A small ``multipart/form-data`` reader for uploads (Starlette's needs python-multipart, not shipped).

Uses the standard library's MIME parser; fine for the few kilobytes of a credential file.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

__all__ = ["FormPart", "MultipartError", "parse_form"]


class MultipartError(ValueError):
    """The body is not multipart/form-data."""


@dataclass(frozen=True, slots=True)
class FormPart:
    """One form field: its ``name``, the uploaded ``filename`` ("" for plain fields) and raw ``data``."""

    name: str
    filename: str
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def parse_form(body: bytes, content_type: str) -> dict[str, FormPart]:
    """The fields of a multipart body by name (the first of repeated names wins)."""
    if not content_type.lower().startswith("multipart/form-data") or "boundary=" not in content_type:
        raise MultipartError("not multipart/form-data")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise MultipartError("malformed multipart body")
    fields: dict[str, FormPart] = {}
    for part in message.iter_parts():
        if not isinstance(part, EmailMessage):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or name in fields:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        fields[name] = FormPart(name, part.get_filename() or "", data)
    return fields

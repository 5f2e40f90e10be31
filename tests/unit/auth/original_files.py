"""Credential files as the original CLIProxyAPI writes them (providers.md §2.2–§8.2), for load tests.

``write_original_files(directory)`` writes one file of each of the seven types (plus a multi-project
Gemini file), and ``write_bad_files(directory)`` the malformed / unknown ones that must be skipped.
Tokens never expire before 2099, so loading them starts no refresh.
"""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from server.jsontypes import JSONObject
from tests.fakes.oauth_fake import make_id_token

__all__ = ["BAD_FILES", "EXPECTED", "original_files", "write_bad_files", "write_original_files"]

FAR = "2099-01-01T00:00:00Z"
LAST = "2025-12-11T10:00:00+01:00"
GOOGLE_SCOPES = [
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
]


def _gemini(email: str, project: str) -> JSONObject:
    return {
        "token": {
            "access_token": f"ya29.{project}",
            "token_type": "Bearer",
            "refresh_token": "1//gemini-refresh",
            "expiry": "2099-01-01T00:00:00.123456789+01:00",
            "token_uri": "https://oauth2.googleapis.com/token",
            "client_id": "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com",
            "client_secret": "test-client-secret",
            "scopes": GOOGLE_SCOPES,
            "universe_domain": "googleapis.com",
        },
        "project_id": project,
        "email": email,
        "auto": False,
        "checked": True,
        "type": "gemini",
    }


def _service_account() -> JSONObject:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "vx-project",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "proxy@vx-project.iam.gserviceaccount.com",
        "client_id": "123456789",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


def original_files() -> dict[str, JSONObject]:
    """File name → JSON, one per type (two for Gemini: one project, several projects)."""
    codex_claims: JSONObject = {
        "email": "cx@example.com",
        "https://api.openai.com/auth": {"chatgpt_account_id": "acct-123", "chatgpt_plan_type": "plus"},
    }
    return {
        "gem@example.com-proj-one.json": _gemini("gem@example.com", "proj-one"),
        "gemini-multi@example.com-all.json": _gemini("multi@example.com", "p1,p2"),
        "antigravity-ag_example_com.json": {
            "access_token": "ya29.antigravity",
            "email": "ag@example.com",
            "expired": FAR,
            "expires_in": 3599,
            "project_id": "useful-wave-1a2b3",
            "refresh_token": "1//antigravity-refresh",
            "timestamp": 1765443600000,
            "type": "antigravity",
        },
        "codex-cx@example.com.json": {
            "id_token": make_id_token(codex_claims),
            "access_token": "codex-access",
            "refresh_token": "codex-refresh",
            "account_id": "acct-123",
            "last_refresh": LAST,
            "email": "cx@example.com",
            "type": "codex",
            "expired": FAR,
        },
        "claude-cl@example.com.json": {
            "id_token": "",
            "access_token": "claude-access",
            "refresh_token": "claude-refresh",
            "last_refresh": LAST,
            "email": "cl@example.com",
            "type": "claude",
            "expired": FAR,
        },
        "qwen-myalias.json": {
            "access_token": "qwen-access",
            "refresh_token": "qwen-refresh",
            "last_refresh": LAST,
            "resource_url": "portal.qwen.ai",
            "email": "myalias",
            "type": "qwen",
            "expired": FAR,
        },
        "iflow-if@example.com.json": {
            "access_token": "iflow-access",
            "refresh_token": "iflow-refresh",
            "last_refresh": LAST,
            "expired": FAR,
            "api_key": "sk-iflow-key",
            "email": "if@example.com",
            "token_type": "bearer",
            "scope": "",
            "cookie": "",
            "type": "iflow",
        },
        "vertex-vx-project.json": {
            "service_account": _service_account(),
            "project_id": "vx-project",
            "email": "proxy@vx-project.iam.gserviceaccount.com",
            "location": "us-central1",
            "type": "vertex",
        },
    }


EXPECTED = {
    "gem@example.com-proj-one.json": "gemini-cli",
    "gemini-multi@example.com-all.json::p1": "gemini-cli",
    "gemini-multi@example.com-all.json::p2": "gemini-cli",
    "antigravity-ag_example_com.json": "antigravity",
    "codex-cx@example.com.json": "codex",
    "claude-cl@example.com.json": "claude",
    "qwen-myalias.json": "qwen",
    "iflow-if@example.com.json": "iflow",
    "vertex-vx-project.json": "vertex",
}
"""Credential id → provider key after loading ``original_files()``."""

BAD_FILES: dict[str, bytes] = {
    "broken.json": b'{"type": "claude", "access_token": ',
    "empty.json": b"",
    "no-type.json": b'{"email": "x@example.com", "access_token": "a"}',
    "list.json": b'[{"type": "claude"}]',
    "kimi-unknown.json": b'{"type": "kimi", "access_token": "k"}',
}
"""Files that must be reported and skipped, never deleted."""


def write_original_files(directory: Path) -> dict[str, JSONObject]:
    directory.mkdir(parents=True, exist_ok=True)
    files = original_files()
    for name, data in files.items():
        (directory / name).write_text(json.dumps(data, indent=2), encoding="utf-8")
    return files


def write_bad_files(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, raw in BAD_FILES.items():
        (directory / name).write_bytes(raw)
    (directory / "notes.txt").write_text("not a credential", encoding="utf-8")

"""Gemini CLI login after the token: pick the Cloud projects, set up Code Assist, enable its API.

providers.md §2.1 steps 2–6: list projects, choose (``-project_id`` with an id, ``ALL`` or a comma
list, else a prompt), ``loadCodeAssist`` for the tier and project, ``onboardUser`` polled until
``done``, then the ``cloudaicompanion`` service enabled when it is not yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from server.auth.base import LoginError
from server.jsontypes import JSONObject
from server.providers.google_oauth import call_code_assist, companion_project, default_tier, onboard

__all__ = [
    "CLIENT_METADATA",
    "LOGIN_HEADERS",
    "PROJECTS_URL",
    "SERVICE_USAGE_URL",
    "Project",
    "choose_projects",
    "ensure_api_enabled",
    "list_projects",
    "parse_answer",
    "project_prompt",
    "setup_project",
]

PROJECTS_URL = "https://cloudresourcemanager.googleapis.com/v1/projects"
SERVICE_USAGE_URL = "https://serviceusage.googleapis.com"
_SERVICE = "cloudaicompanion.googleapis.com"
_LOGIN_UA = "google-api-nodejs-client/9.15.1"

CLIENT_METADATA: JSONObject = {
    "ideType": "IDE_UNSPECIFIED",
    "platform": "PLATFORM_UNSPECIFIED",
    "pluginType": "GEMINI",
}
LOGIN_HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": _LOGIN_UA,
    "X-Goog-Api-Client": "gl-node/22.17.0",
    "Client-Metadata": "ideType=IDE_UNSPECIFIED,platform=PLATFORM_UNSPECIFIED,pluginType=GEMINI",
}
"""Headers of the Code Assist setup calls (comma ``k=v`` Client-Metadata, not JSON)."""

_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str = ""


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def list_projects(http: httpx.AsyncClient, url: str, token: str) -> list[Project]:
    """The account's Cloud projects; an empty list when the listing fails."""
    try:
        response = await http.get(url, headers=_bearer(token), timeout=_TIMEOUT)
        data = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return []
    rows = data.get("projects") if isinstance(data, dict) else None
    found: list[Project] = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and isinstance(row.get("projectId"), str) and row["projectId"]:
            found.append(Project(row["projectId"], str(row.get("name") or "")))
    return found


def _validated(ids: list[str], projects: list[Project]) -> list[str]:
    known = {p.id for p in projects}
    unknown = [i for i in ids if projects and i not in known]
    if unknown:
        raise LoginError(f"unknown Google Cloud project(s): {', '.join(unknown)}")
    return ids


def _split(text: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def choose_projects(preset: str, projects: list[Project]) -> list[str] | None:
    """The projects ``-project_id`` selects; ``[""]`` lets Code Assist choose; None means ask."""
    preset = preset.strip()
    if preset.upper() == "ALL":
        if not projects:
            raise LoginError("no Google Cloud projects were found to activate with ALL")
        return [p.id for p in projects]
    if "," in preset:
        return _validated(_split(preset), projects)
    if preset and (not projects or preset in {p.id for p in projects}):
        return [preset]
    if not projects:
        return [""]
    return None


def project_prompt(projects: list[Project]) -> str:
    lines = ["Available Google Cloud projects:"]
    lines += [f"  {n}. {p.id}" + (f" ({p.name})" if p.name else "") for n, p in enumerate(projects, 1)]
    lines.append(f"Enter project ID [{projects[0].id}] or ALL: ")
    return "\n".join(lines)


def parse_answer(answer: str, projects: list[Project]) -> list[str]:
    """The person's answer: empty = the first project, a 1-based number, an id, a list or ALL."""
    answer = answer.strip()
    if not answer:
        return [projects[0].id]
    if answer.isdigit() and 1 <= int(answer) <= len(projects):
        return [projects[int(answer) - 1].id]
    chosen = choose_projects(answer, projects)
    if chosen is None:
        raise LoginError(f"unknown Google Cloud project: {answer}")
    return chosen


async def setup_project(
    http: httpx.AsyncClient,
    base: str,
    token: str,
    requested: str,
    *,
    interval: float,
    attempts: int,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> str:
    """loadCodeAssist then onboardUser for ``requested`` ("" = the one Code Assist names)."""
    headers = {**LOGIN_HEADERS, **_bearer(token)}
    body: JSONObject = {"metadata": dict(CLIENT_METADATA)}
    if requested:
        body["cloudaicompanionProject"] = requested
    loaded = await call_code_assist(http, base, "loadCodeAssist", body, headers)
    project = requested or companion_project(loaded)
    if not project:
        raise LoginError(
            "project selection required: this Google account has no Code Assist project yet; "
            "run the login again with -project_id <your Google Cloud project id>"
        )
    onboard_body: JSONObject = {
        "tierId": default_tier(loaded),
        "metadata": dict(CLIENT_METADATA),
        "cloudaicompanionProject": project,
    }
    done = await onboard(http, base, onboard_body, headers, interval=interval, attempts=attempts, sleep=sleep)
    final = companion_project(done)
    return requested or final or project


async def ensure_api_enabled(http: httpx.AsyncClient, base: str, token: str, project: str) -> None:
    """Enable the Gemini for Cloud (``cloudaicompanion``) API on ``project`` unless it already is."""
    headers = {"Content-Type": "application/json", "User-Agent": _LOGIN_UA, **_bearer(token)}
    url = f"{base.rstrip('/')}/v1/projects/{quote(project, safe='')}/services/{_SERVICE}"
    try:
        response = await http.get(url, headers=headers, timeout=_TIMEOUT)
        if response.status_code == 200 and response.json().get("state") == "ENABLED":
            return
        enabled = await http.post(f"{url}:enable", json={}, headers=headers, timeout=_TIMEOUT)
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise LoginError(
            f"could not check the Gemini API on project {project}: {type(exc).__name__}"
        ) from exc
    if enabled.status_code in (200, 201):
        return
    if enabled.status_code == 400 and "already enabled" in enabled.text.lower():
        return
    raise LoginError(
        f"could not enable the Gemini for Cloud API on project {project}: "
        f"HTTP {enabled.status_code} {enabled.text[:300]}"
    )

"""Export from the Usage page: the per-model table as CSV, all statistics as the JSON snapshot.

The CSV is what the table shows for the chosen range (one row per model); the JSON is the server's
``/usage/export`` answer, which ``/usage/import`` (and the original CLIProxyAPI) read back. Files are
written next to their destination and renamed over it, so a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from gui.windows.usage_rows import ModelUsage

__all__ = ["CSV_HEADER", "UsageExportClient", "snapshot_json", "table_csv", "write_atomically"]

CSV_HEADER = ("model", "requests", "failed", "success_rate", "input_tokens", "output_tokens")
"""Column names of the CSV (machine-readable, so not translated)."""


class UsageExportClient(Protocol):
    async def usage_export(self) -> dict[str, object]: ...


def table_csv(rows: Sequence[ModelUsage]) -> str:
    """The per-model rows as CSV with a header line; the success rate as a fraction with 4 decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            (row.model, row.requests, row.failures, f"{row.success:.4f}", row.input_tokens, row.output_tokens)
        )
    return out.getvalue()


def snapshot_json(snapshot: Mapping[str, object]) -> str:
    """The export snapshot as indented JSON text."""
    return json.dumps(snapshot, indent=2, ensure_ascii=False) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder and a rename."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

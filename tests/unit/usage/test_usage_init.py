"""The public surface of server.usage is exactly what __all__ lists."""

from __future__ import annotations

import server.usage

EXPECTED = {
    "Bucket",
    "GroupBy",
    "GroupTotals",
    "ImportResult",
    "SeriesPoint",
    "SnapshotError",
    "Totals",
    "UnsupportedVersion",
    "UsageQueries",
    "UsageRecord",
    "UsageRecorder",
    "UsageSink",
    "UsageStore",
    "UsageStoreError",
    "build_snapshot",
    "export_snapshot",
    "import_snapshot",
}


def test_public_names() -> None:
    assert set(server.usage.__all__) == EXPECTED
    assert all(hasattr(server.usage, name) for name in EXPECTED)

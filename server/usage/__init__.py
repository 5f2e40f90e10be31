"""Usage statistics: the record type, the SQLite store, the batching recorder, aggregates, snapshots."""

from __future__ import annotations

from server.usage.queries import Bucket, GroupBy, GroupTotals, SeriesPoint, Totals, UsageQueries
from server.usage.record import UsageRecord, UsageSink
from server.usage.recorder import UsageRecorder
from server.usage.snapshot import (
    ImportResult,
    SnapshotError,
    UnsupportedVersion,
    build_snapshot,
    export_snapshot,
    import_snapshot,
)
from server.usage.store import UsageStore, UsageStoreError

__all__ = [
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
]

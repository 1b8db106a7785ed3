"""What the Store's mixins (sessions.py, telemetry.py) may rely on: its connection, lock,
transactions, audit trail and each other's methods. Declarations only."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.store.audit import AuditTrail
    from console.store.db import Db
    from console.store.media import MediaTables
    from console.store.patients import PatientTable
    from console.store.products import ProductTable
    from console.store.rows import (
        EventRecord,
        EventRow,
        SessionFilter,
        SessionRecord,
        StoredPass,
    )


class StoreBase:
    _db: Db
    path: Path
    conn: sqlite3.Connection
    lock: threading.RLock
    audit: AuditTrail
    not_sealed: list[str]  # set by mark_interrupted
    media: MediaTables
    patients: PatientTable
    products: ProductTable

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    if TYPE_CHECKING:  # provided by the other mixin

        def _insert_event(self, session: str, e: EventRow) -> None: ...
        def session(self, session: str) -> SessionRecord: ...
        def sessions(self, filt: SessionFilter | None = None) -> list[SessionRecord]: ...
        def events(self, session: str) -> list[EventRecord]: ...
        def passes(self, session: str, include_undone: bool = False) -> list[StoredPass]: ...
        def chunk_digest_rows(
            self, session: str, *, summaries: bool = True
        ) -> list[tuple[list[object], bytes]]: ...
        def chunk_summary_rows(
            self, session: str
        ) -> list[tuple[int, int, int, int, bytes, bytes]]: ...

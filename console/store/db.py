"""The one connection of a Store, its lock, and transactions that run code after commit.

Every table object of the store (sessions, telemetry, users, audit, signatures,
ceilings) writes through `Db.transaction()`: one `BEGIN IMMEDIATE` for the outermost
block, so an audit row and the change it describes commit together, and nested blocks
join it. Work that must only happen once the data is on disk (rewriting the chain-head
sidecar) is queued with `after_commit`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from console.store.keys import HeadFile, InstallationKey


class Db:
    def __init__(self, path: Path, conn: sqlite3.Connection, key_dir: Path | None = None) -> None:
        self.path = path
        self.conn = conn
        self.lock = threading.RLock()  # one connection, shared by the writer and readers
        self.key = InstallationKey(key_dir)
        self.head = HeadFile(path, self.key)
        self._depth = 0
        self._after: list[Callable[[], None]] = []

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            outermost = self._depth == 0
            if outermost:
                self.conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                if outermost:
                    self.conn.rollback()
                    self._after.clear()
                raise
            self._depth -= 1
            if not outermost:
                return
            self.conn.commit()
            after, self._after = self._after, []
        for work in after:
            work()

    def after_commit(self, work: Callable[[], None]) -> None:
        """Run `work` once the current transaction commits (dropped on rollback)."""
        self._after.append(work)

    def query(self, sql: str, args: Sequence[object] = ()) -> list[Any]:
        """All rows of one read, taken under the lock."""
        with self.lock:
            return self.conn.execute(sql, args).fetchall()

    def one(self, sql: str, args: Sequence[object] = ()) -> Any:
        """The first row of one read (None when there is none)."""
        with self.lock:
            return self.conn.execute(sql, args).fetchone()

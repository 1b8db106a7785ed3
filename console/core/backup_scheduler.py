"""Backups in the background: after every ended session, and daily.

A thread of its own with a Store of its own (its own connection), so a backup (a copy of
the whole file to a slow USB stick) never holds the GUI's or the recorder's connection.
Requests and results travel through queues: the GUI polls `notices` on its timer. The
thread holds no Qt object.
"""

from __future__ import annotations

import queue
import threading
from functools import partial
from pathlib import Path

from console.core.alarms import Priority
from console.core.backups import Kind, Notice, back_up_now, daily_due, notices_of, stale_notice
from console.store import Store
from console.store.backup_settings import load_config

CHECK_EVERY_S = 600.0  # how often the thread asks whether the daily backup is due


class BackupScheduler:
    def __init__(
        self, db_path: Path, key_dir: Path | None = None, check_every_s: float = CHECK_EVERY_S
    ) -> None:
        self._db_path = db_path
        self._key_dir = key_dir
        self._check_every_s = check_every_s
        self._requests: queue.Queue[Kind | None] = queue.Queue()
        # One list per finished run: what that run has to say ([] when all went well).
        self.notices: queue.Queue[list[Notice]] = queue.Queue()
        self.runs = 0  # finished runs (for tests and the perf log)
        self._thread = threading.Thread(target=self._run, name="backups", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request(self, kind: Kind = Kind.SESSION) -> None:
        """Back up as soon as the thread is free (returns at once)."""
        self._requests.put(kind)

    def close(self, timeout_s: float = 30.0) -> None:
        """Stop after the backup in progress, if any."""
        if self._thread.is_alive():
            self._requests.put(None)
            self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            store = Store(self._db_path, key_dir=self._key_dir)
        except Exception as exc:  # the GUI already says why the database cannot be used
            self.notices.put([Notice(Priority.MEDIUM, f"Backups are off: {exc}")])
            return
        wait_s = 0.0  # at start: is today's backup (or a stale one) due?
        try:
            while True:
                try:
                    kind = self._requests.get(timeout=wait_s)
                except queue.Empty:
                    wait_s = self._check_every_s
                    kind = Kind.DAILY if self._daily_due() else None
                    if kind is None:
                        continue
                if kind is None:
                    return
                said = notices_of(partial(back_up_now, store, kind))
                stale = self._stale()
                self.notices.put(said + ([stale] if stale is not None else []))
                self.runs += 1
        finally:
            store.close()

    def _daily_due(self) -> bool:
        try:
            return daily_due(self._db_path, load_config(self._db_path))
        except ValueError:
            return False

    def _stale(self) -> Notice | None:
        try:
            return stale_notice(self._db_path, load_config(self._db_path))
        except ValueError:
            return None

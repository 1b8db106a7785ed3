"""The live screen's backup line: the age of the last good backup, and backup notices.

A missing target (an unplugged stick) is a LOW notice: steady cyan text in the status
bar, no sound, nothing to acknowledge, and nothing blocks. A failed backup or a last good
backup older than 24 h is MEDIUM (yellow). Notices come from the backup thread through a
queue, polled here on a GUI timer; the age comes from the small state file.
"""

from __future__ import annotations

import queue
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from console.core.alarms import Priority
from console.core.backups import Notice, stale_notice
from console.store.backup_settings import load_config, load_state

COLOURS = {Priority.LOW: "#3fb6c8", Priority.MEDIUM: "#e8c547", Priority.HIGH: "#e5484d"}
POLL_MS = 1000
AGE_EVERY_POLLS = 30


class BackupNotice(QLabel):
    def __init__(
        self, db_path: Path, notices: queue.Queue[list[Notice]], parent: QWidget | None = None
    ) -> None:
        super().__init__("", parent)
        self.setObjectName("backup_notice")
        self._db_path = db_path
        self._notices = notices
        self._polls = 0
        self.run_notices: list[Notice] = []  # what the last backup run said
        self.age: Notice | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_poll)
        self._timer.start(POLL_MS)
        self._on_poll()

    def _on_poll(self) -> None:
        latest = None
        while True:
            try:
                latest = self._notices.get_nowait()
            except queue.Empty:
                break
        if latest is not None:
            self.run_notices = latest
        if latest is not None or self._polls % AGE_EVERY_POLLS == 0:
            self.age = self._age_notice()
        self._polls += 1
        self._show()

    def _age_notice(self) -> Notice | None:
        try:
            config = load_config(self._db_path)
        except ValueError as exc:
            return Notice(Priority.MEDIUM, f"Backup settings unreadable: {exc}")
        stale = stale_notice(self._db_path, config)
        if stale is not None or not config.targets:
            return stale
        states = load_state(self._db_path)
        goods = [s.last_good.at_utc for s in states.values() if s.last_good is not None]
        age_h = (datetime.now(UTC) - datetime.fromisoformat(max(goods))).total_seconds() / 3600
        return Notice(Priority.LOW, f"Last backup {age_h:.0f} h ago")

    def _show(self) -> None:
        shown = [n for n in self.run_notices if n != self.age]
        shown += [self.age] if self.age is not None else []
        if not shown:
            self.setText("")
            return
        self.setText(" · ".join(n.text for n in shown))
        self.setStyleSheet(f"color: {COLOURS[max(n.priority for n in shown)]};")

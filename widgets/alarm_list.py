"""Every alarm of this run with its times and acknowledgement, newest first."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem, QWidget

from console.core.alarms import AlarmModel

HEADERS = ("Raised (UTC)", "Priority", "Alarm", "Detail", "Acknowledged", "Cleared")


class AlarmList(QTableWidget):
    def __init__(self, alarms: AlarmModel, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.alarms = alarms
        self.setHorizontalHeaderLabels(HEADERS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self._version = -1  # the model's `changes` last shown (polled: no callback)

    def refresh(self) -> None:
        if self.alarms.changes == self._version:
            return
        self._version = self.alarms.changes
        history = list(reversed(self.alarms.history))
        self.setRowCount(len(history))
        for row, a in enumerate(history):
            ack = a.acknowledged_utc or ""
            if a.acknowledged_by:
                ack += f" by {a.acknowledged_by}"
            values = (
                a.raised_utc[11:23],
                a.priority.name.lower(),
                a.title,
                a.detail,
                ack[11:],
                (a.cleared_utc or "active")[11:] if a.cleared_utc else "active",
            )
            for col, value in enumerate(values):
                self.setItem(row, col, QTableWidgetItem(value))

"""Every alarm of this run with its times and acknowledgement, newest first.

Times are the clinic's local time (the record keeps UTC); columns fit their contents,
and the detail column takes what is left.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from console.core.alarms import AlarmModel, local_clock

HEADERS = ("Raised", "Priority", "Alarm", "Acknowledged", "Cleared", "Detail")
DETAIL_COLUMN = HEADERS.index("Detail")


class AlarmList(QTableWidget):
    def __init__(self, alarms: AlarmModel, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.alarms = alarms
        self.setHorizontalHeaderLabels(HEADERS)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        for col in range(len(HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DETAIL_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.setWordWrap(False)
        self._version = -1  # the model's `changes` last shown (polled: no callback)

    def refresh(self) -> None:
        if self.alarms.changes == self._version:
            return
        self._version = self.alarms.changes
        history = list(reversed(self.alarms.history))
        self.setRowCount(len(history))
        for row, a in enumerate(history):
            ack = local_clock(a.acknowledged_utc)
            if ack and a.acknowledged_by:
                ack += f" by {a.acknowledged_by}"
            cleared = local_clock(a.cleared_utc) or (
                "latched: acknowledge" if a.latched else "active"
            )
            values = (
                local_clock(a.raised_utc),
                a.priority.name.lower(),
                a.title,
                ack,
                cleared,
                a.detail,
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.setItem(row, col, item)

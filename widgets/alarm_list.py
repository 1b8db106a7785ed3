"""Every alarm of this run with its times and acknowledgement, newest first.

Times are the clinic's local time (the record keeps UTC); columns fit their contents,
and the detail column takes what is left.

The list keeps every alarm since the console started, so it is refreshed in place: a new
alarm adds its row at the top, and only the rows of alarms still open are written again.
A cleared alarm never changes (`AlarmModel` changes only active ones), so its row is
written once. A console left running for hours redraws what changed, not the whole day.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from console.core.alarms import Alarm, AlarmModel, local_clock

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
        # Fit the columns to the rows on screen and the next 100, not to 1,000 rows on
        # every change (Qt's default): a long run's list costs the same as a short one's.
        header.setResizeContentsPrecision(100)
        self._version = -1  # the model's `changes` last shown (polled: no callback)
        self._shown: list[Alarm] = []  # the history as shown, oldest first (row n-1-i)
        self._open: list[int] = []  # indices in it of alarms still open when last written

    def refresh(self) -> None:
        if self.alarms.changes == self._version:
            return
        self._version = self.alarms.changes
        history, shown = self.alarms.history, len(self._shown)
        if shown and (len(history) < shown or history[shown - 1] is not self._shown[-1]):
            self._shown, self._open, shown = [], [], 0  # not the history shown: start again
            self.setRowCount(0)
        new = range(shown, len(history))
        if new:
            self.model().insertRows(0, len(new))
        self._shown.extend(history[shown:])
        stale = [*self._open, *new]
        for index in stale:
            self._write(len(self._shown) - 1 - index, self._shown[index])
        self._open = [i for i in stale if self._shown[i].active]

    def _write(self, row: int, a: Alarm) -> None:
        ack = local_clock(a.acknowledged_utc)
        if ack and a.acknowledged_by:
            ack += f" by {a.acknowledged_by}"
        cleared = local_clock(a.cleared_utc) or ("latched: acknowledge" if a.latched else "active")
        values = (
            local_clock(a.raised_utc),
            a.priority.name.lower(),
            a.title,
            ack,
            cleared,
            a.detail,
        )
        for col, value in enumerate(values):
            item = self.item(row, col)
            if item is None:
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.setItem(row, col, item)
            elif item.text() != value:
                item.setText(value)
                item.setToolTip(value)

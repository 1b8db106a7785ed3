"""Every alarm of this run with its times and acknowledgement, newest first.

Times are the clinic's local time (the record keeps UTC); columns fit their contents,
and the detail column takes what is left.

The list keeps every alarm since the console started, so it is refreshed in place: a new
alarm adds its row at the top, and only the rows of alarms still open are written again.
A cleared alarm never changes (`AlarmModel` changes only active ones), so its row is
written once. A console left running for hours redraws what changed, not the whole day.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
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
        self.horizontalHeader().setSectionResizeMode(DETAIL_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.setWordWrap(False)
        # Each column is as wide as the widest text it has held, measured as each cell is
        # written: every row reads in full wherever it is scrolled, widths never shrink
        # under the reader, and a change costs the same after hours as after minutes
        # (Qt's ResizeToContents measures up to 1,000 rows on every change).
        self._fit_all()
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
            self._insert_at_top(len(new))
        self._shown.extend(history[shown:])
        stale = [*self._open, *new]
        for index in stale:
            self._write(len(self._shown) - 1 - index, self._shown[index])
        self._open = [i for i in stale if self._shown[i].active]

    def _insert_at_top(self, count: int) -> None:
        """New alarms go on top. Someone scrolled down to read older ones keeps the rows
        they are reading where they are; at the top, the newest come into view."""
        bar = self.verticalScrollBar()
        reading = bar.value()
        self.model().insertRows(0, count)
        if reading > 0:
            self.updateGeometries()  # the bar's range now, not at the next layout
            per_item = self.verticalScrollMode() is QAbstractItemView.ScrollMode.ScrollPerItem
            bar.setValue(reading + count * (1 if per_item else self.rowHeight(0)))

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
            else:
                continue
            self._fit(row, col)

    def _fit(self, row: int, col: int) -> None:
        """Widen the column to the cell's text, if it is the widest yet."""
        if col == DETAIL_COLUMN:
            return
        width = self.sizeHintForIndex(self.model().index(row, col)).width() + self.showGrid()
        header = self.horizontalHeader()
        if width > header.sectionSize(col):
            header.resizeSection(col, width)

    def _fit_all(self) -> None:
        """Measure the headers and every cell again (a new font or style: rare)."""
        header = self.horizontalHeader()
        for col in range(len(HEADERS)):
            if col != DETAIL_COLUMN:
                header.resizeSection(col, header.sectionSizeHint(col))
                for row in range(self.rowCount()):
                    self._fit(row, col)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_all()

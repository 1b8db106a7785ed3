"""The review's event list: one row per event, in time order, in words, with units.

Handed `EventEntry` rows (console.core.event_timeline.TimelineRow, or a fake in tests).
Each row's raw stored data sits behind a disclosure: expand the row to read it, or
"Copy raw data" from its context menu. Clicking a row emits `time_chosen` with its
session time, so the window can move the replay cursor there; `show_time` follows the
replay the other way without echoing back.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("Time", "Session", "Source", "Event", "Detail")
ROW_ROLE = Qt.ItemDataRole.UserRole  # the entry's index, on top-level items


class Words(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def detail(self) -> str: ...


class EventEntry(Protocol):
    @property
    def t_s(self) -> float: ...
    @property
    def clock(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def words(self) -> Words: ...
    @property
    def raw(self) -> str: ...
    @property
    def timed(self) -> bool: ...
    @property
    def alarm(self) -> bool: ...


def session_time(t_s: float) -> str:
    """Seconds into the session as m:ss.s (a session runs up to about an hour)."""
    sign = "-" if t_s < 0 else ""
    m, s = divmod(abs(t_s), 60)
    return f"{sign}{int(m)}:{s:04.1f}"


class EventList(QWidget):
    time_chosen = Signal(float)  # the session time of a row the user clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[EventEntry] = []
        self._times: list[float] = []
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setUniformRowHeights(False)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.header().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        self._mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._bold = QFont(self.tree.font())
        self._bold.setBold(True)
        self.tree.itemClicked.connect(self._on_clicked)
        self.tree.customContextMenuRequested.connect(self._on_menu)

    def set_entries(self, entries: Sequence[EventEntry], zone: str) -> None:
        """Show `entries` (already in time order); `zone` names the clock's time zone once."""
        self.entries = list(entries)
        self._times = [e.t_s for e in self.entries]
        self.tree.clear()
        self.tree.setHeaderLabels([f"Time ({zone})", *COLUMNS[1:]])
        items = []
        for i, e in enumerate(self.entries):
            when = session_time(e.t_s) if e.timed else f"≈ {session_time(e.t_s)}"
            item = QTreeWidgetItem([e.clock, when, e.source, e.words.title, e.words.detail])
            item.setData(0, ROW_ROLE, i)
            item.setToolTip(3, e.words.title)
            item.setToolTip(4, e.words.detail)
            if not e.timed:
                item.setToolTip(1, "no pen time was recorded; shown where it was written")
            if e.alarm:
                for column in range(len(COLUMNS)):
                    item.setFont(column, self._bold)
            raw = QTreeWidgetItem([e.raw])
            raw.setFont(0, self._mono)
            raw.setFlags(raw.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            item.addChild(raw)
            items.append(item)
        self.tree.addTopLevelItems(items)
        for item in items:  # spanning needs the item in the tree
            item.child(0).setFirstColumnSpanned(True)
        for column in range(len(COLUMNS) - 1):
            self.tree.resizeColumnToContents(column)

    def row_count(self) -> int:
        return self.tree.topLevelItemCount()

    def entry_at(self, row: int) -> EventEntry:
        return self.entries[row]

    def current_row(self) -> int | None:
        item = self.tree.currentItem()
        if item is None or item.parent() is not None:
            return None
        return int(item.data(0, ROW_ROLE))

    def show_time(self, t_s: float) -> None:
        """Select the latest event at or before `t_s` (kept if the selected row is at the
        same time already: several events can share a time). Emits nothing."""
        i = bisect.bisect_right(self._times, t_s + 1e-9) - 1
        if i < 0:
            self.tree.clearSelection()
            return
        current = self.current_row()
        if current is not None and self._times[current] == self._times[i]:
            return
        item = self.tree.topLevelItem(i)
        self.tree.blockSignals(True)
        self.tree.setCurrentItem(item)
        self.tree.blockSignals(False)
        self.tree.scrollToItem(item)

    def expand(self, row: int, shown: bool = True) -> None:
        """Show (or hide) a row's raw data, scrolled into view."""
        item = self.tree.topLevelItem(row)
        item.setExpanded(shown)
        if shown:  # the row on top, its raw data below it
            self.tree.scrollToItem(item, QAbstractItemView.ScrollHint.PositionAtTop)

    def raw_text(self, row: int) -> str:
        return self.tree.topLevelItem(row).child(0).text(0)

    def copy_raw(self, row: int) -> None:
        QGuiApplication.clipboard().setText(self.entries[row].raw)

    def _on_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.parent() is None:
            self.time_chosen.emit(self.entries[int(item.data(0, ROW_ROLE))].t_s)

    def _on_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        top = item.parent() or item
        row = int(top.data(0, ROW_ROLE))
        menu = QMenu(self)
        menu.addAction("Copy raw data", lambda: self.copy_raw(row))
        menu.addAction(
            "Hide raw data" if top.isExpanded() else "Show raw data",
            lambda: top.setExpanded(not top.isExpanded()),
        )
        menu.exec(self.tree.viewport().mapToGlobal(pos))

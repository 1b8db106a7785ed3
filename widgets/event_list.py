"""The review's event list: one row per event, in time order, in words, with units.

Handed `EventEntry` rows (console.core.event_timeline.TimelineRow, or a fake in tests).
Each row's raw stored data sits behind a disclosure: expand the row to read it, or
"Copy raw data" from its context menu. Clicking a row emits `time_chosen` with its
session time, so the window can move the replay cursor there; `show_time` follows the
replay the other way without echoing back.

A model over the entries (not a QTreeWidget of items): a session with link trouble has
thousands of events, and QTreeWidget.clear() alone took 2.5 s for 5,000 of them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("Time", "Session", "Source", "Event")
TOP = 0  # internal id of a top-level row; a raw-data row holds its parent's row + 1
AnyIndex = QModelIndex | QPersistentModelIndex


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


class EventModel(QAbstractItemModel):
    """Two levels: an event per top-level row, its raw data as its one child."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[EventEntry] = []
        self.zone = "local time"
        self.bold = QFont()
        self.bold.setBold(True)
        self.mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    def set_entries(self, entries: Sequence[EventEntry], zone: str) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.zone = zone
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 0)

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, TOP)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid() or child.internalId() == TOP:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, TOP)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.entries)
        is_event = parent.internalId() == TOP and parent.column() == 0
        return 1 if is_event else 0

    def columnCount(self, _parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId() == TOP:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return Qt.ItemFlag.ItemIsEnabled  # raw data: read, copy from the menu

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return f"Time ({self.zone})" if section == 0 else COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        if index.internalId() != TOP:  # the raw data row
            e = self.entries[index.internalId() - 1]
            match role:
                case Qt.ItemDataRole.DisplayRole if index.column() == 0:
                    return e.raw
                case Qt.ItemDataRole.FontRole:
                    return self.mono
            return None
        e = self.entries[index.row()]
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return self.cell(e, index.column())
            case Qt.ItemDataRole.ToolTipRole:
                if index.column() == 1 and not e.timed:
                    return "no pen time was recorded; shown where it was written"
                return self.cell(e, index.column()) if index.column() >= 3 else None
            case Qt.ItemDataRole.FontRole if e.alarm:
                return self.bold
        return None

    @staticmethod
    def cell(e: EventEntry, column: int) -> str:
        match column:
            case 0:
                return e.clock
            case 1:
                return session_time(e.t_s) if e.timed else f"≈ {session_time(e.t_s)}"
            case 2:
                return e.source
            case _:  # one sentence reads better than two columns in a narrow pane
                return f"{e.words.title}: {e.words.detail}" if e.words.detail else e.words.title


class EventList(QWidget):
    time_chosen = Signal(float)  # the session time of a row the user clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EventModel(self)
        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.header().setStretchLastSection(True)
        self._times: list[float] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.clicked.connect(self._on_clicked)
        self.view.expanded.connect(self._on_expanded)
        self.view.customContextMenuRequested.connect(self._on_menu)

    def set_entries(self, entries: Sequence[EventEntry], zone: str) -> None:
        """Show `entries` (already in time order); `zone` names the clock's time zone once."""
        self.model.set_entries(entries, zone)
        self._times = [e.t_s for e in self.model.entries]
        # Time, session time and source as wide as their header or a typical value (no
        # scan of every row); the event's words take the rest, however narrow the pane.
        fm = self.view.fontMetrics()
        header = self.view.header()
        for column, sample in enumerate(("00:00:00", "≈ -00:00.0", "console")):
            label = self.header_text(column)
            width = max(fm.horizontalAdvance(label), fm.horizontalAdvance(sample)) + 16
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.view.setColumnWidth(column, width)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

    # ------------------------------------------------------------ reading it

    def row_count(self) -> int:
        return self.model.rowCount()

    def entry_at(self, row: int) -> EventEntry:
        return self.model.entries[row]

    def cell(self, row: int, column: int) -> str:
        return str(self.model.data(self.model.index(row, column)))

    def header_text(self, column: int) -> str:
        return str(self.model.headerData(column, Qt.Orientation.Horizontal))

    def current_row(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def is_expanded(self, row: int) -> bool:
        return self.view.isExpanded(self.model.index(row, 0))

    def raw_text(self, row: int) -> str:
        return str(self.model.data(self.model.index(0, 0, self.model.index(row, 0))))

    # ------------------------------------------------------------ acting on it

    def click(self, row: int) -> None:
        """What a click on the row does: select it and move the replay there."""
        index = self.model.index(row, 0)
        self.view.setCurrentIndex(index)
        self.view.clicked.emit(index)

    def show_time(self, t_s: float) -> None:
        """Select the latest event at or before `t_s` (kept if the selected row is at the
        same time already: several events can share a time). Emits nothing."""
        i = bisect.bisect_right(self._times, t_s + 1e-9) - 1
        if i < 0:
            self.view.clearSelection()
            return
        current = self.current_row()
        if current is not None and self._times[current] == self._times[i]:
            return
        index = self.model.index(i, 0)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)

    def expand(self, row: int, shown: bool = True) -> None:
        """Show (or hide) a row's raw data; shown, the row goes to the top."""
        index = self.model.index(row, 0)
        self.view.setExpanded(index, shown)
        if shown:
            self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)

    def copy_raw(self, row: int) -> None:
        QGuiApplication.clipboard().setText(self.model.entries[row].raw)

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.isValid() and index.internalId() == TOP:
            self.time_chosen.emit(self.model.entries[index.row()].t_s)

    def _on_expanded(self, index: QModelIndex) -> None:
        self.view.setFirstColumnSpanned(0, index, True)  # the raw data spans the row

    def _on_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        top = index if index.internalId() == TOP else index.parent()
        row = top.row()
        shown = self.view.isExpanded(top.siblingAtColumn(0))
        menu = QMenu(self)
        menu.addAction("Copy raw data", lambda: self.copy_raw(row))
        menu.addAction(
            "Hide raw data" if shown else "Show raw data", lambda: self.expand(row, not shown)
        )
        menu.exec(self.view.viewport().mapToGlobal(pos))

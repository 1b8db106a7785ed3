"""The review window's session list as a Qt table model over `SessionFinder`.

It holds one page of rows at first and fetches the next page when the view scrolls
near the end (canFetchMore / fetchMore), so a list of years of sessions opens as fast as
one of a week. Clicking a header sorts in SQL (`sort`), starting again from the first
page. The text of each cell is decided here; what the rows are is the core's business.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from console.core.review_list import PAGE_ROWS, ListUnavailable, SessionFinder, status_words
from console.core.simulated import WORDS
from console.store import SessionFilter
from console.store.session_list import SessionColumn, SessionListRow, SessionSort

HEADERS = {
    SessionColumn.PATIENT: "Patient",
    SessionColumn.STARTED: "Started",
    SessionColumn.PRACTITIONER: "Practitioner",
    SessionColumn.PLAN: "Plan",
    SessionColumn.DURATION: "Duration",
    SessionColumn.STATUS: "Status",
    SessionColumn.SIGNED: "Signed",
    SessionColumn.ALARMS: "Alarms",
    SessionColumn.LINK_GAPS: "Gaps",
}

UUID_ROLE = Qt.ItemDataRole.UserRole
SIMULATED_COLOUR = QColor("#c62828")  # the review header's colour for the same words
SIM_MARK = "SIM"  # the narrow list's mark of a simulated session; the tooltip has WORDS
_SHORT_PRIORITY = {"medium": "med"}  # the narrow column; the tooltip has the word
_Index = QModelIndex | QPersistentModelIndex


def local_time(utc_iso: str) -> str:
    """'2026-12-02 09:14' in the console's local time (the list's dates are local)."""
    return datetime.fromisoformat(utc_iso).astimezone().strftime("%Y-%m-%d %H:%M")


def duration_words(seconds: float | None) -> str:
    """Compact, for a narrow column: '45 s', '18 min', '2 h 05'."""
    if seconds is None or seconds < 0:
        return "—"
    if seconds < 60:
        return f"{round(seconds)} s"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d}" if hours else f"{minutes} min"


def cell_text(row: SessionListRow, column: SessionColumn) -> str:
    match column:
        case SessionColumn.PATIENT:  # the simulated marker here: Status keeps the status
            code = row.patient_code or "—"
            return f"{code} · {SIM_MARK}" if row.simulated else code
        case SessionColumn.STARTED:
            return local_time(row.started_utc)
        case SessionColumn.PRACTITIONER:
            return row.practitioner or "—"
        case SessionColumn.PLAN:
            return row.plan_name or "—"
        case SessionColumn.DURATION:
            return duration_words(row.duration_s)
        case SessionColumn.STATUS:
            # The tag first: a narrow column elides the end, and this must stay in sight.
            return status_words(row.status, row.interrupted)
        case SessionColumn.SIGNED:
            return f"{row.signer} · {row.meaning}" if row.meaning else "—"
        case SessionColumn.ALARMS:
            if not row.alarms:
                return "0"
            if row.highest_alarm is None:
                return str(row.alarms)
            return f"{row.alarms} {_SHORT_PRIORITY.get(row.highest_alarm, row.highest_alarm)}"
        case SessionColumn.LINK_GAPS:
            return str(row.link_gaps)


def cell_tip(row: SessionListRow, column: SessionColumn) -> str | None:
    """The whole of what a narrow column may elide."""
    match column:
        case SessionColumn.STATUS | SessionColumn.PATIENT if row.simulated:
            name = f"{row.patient_name} · " if row.patient_name else ""
            what = name if column is SessionColumn.PATIENT else f"{cell_text(row, column)} · "
            return what + WORDS
        case SessionColumn.PLAN | SessionColumn.PRACTITIONER | SessionColumn.STATUS:
            return cell_text(row, column)
        case SessionColumn.DURATION if row.duration_s is not None:
            return f"{row.duration_s:.0f} s"
        case SessionColumn.ALARMS if row.alarms:
            return f"{row.alarms} alarm(s), the highest {row.highest_alarm or 'unknown'}"
        case SessionColumn.LINK_GAPS:
            return f"{row.link_gaps} link gap(s)"
        case SessionColumn.PATIENT if row.patient_name:
            return row.patient_name
        case SessionColumn.SIGNED if row.signed_utc:
            return f"{row.meaning} by {row.signer} at {local_time(row.signed_utc)}"
        case SessionColumn.STARTED:
            return f"{row.started_utc} UTC · session {row.uuid}"
        case _:
            return None


class SessionTableModel(QAbstractTableModel):
    """A query that fails leaves the model whole: `find` and `sort` read before they reset
    (and raise), a failed scroll page stops fetching and emits `failed(sentence)`."""

    failed = Signal(str)

    def __init__(self, finder: SessionFinder, page_rows: int = PAGE_ROWS) -> None:
        super().__init__()
        self.finder = finder
        self.page_rows = page_rows
        self.rows: list[SessionListRow] = []
        self.total = 0

    # ------------------------------------------------------------ queries

    def find(self, filt: SessionFilter) -> int:
        """Run a search (audited) and show its first page; returns how many it found."""
        try:
            total = self.finder.find(filt)
            rows = self.finder.page(0, self.page_rows)
        except ListUnavailable:
            self._show([], 0)  # not the previous search's rows under the new filter
            raise
        self._show(rows, total)
        return self.total

    def _show(self, rows: list[SessionListRow], total: int) -> None:
        self.beginResetModel()
        self.rows, self.total = rows, total
        self.endResetModel()

    def uuid_at(self, row: int) -> str:
        return self.rows[row].uuid

    def row_of(self, uuid: str) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.uuid == uuid), None)

    # ------------------------------------------------------------ QAbstractTableModel

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(SessionColumn)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        try:
            more = self.finder.page(len(self.rows), self.page_rows)
        except ListUnavailable as exc:
            self.total = len(self.rows)  # stop asking; what is shown stays
            self.failed.emit(str(exc))
            return
        if not more:
            self.total = len(self.rows)  # the list shrank meanwhile
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[SessionColumn(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = SessionColumn(index.column())
        match role:
            case Qt.ItemDataRole.DisplayRole:
                return cell_text(row, column)
            case Qt.ItemDataRole.ToolTipRole:
                return cell_tip(row, column)
            case Qt.ItemDataRole.ForegroundRole if row.simulated:
                return SIMULATED_COLOUR  # not a treatment: the whole row says so (H-35)
            case Qt.ItemDataRole.TextAlignmentRole if column in _NUMBERS:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            case _ if role == UUID_ROLE:
                return row.uuid
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        before = self.finder.sort
        self.finder.resort(
            SessionSort(SessionColumn(column), order == Qt.SortOrder.DescendingOrder)
        )
        try:
            rows = self.finder.page(0, self.page_rows)
        except ListUnavailable as exc:
            self.finder.sort = before  # the rows shown are still in the old order
            self.failed.emit(str(exc))
            return
        self._show(rows, self.total)


_NUMBERS = frozenset({SessionColumn.DURATION, SessionColumn.ALARMS, SessionColumn.LINK_GAPS})

"""The left side of the review window: the filters and the session list.

Return in any filter field runs Find. The patient field completes known codes and
names (case-insensitive, from the start); the practitioner field offers the known
practitioners. The date range is off until ticked, so the list starts with every
session, newest first, one page at a time (session_model.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.core.access import Access, Refused
from console.core.review_list import ListUnavailable, SessionFinder, local_days
from console.gui.session_model import SessionTableModel
from console.store import SessionFilter
from console.store.session_list import SessionColumn
from widgets.session_table import ListTable

ANY_STATUS = "any status"
STATUSES = (ANY_STATUS, "complete", "interrupted", "signed", "recording")
ANY_PRACTITIONER = ""

# What each column must show whole (its width follows the font): dates, codes, counts.
_SAMPLES = {
    SessionColumn.PATIENT: "P-0000 · SIM",  # a simulated session's mark stays in sight
    SessionColumn.STARTED: "2026-12-02 00:00",
    SessionColumn.PRACTITIONER: "Nurse K",  # elides; the tooltip has the name
    SessionColumn.PLAN: "Full fac",
    SessionColumn.DURATION: "45 min",
    SessionColumn.STATUS: "interrupted",  # "signed · interrupted" elides; the tooltip has it
    SessionColumn.SIGNED: "dr.lee · ap",  # elides; the tooltip has signer, meaning, time
    SessionColumn.ALARMS: "1 high",
    SessionColumn.LINK_GAPS: "00",
}


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


class SessionFinderPanel(QWidget):
    """Emits `chosen(uuid)` when a session is selected and `cleared()` when none is."""

    chosen = Signal(str)
    cleared = Signal()
    message = Signal(str)

    def __init__(self, access: Access, today: date | None = None) -> None:
        super().__init__()
        self.finder = SessionFinder(access)
        self.model = SessionTableModel(self.finder)
        today = today or date.today()

        self.patient = QLineEdit()
        self.patient.setPlaceholderText("Patient code or name")
        self.patient.setClearButtonEnabled(True)
        self.completer = QCompleter([], self.patient)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.patient.setCompleter(self.completer)
        self.practitioner = QComboBox()
        self.practitioner.setEditable(True)
        self.practitioner.lineEdit().setPlaceholderText("Any practitioner")
        self.status = QComboBox()
        self.status.addItems(list(STATUSES))
        self.use_dates = QCheckBox("From")
        self.since = QDateEdit(_qdate(today - timedelta(days=90)))
        self.until = QDateEdit(_qdate(today))
        for d in (self.since, self.until):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
            d.setEnabled(False)
        self.has_alarms = QCheckBox("has alarms")
        self.has_gaps = QCheckBox("has link gaps")
        self.text = QLineEdit()
        self.text.setPlaceholderText("Search notes")
        self.text.setClearButtonEnabled(True)
        self.find_button = QPushButton("Find")
        self.find_button.setDefault(True)
        self.count = QLabel("")
        self.count.setObjectName("sessionCount")

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.patient, 0, 0, 1, 2)
        grid.addWidget(self.practitioner, 0, 2, 1, 2)
        grid.addWidget(self.status, 0, 4)
        dates = QHBoxLayout()
        for w in (self.use_dates, self.since, QLabel("to"), self.until):
            dates.addWidget(w)
        dates.addStretch(1)
        dates.addWidget(self.has_alarms)
        dates.addWidget(self.has_gaps)
        grid.addLayout(dates, 1, 0, 1, 5)
        grid.addWidget(self.text, 2, 0, 1, 4)
        grid.addWidget(self.find_button, 2, 4)

        self.table = ListTable(
            self.model,
            sortable=True,
            sort_column=SessionColumn.STARTED,
            descending=True,
            stretch_column=SessionColumn.PLAN,  # plan names are long: it gets the room left
        )
        self.table.fit_columns({int(c): text for c, text in _SAMPLES.items()})
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)

        for w in (
            self.patient,
            self.practitioner,
            self.status,
            self.since,
            self.until,
            self.text,
            self.use_dates,
            self.has_alarms,
            self.has_gaps,
        ):
            w.installEventFilter(self)
        self.practitioner.lineEdit().installEventFilter(self)
        self.use_dates.toggled.connect(self._on_use_dates)
        self.find_button.clicked.connect(self.find)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.model.modelReset.connect(self._on_reset)
        self.model.rowsInserted.connect(self._show_count)
        self.model.failed.connect(self._on_failed)
        self.refresh_choices()

    # ------------------------------------------------------------ filters

    def refresh_choices(self) -> None:
        """The completer's patients and the practitioners, as the database holds them now."""
        try:
            words, names = self.finder.patient_words(), self.finder.practitioners()
        except Refused as exc:
            self.message.emit(str(exc))
            return
        self.completer.model().setStringList(words)  # type: ignore[attr-defined]
        typed = self.practitioner.currentText()
        self.practitioner.blockSignals(True)
        self.practitioner.clear()
        self.practitioner.addItems([ANY_PRACTITIONER, *names])
        self.practitioner.setEditText(typed)
        self.practitioner.blockSignals(False)

    def current_filter(self) -> SessionFilter:
        since, until = (
            local_days(_pydate(self.since.date()), _pydate(self.until.date()))
            if self.use_dates.isChecked()
            else (None, None)
        )
        status = self.status.currentText()
        return SessionFilter(
            since_utc=since,
            until_utc=until,
            practitioner=self.practitioner.currentText().strip() or None,
            patient_code=self.patient.text().strip() or None,
            status=None if status == ANY_STATUS else status,
            text=self.text.text().strip() or None,
            has_alarms=self.has_alarms.isChecked(),
            has_link_gaps=self.has_gaps.isChecked(),
        )

    def find(self) -> int:
        """Run the search in the fields; returns how many sessions it found."""
        try:
            return self.model.find(self.current_filter())
        except Refused as exc:
            self.message.emit(str(exc))
            return 0
        except ListUnavailable as exc:
            self._on_failed(str(exc))
            return 0

    def select(self, uuid: str) -> bool:
        """Select `uuid` in the list if it is on a fetched page."""
        row = self.model.row_of(uuid)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    # ------------------------------------------------------------ events

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            popup = self.completer.popup()
            if watched is self.patient and popup is not None and popup.isVisible():
                return False  # Return picks the completion first
            self.find()
            return True
        return super().eventFilter(watched, event)

    def _on_use_dates(self, on: bool) -> None:
        self.since.setEnabled(on)
        self.until.setEnabled(on)

    def _on_selection(self) -> None:
        row = self.table.selected_row()
        if row is None:
            self.cleared.emit()
        else:
            self.chosen.emit(self.model.uuid_at(row))

    def _on_reset(self) -> None:
        self.cleared.emit()  # a reset drops the selection without selectionChanged
        self._show_count()

    def _on_failed(self, sentence: str) -> None:
        self.count.setText(sentence)
        self.message.emit(sentence)

    def _show_count(self) -> None:
        total, shown = self.model.total, len(self.model.rows)
        noun = "session" if total == 1 else "sessions"
        self.count.setText(
            f"{total:,} {noun}" + (f" · {shown:,} loaded; scroll for more" if shown < total else "")
        )

"""The supervisor's review window: find a session, replay it, read its record, sign it,
and export it. Assembly only; the rules live in review.py, signing.py and report.py, and
signing and export are the SessionActions panel (review_actions.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from console.core.access import Access, Refused
from console.core.accounts import User
from console.core.event_words import zone_label
from console.core.passes import pass_words
from console.core.records import open_session as open_for_review
from console.core.records import save_notes
from console.core.review import SessionReview
from console.core.review_map import ReviewMap, review_map
from console.core.signing import signature_warning, signatures
from console.core.zones import available_maps
from console.gui.followup_dialog import FollowUpPanel
from console.gui.patient_view import PatientView
from console.gui.review_actions import SessionActions
from console.gui.review_detail import DetailHeader, current_theme, zone_labels
from console.gui.review_finders import DuePage, LotPage
from console.gui.session_finder import SessionFinderPanel
from console.store import Store, StoreError
from widgets.event_list import EventList
from widgets.replay_bar import ReplayBar
from widgets.review_plot import ReviewPlot
from widgets.zone_map import ZoneMapWidget

# Fits a 1280x800 screen with the task bar; the list keeps room for its columns.
WINDOW_SIZE = (1260, 760)
WINDOW_MIN_SIZE = (1000, 600)
LIST_WIDTH_PX = 720
LIST_MIN_WIDTH_PX = 520


def _table(headers: tuple[str, ...] | list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            table.setItem(r, c, QTableWidgetItem(value))


class ReviewWindow(QMainWindow):
    def __init__(self, store: Store, user: User | None = None, theme: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.access = Access(store, user)  # every disclosure and change goes through it
        self.review: SessionReview | None = None
        self.setWindowTitle("Pen Console — review")
        self.resize(*WINDOW_SIZE)
        self.setMinimumSize(*WINDOW_MIN_SIZE)
        self.can_sign = True  # False for a bundle's sessions (sign after importing it)

        self.finder = SessionFinderPanel(self.access)
        self.sessions = self.finder.table
        self.due = DuePage(self.access)
        self.lots = LotPage(self.access)
        self.finders = QTabWidget()
        self.finders.addTab(self.finder, "Sessions")
        self.finders.addTab(self.due, "Due")
        self.finders.addTab(self.lots, "Lot search")
        self.finders.setMinimumWidth(LIST_MIN_WIDTH_PX)

        self.header = DetailHeader()  # who, when, status and the signature badges
        self.plot = ReviewPlot()
        self.replay = ReplayBar()
        self.replay_state = QLabel("")
        self.replay_state.setObjectName("replayState")
        self.replay_state.setWordWrap(True)
        face = available_maps()["face"]
        self.zone_map = ZoneMapWidget(face, read_only=True)
        self.zone_map.setMinimumSize(220, 280)
        self.events = EventList()  # in time order, in words; raw data behind a disclosure
        self.passes = _table(["Zone", "Pass", "Strokes", "Contact s", "Mean mm", "Max mm"])
        self.notes = QTextEdit()
        self.patient_view = PatientView(self.access)
        tabs = QTabWidget()
        tabs.addTab(self.events, "Alarms and events")
        tabs.addTab(self.passes, "Passes")
        notes_page = QWidget()
        notes_layout = QVBoxLayout(notes_page)
        notes_layout.addWidget(self.notes)
        self.save_notes = QPushButton("Save notes")
        notes_layout.addWidget(self.save_notes)
        tabs.addTab(notes_page, "Notes")
        patient_page = QScrollArea()  # the patient view is tall: it must not set the
        patient_page.setWidget(self.patient_view)  # window's minimum height (1,075 px)
        patient_page.setWidgetResizable(True)
        tabs.addTab(patient_page, "Patient")
        self.follow_ups = FollowUpPanel(self.access)  # outcome and complication notes
        tabs.addTab(self.follow_ups, "Follow-ups")
        self.actions = SessionActions(self.access, self)
        self.sign_button = self.actions.sign_button
        self.pdf_button = self.actions.pdf_button
        self.csv_button = self.actions.csv_button

        detail = QWidget()
        d = QVBoxLayout(detail)
        d.addWidget(self.header)
        top = QHBoxLayout()
        top.addWidget(self.plot, 3)
        top.addWidget(self.zone_map, 1)
        self._top = top  # the zone map is swapped there for a session on another map
        d.addLayout(top, 1)  # the plots and the event list share the height
        d.addWidget(self.replay)
        d.addWidget(self.replay_state)
        d.addWidget(tabs, 1)
        d.addWidget(self.actions)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.finders)
        split.addWidget(detail)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        split.setSizes([LIST_WIDTH_PX, WINDOW_SIZE[0] - LIST_WIDTH_PX])
        self.split = split
        central = QWidget()
        c = QVBoxLayout(central)
        c.addWidget(split, 1)
        self.setCentralWidget(central)

        self.finder.chosen.connect(self.open_session)
        self.finder.cleared.connect(self._on_cleared)
        self.lots.chosen.connect(self.open_session)
        for page in (self.finder, self.due, self.lots):
            page.message.connect(self.statusBar().showMessage)
        self.finders.currentChanged.connect(self._on_finder_tab)
        self._set_session_buttons(False)
        self.replay.position_changed.connect(self._on_position)
        self.actions.signed.connect(self._on_signed)
        self.save_notes.clicked.connect(self._on_save_notes)
        self.events.time_chosen.connect(self._on_event_chosen)
        self.actions.notice.connect(self.statusBar().showMessage)
        self.set_theme(theme or current_theme())
        self.refresh_list()

    # ------------------------------------------------------------ list

    def refresh_list(self) -> int:
        """Run the session search in the filter fields; returns how many it found."""
        return self.finder.find()

    def _on_finder_tab(self, index: int) -> None:
        if self.finders.widget(index) is self.due:
            self.due.refresh()

    def _on_cleared(self) -> None:
        self._set_session_buttons(False)
        self.show_nothing()

    def _set_session_buttons(self, on: bool) -> None:
        """Sign, export and report act on the open session: off while none is chosen."""
        self.sign_button.setEnabled(on and self.can_sign)
        for b in (self.pdf_button, self.csv_button):
            b.setEnabled(on)

    # ------------------------------------------------------------ one session

    def open_session(self, session: str) -> SessionReview | None:
        try:
            open_for_review(self.access, session)
        except Refused as exc:
            QMessageBox.warning(self, "Not opened", str(exc))
            return None
        review = SessionReview(self.store, session)
        self.review = review
        self._set_session_buttons(True)
        self.actions.show_review(review)
        m = review.meta
        self.header.show_review(
            review, signatures(self.store, session), signature_warning(self.store, session)
        )
        self.plot.show_review(review)
        self.events.set_entries(review.timeline(zone_labels()), zone_label(m["tz"]))
        self._show_map(review_map(m["plan_name"], review.zone_ids))
        self.replay.set_duration(review.replay_end_s)  # it reaches the last pass
        _fill(
            self.passes,
            [
                [
                    p["zone"],
                    pass_words(p["pass_no"], p["id"] in review.closed_at_end),
                    str(p["strokes"]),
                    f"{p['contact_ms'] / 1000:.1f}",
                    f"{(p['depth_mean_um'] or 0) / 1000:.2f}",
                    f"{(p['depth_max_um'] or 0) / 1000:.2f}",
                ]
                for p in review.passes
            ],
        )
        self.notes.setPlainText(m["notes"])
        locked = m["status"] == "signed"
        self.notes.setReadOnly(locked)
        self.save_notes.setText("Add amendment" if locked else "Save notes")
        self.patient_view.show_patient(m["patient_code"], date.today())
        self.follow_ups.show_session(session)
        return review

    def _show_map(self, shown: ReviewMap) -> None:
        """The session's own map (a body plan on the body map) with its plan's targets."""
        if shown.zone_map.id != self.zone_map.map.id:
            old = self.zone_map
            self.zone_map = ZoneMapWidget(shown.zone_map, read_only=True)
            self.zone_map.setMinimumSize(old.minimumSize())
            self.zone_map.set_theme(self._theme)
            self._top.replaceWidget(old, self.zone_map)
            old.deleteLater()
        self.zone_map.set_targets(shown.targets)
        self.zone_map.show_state({}, None)

    def _on_position(self, t_s: float) -> None:
        if self.review is None:
            return
        self.plot.set_cursor(t_s)
        s = self.review.state_at(t_s)
        self.zone_map.show_state(s.passes_done, s.zone or None)
        self.events.show_time(t_s)  # in step with the replay: the latest event so far
        done = ", ".join(f"{z} {n}" for z, n in s.passes_done.items()) or "none yet"
        self.replay_state.setText(
            f"t = {t_s:.1f} s · depth set {s.depth_set_um / 1000:.2f} mm, measured "
            f"{s.depth_meas_um / 1000:.2f} mm · {s.rate_hz:.1f} Hz · zone {s.zone or '—'} "
            f"pass {s.pass_no or '—'} · passes done: {done} · events so far {s.events_so_far}"
        )

    def _on_event_chosen(self, t_s: float) -> None:
        if abs(self.replay.position_s - t_s) > 1e-6:  # the cursor moves only if elsewhere
            self.replay.seek(t_s)

    def show_nothing(self) -> None:
        """No session chosen: say what to do, in the header and instead of the plot."""
        self.review = None
        self.actions.review = None
        self.header.show_nothing()
        self.plot.show_empty()
        self.events.set_entries([], "local time")
        self.replay_state.setText("")

    def set_theme(self, theme: str) -> None:
        """The plots and the zone map in the live screen's colours for `theme`."""
        self._theme = theme
        self.plot.set_theme(theme)
        self.zone_map.set_theme(theme)

    def _on_save_notes(self) -> None:
        if self.review is None:
            return
        session = self.review.session
        try:
            save_notes(self.access, session, self.notes.toPlainText())
        except (Refused, StoreError) as exc:  # StoreError: SealBroken, the session changed
            QMessageBox.warning(self, "Not saved", str(exc))
            return
        self.open_session(session)

    def _on_signed(self, session: str) -> None:
        self.refresh_list()  # the list shows the new signature
        self.show_session(session)

    def show_session(self, session: str) -> None:
        """Open `session` with its row selected in the list (selecting it opens it); a
        session not on a loaded page of the list is opened without a selection."""
        if not self.finder.select(session):
            self.open_session(session)

    def export_pdf(self, path: str | None = None) -> Path | None:
        return self.actions.export_pdf(self.review, path)

    def export_csv(self, path: str | None = None) -> Path | None:
        return self.actions.export_csv(self.review, path)

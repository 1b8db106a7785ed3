"""The practitioner's live screen: assembles the widgets around one PenController.

Layout, top to bottom: connection bar with the REC indicator, alarm banner, then plots
(left) beside the large readouts, the zone-map panel and the pen controls (right), then
the session bar. It fits 1280×800 and 1366×768; the banner and the status lines have
fixed heights, so nothing jumps when a message comes or goes. Locked, an overlay covers
it (widgets/lock_overlay.py). The window holds no rules: it wires widgets to the
controller and its models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QKeyEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.core.live import Drained
from console.core.series import TooSoon
from console.gui.alarm_keys import AlarmKeys
from console.gui.controller import PenController
from console.gui.keys import WINDOW_KEYS, shortcut_list
from console.gui.lot_prompter import LotPrompter
from console.gui.patient_ask import new_patient_confirmed
from console.gui.plot_page import PlotPage
from console.gui.procedure_view import ProcedureView
from console.gui.settings import THEMES, ConsoleSettings, stylesheet
from console.gui.sound import AlarmSound
from console.gui.stale_text import StaleText
from console.gui.user_switch import install_sign_out
from drivers.link import LinkState
from drivers.transport import PenPort, find_pens
from widgets.alarm_banner import AlarmBanner
from widgets.alarm_list import AlarmList
from widgets.connection_bar import ConnectionBar
from widgets.lock_overlay import LockOverlay
from widgets.pen_controls import PenControls
from widgets.readouts import Readouts
from widgets.rec_indicator import RecIndicator
from widgets.session_bar import SessionBar
from widgets.shortcut_help import ShortcutHelp
from widgets.zone_panel import ZonePanel

if TYPE_CHECKING:
    from widgets.telemetry_plot import TelemetryPlot

DEFAULT_SIZE = (1280, 800)  # the layout's own minimum fits 1280×800 and 1366×768


class MainWindow(QMainWindow):
    def __init__(
        self, controller: PenController, settings: ConsoleSettings, sound: AlarmSound | None = None
    ) -> None:
        super().__init__()
        self.controller = controller
        self.settings = settings
        self.setWindowTitle("Pen Console")
        c = controller
        self.connection = ConnectionBar(c.live)
        self.banner = AlarmBanner(c.alarms)
        # The live plots are built on first use (`plot`), after the window has shown.
        self.plot_page = PlotPage(c.live, settings.plot_window_s)
        self.window_choice = self.plot_page.window_choice
        self.pause_button = self.plot_page.pause_button
        self.force_box = self.plot_page.force_box
        self.readouts = Readouts(c.live, columns=2)
        self.readouts.target_minutes = settings.target_minutes
        self.controls = PenControls(c)
        self.session_bar = SessionBar(settings.target_minutes)
        self.session_bar.set_known_patients(controller.known_patients())
        if c.store is not None:  # the name last typed with this database, never another's
            self.session_bar.practitioner.setText(settings.practitioner(c.store.path))
        self.alarm_list = AlarmList(c.alarms)
        self.sound = sound if sound is not None else AlarmSound(c.alarms)
        self.rec = RecIndicator()
        self.screen_lock: Any = None  # console.gui.sign_in.ScreenLock once someone signed in

        self.tabs = QTabWidget()
        self.tabs.addTab(self.plot_page, "Telemetry")
        self.tabs.addTab(self.alarm_list, "Alarm list")
        self.procedure_view = ProcedureView(self, self.tabs)  # the plan's steps, first tab
        # Three columns: plots, the zone map (as tall as the screen allows), and the
        # numbers with the pen controls. This is what fits 1280×800 with a usable map.
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.readouts)
        side_layout.addStretch(1)
        side_layout.addWidget(self.controls)
        side.setMinimumWidth(430)  # the pen controls' words, three to a row, unclipped
        zone_column = QWidget()
        # The zone map and plan progress (zone-map issue) go here, via add_side_panel().
        self.side_panel = QVBoxLayout(zone_column)
        self.side_panel.setContentsMargins(0, 0, 0, 0)
        self.zone_panel = ZonePanel(controller.zones, controller.zones.plans())
        self.add_side_panel(self.zone_panel)
        self._frames = 0
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(zone_column)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        top = QHBoxLayout()
        top.addWidget(self.connection, 1)
        top.addWidget(self.rec)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.session_bar)
        self.setCentralWidget(central)
        self.notice = QLabel("")
        self.notice.setObjectName("notice")
        self.notice.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.statusBar().addWidget(self.notice, 1)
        self.statusBar().setSizeGripEnabled(False)
        self.lock_overlay = LockOverlay(c.alarms, self, pen=c)
        if self.sound.notice:
            self.notice.setText(self.sound.notice)  # said once; the visual signal stays
        self._build_menu()
        self._wire()
        self.stale_text = StaleText(self)  # a clamp note goes with its zone (review 10)
        self.restore_state()

    @property
    def plot(self) -> TelemetryPlot:
        """The live plots (built on first use: console/gui/plot_page.py)."""
        return self.plot_page.plot

    def _build_menu(self) -> None:
        view = self.view_menu = self.menuBar().addMenu("&View")
        full = QAction("Full screen", self)
        full.setShortcut(QKeySequence(WINDOW_KEYS["full_screen"]))
        full.triggered.connect(self.toggle_full_screen)
        view.addAction(full)
        lock = QAction("Lock screen", self)
        lock.setShortcut(QKeySequence(WINDOW_KEYS["lock"]))
        lock.triggered.connect(self.lock_now)
        view.addAction(lock)
        self.addActions([full, lock])  # keys work with the menu bar hidden (full screen)
        view.addSeparator()
        help_menu = self.menuBar().addMenu("&Help")
        keys = QAction("Keyboard shortcuts", self)
        keys.triggered.connect(self.show_shortcuts)
        help_menu.addAction(keys)
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for theme in THEMES:
            action = QAction(f"{theme.capitalize()} theme", self, checkable=True)
            action.triggered.connect(lambda _=False, t=theme: self.apply_theme(t))
            group.addAction(action)
            view.addAction(action)
            self.theme_actions[theme] = action

    def _wire(self) -> None:
        c = self.controller
        self.connection.connect_requested.connect(c.connect_to)
        self.connection.disconnect_requested.connect(c.disconnect_pen)
        self.connection.rescan_requested.connect(self.rescan)
        self.banner.acknowledge_requested.connect(c.acknowledge_alarms)
        self.session_bar.start_requested.connect(self.start_session)
        self.session_bar.end_requested.connect(self.end_session)
        self.session_bar.target_changed.connect(self._on_target_changed)
        k = WINDOW_KEYS
        self._operating_keys: list[QShortcut] = []
        for key, slot in (
            (k["acknowledge"], c.acknowledge_alarms),
            (k["pause_audio"], c.alarms.pause_audio),
            (k["pause_view"], self.pause_button.toggle),
            (k["next_zone"], self.zone_panel.next_button.click),
            (k["start_session"], self._start_from_keys),
            (k["end_session"], self._end_from_keys),
            (k["help"], self.show_shortcuts),
        ):
            shortcut = QShortcut(QKeySequence(key), self, slot)
            if key not in (k["acknowledge"], k["pause_audio"], k["help"]):
                self._operating_keys.append(shortcut)  # off while the screen is locked
        self.alarm_keys = AlarmKeys(self, c, self.lock_overlay.stop_when_locked)
        c.notice.connect(self.notice.setText)
        c.frame.connect(self.on_frame)
        self.lot_prompter = LotPrompter(c, self)  # a cartridge inserted asks for its lot
        c.command_answered.connect(self.controls.show_answer)
        c.depth_note.connect(self.controls.show_depth_note)

    # ------------------------------------------------------------ actions

    def rescan(self) -> list[PenPort]:
        pens = find_pens()
        self.connection.set_ports(pens)
        return pens

    def add_side_panel(self, widget: QWidget, stretch: int = 1) -> None:
        """Place a panel (zone map, plan progress) between the readouts and the controls."""
        self.side_panel.addWidget(widget, stretch)

    def apply_theme(self, theme: str, remember: bool = True) -> None:
        """Restyle the window; `remember` saves the choice (the menu does, `--theme` not)."""
        app = QApplication.instance()
        sheet = stylesheet(theme)
        # Re-applying the same sheet re-polishes every widget: ~0.1 s at start-up for nothing.
        if isinstance(app, QApplication) and app.styleSheet() != sheet:
            app.setStyleSheet(sheet)
        self.plot_page.set_theme(theme)
        self.zone_panel.map.set_theme(theme)
        self.theme_actions[theme].setChecked(True)
        if remember:
            self.settings.theme = theme

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
            self.menuBar().show()
        else:
            self.showFullScreen()

    def attach_screen_lock(self, lock: Any) -> None:
        """Show the locked screen while `lock` (a ScreenLock) is locked; a touch on it asks
        for the unlock, every time."""
        self.screen_lock = lock
        lock.watch_pen(self.controller)  # pen use is activity (H-12)
        lock.locked_changed.connect(self.lock_overlay.set_locked)
        lock.locked_changed.connect(self._on_locked)
        self.lock_overlay.unlock_requested.connect(lock.ask_unlock)
        install_sign_out(self, lock)

    def _on_locked(self, locked: bool) -> None:
        """Locked, only the alarm keys (and the list of keys) work; everything else would
        operate the console, which needs the unlock."""
        for shortcut in self._operating_keys:
            shortcut.setEnabled(not locked)
        signed_out = self.screen_lock is not None and self.screen_lock.lock.user is None
        self.lock_overlay.show_signed_out(signed_out)
        if not locked:  # the keys work at once, without a click first
            self.activateWindow()
            self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.lock_overlay.locked:  # any key, wherever the focus was left
            self.lock_overlay.unlock_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def lock_now(self) -> None:
        if self.screen_lock is not None:
            self.screen_lock.lock_now()
        else:
            self.notice.setText("Nobody is signed in, so there is nothing to lock.")

    def show_shortcuts(self) -> None:
        ShortcutHelp(shortcut_list(), self).exec()

    def _start_from_keys(self) -> None:
        if not self.session_bar.recording and self.session_bar.button.isEnabled():
            self.session_bar.button.click()

    def _end_from_keys(self) -> None:
        if self.session_bar.recording:
            self.end_session()

    def report_interrupted(self, sessions: list[dict[str, Any]]) -> None:
        """Sessions a crash or power cut left open, found at start-up."""
        if not sessions:
            return
        names = ", ".join(f"{s.get('patient_code', '?')} ({s['uuid'][:8]})" for s in sessions)
        self.session_bar.set_recording(
            None,
            f"{len(sessions)} earlier session(s) ended without being closed: {names}. "
            "Their data is kept and marked interrupted; review them in the sessions list.",
        )

    def start_session(self, patient: str, practitioner: str, ask_new: bool = True) -> None:
        """`ask_new=False`: `pen-console --patient` on a demo database (free codes, as
        `record`); otherwise a code not in the register is asked about (H-22)."""
        if ask_new and not new_patient_confirmed(self, patient):
            return
        early = self.controller.too_soon(patient)  # against the plan's series
        reason = None if early is None else self.ask_too_soon_reason(early)
        if early is not None and reason is None:
            self.session_bar.set_recording(None, "Not started: " + early.words())
            return
        warning = None if early is None else early.words()
        try:
            session = self.controller.start_session(patient, practitioner)
        except (ValueError, RuntimeError, PermissionError) as exc:  # the one sentence
            self.session_bar.set_recording(None, str(exc))
            return
        if early is not None and reason is not None:
            self.controller.record_too_soon(early, reason)
        self.session_bar.set_known_patients(self.controller.known_patients())
        if self.controller.store is not None:
            self.settings.remember_practitioner(self.controller.store.path, practitioner.strip())
        self.readouts.start_timer()
        self.rec.set_recording(patient.strip())
        self.session_bar.set_recording(session, warning or "")

    def ask_too_soon_reason(self, early: TooSoon) -> str | None:
        """The practitioner's reason to start sooner than the series allows (None:
        cancelled, so the session is not started)."""
        text, ok = QInputDialog.getText(self, "Sooner than the series allows", early.words())
        return text.strip() if ok and text.strip() else None

    def confirm_end(self) -> bool:
        """Ending a session is asked once: a stray touch must not stop the recording. It
        says what is left of the plan (review 5)."""
        c = self.controller
        self.confirm_box = QMessageBox(
            QMessageBox.Icon.Question,
            "End the session?",
            f"End the session for {self.rec.patient or 'this patient'}? Recording stops, and "
            "the patient field is cleared for the next patient."
            + (f"\n\nNot done yet: {left}." if (left := c.treatment.plan_run.left_words()) else ""),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        self.confirm_box.button(QMessageBox.StandardButton.Yes).setText("End session")
        self.confirm_box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        for b in self.confirm_box.buttons():
            b.setMinimumSize(140, 48)
        return self.confirm_box.exec() == QMessageBox.StandardButton.Yes

    def end_session(self, confirmed: bool = False) -> None:
        if not confirmed and not self.confirm_end():
            return
        session = self.controller.session
        self.controller.end_session()
        self.readouts.stop_timer()
        self.rec.set_recording(None)
        self.session_bar.ready_for_next_patient(
            f"Session {(session or '')[:8]} saved. Ready for the next patient."
        )

    def _on_target_changed(self, minutes: int) -> None:
        self.readouts.target_minutes = minutes
        self.settings.target_minutes = minutes

    def on_frame(self, drained: Drained) -> None:
        """Every display tick (60 Hz): the plots, and the alarm signals, which must never
        wait. Every sixth (10 Hz, as a patient monitor updates its numbers): the rest, so
        the plots' frames do not carry the readouts', the map's and the bars' work."""
        if any(change.state is LinkState.STREAMING for change in drained.states):
            self.controls.clear_unsent()
        self.plot.refresh()
        self.banner.refresh()
        self.lock_overlay.refresh()
        self.sound.poll()
        self._frames += 1
        if self._frames % 6 == 0:
            self.refresh_panels()

    def refresh_panels(self) -> None:
        """The readouts, zone map, bars and lists; each repaints only what changed."""
        self.readouts.refresh()
        self.alarm_list.refresh()
        simulated = self.controller.simulated
        self.connection.refresh(simulated)
        self.zone_panel.refresh()
        self.procedure_view.refresh()
        self.stale_text.refresh()
        self.rec.refresh()
        zone = self.controller.zones.status()
        self.plot.set_ceiling(zone.ceiling_um / 1000 if zone.active is not None else None)
        title = "Pen Console — SIMULATED PEN" if simulated else "Pen Console"
        if self.controller.user:
            title += f" — {self.controller.user}"
        if self.windowTitle() != title:
            self.setWindowTitle(title)

    # ------------------------------------------------------------ window state

    def restore_state(self) -> None:
        geometry = self.settings.window_state("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)
            self.splitter.setSizes([440, 400, 430])
        splitter = self.settings.window_state("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def save_state(self) -> None:
        self.settings.set_window_state("geometry", self.saveGeometry())
        self.settings.set_window_state("splitter", self.splitter.saveState())
        self.settings.plot_window_s = self.plot_page.shown_window_s()
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.screen_lock is not None:
            self.screen_lock.stop()
        self.save_state()
        self.lot_prompter.close()
        self.controller.close()
        self.sound.close()
        super().closeEvent(event)

"""The practitioner's live screen: assembles the widgets around one PenController.

Layout, top to bottom: connection bar, alarm banner, then plots (left) beside the large
readouts, the zone-map panel and the pen controls (right), then the session bar. The
window holds no rules: it wires widgets to the controller and its models.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.core.live import Drained
from console.gui.controller import PenController
from console.gui.settings import THEMES, ConsoleSettings, stylesheet
from console.gui.sound import AlarmSound
from drivers.transport import PenPort, find_pens
from widgets.alarm_banner import AlarmBanner
from widgets.alarm_list import AlarmList
from widgets.connection_bar import ConnectionBar
from widgets.pen_controls import PenControls
from widgets.readouts import Readouts
from widgets.session_bar import SessionBar
from widgets.telemetry_plot import WINDOWS_S, TelemetryPlot
from widgets.zone_panel import ZonePanel


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
        self.plot = TelemetryPlot(c.live)
        self.readouts = Readouts(c.live)
        self.readouts.target_minutes = settings.target_minutes
        self.controls = PenControls(c)
        self.session_bar = SessionBar(settings.target_minutes)
        self.session_bar.practitioner.setText(settings.practitioner)
        self.alarm_list = AlarmList(c.alarms)
        self.sound = sound if sound is not None else AlarmSound(c.alarms)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._plot_page(), "Telemetry")
        self.tabs.addTab(self.alarm_list, "Alarm list")
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.readouts)
        # The zone map and plan progress (zone-map issue) go here, via add_side_panel().
        self.side_panel = QVBoxLayout()
        side_layout.addLayout(self.side_panel, 1)
        self.zone_panel = ZonePanel(controller.zones, controller.zones.plans())
        self.add_side_panel(self.zone_panel)
        self._frames = 0
        side_layout.addWidget(self.controls)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.connection)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.session_bar)
        self.setCentralWidget(central)
        self.notice = QLabel("")
        self.notice.setObjectName("notice")
        self.statusBar().addWidget(self.notice, 1)
        if self.sound.notice:
            self.notice.setText(self.sound.notice)  # said once; the visual signal stays
        self._build_menu()
        self._wire()
        self.restore_state()

    def _plot_page(self) -> QWidget:
        tools = QHBoxLayout()
        self.window_choice = QComboBox()
        for s in WINDOWS_S:
            self.window_choice.addItem(f"{s} s window", s)
        self.pause_button = QPushButton("Pause view  [P]")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Freeze the plots and drag to look back; recording goes on")
        self.force_box = QCheckBox("Contact force")
        for w in (self.window_choice, self.pause_button, self.force_box):
            w.setMinimumHeight(44)
            tools.addWidget(w)
        tools.addStretch(1)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(tools)
        layout.addWidget(self.plot, 1)
        return page

    def _build_menu(self) -> None:
        view = self.menuBar().addMenu("&View")
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
        self.connection.disconnect_requested.connect(c.disconnect)
        self.connection.rescan_requested.connect(self.rescan)
        self.banner.acknowledge_requested.connect(c.alarms.acknowledge_all)
        self.window_choice.currentIndexChanged.connect(
            lambda i: self.plot.set_window(self.window_choice.itemData(i))
        )
        self.pause_button.toggled.connect(self.plot.set_paused)
        self.force_box.toggled.connect(self.plot.show_force)
        self.session_bar.start_requested.connect(self.start_session)
        self.session_bar.end_requested.connect(self.end_session)
        self.session_bar.target_changed.connect(self._on_target_changed)
        for key, slot in (
            ("F9", c.alarms.acknowledge_all),
            ("F10", c.alarms.pause_audio),
            ("P", self.pause_button.toggle),
        ):
            QShortcut(QKeySequence(key), self, slot)
        c.frame.connect(self.on_frame)
        c.command_answered.connect(self.controls.show_answer)

    # ------------------------------------------------------------ actions

    def rescan(self) -> list[PenPort]:
        pens = find_pens()
        self.connection.set_ports(pens)
        return pens

    def add_side_panel(self, widget: QWidget, stretch: int = 1) -> None:
        """Place a panel (zone map, plan progress) between the readouts and the controls."""
        self.side_panel.addWidget(widget, stretch)

    def apply_theme(self, theme: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setStyleSheet(stylesheet(theme))
        self.plot.set_theme(theme)
        self.theme_actions[theme].setChecked(True)
        self.settings.theme = theme

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

    def start_session(self, patient: str, practitioner: str) -> None:
        warning = self.controller.series_warning(patient)  # against the previous session
        try:
            session = self.controller.start_session(patient, practitioner)
        except (ValueError, RuntimeError, PermissionError) as exc:  # the one sentence
            self.session_bar.set_recording(None, str(exc))
            return
        self.settings.practitioner = practitioner.strip()
        self.readouts.start_timer()
        self.session_bar.set_recording(session, warning or "")

    def end_session(self) -> None:
        session = self.controller.session
        self.controller.end_session()
        self.readouts.stop_timer()
        self.session_bar.set_recording(None, f"Session {(session or '')[:8]} saved")

    def _on_target_changed(self, minutes: int) -> None:
        self.readouts.target_minutes = minutes
        self.settings.target_minutes = minutes

    def on_frame(self, drained: Drained) -> None:
        self.plot.refresh()
        self.readouts.refresh()
        self.banner.refresh()
        self.alarm_list.refresh()
        simulated = self.controller.simulated
        self.connection.refresh(simulated)
        self.sound.poll()
        self._frames += 1
        if self._frames % 6 == 0:  # 10 Hz is plenty for the map and plan text
            self.zone_panel.refresh()
        title = "Pen Console — SIMULATED PEN" if simulated else "Pen Console"
        if self.controller.user:
            title += f" — {self.controller.user}"
        if self.windowTitle() != title:
            self.setWindowTitle(title)

    # ------------------------------------------------------------ window state

    def restore_state(self) -> None:
        geometry = self.settings.window_state("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 860)
        splitter = self.settings.window_state("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        self.window_choice.setCurrentIndex(WINDOWS_S.index(self.settings.plot_window_s))
        self.plot.set_window(self.settings.plot_window_s)

    def save_state(self) -> None:
        self.settings.set_window_state("geometry", self.saveGeometry())
        self.settings.set_window_state("splitter", self.splitter.saveState())
        self.settings.plot_window_s = self.plot.window_s
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.controller.close()
        self.sound.close()
        super().closeEvent(event)

"""The practitioner's live screen: assembles the widgets around one PenController."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
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

from console.controller import PenController
from console.live import Drained
from console.sound import AlarmSound
from drivers.transport import find_pens
from widgets.alarm_banner import AlarmBanner
from widgets.alarm_list import AlarmList
from widgets.connection_bar import ConnectionBar
from widgets.pen_controls import PenControls
from widgets.readouts import Readouts
from widgets.session_bar import SessionBar
from widgets.telemetry_plot import WINDOWS_S, TelemetryPlot


class MainWindow(QMainWindow):
    def __init__(self, controller: PenController, settings: QSettings) -> None:
        super().__init__()
        self.controller = controller
        self.settings = settings
        self.setWindowTitle("Pen Console")
        c = controller
        self.connection = ConnectionBar(c.live)
        self.banner = AlarmBanner(c.alarms)
        self.plot = TelemetryPlot(c.live)
        self.readouts = Readouts(c.live)
        self.controls = PenControls(c)
        self.session_bar = SessionBar()
        self.alarm_list = AlarmList(c.alarms)
        self.sound = AlarmSound(c.alarms)
        self.side_panel = QVBoxLayout()  # the zone map and plan progress go here

        plot_tools = QHBoxLayout()
        self.window_choice = QComboBox()
        for s in WINDOWS_S:
            self.window_choice.addItem(f"{s} s window", s)
        self.pause_button = QPushButton("Pause view")
        self.pause_button.setCheckable(True)
        self.force_box = QCheckBox("Contact force")
        for w in (self.window_choice, self.pause_button, self.force_box):
            w.setMinimumHeight(44)
            plot_tools.addWidget(w)
        plot_tools.addStretch(1)
        plot_page = QWidget()
        plot_layout = QVBoxLayout(plot_page)
        plot_layout.addLayout(plot_tools)
        plot_layout.addWidget(self.plot, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(plot_page, "Telemetry")
        self.tabs.addTab(self.alarm_list, "Alarm list")

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.readouts)
        side_layout.addLayout(self.side_panel, 1)
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
        self.statusBar().addWidget(self.notice, 1)
        if self.sound.notice:
            self.notice.setText(self.sound.notice)

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
        QShortcut(QKeySequence("F9"), self, c.alarms.acknowledge_all)
        QShortcut(QKeySequence("F10"), self, c.alarms.pause_audio)
        c.frame.connect(self.on_frame)
        self.window_choice.setCurrentIndex(WINDOWS_S.index(30))
        self.restore_state()

    def rescan(self) -> list[object]:
        pens = find_pens()
        self.connection.set_ports(pens)
        if not pens:
            self.notice.setText(
                "No pen found. Plug the pen in and press Rescan, or choose “Virtual pen "
                "(simulated)” to try the console."
            )
        return list(pens)

    def start_session(self, patient: str, practitioner: str) -> None:
        try:
            session = self.controller.start_session(patient, practitioner)
        except (ValueError, RuntimeError) as exc:
            self.session_bar.set_recording(None, str(exc))
            return
        self.readouts.start_timer()
        self.session_bar.set_recording(session)

    def end_session(self) -> None:
        self.controller.end_session()
        self.readouts.stop_timer()
        self.session_bar.set_recording(None, "Session saved")

    def on_frame(self, drained: Drained) -> None:
        self.plot.refresh()
        self.readouts.refresh()
        self.banner.refresh()
        self.alarm_list.refresh()
        self.connection.refresh(self.controller.simulated)
        self.sound.poll()

    # ------------------------------------------------------------ window state

    def restore_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        window = self.settings.value("plot/window_s")
        if window is not None and int(window) in WINDOWS_S:
            self.window_choice.setCurrentIndex(WINDOWS_S.index(int(window)))

    def save_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("plot/window_s", self.plot.window_s)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.controller.close()
        super().closeEvent(event)

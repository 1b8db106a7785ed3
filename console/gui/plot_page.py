"""The Telemetry tab: the plot tools (window, pause, force) and the live plots, built late.

Importing pyqtgraph and building its plots is about a third of the console's start-up,
and the first frame has no sample to draw. So the page shows an empty slot first and
builds the plots on first use (`plot`): the first display tick, or anything that asks.
They come with the theme, window, force and pause already chosen. Holds no rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from console.core.live import LiveModel
from console.gui.settings import PLOT_WINDOWS_S

if TYPE_CHECKING:
    from widgets.telemetry_plot import TelemetryPlot


class PlotPage(QWidget):
    def __init__(self, live: LiveModel, window_s: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plotTools")
        self.live = live
        self.built: TelemetryPlot | None = None
        self.theme = "dark"
        self.window_s = window_s
        self.window_choice = QComboBox()
        for s in PLOT_WINDOWS_S:
            self.window_choice.addItem(f"{s} s window", s)
        self.pause_button = QPushButton("Pause view [P]")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Freeze the plots and drag to look back; recording goes on")
        self.force_box = QCheckBox("Force")
        self.force_box.setToolTip("Show the contact force plot")
        tools = QHBoxLayout()
        for w in (self.window_choice, self.pause_button, self.force_box):
            w.setMinimumHeight(44)
            tools.addWidget(w)
        tools.addStretch(1)
        self._slot = QWidget()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addLayout(tools)
        self._layout.addWidget(self._slot, 1)
        self.window_choice.currentIndexChanged.connect(
            lambda i: self.set_window(self.window_choice.itemData(i))
        )
        self.pause_button.toggled.connect(self._on_paused)
        self.force_box.toggled.connect(lambda shown: self.plot.show_force(shown))
        self.window_choice.setCurrentIndex(PLOT_WINDOWS_S.index(window_s))

    @property
    def plot(self) -> TelemetryPlot:
        if self.built is None:
            from widgets.telemetry_plot import TelemetryPlot

            plot = TelemetryPlot(self.live)
            plot.set_theme(self.theme)
            plot.set_window(self.window_s)
            plot.show_force(self.force_box.isChecked())
            if self.pause_button.isChecked():
                plot.set_paused(True)
            self._layout.replaceWidget(self._slot, plot)
            self._slot.deleteLater()
            self.built = plot
        return self.built

    def set_window(self, seconds: int) -> None:
        self.window_s = seconds
        if self.built is not None:
            self.built.set_window(seconds)

    def shown_window_s(self) -> int:
        return self.built.window_s if self.built is not None else self.window_s

    def set_theme(self, theme: str) -> None:
        self.theme = theme
        if self.built is not None:
            self.built.set_theme(theme)

    def _on_paused(self, paused: bool) -> None:
        self.plot.set_paused(paused)
        self.pause_button.setText("Resume view [P]" if paused else "Pause view [P]")

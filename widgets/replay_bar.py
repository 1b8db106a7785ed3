"""Replay controls: play/pause, speed 0.5–10×, and a scrubber over the session."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

SPEEDS = (0.5, 1.0, 2.0, 5.0, 10.0)
STEPS_PER_S = 10  # scrubber resolution: 0.1 s


class ReplayBar(QWidget):
    position_changed = Signal(float)  # seconds into the session

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.play = QPushButton("Play")
        self.play.setCheckable(True)
        self.play.setMinimumHeight(40)
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.time_label = QLabel("0:00.0 / 0:00")
        for w in (self.play, self.speed):
            row.addWidget(w)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time_label)
        self.duration_s = 0.0
        self.position_s = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._advance)
        self._last = 0.0
        self.play.toggled.connect(self._on_play)
        self.slider.valueChanged.connect(self._on_slider)

    def set_duration(self, seconds: float) -> None:
        self.duration_s = seconds
        self.slider.setRange(0, int(seconds * STEPS_PER_S))
        self.seek(0.0)

    def seek(self, seconds: float) -> None:
        self.position_s = min(max(0.0, seconds), self.duration_s)
        self.slider.blockSignals(True)  # moving the slider from code must not echo back
        self.slider.setValue(int(self.position_s * STEPS_PER_S))
        self.slider.blockSignals(False)
        self._show()
        self.position_changed.emit(self.position_s)

    def _on_slider(self, value: int) -> None:
        self.seek(value / STEPS_PER_S)

    def _on_play(self, playing: bool) -> None:
        self.play.setText("Pause" if playing else "Play")
        self._last = time.monotonic()
        if playing:
            self._timer.start()
        else:
            self._timer.stop()

    def _advance(self) -> None:
        now = time.monotonic()
        step = (now - self._last) * float(self.speed.currentData())
        self._last = now
        self.seek(self.position_s + step)
        if self.position_s >= self.duration_s:
            self.play.setChecked(False)

    def _show(self) -> None:
        m, s = divmod(self.position_s, 60)
        dm, ds = divmod(int(self.duration_s), 60)
        self.time_label.setText(f"{int(m)}:{s:04.1f} / {dm}:{ds:02d}")

"""Large readouts for the cart: depth set and measured, rate, strokes, timer, contact.

Bound to a LiveModel; `refresh()` is called by the display timer. Sizes are chosen to be
read from a metre away (values ~40 px tall). A number is only shown while it is current:
with the link lost or closed the pen's readings turn grey "—" (the session's stroke count
stays, greyed, as the last count known), and with no session the counters show "—".
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from console.core.live import LiveModel
from drivers.messages import Status

STALE = "stale"  # the style state of a reading that is no longer current


class Readout(QFrame):
    def __init__(self, caption: str, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readout")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        self.caption = QLabel(caption)
        self.caption.setObjectName("readoutCaption")
        self.value = QLabel("—")
        self.value.setObjectName("readoutValue")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.unit = QLabel(unit)
        self.unit.setObjectName("readoutUnit")
        self.unit.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.unit)

    def set_text(self, text: str, state: str = "") -> None:
        if self.value.text() != text:
            self.value.setText(text)
        if self.value.property("state") != state:
            self.value.setProperty("state", state)
            self.value.style().unpolish(self.value)
            self.value.style().polish(self.value)


class Readouts(QWidget):
    def __init__(self, live: LiveModel, columns: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live = live
        self.target_minutes = 30
        self.session_started: float | None = None
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.depth_set = Readout("DEPTH SET", "mm")
        self.depth_meas = Readout("DEPTH MEASURED", "mm")
        self.rate = Readout("STROKE RATE", "Hz")
        self.strokes = Readout("STROKES", "this session")
        self.timer = Readout("SESSION", "mm:ss")
        self.contact = Readout("SKIN", "contact")
        for i, w in enumerate(
            (self.depth_set, self.depth_meas, self.rate, self.strokes, self.timer, self.contact)
        ):
            grid.addWidget(w, i // columns, i % columns)

    def start_timer(self) -> None:
        self.session_started = time.monotonic()

    def stop_timer(self) -> None:
        self.session_started = None

    def refresh(self) -> None:
        latest = self.live.latest
        current = self.live.current()
        strokes = self.live.session_strokes()
        self.strokes.set_text("—" if strokes is None else f"{strokes:,}", "" if current else STALE)
        if self.session_started is None:
            self.timer.set_text("--:--")
        else:
            elapsed = int(time.monotonic() - self.session_started)
            late = elapsed >= self.target_minutes * 60
            self.timer.set_text(f"{elapsed // 60:02d}:{elapsed % 60:02d}", "amber" if late else "")
        if not current:
            for readout in (self.depth_set, self.depth_meas, self.rate, self.contact):
                readout.set_text("—", STALE)
            return
        self.depth_set.set_text(f"{latest.depth_set_um / 1000:.2f}")
        running = latest.has(Status.MOTOR_RUNNING)
        self.depth_meas.set_text(f"{latest.depth_meas_um / 1000:.2f}" if running else "—")
        self.rate.set_text(f"{latest.rate_dhz / 10:.1f}" if running else "0.0")
        touching = latest.has(Status.SKIN_CONTACT)
        self.contact.set_text("ON" if touching else "off", "on" if touching else "")

"""REC or NOT RECORDING, in the top bar, big enough to see from the patient's side.

Holds no model: the window tells it (`set_recording`) whether a session records, for whom
and since when, and ticks it (`refresh`) so the elapsed time stays current.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


class RecIndicator(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recIndicator")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumWidth(230)
        self.setMinimumHeight(44)
        self.patient = ""
        self.since: float | None = None
        self._shown = ""
        self.set_recording(None)

    @property
    def recording(self) -> bool:
        return self.since is not None

    def set_recording(self, patient: str | None) -> None:
        self.patient = patient or ""
        self.since = time.monotonic() if patient is not None else None
        state = "on" if patient is not None else "off"
        if self.property("rec") != state:
            self.setProperty("rec", state)
            self.style().unpolish(self)
            self.style().polish(self)
        self.refresh()

    def refresh(self) -> None:
        if self.since is None:
            text = "NOT RECORDING"
        else:
            s = int(time.monotonic() - self.since)
            text = f"● REC  {self.patient}  {s // 60:02d}:{s % 60:02d}"
        if text != self._shown:
            self._shown = text
            self.setText(text)

"""Start and end a recorded session: patient code, practitioner and the timer's target.

Holds no model: it asks (signals) and is told (set_recording), so the recorder's own
checks and messages are the ones the practitioner reads.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget


class SessionBar(QWidget):
    start_requested = Signal(str, str)  # patient code, practitioner
    end_requested = Signal()
    target_changed = Signal(int)  # minutes

    def __init__(self, target_minutes: int = 30, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.patient = QLineEdit()
        self.patient.setPlaceholderText("Patient code")
        self.practitioner = QLineEdit()
        self.practitioner.setPlaceholderText("Practitioner")
        self.button = QPushButton("Start session")
        self.button.setObjectName("sessionButton")
        self.target = QSpinBox()
        self.target.setRange(1, 180)
        self.target.setValue(target_minutes)
        self.target.setPrefix("Target ")
        self.target.setSuffix(" min")
        self.target.setToolTip("The session timer turns amber after this many minutes")
        self.status = QLabel("No session")
        self.status.setObjectName("sessionStatus")
        self.status.setWordWrap(True)
        for w in (self.patient, self.practitioner, self.button, self.target):
            w.setMinimumHeight(44)
        row.addWidget(self.patient)
        row.addWidget(self.practitioner)
        row.addWidget(self.button)
        row.addWidget(self.target)
        row.addWidget(self.status, 1)
        self.button.clicked.connect(self._on_clicked)
        self.patient.returnPressed.connect(self._on_clicked)
        self.practitioner.returnPressed.connect(self._on_clicked)
        self.target.valueChanged.connect(self.target_changed)
        self.recording = False

    def _on_clicked(self) -> None:
        if self.recording:
            self.end_requested.emit()
        else:
            self.start_requested.emit(self.patient.text(), self.practitioner.text())

    def set_recording(self, session: str | None, message: str = "") -> None:
        self.recording = session is not None
        self.button.setText("End session" if self.recording else "Start session")
        self.patient.setEnabled(not self.recording)
        self.practitioner.setEnabled(not self.recording)
        if message:
            self.status.setText(message)
        elif session:
            self.status.setText(f"Recording session {session[:8]}")
        else:
            self.status.setText("No session")

    def disable(self, reason: str) -> None:
        """Recording is impossible (no database): say why, and offer nothing to click."""
        self.set_recording(None, reason)
        self.button.setEnabled(False)

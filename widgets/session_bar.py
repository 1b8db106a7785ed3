"""Start and end a recorded session: patient code and practitioner, with clear errors."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget


class SessionBar(QWidget):
    start_requested = Signal(str, str)
    end_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.patient = QLineEdit()
        self.patient.setPlaceholderText("Patient code")
        self.practitioner = QLineEdit()
        self.practitioner.setPlaceholderText("Practitioner")
        self.button = QPushButton("Start session")
        self.button.setObjectName("sessionButton")
        self.status = QLabel("No session")
        self.status.setObjectName("sessionStatus")
        for w in (self.patient, self.practitioner, self.button):
            w.setMinimumHeight(44)
        row.addWidget(self.patient)
        row.addWidget(self.practitioner)
        row.addWidget(self.button)
        row.addWidget(self.status, 1)
        self.button.clicked.connect(self._on_clicked)
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

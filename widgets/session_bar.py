"""Start and end a recorded session: patient code, practitioner and the timer's target.

Holds no model: it asks (signals) and is told (set_recording), so the recorder's own
checks and messages are the ones the practitioner reads. The target is stepped with two
44 px buttons (a spin box's own arrows are ~12 px, too small for gloves), and the status
line has a fixed height, so a long message never makes the screen above it jump.
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)


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
        self._known = QStringListModel(self)  # completes from the clinic's patient codes
        completer = QCompleter(self._known, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # Inline: the rest of a known code is filled in, selected, as one types; no popup
        # list to steal the keyboard from a gloved hand (or from the pen's shortcuts).
        completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
        self.patient.setCompleter(completer)
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
        self.target.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.target.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.target_down = QPushButton("−")
        self.target_up = QPushButton("+")
        for b, step in ((self.target_down, -5), (self.target_up, +5)):
            b.setFixedSize(44, 44)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolTip(f"{step:+d} minutes")
            b.clicked.connect(
                lambda _=False, st=step: self.target.setValue(self.target.value() + st)
            )
        self.status = QLabel("No session")
        self.status.setObjectName("sessionStatus")
        self.status.setWordWrap(True)
        self.status.setFixedHeight(44)  # two lines at most; a message never moves the layout
        for w in (self.patient, self.practitioner, self.button, self.target):
            w.setMinimumHeight(44)
        self.patient.setMinimumWidth(150)
        self.practitioner.setMinimumWidth(150)
        self.button.setMinimumWidth(150)
        row.addWidget(self.patient)
        row.addWidget(self.practitioner)
        row.addWidget(self.button)
        row.addWidget(self.target_down)
        row.addWidget(self.target)
        row.addWidget(self.target_up)
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

    def set_known_patients(self, codes: list[str]) -> None:
        """The codes the patient field completes from (find, or type a new one to add)."""
        self._known.setStringList(codes)

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

    def ready_for_next_patient(self, message: str) -> None:
        """After a session ended: nothing of the last patient is left to be reused."""
        self.set_recording(None, message)
        self.patient.clear()
        self.patient.setFocus()

    def disable(self, reason: str) -> None:
        """Recording is impossible (no database): say why, and offer nothing to click."""
        self.set_recording(None, reason)
        self.button.setEnabled(False)

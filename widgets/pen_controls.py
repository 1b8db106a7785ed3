"""Pen controls: depth and rate steps, start/stop, clear fault, each with the value the pen
applied (from its ACK). Big targets (≥ 44 px) and a keyboard shortcut for each.

Handed `PenCommands` (the console's controller, or a fake in tests); the answers come
back through `show_answer`, which the window connects to the controller's signal."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from drivers.link import CommandResult
from widgets.lines_label import LinesLabel

SHORTCUTS = {
    "depth_down": "F1",
    "depth_up": "F2",
    "rate_down": "F3",
    "rate_up": "F4",
    "motor": "F5",
    "clear_fault": "F8",
}


class PenCommands(Protocol):
    """What the buttons ask for; the answer arrives later, through show_answer()."""

    def step_depth(self, steps: int) -> None: ...
    def step_rate(self, steps: int) -> None: ...
    def toggle_motor(self) -> None: ...
    def clear_fault(self) -> None: ...


class PenControls(QWidget):
    def __init__(self, controller: PenCommands, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        c = controller
        self.buttons: dict[str, QPushButton] = {}
        specs = [
            ("depth_down", "Depth −", lambda: c.step_depth(-1), 0, 0),
            ("depth_up", "Depth +", lambda: c.step_depth(+1), 0, 1),
            ("motor", "Start / Stop", c.toggle_motor, 0, 2),
            ("rate_down", "Rate −", lambda: c.step_rate(-1), 1, 0),
            ("rate_up", "Rate +", lambda: c.step_rate(+1), 1, 1),
            ("clear_fault", "Clear fault", c.clear_fault, 1, 2),
        ]
        for key, text, action, r, col in specs:
            button = QPushButton(f"{text}  [{SHORTCUTS[key]}]")
            button.setObjectName(f"control_{key}")
            button.setMinimumSize(120, 56)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the shortcuts
            button.clicked.connect(action)
            # Window context: a line edit with focus keeps its Space (typing a patient code
            # must never start the motor), and a second window never makes them ambiguous.
            shortcut = QShortcut(QKeySequence(SHORTCUTS[key]), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(button.click)
            grid.addWidget(button, r, col)
            self.buttons[key] = button
        self.applied = LinesLabel(2)  # a longer answer never moves the buttons
        self.applied.setObjectName("appliedValue")
        grid.addWidget(self.applied, 2, 0, 1, 3)
        self._depth_note = ""
        self._unsent = False  # the line says why a command was not sent

    def show_depth_note(self, text: str) -> None:
        """Why the press just made went less far (a ceiling clamp): shown now, and kept in
        front of the pen's ACK so the answer never hides it. "" for a press not clamped."""
        self._depth_note = text
        if text:
            self.applied.setText(text)

    def clear_depth_note(self) -> str:
        """The zone or the session changed: a clamp said for the one before is stale, so
        it goes (from the answer line too). Returns the note cleared, "" when none."""
        note, self._depth_note = self._depth_note, ""
        if note and self.applied.text().startswith(note):
            self.applied.setText("")
        return note

    def show_answer(self, name: str, outcome: object) -> None:
        """The pen's answer to a command (a CommandResult), or why it never got one."""
        if isinstance(outcome, CommandResult):
            result = getattr(outcome.result, "name", str(outcome.result))
            if name == "set_depth":
                text = f"Pen applied depth {outcome.value / 1000:.2f} mm"
            elif name == "set_rate":
                text = f"Pen applied rate {outcome.value / 10:.1f} Hz"
            elif name == "motor":
                text = "Motor running" if outcome.value else "Motor stopped"
            else:
                text = name.replace("_", " ").capitalize()
            if not outcome.ok:
                text += f" — refused: {result.replace('_', ' ').lower()}"
            if name == "set_depth" and self._depth_note:
                text = f"{self._depth_note} {text}."
            self.applied.setText(text)
        else:  # never sent: refused by a rule, or no link
            verb = "refused" if isinstance(outcome, PermissionError) else "not sent"
            self.applied.setText(f"{name.replace('_', ' ')} {verb}: {outcome}")
            self._unsent = True
            return
        self._unsent = False

    def clear_unsent(self) -> None:
        """Why a command was not sent is stale (the link streams again, the steps a refusal
        named are done), so it goes."""
        if self._unsent:
            self.applied.setText("")
            self._unsent = False

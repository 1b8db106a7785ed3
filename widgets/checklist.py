"""The plan's steps as a checklist for gloved hands: one touch marks a step done, a touch
on a done step asks before taking it back, and a running timer is a large countdown.

Each line is a button at least 48 px tall (>= 44 px targets) reading its state: done
(with the time and who), the current step, the next, and those later. A step that asks
for a lot (the PRP kit, the anaesthetic tube) asks for it when touched. A step with a screen
of its own (the consent, the aftercare sheet) opens that screen instead: its owner puts
the opener in `screens`, by step kind, and the screen ticks the step when completed. The
widget is handed a small model (the live controller); it holds no rules and never the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.core.plan_steps import StepKind, StepRow, mm_ss
from widgets.lines_label import LinesLabel

ROW_PX = 48
MARKS = {"done": "✓", "current": "▶", "next": "›", "later": " "}


class StepsModel(Protocol):
    def step_rows(self) -> list[StepRow]: ...
    def mark_step(self, step: str, lot: str | None = None) -> None: ...
    def undo_step(self, step: str) -> None: ...
    def step_question(self, step: str) -> str | None: ...


def countdown_words(seconds: float) -> str:
    return mm_ss(seconds)


def row_words(row: StepRow) -> str:
    mark = MARKS.get(row.status, " ")
    match row.status:
        case "done":
            who = f" · {row.done_by}" if row.done_by else ""
            lot = f" · lot {row.lot}" if row.lot else ""
            return f"{mark}  {row.done_at}  {row.label}{who}{lot}"
        case "current":
            return f"{mark}  {row.label}{'  *' if row.required else ''}  — touch when done"
        case _:
            return f"{mark}  {row.label}{'  *' if row.required else ''}"


class Checklist(QWidget):
    def __init__(self, model: StepsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("checklist")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        self.countdown = QLabel("")
        self.countdown.setObjectName("countdown")
        # Readable from the cart: the theme's font size is for words, not this.
        self.countdown.setStyleSheet("font-size: 30px; font-weight: bold; color: #4dd0e1;")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.notes = LinesLabel(3)  # always there, one height: the rows never shift
        self.notes.setObjectName("stepNotes")
        layout.addWidget(self.countdown)
        layout.addWidget(self.notes)
        self.lines_box = QWidget()
        self.lines = QVBoxLayout(self.lines_box)
        self.lines.setContentsMargins(0, 0, 0, 0)
        self.lines.setSpacing(3)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.lines_box)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(scroll, 1)
        self.footnote = QLabel("* needed before needling starts")
        self.footnote.setObjectName("stepFootnote")
        layout.addWidget(self.footnote)
        self.buttons: dict[str, QPushButton] = {}
        self.screens: dict[StepKind, Callable[[StepRow], None]] = {}
        self.pending_dialog: QMessageBox | QInputDialog | None = None  # for tests
        self.rows: list[StepRow] = []
        self.refresh()

    # ------------------------------------------------------------ state

    def refresh(self) -> None:
        rows = self.model.step_rows()
        shown = [(r.id, r.status, r.done_at, r.lot) for r in rows]
        if shown != [(r.id, r.status, r.done_at, r.lot) for r in self.rows]:
            self._rebuild(rows)
        self.rows = rows
        running = [r for r in rows if r.countdown_s is not None]
        self.countdown.setVisible(bool(running))
        if running:
            r = min(running, key=lambda x: x.countdown_s or 0.0)
            self.countdown.setText(f"{r.timer_label}  {countdown_words(r.countdown_s or 0.0)}")
        current = next((r for r in rows if r.status == "current"), None)
        self.notes.setText(current.notes if current is not None else "")
        self.footnote.setVisible(any(r.required for r in rows))

    def _rebuild(self, rows: list[StepRow]) -> None:
        for button in self.buttons.values():
            self.lines.removeWidget(button)
            button.deleteLater()
        self.buttons = {}
        for row in rows:
            button = QPushButton(row_words(row))
            button.setMinimumHeight(ROW_PX)
            # Long words (a lot number) are cut at the column's edge, never widen it.
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.setObjectName(f"step_{row.status}")
            button.setProperty("status", row.status)
            button.setStyleSheet("text-align: left; padding-left: 10px;")
            button.setToolTip(row.notes)
            button.clicked.connect(lambda _=False, step=row.id: self._on_touch(step))
            self.lines.addWidget(button)
            self.buttons[row.id] = button
        self.lines.addStretch(1)
        if not rows:
            self.footnote.setText("The plan lists no steps.")

    # ------------------------------------------------------------ touches

    def _on_touch(self, step: str) -> None:
        row = next((r for r in self.rows if r.id == step), None)
        if row is None:
            return
        try:
            if row.status == "done":
                if self.confirm_undo(row):
                    self.model.undo_step(step)
            elif row.kind in self.screens:
                self.screens[row.kind](row)  # it ticks the step when it is completed
            else:
                question = self.model.step_question(step)  # e.g. the dwell cut short
                if question is not None and not self.confirm_early(row, question):
                    return
                lot = self.ask_lot(row) if row.asks_lot else None
                if row.asks_lot and lot is None:
                    return  # cancelled: nothing marked
                self.model.mark_step(step, lot)
        except (ValueError, PermissionError) as exc:  # one sentence, never a crash
            self.notes.setText(str(exc))
            return
        self.refresh()

    def confirm_undo(self, row: StepRow) -> bool:
        return self._ask(
            "Undo the step?",
            f"Mark “{row.label}” as not done? The record keeps both the step and its undo.",
            "Undo step",
        )

    def _ask(self, title: str, text: str, yes: str) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(yes)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        for b in box.buttons():
            b.setMinimumSize(140, ROW_PX)
        self.pending_dialog = box
        try:
            return box.exec() == QMessageBox.StandardButton.Yes
        finally:
            self.pending_dialog = None

    def confirm_early(self, row: StepRow, question: str) -> bool:
        return self._ask(
            "Before its time?",
            f"{question}\n\n“{row.label}” is recorded as early, with the time left.",
            "Remove early",
        )

    def ask_lot(self, row: StepRow) -> str | None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(row.label)
        dialog.setLabelText(f"Lot for “{row.label}” (type or scan; leave empty if none):")
        self.pending_dialog = dialog
        try:
            if dialog.exec() != QInputDialog.DialogCode.Accepted:
                return None
            return dialog.textValue()
        finally:
            self.pending_dialog = None

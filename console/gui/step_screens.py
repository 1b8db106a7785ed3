"""The checklist steps with screens of their own: the consent and the aftercare sheet.

A touch on the consent step opens the consent screen (console/gui/consent_dialog.py);
saving it ticks the step through the treatment (console/core/record_steps.py), and
cancelling leaves the step open. A touch on the aftercare step opens the aftercare
screen: print the sheet, save it as PDF, or record that the patient declined it, with
the reason; each ticks the step and is recorded. Both dialogs are opened window-modal
without a nested loop (`open`), so the display timer and the heartbeat are never held.
Assembly and dialogs only; the rules are the core's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QPainter
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.core.aftercare import AftercareSheet
from console.core.plan_steps import StepKind, StepRow
from console.core.record_steps import AftercareHow
from console.gui.aftercare_page import draw_aftercare, write_aftercare
from console.gui.consent_dialog import ConsentDialog
from console.gui.file_dialogs import SafePrintDialog, save_file_name
from console.gui.pdf_page import Page

if TYPE_CHECKING:
    from PySide6.QtGui import QPdfWriter

    from console.gui.controller import PenController
    from widgets.checklist import Checklist

BUTTON_SIZE = (180, 52)


def default_aftercare_path(sheet: AftercareSheet) -> Path:
    """In the documents folder: patient code, date, kind (never the database's folder)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    name = f"{sheet.patient_code or 'patient'}-{sheet.treated_on:%Y-%m-%d}-aftercare.pdf"
    return Path(folder or Path.home()) / name


class AftercareDialog(QDialog):
    """Give the aftercare sheet: print, save as PDF, or declined with the reason."""

    def __init__(
        self, controller: PenController, sheet: AftercareSheet, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.sheet = sheet
        self.setWindowTitle(f"Aftercare sheet — patient {sheet.patient_code}")
        layout = QVBoxLayout(self)
        title = QLabel(f"{sheet.title} · patient {sheet.patient_code}")
        title.setStyleSheet("font-size: 20px; font-weight: bold;")
        layout.addWidget(title)
        points = QLabel("\n".join(f"•  {p}" for p in sheet.points))
        points.setWordWrap(True)
        points.setStyleSheet("font-size: 15px;")
        layout.addWidget(points)
        give = QHBoxLayout()
        self.print_button = QPushButton("Print…")
        self.save_button = QPushButton("Save as PDF…")
        for b in (self.print_button, self.save_button):
            b.setMinimumSize(*BUTTON_SIZE)
            give.addWidget(b)
        give.addStretch(1)
        layout.addLayout(give)
        declined = QHBoxLayout()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Declined: the patient's reason")
        self.reason.setMinimumHeight(44)
        self.decline_button = QPushButton("Record declined")
        self.decline_button.setMinimumSize(*BUTTON_SIZE)
        declined.addWidget(self.reason, 1)
        declined.addWidget(self.decline_button)
        layout.addLayout(declined)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setMinimumHeight(40)
        layout.addWidget(self.status)
        cancel = QPushButton("Cancel")
        cancel.setMinimumSize(*BUTTON_SIZE)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(cancel)
        layout.addLayout(row)
        self.print_button.clicked.connect(self.print_sheet)
        self.save_button.clicked.connect(self.save_sheet)
        self.decline_button.clicked.connect(lambda: self.decline(self.reason.text()))
        cancel.clicked.connect(self.reject)

    def ask_printer(self) -> QPrinter | None:
        printer = QPrinter()
        dialog = SafePrintDialog(printer, self)
        return printer if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_path(self) -> Path | None:
        name = save_file_name(
            self, "Save the aftercare sheet", str(default_aftercare_path(self.sheet)), "PDF (*.pdf)"
        )
        return Path(name) if name else None

    def print_sheet(self) -> None:
        printer = self.ask_printer()
        if printer is None:
            return
        painter = QPainter(printer)
        try:  # a printer pages like the PDF writer the sheet is drawn for
            draw_aftercare(Page(cast("QPdfWriter", printer), painter), self.sheet)
        finally:
            painter.end()
        self._given(AftercareHow.PRINTED, printer.printerName() or "the printer")

    def save_sheet(self) -> None:
        path = self.ask_path()
        if path is None:
            return
        try:
            write_aftercare(self.sheet, path)
        except OSError as exc:
            self.status.setText(f"Not saved: {exc}. Choose another folder.")
            return
        self._given(AftercareHow.SAVED, str(path))

    def decline(self, reason: str) -> None:
        self._given(AftercareHow.DECLINED, reason)

    def _given(self, how: AftercareHow, detail: str) -> None:
        try:
            self.controller.give_aftercare(how, detail)
        except (ValueError, PermissionError) as exc:  # one sentence, the step stays open
            self.status.setText(str(exc).capitalize() + ("" if str(exc).endswith(".") else "."))
            return
        self.accept()


class StepScreens:
    """Puts the consent and aftercare screens on the checklist's steps of those kinds."""

    def __init__(self, controller: PenController, checklist: Checklist, window: QWidget) -> None:
        self.controller = controller
        self.checklist = checklist
        self.window = window
        self.consent: ConsentDialog | None = None  # the open screen (tests drive it)
        self.aftercare: AftercareDialog | None = None
        checklist.screens[StepKind.CONSENT] = self.open_consent
        checklist.screens[StepKind.AFTERCARE] = self.open_aftercare

    def open_consent(self, row: StepRow) -> None:
        form = self.controller.consent_form()  # StepError: said on the checklist
        controller = self.controller
        self.consent = ConsentDialog(
            form,
            controller.patient_code(),
            lambda png: controller.complete_consent(form, png),
            self.window,
        )
        self.consent.accepted.connect(self.checklist.refresh)
        self.consent.resize(self.window.size() * 0.9)
        self.consent.open()

    def open_aftercare(self, row: StepRow) -> None:
        sheet = self.controller.aftercare_sheet()
        self.aftercare = AftercareDialog(self.controller, sheet, self.window)
        self.aftercare.accepted.connect(self.checklist.refresh)
        self.aftercare.open()

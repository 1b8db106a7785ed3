"""H-22: "P-1O is not a known patient. Add as new patient?" asked at Start.

The question is the core's (console/core/patients.py `new_patient_question`); this is the
box: large buttons, and "Check the code" as the default, so a hurried Enter does not add
a patient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:
    from console.gui.main_window import MainWindow

BUTTON_SIZE = (180, 48)


def new_patient_box(parent: QWidget, question: str) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "New patient?",
        f"{question}\n\nA mistyped code would start another patient's record. Check the "
        "code against the patient's file before adding.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.button(QMessageBox.StandardButton.Yes).setText("Add new patient")
    box.button(QMessageBox.StandardButton.Cancel).setText("Check the code")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    for b in box.buttons():
        b.setMinimumSize(*BUTTON_SIZE)
    return box


def ask_new_patient(parent: QWidget, question: str) -> bool:
    return new_patient_box(parent, question).exec() == QMessageBox.StandardButton.Yes


def new_patient_confirmed(window: MainWindow, patient: str) -> bool:
    """A known code, or a new patient the practitioner confirmed (then added, audited);
    a "no" leaves the session bar saying to check the code."""
    question = window.controller.new_patient_question(patient)
    if question is None:
        return True
    if not ask_new_patient(window, question):
        window.session_bar.set_recording(None, f"Not started: check the code {patient.strip()}.")
        return False
    try:
        window.controller.add_new_patient(patient)
    except (ValueError, PermissionError) as exc:
        window.session_bar.set_recording(None, str(exc))
        return False
    return True

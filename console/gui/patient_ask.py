"""H-22: "P-1O is not a known patient. Add as new patient?" asked at Start.

The question is the core's (console/core/patients.py `new_patient_question`); this is the
box: large buttons, and "Check the code" as the default, so a hurried Enter does not add
a patient.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

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

"""H-22: a code not in the patient register is asked about at Start, never added silently."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from console.gui import patient_ask
from console.gui.app import start_for_patient
from console.gui.main_window import MainWindow
from console.gui.patient_ask import new_patient_box


def test_an_unknown_code_is_asked_about_and_a_no_starts_nothing(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    controller = window.controller
    asked: list[str] = []
    answers = iter([False, True])

    def ask(parent: object, question: str) -> bool:
        asked.append(question)
        return next(answers)

    monkeypatch.setattr(patient_ask, "ask_new_patient", ask)
    window.start_session("P-1O", "Dr Lee")
    assert asked == ["P-1O is not a known patient. Add as new patient?"]
    assert controller.session is None
    assert controller.store is not None and controller.store.patients.find("P-1O") is None
    assert "check the code P-1O" in window.session_bar.status.text()
    window.start_session("P-1O", "Dr Lee")  # confirmed: added (audited), then started
    assert controller.session is not None
    assert controller.store.patients.find("P-1O") is not None
    audit = controller.store.conn.execute(
        "SELECT action FROM audit_log WHERE object = 'patient:P-1O'"
    ).fetchall()
    assert ("patient.add",) in audit
    window.end_session(confirmed=True)
    assert controller.new_patient_question("P-1O") is None  # known now: not asked again
    assert len(asked) == 2


def test_the_box_defaults_to_checking_the_code(window: MainWindow) -> None:
    box = new_patient_box(window, "P-1O is not a known patient. Add as new patient?")
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert box.button(QMessageBox.StandardButton.Yes).text() == "Add new patient"
    assert all(b.minimumHeight() >= 44 for b in box.buttons())
    box.deleteLater()


def test_the_command_lines_patient_on_a_demo_database_is_not_asked(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    def ask(parent: object, question: str) -> bool:
        raise AssertionError(f"asked on a demo database: {question}")

    monkeypatch.setattr(patient_ask, "ask_new_patient", ask)
    assert window.controller.demo
    start_for_patient(window, "BENCH", "")  # `pen-console --patient BENCH`, as `record`
    assert window.controller.session is not None
    window.end_session(confirmed=True)

"""The live checklist: one touch marks a step, undo is asked first, a timer counts down,
and Start before the steps asks for an override that is recorded."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from console.core.plan_run import StartRefused
from console.gui.controller import PenController
from console.gui.main_window import MainWindow
from widgets.checklist import ROW_PX, countdown_words


def _choose_full_face(window: MainWindow) -> None:
    choice = window.zone_panel.plan_choice
    choice.setCurrentIndex(choice.findText("Full face — PRP"))
    window.procedure_view.refresh()


def test_one_touch_marks_a_step_and_undo_asks_first(
    qtbot, window: MainWindow, controller: PenController, monkeypatch: pytest.MonkeyPatch
) -> None:
    _choose_full_face(window)
    checklist = window.procedure_view.checklist
    assert window.tabs.currentWidget() is checklist  # chosen plan: its steps come first
    assert len(checklist.buttons) == 9
    assert all(b.minimumHeight() >= 44 for b in checklist.buttons.values())
    qtbot.mouseClick(checklist.buttons["consent"], Qt.MouseButton.LeftButton)
    assert [r.status for r in controller.step_rows()][:3] == ["done", "current", "next"]
    assert "✓" in checklist.buttons["consent"].text()
    answers = iter([False, True])
    monkeypatch.setattr(checklist, "confirm_undo", lambda row: next(answers))
    qtbot.mouseClick(checklist.buttons["consent"], Qt.MouseButton.LeftButton)
    assert controller.step_rows()[0].status == "done"  # declined: still done
    qtbot.mouseClick(checklist.buttons["consent"], Qt.MouseButton.LeftButton)
    assert controller.step_rows()[0].status == "current"


def test_a_timed_step_shows_a_large_countdown(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    _choose_full_face(window)
    checklist = window.procedure_view.checklist
    monkeypatch.setattr(checklist, "ask_lot", lambda row: "LIDO-7")
    qtbot.mouseClick(checklist.buttons["anaesthetic"], Qt.MouseButton.LeftButton)
    window.procedure_view.refresh()
    assert checklist.countdown.isVisibleTo(window)
    assert checklist.countdown.text() in ("anaesthetic dwell  30:00", "anaesthetic dwell  29:59")
    assert "lot LIDO-7" in checklist.buttons["anaesthetic"].text()
    assert window.tabs.tabText(0).startswith("Steps ")
    assert countdown_words(61.2) == "1:02" and countdown_words(0.2) == "0:01"


def test_removing_the_anaesthetic_during_the_dwell_asks_and_records_it_early(
    qtbot, window: MainWindow, controller: PenController, monkeypatch: pytest.MonkeyPatch
) -> None:
    _choose_full_face(window)
    checklist = window.procedure_view.checklist
    monkeypatch.setattr(checklist, "ask_lot", lambda row: "LIDO-7")
    qtbot.mouseClick(checklist.buttons["anaesthetic"], Qt.MouseButton.LeftButton)
    asked: list[str] = []
    answers = iter([False, True])

    def answer(row, question: str) -> bool:
        asked.append(question)
        return next(answers)

    monkeypatch.setattr(checklist, "confirm_early", answer)
    qtbot.mouseClick(checklist.buttons["anaesthetic_removed"], Qt.MouseButton.LeftButton)
    assert re.fullmatch(r"Anaesthetic dwell (30:00|29:\d\d) left — remove early\?", asked[0])
    removed = next(r for r in controller.step_rows() if r.id == "anaesthetic_removed")
    assert removed.status != "done"  # declined: not marked, the dwell runs on
    qtbot.mouseClick(checklist.buttons["anaesthetic_removed"], Qt.MouseButton.LeftButton)
    procedure = controller.treatment.plan_run.procedure
    state = procedure.state("anaesthetic_removed")
    assert state.done and state.early_left_s is not None and state.early_left_s > 1700
    window.procedure_view.refresh()
    assert not checklist.countdown.isVisibleTo(window)  # the countdown stopped
    assert window.tabs.tabText(0) == "Steps"


def test_start_before_the_steps_asks_for_an_override_and_starts(
    qtbot, window: MainWindow, controller: PenController, stream
) -> None:
    pen = stream("idle")
    _choose_full_face(window)
    controller.start_session("P-GUI", "nurse")

    def answer_yes() -> None:
        box = window.procedure_view.override_box
        if box is None:
            QTimer.singleShot(20, answer_yes)
            return
        assert "anaesthetic removed" in box.text()
        assert box.button(QMessageBox.StandardButton.Yes).minimumHeight() >= ROW_PX
        box.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(20, answer_yes)
    controller.toggle_motor()  # refused at once: the window asks for the override
    qtbot.waitUntil(lambda: pen.motor_on, timeout=5000)
    assert controller.treatment.plan_run.overridden_by is not None


def test_a_preset_from_the_steps_tab_holds_the_plan_depth(
    qtbot, window: MainWindow, controller: PenController, stream
) -> None:
    pen = stream("idle")
    _choose_full_face(window)
    choice = window.procedure_view.preset_choice
    assert choice.isVisibleTo(window) and choice.minimumHeight() >= 44
    labels = [choice.itemText(i) for i in range(choice.count())]
    assert labels[1] == "Depth: Light, 0.25–0.5 mm"
    controller.zones.tracker.select("cheek_left", how="touch")  # plan 1.0 mm there
    qtbot.waitUntil(lambda: pen.depth_set_um == 1000, timeout=5000)
    choice.setCurrentIndex(1)
    choice.activated.emit(1)
    qtbot.waitUntil(lambda: pen.depth_set_um == 500, timeout=5000)


def test_a_refused_start_is_cleared_once_its_steps_are_done(
    qtbot, window: MainWindow, controller: PenController, monkeypatch: pytest.MonkeyPatch
) -> None:
    _choose_full_face(window)
    reason = controller.treatment.plan_run.start_refusal()
    assert reason is not None
    window.controls.show_answer("motor", StartRefused(reason))
    assert window.controls.applied.text().startswith("motor refused: Not yet")
    checklist = window.procedure_view.checklist
    monkeypatch.setattr(checklist, "ask_lot", lambda row: "LOT-1")
    monkeypatch.setattr(checklist, "confirm_early", lambda row, question: True)
    for step in ("consent", "cleanse", "anaesthetic"):
        qtbot.mouseClick(checklist.buttons[step], Qt.MouseButton.LeftButton)
        window.procedure_view.refresh()
    assert window.controls.applied.text().startswith("motor refused")  # one step still due
    qtbot.mouseClick(checklist.buttons["anaesthetic_removed"], Qt.MouseButton.LeftButton)
    window.procedure_view.refresh()
    assert window.controls.applied.text() == ""

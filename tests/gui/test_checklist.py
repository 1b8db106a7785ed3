"""The live checklist: one touch marks a step, undo is asked first, a timer counts down,
and Start before the steps asks for an override that is recorded."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from console.core.plan_run import StartRefused
from console.gui.controller import PenController
from console.gui.main_window import MainWindow
from console.store import EventKind
from widgets.checklist import ROW_PX, countdown_words


def _choose_full_face(window: MainWindow) -> None:
    choice = window.zone_panel.plan_choice
    choice.setCurrentIndex(choice.findText("Full face — PRP"))
    window.procedure_view.refresh()


def _sign(qtbot, pad: QWidget) -> None:
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(40, 80))
    for x in range(50, 400, 25):
        qtbot.mouseMove(pad, QPoint(x, 60 + (x // 25 % 3) * 20))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(400, 80))


def _consent_on_screen(qtbot, window: MainWindow, yes: str = "") -> None:
    """Touch the consent step, answer, confirm a yes, sign and save on its screen."""
    checklist = window.procedure_view.checklist
    qtbot.mouseClick(checklist.buttons["consent"], Qt.MouseButton.LeftButton)
    dialog = window.procedure_view.screens.consent
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    for row in dialog.rows:
        qtbot.mouseClick(row.yes if row.question.id == yes else row.no, Qt.MouseButton.LeftButton)
        if row.question.id == yes:
            row.confirm.setChecked(True)
    _sign(qtbot, dialog.pad)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    window.procedure_view.refresh()


def test_the_consent_step_opens_the_consent_screen_and_only_it_ticks_the_step(
    qtbot, window: MainWindow, controller: PenController
) -> None:
    _choose_full_face(window)
    checklist = window.procedure_view.checklist
    qtbot.mouseClick(checklist.buttons["consent"], Qt.MouseButton.LeftButton)
    assert window.procedure_view.screens.consent is None  # no session: said, not opened
    assert "start the session first" in checklist.notes.text()
    window.start_session("P-7", "Dr Lee")
    qtbot.mouseClick(checklist.buttons["consent"], Qt.MouseButton.LeftButton)
    dialog = window.procedure_view.screens.consent
    assert dialog is not None and "P-7" in dialog.windowTitle()
    qtbot.waitUntil(dialog.isVisible)
    dialog.reject()  # cancelled: the step stays open
    window.procedure_view.refresh()
    assert controller.step_rows()[0].status == "current"
    _consent_on_screen(qtbot, window, yes="pregnancy")
    assert controller.step_rows()[0].status == "done"
    assert "✓" in checklist.buttons["consent"].text()
    session = controller.session
    assert session is not None and controller.store is not None
    (row,) = controller.store.media.consents(session)
    assert row.signature_png.startswith(b"\x89PNG") and "pregnancy" in row.answers
    window.end_session(confirmed=True)


def test_the_aftercare_step_saves_the_sheet_and_records_where(
    qtbot, window: MainWindow, controller: PenController, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _choose_full_face(window)
    window.start_session("P-8", "Dr Lee")
    session = controller.session
    checklist = window.procedure_view.checklist
    controller.treatment.plan_run.mark_done("consent", "Dr Lee")  # aftercare comes after it
    qtbot.mouseClick(checklist.buttons["aftercare"], Qt.MouseButton.LeftButton)
    dialog = window.procedure_view.screens.aftercare
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    qtbot.mouseClick(dialog.decline_button, Qt.MouseButton.LeftButton)  # no reason given
    assert "say why" in dialog.status.text().lower() and dialog.isVisible()
    out = tmp_path / "P-8-aftercare.pdf"
    monkeypatch.setattr(dialog, "ask_path", lambda: out)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and out.read_bytes().startswith(b"%PDF")
    window.procedure_view.refresh()
    assert "✓" in checklist.buttons["aftercare"].text()
    window.end_session(confirmed=True)
    assert controller.store is not None and session is not None
    assert controller.treatment.recorder is not None and controller.treatment.recorder.flush()
    given = [
        e["data"]
        for e in controller.store.events(session)
        if e["kind"] is EventKind.STEP_DONE and e["data"]["step"] == "aftercare"
    ]
    assert given == [given[0]] and given[0]["aftercare"] == "saved"
    assert given[0]["to"] == str(out)


def test_one_touch_marks_a_step_and_undo_asks_first(
    qtbot, window: MainWindow, controller: PenController, monkeypatch: pytest.MonkeyPatch
) -> None:
    _choose_full_face(window)
    checklist = window.procedure_view.checklist
    assert window.tabs.currentWidget() is checklist  # chosen plan: its steps come first
    assert len(checklist.buttons) == 9
    assert all(b.minimumHeight() >= 44 for b in checklist.buttons.values())
    qtbot.mouseClick(checklist.buttons["cleanse"], Qt.MouseButton.LeftButton)
    assert [r.status for r in controller.step_rows()][:3] == ["current", "done", "next"]
    assert "✓" in checklist.buttons["cleanse"].text()
    answers = iter([False, True])
    monkeypatch.setattr(checklist, "confirm_undo", lambda row: next(answers))
    qtbot.mouseClick(checklist.buttons["cleanse"], Qt.MouseButton.LeftButton)
    assert controller.step_rows()[1].status == "done"  # declined: still done
    qtbot.mouseClick(checklist.buttons["cleanse"], Qt.MouseButton.LeftButton)
    assert controller.step_rows()[1].status == "next"


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
    window.start_session("P-1", "Dr Lee")
    _consent_on_screen(qtbot, window)
    for step in ("cleanse", "anaesthetic"):
        qtbot.mouseClick(checklist.buttons[step], Qt.MouseButton.LeftButton)
        window.procedure_view.refresh()
    assert window.controls.applied.text().startswith("motor refused")  # one step still due
    qtbot.mouseClick(checklist.buttons["anaesthetic_removed"], Qt.MouseButton.LeftButton)
    window.procedure_view.refresh()
    assert window.controls.applied.text() == ""


def test_the_aftercare_sheet_printed_is_recorded_with_the_printer(
    qtbot, window: MainWindow, controller: PenController, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtPrintSupport import QPrinter

    _choose_full_face(window)
    window.start_session("P-9", "Dr Lee")
    checklist = window.procedure_view.checklist
    qtbot.mouseClick(checklist.buttons["aftercare"], Qt.MouseButton.LeftButton)
    assert window.procedure_view.screens.aftercare is None  # review 5: consent comes first
    assert "consent first" in checklist.notes.text()
    controller.treatment.plan_run.mark_done("consent", "Dr Lee")
    checklist.refresh()
    qtbot.mouseClick(checklist.buttons["aftercare"], Qt.MouseButton.LeftButton)
    dialog = window.procedure_view.screens.aftercare
    assert dialog is not None
    printer = QPrinter()  # a PDF "printer": what the print dialog hands back, on paper
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    monkeypatch.setattr(dialog, "ask_printer", lambda: printer)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert printed.read_bytes().startswith(b"%PDF")
    assert controller.treatment.plan_run.procedure.state("aftercare").done
    window.end_session(confirmed=True)

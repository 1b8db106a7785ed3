"""Pen controls through the live screen: clicks and keys become link commands, the pen's
answer is shown, and the readouts follow telemetry (so the pen's own buttons show too)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from drivers.link import LinkClosed
from drivers.messages import Button, Fault, MsgType


def test_depth_click_sends_command_and_shows_applied_value(qtbot, window, stream) -> None:
    # 1.5 mm, chosen before the pen connects: with no zone the pen would get the map's
    # strictest ceiling (H-04) and hold its depth below it
    window.controller.zones.tracker.select("cheek_left")
    pen = stream()
    step_um = pen.cfg.depth_step_um
    before_um = window.controller.live.latest.depth_set_um
    qtbot.mouseClick(window.controls.buttons["depth_up"], Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: len(pen.commands_of(MsgType.SET_DEPTH)) == 1, timeout=3000)
    sent = pen.commands_of(MsgType.SET_DEPTH)[0]
    assert int.from_bytes(sent.payload[:2], "little") == before_um + step_um
    applied_mm = f"{(before_um + step_um) / 1000:.2f} mm"
    qtbot.waitUntil(lambda: applied_mm in window.controls.applied.text(), timeout=3000)
    window.show()
    qtbot.waitUntil(lambda: window.readouts.depth_set.value.text() == applied_mm[:-3], timeout=3000)


def test_refused_command_says_so(qtbot, window, stream) -> None:
    pen = stream()
    _ready_to_needle(window)
    pen.raise_fault(Fault.MOTOR_STALL)  # the motor will not start while a fault is active
    qtbot.mouseClick(window.controls.buttons["motor"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "refused" in window.controls.applied.text(), timeout=3000)
    assert not pen.motor_on


def test_pen_buttons_show_up_like_console_commands(qtbot, window, stream) -> None:
    # 1.5 mm, chosen before the pen connects: with no zone the pen would get the map's
    # strictest ceiling (H-04) and hold its depth below it
    window.controller.zones.tracker.select("cheek_left")
    pen = stream()
    window.show()
    start_um = pen.depth_set_um
    pen.press(Button.DEPTH_UP)
    pen.press(Button.DEPTH_UP)
    expected = f"{(start_um + 2 * pen.cfg.depth_step_um) / 1000:.2f}"
    qtbot.waitUntil(lambda: window.readouts.depth_set.value.text() == expected, timeout=3000)
    assert pen.commands_of(MsgType.SET_DEPTH) == []  # nothing was asked by the console
    pen.press(Button.RUN_STOP)
    qtbot.waitUntil(lambda: window.readouts.rate.value.text() != "0.0", timeout=3000)
    assert any(m.kind == "button" for m in window.controller.live.markers)


def _ready_to_needle(window) -> None:
    """Consent and skin cleansed, which every session needs before Start (review 4)."""
    for step in ("consent", "cleanse"):
        window.controller.treatment.plan_run.mark_done(step, None)


def test_every_control_has_a_shortcut_and_a_big_target(qtbot, window, stream) -> None:
    pen = stream()
    _ready_to_needle(window)
    window.show()
    qtbot.waitExposed(window)
    for key, button in window.controls.buttons.items():
        assert button.height() >= 44 and button.width() >= 44, key
        assert "[" in button.text(), f"{key} shows no shortcut"
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F4)  # rate up
    qtbot.waitUntil(lambda: len(pen.commands_of(MsgType.SET_RATE)) == 1, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F5)  # start / stop
    qtbot.waitUntil(lambda: len(pen.commands_of(MsgType.MOTOR)) == 1, timeout=3000)
    qtbot.waitUntil(lambda: pen.motor_on, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_F8)  # clear fault
    qtbot.waitUntil(lambda: len(pen.commands_of(MsgType.CLEAR_FAULT)) == 1, timeout=3000)


def test_commands_without_a_pen_do_not_block_or_crash(qtbot, window) -> None:
    qtbot.mouseClick(window.controls.buttons["motor"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.controls.buttons["depth_up"], Qt.MouseButton.LeftButton)
    assert window.controller.link is None
    assert "connect" in window.controls.applied.text().lower()


def test_a_clamped_depth_press_stays_said_beside_the_pens_answer(qtbot, window, stream) -> None:
    stream()
    controller = window.controller
    controller.zones.tracker.select("forehead")
    ceiling = controller.zones.status().ceiling_um
    assert ceiling is not None
    qtbot.waitUntil(lambda: controller.zones.ceilings.in_effect_um == ceiling, timeout=3000)
    assert controller.link is not None
    controller.link.set_depth(ceiling).result(2)  # at the ceiling: the next press is clamped
    qtbot.waitUntil(lambda: controller.live.latest.depth_set_um == ceiling, timeout=3000)
    for _ in range(ceiling // 50 + 2):  # step up until the ceiling holds the press
        controller.step_depth(+1)
    clamp = f"Depth clamped to the forehead ceiling, {ceiling / 1000:.2f} mm."
    qtbot.waitUntil(
        lambda: (
            window.controls.applied.text() == f"{clamp} Pen applied depth {ceiling / 1000:.2f} mm."
        ),
        timeout=5000,
    )
    controller.step_depth(-1)  # a press not clamped: the ACK alone
    qtbot.waitUntil(
        lambda: window.controls.applied.text().startswith("Pen applied depth"), timeout=5000
    )


def test_a_clamp_note_goes_when_the_zone_changes(qtbot, window, stream) -> None:
    """Review 10: "Depth clamped to the forehead ceiling" is about the forehead."""
    stream()
    controller = window.controller
    controller.zones.tracker.select("forehead")
    ceiling = controller.zones.status().ceiling_um
    assert ceiling is not None and controller.link is not None
    qtbot.waitUntil(lambda: controller.zones.ceilings.in_effect_um == ceiling, timeout=3000)
    controller.link.set_depth(ceiling).result(2)
    qtbot.waitUntil(lambda: controller.live.latest.depth_set_um == ceiling, timeout=3000)
    controller.step_depth(+1)
    qtbot.waitUntil(lambda: window.notice.text().startswith("Depth clamped to the forehead"))
    qtbot.waitUntil(lambda: window.controls.applied.text().startswith("Depth clamped"))
    window.refresh_panels()  # the same zone: still said
    assert window.notice.text().startswith("Depth clamped to the forehead")
    controller.zones.tracker.select("cheek_left")
    window.refresh_panels()
    assert window.notice.text() == "" and window.controls.applied.text() == ""


def test_a_longer_answer_or_note_never_moves_the_buttons(qtbot, window) -> None:
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    controls, checklist = window.controls, window.procedure_view.checklist
    button = controls.buttons["depth_up"]

    def where() -> tuple[int, int]:
        QApplication.processEvents()
        return button.mapTo(window, button.rect().topLeft()).y(), checklist.notes.height()

    controls.show_answer("set_depth", LinkClosed("no"))
    before = where()
    long = "the pen link is lost; wait until it is connected again, then press again " * 3
    controls.show_answer("set_depth", LinkClosed(long))
    checklist.notes.setText(long)
    assert where() == before

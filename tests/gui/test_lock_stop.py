"""Anyone may stop the pen from the locked and signed-out screens (practitioner review 6):
F5 and the overlay's "Stop pen" button send STOP and never START, without signing in, and
the overlay's read-only strip shows what the pen is doing."""

from __future__ import annotations

import pytest
from lock_support import locked_window
from PySide6.QtCore import Qt

from console.core.live import Latest
from console.core.pen_strip import strip_words
from console.gui.user_switch import sign_out
from drivers.link import LinkState
from drivers.messages import Button, MsgType, Status


def _motor_commands(pen) -> list[bytes]:
    return [c.payload for c in pen.commands_of(MsgType.MOTOR)]


@pytest.mark.qt_log_ignore("does not support raise", "propagateSizeHints")  # offscreen
@pytest.mark.parametrize("how", ["locked", "signed out"])
def test_the_locked_screen_stops_the_pen_and_never_starts_it(qtbot, window, store, stream, how):
    window.controller.zones.tracker.select("cheek_left")
    pen = stream()
    lock = locked_window(qtbot, window, store)
    if how == "locked":
        lock.lock_now()
    else:
        assert sign_out(window, lock)
    overlay = window.lock_overlay
    assert overlay.isVisible() and overlay.stop_button.isVisible()
    pen.press(Button.RUN_STOP)  # the pen's own button: running, nobody signed in
    qtbot.waitUntil(lambda: "Motor RUNNING" in overlay.strip.text(), timeout=3000)
    assert "Not recording" in overlay.strip.text() and "streaming" in overlay.strip.text()

    # Signed out, the sign-in dialog is open over the overlay: F5 there stops the pen too.
    focus = window if how == "locked" else lock.dialog
    assert (lock.dialog is None) == (how == "locked")
    qtbot.keyClick(focus, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not pen.motor_on, timeout=3000)
    qtbot.waitUntil(lambda: "Motor stopped" in overlay.strip.text(), timeout=3000)
    assert _motor_commands(pen) == [b"\x00"]
    assert (lock.dialog is None) == (how == "locked")  # F5 stops; it does not ask to unlock

    qtbot.keyClick(focus, Qt.Key.Key_F5)  # stopped already: F5 is STOP again, never START
    qtbot.mouseClick(overlay.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(_motor_commands(pen)) == 3, timeout=3000)
    assert _motor_commands(pen) == [b"\x00"] * 3 and not pen.motor_on
    assert lock.lock.locked
    if lock.dialog is not None:
        lock.dialog.reject()


def test_the_strip_never_calls_an_old_status_stopped() -> None:
    running = Latest(status=int(Status.MOTOR_RUNNING), depth_set_um=1500, rx_monotonic=10.0)
    words = strip_words("P-0012", LinkState.STREAMING, running, now=10.1)
    assert words.startswith("REC ● P-0012") and "Motor RUNNING" in words and "1.50 mm" in words
    old = Latest(status=0, rx_monotonic=10.0)
    assert "unknown" in strip_words(None, LinkState.STREAMING, old, now=20.0)
    assert "Motor stopped" in strip_words(None, LinkState.STREAMING, old, now=10.1)
    assert "Depth" not in strip_words(None, LinkState.DISCONNECTED, Latest(), now=0.0)

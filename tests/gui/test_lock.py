"""The locked screen (issue 13, item 1): it says it is locked, a touch or key asks for the
unlock every time (a cancelled dialog never leaves the console locked for good), and the
alarms stay in sight, acknowledgeable and silenceable by anyone."""

from __future__ import annotations

import pytest
from lock_support import PASSWORD, locked_window
from PySide6.QtCore import QPoint, Qt

from console.core.accounts import Accounts
from console.core.alarms import Condition


@pytest.mark.qt_log_ignore("does not support raise", "propagateSizeHints")  # offscreen
def test_a_locked_screen_offers_the_unlock_every_time(qtbot, window, store) -> None:
    lock = locked_window(qtbot, window, store)
    overlay = window.lock_overlay
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert lock.lock.locked and overlay.isVisible() and overlay.geometry() == window.rect()
    assert "locked" in overlay.title.text().lower()
    assert not window.centralWidget().isEnabled()

    for _ in range(3):  # a touch asks; Cancel leaves it locked; the next touch asks again
        qtbot.mouseClick(overlay, Qt.MouseButton.LeftButton, pos=QPoint(600, 500))
        qtbot.waitUntil(lambda: lock.dialog is not None and lock.dialog.isVisible(), timeout=2000)
        lock.dialog.reject()
        assert lock.lock.locked and overlay.isVisible()
    # Keys that would operate the console do nothing but ask for the unlock.
    zone_before = window.controller.zones.status().active_label
    session_keys = [Qt.Key.Key_F12, Qt.Key.Key_P]
    for key in session_keys:
        qtbot.keyClick(window, key)
    assert window.controller.zones.status().active_label == zone_before
    assert not window.plot.paused
    qtbot.keyClick(overlay, Qt.Key.Key_Space)  # any key too
    qtbot.waitUntil(lambda: lock.dialog is not None and lock.dialog.isVisible(), timeout=2000)

    # While locked (even with the dialog open, it is not modal): alarms are shown, and
    # anyone may acknowledge them and pause their audio.
    alarms = window.controller.alarms
    alarms.set(Condition.PEN_FAULT, True, "motor stall")
    window.controller.tick()
    assert overlay.banner.title.text().startswith("HIGH — PEN FAULT")
    qtbot.mouseClick(overlay.banner.pause, Qt.MouseButton.LeftButton)
    assert alarms.audio_paused_s() > 100
    qtbot.mouseClick(overlay.banner.ack, Qt.MouseButton.LeftButton)
    assert alarms.active()[0].acknowledged_utc is not None
    assert lock.lock.locked

    # A wrong password keeps it locked and says so; the right one unlocks.
    lock.dialog.password.setText("wrong")
    lock.dialog.accept()
    assert lock.lock.locked and lock.dialog.isVisible() and lock.dialog.error.text()
    lock.dialog.password.setText(PASSWORD)
    lock.dialog.accept()
    assert not lock.lock.locked and not overlay.isVisible() and lock.dialog is None
    assert window.centralWidget().isEnabled()


@pytest.mark.qt_log_ignore("does not support raise", "propagateSizeHints")  # offscreen
def test_f9_names_the_signed_in_user_in_the_alarm_list_and_nobody_when_locked(
    qtbot, window, store
) -> None:
    lock = locked_window(qtbot, window, store)
    window.controller.sign_in(Accounts(store).find("nurse.kim"))  # as the app does
    alarms = window.controller.alarms
    alarms.set(Condition.PEN_FAULT, True, "motor stall")
    qtbot.keyClick(window, Qt.Key.Key_F9)
    window.refresh_panels()
    assert window.alarm_list.item(0, 3).text().endswith(" by nurse.kim")
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert lock.lock.locked
    alarms.set(Condition.BATTERY_LOW, True, "battery at 9 %")
    qtbot.keyClick(window.lock_overlay, Qt.Key.Key_F9)
    window.refresh_panels()
    acknowledged = window.alarm_list.item(0, 3).text()
    assert acknowledged and " by " not in acknowledged


@pytest.mark.qt_log_ignore("does not support raise", "propagateSizeHints")  # offscreen
def test_a_shortcut_key_after_the_idle_timeout_locks_first_and_names_nobody(
    qtbot, window, store
) -> None:
    lock = locked_window(qtbot, window, store)
    window.controller.sign_in(Accounts(store).find("nurse.kim"))
    lock._timer.stop()  # the one-second poll has not run since the timeout passed
    lock.lock.timeout_s = 0.001
    zone_before = window.controller.zones.status().active_label
    window.controller.alarms.set(Condition.PEN_FAULT, True, "motor stall")
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert lock.lock.locked and window.lock_overlay.isVisible()
    window.refresh_panels()
    acknowledged = window.alarm_list.item(0, 3).text()
    assert acknowledged and " by " not in acknowledged
    qtbot.keyClick(window, Qt.Key.Key_F12)  # an operating key does nothing now
    assert window.controller.zones.status().active_label == zone_before
    if lock.dialog is not None:  # the keys asked for the unlock: give it
        lock.dialog.password.setText(PASSWORD)
        lock.dialog.accept()
    assert not lock.lock.locked

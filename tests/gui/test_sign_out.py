"""Sign-out / switch user at the cart (practitioner finding 15), the first run's sign-in
after creating the administrator, and focus back on the window after an unlock (finding 8)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication

from console.core.access import Access
from console.core.accounts import Accounts, Role
from console.gui.sign_in import ScreenLock, ask_who
from console.gui.user_switch import show_user, sign_out

NURSE_PW = "correct horse"
SUPERVISOR_PW = "battery staple"

# The offscreen platform's own words; a marker on each test (the closest one counts).
OFFSCREEN = pytest.mark.qt_log_ignore("does not support raise", "propagateSizeHints")


@pytest.fixture
def cart(qtbot, window, store):
    accounts = Accounts(store)
    admin = accounts.add("it", Role.ADMIN, "admin pass phrase")
    nurse = accounts.add("nurse.kim", Role.PRACTITIONER, NURSE_PW, access=Access(store, admin))
    accounts.add("dr.lee", Role.SUPERVISOR, SUPERVISOR_PW, access=Access(store, admin))
    lock = ScreenLock(window, accounts, nurse, timeout_s=3600)
    window.attach_screen_lock(lock)
    show_user(window, nurse)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    yield lock
    if lock.dialog is not None:  # a test that ends signed out leaves the sign-in open
        lock.dialog.reject()
    lock.stop()


def _actions(store) -> list[str]:
    return [e.action for e in store.audit.entries()]


@OFFSCREEN
def test_sign_out_goes_to_sign_in_and_another_user_takes_over(qtbot, window, store, cart):
    lock = cart
    overlay = window.lock_overlay
    qtbot.keyClick(
        window,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert lock.signed_out and overlay.isVisible() and overlay.title.text() == "Signed out"
    assert overlay.hint.text().startswith("Nobody is signed in")
    assert not window.centralWidget().isEnabled()
    assert _actions(store)[-1] == "logout" and store.audit.entries()[-1].user == "nurse.kim"
    assert lock.dialog is not None and lock.dialog.name.text() == ""  # anyone signs in
    lock.dialog.reject()  # never a dead end: the next touch asks again
    qtbot.mouseClick(overlay, Qt.MouseButton.LeftButton, pos=QPoint(600, 500))
    qtbot.waitUntil(lambda: lock.dialog is not None and lock.dialog.isVisible(), timeout=2000)
    lock.dialog.name.setText("dr.lee")
    lock.dialog.password.setText("wrong")
    lock.dialog.accept()
    assert lock.signed_out and "wrong user name or password" in lock.dialog.error.text().lower()
    lock.dialog.password.setText(SUPERVISOR_PW)
    lock.dialog.accept()
    assert not lock.signed_out and not overlay.isVisible()
    assert window.controller.treatment.user == "dr.lee"
    assert "dr.lee (supervisor)" in window.windowTitle()
    assert window.session_bar.practitioner.text() == "dr.lee"
    assert _actions(store)[-1] == "login" and store.audit.entries()[-1].user == "dr.lee"
    # Focus is back on the window: its keys work without a click first.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    assert window.isAncestorOf(QApplication.focusWidget()) or QApplication.focusWidget() is window


@OFFSCREEN
def test_sign_out_is_refused_while_a_session_records(qtbot, window, store, stream, cart):
    stream()
    session = window.controller.start_session("P-1", "nurse.kim")
    assert window.controller.treatment.session == session
    assert not sign_out(window, cart)
    assert not cart.signed_out and not window.lock_overlay.isVisible()
    assert "a session is recording under nurse.kim" in window.notice.text()
    assert "logout" not in _actions(store)
    # Pressed on the locked screen, the refusal shows there: the status line is hidden.
    cart.lock_now()
    keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.lock_overlay, Qt.Key.Key_L, keys)
    assert not cart.signed_out
    assert "a session is recording under nurse.kim" in window.lock_overlay.notice.text()
    assert cart.unlock_with("nurse.kim", NURSE_PW) and window.lock_overlay.notice.text() == ""
    window.controller.end_session()
    assert sign_out(window, cart) and cart.signed_out


@OFFSCREEN
def test_the_window_title_drops_the_user_after_sign_out(qtbot, window, cart):
    window.refresh_panels()
    assert "nurse.kim" in window.windowTitle()
    assert sign_out(window, cart)
    window.refresh_panels()  # the display tick rebuilds the title from who acts now
    assert "nurse.kim" not in window.windowTitle() and window.controller.user is None


@OFFSCREEN
def test_another_user_switches_from_the_locked_screen(qtbot, window, store, cart):
    """The lock overlay is never a dead end: with its user gone, anyone switches user."""
    cart.lock_now()
    assert "Ctrl+Shift+L" in window.lock_overlay.hint.text()
    keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.lock_overlay, Qt.Key.Key_L, keys)  # the key works while locked
    assert cart.signed_out
    logout = store.audit.entries(action="logout")[-1]
    assert logout.user == "nurse.kim" and logout.new() == {"from_locked_screen": True}
    assert cart.unlock_with("dr.lee", SUPERVISOR_PW)
    assert window.controller.treatment.user == "dr.lee"


@OFFSCREEN
def test_focus_returns_to_the_window_after_an_unlock(qtbot, window, cart):
    lock = cart
    lock.lock_now()
    qtbot.mouseClick(window.lock_overlay, Qt.MouseButton.LeftButton, pos=QPoint(600, 500))
    qtbot.waitUntil(lambda: lock.dialog is not None and lock.dialog.isVisible(), timeout=2000)
    lock.dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is lock.dialog, timeout=2000)
    lock.dialog.password.setText(NURSE_PW)
    lock.dialog.accept()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    assert QApplication.focusWidget() is not None


@OFFSCREEN
def test_first_run_creates_the_admin_then_signs_in(qtbot, store):
    accounts = Accounts(store)
    titles: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, answer)
            return
        titles.append(dialog.windowTitle())
        dialog.name.setText("it")
        for field in dialog.fields()[1:]:
            field.setText("admin pass phrase")
        dialog.accept()
        if len(titles) < 2:
            QTimer.singleShot(20, answer)

    QTimer.singleShot(0, answer)
    signed, user = ask_who(accounts, None)
    assert signed and user is not None and user.name == "it"
    assert titles == ["Create the administrator", "Sign in"]
    assert [e.action for e in store.audit.entries()][-1] == "login"

"""A live window with a practitioner signed in behind a screen lock, at 1280×800 and
focused: shared by the lock tests."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from console.core.access import Access
from console.core.accounts import Accounts, Role
from console.gui.sign_in import ScreenLock

PASSWORD = "correct horse"


def locked_window(qtbot, window, store) -> ScreenLock:  # type: ignore[no-untyped-def]
    accounts = Accounts(store)
    admin = accounts.add("it", Role.ADMIN, "admin pass phrase")
    nurse = accounts.add("nurse.kim", Role.PRACTITIONER, PASSWORD, access=Access(store, admin))
    lock = ScreenLock(window, accounts, nurse, timeout_s=3600)
    window.attach_screen_lock(lock)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    return lock

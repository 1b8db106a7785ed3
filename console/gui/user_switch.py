"""Who the live screen works for: showing the signed-in user, and sign-out / switch user.

Sign-out returns the cart to the sign-in screen (the lock overlay, titled "Signed out"),
where anyone with an account signs in; their role then decides what is offered. It is
refused while a session records: that session's record and every pass in it belong to
the user who started it, so they end it first (the screen lock covers a short absence).
The sign-out is audited (`logout`), the next sign-in too (`login`, by Accounts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from console.core.accounts import Action, User
from console.gui.keys import WINDOW_KEYS

if TYPE_CHECKING:
    from console.gui.main_window import MainWindow
    from console.gui.sign_in import ScreenLock

BASE_TITLE = "Pen Console"


def show_user(window: MainWindow, user: User) -> None:
    """Act as `user` from now on, and offer only what their role allows (the core's
    checks stand behind it all the same)."""
    window.controller.sign_in(user)  # the treatment checks and audits as this user
    window.controls.setEnabled(user.may(Action.OPERATE_PEN))
    bar = window.session_bar
    if user.may(Action.RECORD_SESSION):
        bar.set_recording(None, f"Signed in as {user.name}")
        bar.button.setEnabled(True)
    else:
        bar.disable(f"{user.name} ({user.role}) may not record")
    bar.practitioner.setText(user.name)
    bar.practitioner.setEnabled(False)
    window.setWindowTitle(f"{BASE_TITLE} — {user.name} ({user.role})")


def install_sign_out(window: MainWindow, lock: ScreenLock) -> QAction:
    """The "Sign out / switch user" action (menu and shortcut) for a window with a lock."""
    action = QAction("Sign out / switch user", window)
    action.setShortcut(QKeySequence(WINDOW_KEYS["sign_out"]))
    action.triggered.connect(lambda: sign_out(window, lock))
    window.view_menu.addAction(action)  # beside Lock screen
    window.addAction(action)  # the key works with the menu bar hidden (full screen)
    lock.user_changed.connect(lambda user: show_user(window, user))
    return action


def sign_out(window: MainWindow, lock: ScreenLock) -> bool:
    """Sign out, unless a session records (then say why); True when signed out."""
    user = lock.lock.user
    if user is None:
        return False
    if window.controller.treatment.session is not None:
        why = (
            f"Not signed out: a session is recording under {user.name}, and its record "
            "must stay theirs. End the session first (Ctrl+E); to step away, lock the "
            "screen (Ctrl+L)."
        )
        window.notice.setText(why)
        window.lock_overlay.say(why)  # pressed on the locked screen: the status line is hidden
        return False
    lock.sign_out()
    window.controller.sign_in(None)  # nobody acts now; the title drops the name too
    window.setWindowTitle(BASE_TITLE)
    window.notice.setText(f"{user.name} signed out. Sign in to use the console.")
    return True

"""Who is at the console: first-start administrator, sign-in, and the idle screen lock.

The lock is an overlay on the window (widgets/lock_overlay.py) that keeps the alarms in
sight and acknowledgeable; any touch or key on it asks for the unlock again, as often as
it takes. The link, its heartbeat and the recorder run on their own threads and never
consult it, so locking never interrupts a recording or the pen's interlock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from console.core.access import Access, accounts_exist
from console.core.accounts import MIN_PASSWORD_CHARS, AccountError, Accounts, Role, User
from console.core.idle_lock import DEFAULT_IDLE_LOCK_S, IdleLock
from console.core.live import Drained, LiveModel
from console.core.pen_activity import pen_in_use
from console.store import Store
from widgets.login_dialog import CredentialsDialog

if TYPE_CHECKING:
    from console.gui.controller import PenController

_ACTIVITY = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.KeyPress,
    QEvent.Type.ShortcutOverride,  # a key the window takes as a shortcut (F1–F10) sends this
    QEvent.Type.TouchBegin,
    QEvent.Type.Wheel,
}


def create_first_admin(accounts: Accounts, parent: QWidget | None = None) -> User | None:
    """The first start: ask for the administrator's account until it is valid or refused."""
    dialog = CredentialsDialog(
        "Create the administrator",
        "This console has no user accounts yet. Create the administrator, who then adds "
        "practitioners and supervisors (or: pen-console users add NAME --role ROLE).",
        confirm=True,
        rule=f"The password needs at least {MIN_PASSWORD_CHARS} characters; type it twice.",
        parent=parent,
    )
    while dialog.exec() == QDialog.DialogCode.Accepted:
        name, password = dialog.values()
        if not dialog.passwords_match():
            dialog.show_error("The two passwords differ.")
            continue
        try:
            return accounts.add(name, Role.ADMIN, password)
        except AccountError as exc:
            dialog.show_error(str(exc))
    return None


def sign_in(accounts: Accounts, parent: QWidget | None = None, name: str = "") -> User | None:
    dialog = CredentialsDialog("Sign in", "Sign in to use the console.", name=name, parent=parent)
    while dialog.exec() == QDialog.DialogCode.Accepted:
        name, password = dialog.values()
        user = accounts.login(name, password)
        if user is not None:
            return user
        why = accounts.why_refused(name)  # says so when the account is locked
        dialog.show_error(why[0].upper() + why[1:] + ".")
    return None


def who_is_at_the_console(
    store: Store, window: QWidget, *, automated: bool = False, idle_s: float = DEFAULT_IDLE_LOCK_S
) -> tuple[bool, User | None]:
    """Sign in before the live screen opens. (False, None): nobody did, do not start.

    A database with accounts always asks. A new one asks for its administrator first,
    except in automated runs (`--quit-after`, benchmarks), which then run unsigned.
    Once signed in, the screen locks after the idle timeout.
    """
    accounts = Accounts(store, sleep=wait_without_freezing)
    signed_in, user = ask_who(accounts, window, automated=automated)
    if user is not None:
        window.screen_lock = ScreenLock(window, accounts, user, timeout_s=idle_s)  # type: ignore[attr-defined]
    return signed_in, user


def wait_without_freezing(seconds: float) -> None:
    """The last admin's delay after a wrong password (`console.core.accounts`), spent in
    an event loop: the screen, its alarms and the frozen-screen watchdog keep running."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def ask_who(
    accounts: Accounts,
    parent: QWidget | None,
    *,
    automated: bool = False,
    first_start: bool = True,
) -> tuple[bool, User | None]:
    """(True, user) once someone signed in; (False, None) when nobody did.

    With no accounts yet: the live screen's first start (`first_start`) creates the
    administrator; the review window, or an automated run, opens a demo database
    unsigned: (True, None).
    """
    if not accounts_exist(accounts.store):  # the audit trail decides, not the users table
        if automated or not first_start:
            return True, None
        user = create_first_admin(accounts, parent)
        if user is not None:  # then sign in as anyone does, as the new admin will daily
            user = sign_in(accounts, parent, name=user.name)
    else:
        user = sign_in(accounts, parent)
    return (False, None) if user is None else (True, user)


class ScreenLock(QObject):
    """Watches input application-wide; locks the window after the idle timeout."""

    locked_changed = Signal(bool)
    user_changed = Signal(object)  # the User who signed in after a sign-out

    def __init__(
        self,
        window: QWidget,
        accounts: Accounts,
        user: User,
        timeout_s: float = DEFAULT_IDLE_LOCK_S,
        on_lock: Callable[[bool], None] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.accounts = accounts
        self.lock = IdleLock(timeout_s)
        self.lock.sign_in(user)
        self._on_lock = on_lock or (lambda locked: None)
        self.dialog: CredentialsDialog | None = None
        self._live: LiveModel | None = None  # the pen's, once watch_pen is called
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.poll)
        self._timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def stop(self) -> None:
        """Stop watching (the window is closing)."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self.poll()  # a timeout that passed since the last tick locks first: the
            self.lock.activity()  # touch after it is not the signed-in user's
        return False

    def watch_pen(self, controller: PenController) -> None:
        """Pen use counts as activity (H-12): the screen never locks while the pen
        needles or its buttons are pressed (console/core/pen_activity.py)."""
        self._live = controller.live
        controller.frame.connect(self._on_frame)
        controller.treatment.idle_lock = self.lock  # who acknowledges an alarm

    def _on_frame(self, drained: Drained) -> None:
        if self._live is not None and pen_in_use(drained, self._live.latest):
            self.lock.activity()

    def poll(self) -> None:
        if self.lock.poll():
            self._locked()

    def lock_now(self) -> None:
        """Lock at once (View → Lock screen, Ctrl+L)."""
        if self.lock.lock_now():
            self._locked()

    def _locked(self) -> None:
        Access(self.accounts.store, self.lock.user).record("screen.lock", "console")
        self.window.centralWidget().setEnabled(False)  # type: ignore[attr-defined]
        self._on_lock(True)
        self.locked_changed.emit(True)

    @property
    def signed_out(self) -> bool:
        return self.lock.locked and self.lock.user is None

    def sign_out(self) -> None:
        """Audit the sign-out, then lock with nobody signed in: the next unlock is a
        sign-in by anyone with an account (console/gui/user_switch.py decides when)."""
        user = self.lock.user
        if user is None:
            return
        # From the locked screen it is someone else switching user: the row says so.
        how = {"from_locked_screen": True} if self.lock.locked else None
        Access(self.accounts.store, user).record("logout", "console", None, how)
        self.lock.sign_out()
        self.window.centralWidget().setEnabled(False)  # type: ignore[attr-defined]
        self._on_lock(True)
        self.locked_changed.emit(True)
        self.ask_unlock()

    def unlock_with(self, name: str, password: str) -> bool:
        if self.signed_out:
            who = self.accounts.login(name, password)  # audits the login or the failure
            if who is None:
                return False
            self.lock.sign_in(who)
            self.user_changed.emit(who)
            self.window.centralWidget().setEnabled(True)  # type: ignore[attr-defined]
            self._on_lock(False)
            self.locked_changed.emit(False)
            return True
        who = self.lock.unlock(self.accounts, name, password)
        if who is None:  # check_password audited the failure, without the typed name
            return False
        self.window.centralWidget().setEnabled(True)  # type: ignore[attr-defined]
        self._on_lock(False)
        self.locked_changed.emit(False)
        Access(self.accounts.store, who).record("screen.unlock", "console")
        return True

    def ask_unlock(self) -> None:
        """Offer the unlock. Not modal: the alarm banner on the locked screen stays usable
        while it is open. Cancelled, the screen stays locked and the next touch asks again."""
        if not self.lock.locked:
            return
        if self.dialog is not None:
            self.dialog.show()
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        user = self.lock.user
        dialog = (
            CredentialsDialog(
                "Screen locked",
                "The screen locked. Recording and the pen link carry on. "
                f"Sign in as {user.name} or as a supervisor.",
                name=user.name,
                parent=self.window,
            )
            if user is not None
            else CredentialsDialog("Sign in", "Sign in to use the console.", parent=self.window)
        )
        dialog.setModal(False)
        dialog.accepted.connect(self._on_unlock_entered)
        dialog.rejected.connect(self._forget_dialog)
        self.dialog = dialog
        dialog.show()

    def _on_unlock_entered(self) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        signing_in = self.signed_out
        name = dialog.values()[0]
        if self.unlock_with(*dialog.values()):
            self._forget_dialog()
            return
        if signing_in:
            why = self.accounts.why_refused(name)
            dialog.show_error(why[0].upper() + why[1:] + ".")
        else:
            dialog.show_error("Not unlocked: wrong password, or not this user or a supervisor.")
        dialog.show()

    def _forget_dialog(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.hide()
            dialog.deleteLater()

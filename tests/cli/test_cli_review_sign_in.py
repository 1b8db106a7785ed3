"""The review window asks who is signing in (the live screen's dialog), acts as that
user (no hard-coded "reviewer") and locks after the same idle timeout."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import SUPERVISOR, audit
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import console.gui.review_window as review_window
from console.commands.cli import main
from widgets.login_dialog import CredentialsDialog

# The offscreen platform says this once per shown window; it is not our warning.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _answer_sign_in(name: str | None, password: str = "") -> None:
    """Fill the modal sign-in dialog once it is up (None: cancel it)."""

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, CredentialsDialog):
            QTimer.singleShot(20, fill)
            return
        if name is None:
            dialog.reject()
            return
        dialog.name.setText(name)
        dialog.password.setText(password)
        dialog.accept()

    QTimer.singleShot(0, fill)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[review_window.ReviewWindow]:
    windows: list[review_window.ReviewWindow] = []
    real = review_window.ReviewWindow

    class Seen(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            windows.append(self)

    monkeypatch.setattr(review_window, "ReviewWindow", Seen)
    return windows


def test_review_signs_in_and_uses_the_idle_lock(
    qapp: QApplication, db: Path, tmp_path: Path, opened: list[review_window.ReviewWindow]
) -> None:
    _answer_sign_in(*SUPERVISOR)
    png = tmp_path / "r.png"
    code = main(["review", "--db", str(db), "--idle-lock-minutes", "0.5", "--screenshot", str(png)])
    assert code == 0
    (window,) = opened
    assert window.access.user.name == SUPERVISOR[0]
    assert f"{SUPERVISOR[0]} (supervisor)" in window.windowTitle()
    lock = window.screen_lock  # type: ignore[attr-defined]
    assert lock.lock.user.name == SUPERVISOR[0] and lock.lock.timeout_s == 30
    assert (SUPERVISOR[0], "login", f"user:{SUPERVISOR[0]}") in audit(db)


def test_nobody_signing_in_opens_nothing(
    qapp: QApplication, db: Path, opened: list[review_window.ReviewWindow], capsys
) -> None:
    _answer_sign_in(None)
    assert main(["review", "--db", str(db)]) == 4
    assert opened == []
    assert "nobody signed in" in capsys.readouterr().err


def test_a_demo_database_opens_unattributed(
    qapp: QApplication, demo_db: Path, tmp_path: Path, opened: list[review_window.ReviewWindow]
) -> None:
    assert main(["review", "--db", str(demo_db), "--screenshot", str(tmp_path / "d.png")]) == 0
    (window,) = opened
    assert window.access.user is None and window.access.actor.name == "unattributed"
    assert getattr(window, "screen_lock", None) is None


def test_the_review_window_locks_when_idle(qtbot, db: Path, monkeypatch) -> None:
    from console.core.accounts import Accounts
    from console.gui.sign_in import ScreenLock
    from console.store import Store

    store = Store(db)
    try:
        accounts = Accounts(store)
        user = accounts.login(*SUPERVISOR)
        assert user is not None
        window = review_window.ReviewWindow(store, user)
        qtbot.addWidget(window)
        monkeypatch.setattr(ScreenLock, "ask_unlock", lambda self: None)  # no modal in a test
        lock = ScreenLock(window, accounts, user, timeout_s=0.3)
        try:
            qtbot.waitUntil(lambda: lock.lock.locked, timeout=5000)
            assert not window.centralWidget().isEnabled()
            assert lock.unlock_with(*SUPERVISOR)
            assert window.centralWidget().isEnabled()
        finally:
            lock.stop()
    finally:
        store.close()


def test_review_user_signs_in_without_the_dialog(
    qapp: QApplication,
    db: Path,
    tmp_path: Path,
    opened: list[review_window.ReviewWindow],
    cli,
) -> None:
    ran = cli(
        "review",
        "--db",
        db,
        "--user",
        SUPERVISOR[0],
        "--screenshot",
        tmp_path / "u.png",
        stdin=SUPERVISOR[1] + "\n",
    )
    assert ran.code == 0, ran.err
    (window,) = opened
    assert window.access.user is not None and window.access.user.name == SUPERVISOR[0]
    assert (SUPERVISOR[0], "login", f"user:{SUPERVISOR[0]}") in audit(db)


def test_review_user_with_a_wrong_password_is_refused(
    qapp: QApplication, db: Path, opened: list[review_window.ReviewWindow], cli
) -> None:
    ran = cli("review", "--db", db, "--user", SUPERVISOR[0], stdin="not the password\n")
    assert ran.code == 4
    assert opened == []
    assert "not signed in" in ran.one_sentence()

"""`pen-console review`: the supervisor's window over recorded sessions.

It asks who is signing in (the same dialog and idle lock as the live screen), or, with
--user NAME (or $PEN_CONSOLE_USER), signs that user in like every other command: the
password from the terminal, or the first line of standard input. A database without
accounts is a demo database and opens unsigned ("unattributed").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands._common import (
    CommandError,
    Exit,
    add_db_option,
    add_user_option,
    open_store,
    sign_in,
    user_name,
)
from console.core.idle_lock import DEFAULT_IDLE_LOCK_S

if TYPE_CHECKING:
    from console.core.bundle_view import BundleView


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("review", help="open the review window (find, replay, sign, export)")
    add_db_option(p)
    add_user_option(p)
    p.add_argument("--session", help="open this session (uuid or unique prefix)")
    p.add_argument(
        "--idle-lock-minutes",
        type=float,
        default=DEFAULT_IDLE_LOCK_S / 60,
        metavar="M",
        help="lock the screen after M minutes without input (default 15)",
    )
    p.add_argument(
        "--bundle",
        metavar="FILE.penbundle",
        help="show the sessions of a session bundle, read-only, without importing it",
    )
    p.add_argument("--screenshot", metavar="PNG", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def _bundle_view(path: str) -> BundleView:
    from console.core.bundle_view import BundleView
    from console.core.bundles import BundleRefused

    try:
        return BundleView(Path(path))
    except BundleRefused as exc:
        raise CommandError(f"refused: {exc}") from exc


def run(args: argparse.Namespace) -> int:
    if not args.idle_lock_minutes > 0:
        raise CommandError("--idle-lock-minutes must be above 0")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.core.access import Access
    from console.core.accounts import Accounts, Action
    from console.gui.review_window import ReviewWindow
    from console.gui.settings import ConsoleSettings, stylesheet
    from console.gui.sign_in import ScreenLock, ask_who
    from console.store import StoreError

    store = open_store(args)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from console.gui.gc_timer import collect_on_gui_thread

    gc_timer = collect_on_gui_thread(app)  # noqa: F841  (kept alive for the run)
    # the theme chosen on the live screen; the review window's plots follow it
    app.setStyleSheet(stylesheet(ConsoleSettings().theme))
    view: BundleView | None = None
    try:
        accounts = Accounts(store)
        if user_name(args) is not None:  # --user: the password from the terminal or stdin
            user = sign_in(args, store, Action.REVIEW, "review").user
        else:
            signed_in, user = ask_who(accounts, None, first_start=False)
            if not signed_in:
                raise CommandError(
                    "nobody signed in; the review window needs a user.", Exit.REFUSED
                )
            Access(store, user).require(Action.REVIEW, "review")
        view = _bundle_view(args.bundle) if args.bundle else None
        if view is not None:  # the bundle's sessions, in a throw-away database
            window = ReviewWindow(view.store, None)
            window.can_sign = False  # sign after importing it
            window.sign_button.setEnabled(False)
            window.follow_ups.read_only = True  # and add follow-ups there
            window.setWindowTitle(
                f"{window.windowTitle()} — bundle {args.bundle} from installation "
                f"{view.bundle.origin.id} (read-only, not imported)"
            )
        else:
            window = ReviewWindow(store, user)
        if user is not None:
            # The live screen's idle lock: same timeout, same unlock rule, audited.
            window.screen_lock = ScreenLock(  # type: ignore[attr-defined]
                window, accounts, user, timeout_s=args.idle_lock_minutes * 60
            )
            window.setWindowTitle(f"{window.windowTitle()} — {user.name} ({user.role})")
        if args.session or view is not None:
            try:
                shown_store = view.store if view is not None else store
                window.show_session(  # its row selected in the list too
                    shown_store.resolve_session(args.session) if args.session else view.sessions[0]  # type: ignore[union-attr]
                )
            except StoreError as exc:
                raise CommandError(str(exc)) from exc
    except BaseException:
        store.close()
        if view is not None:
            view.close()
        raise
    window.show()
    if args.screenshot:

        def shoot() -> None:
            window.replay.seek(window.replay.duration_s / 2)
            window.grab().save(args.screenshot)
            window.close()

        QTimer.singleShot(1500, shoot)
    code = app.exec()
    lock = getattr(window, "screen_lock", None)
    if lock is not None:
        lock.stop()
    store.close()
    if view is not None:
        view.close()
    return int(code)

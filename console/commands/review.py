"""`pen-console review`: the supervisor's window over recorded sessions."""

from __future__ import annotations

import argparse
import sys

from console.commands._common import add_db_option, open_store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("review", help="open the review window (find, replay, sign, export)")
    add_db_option(p)
    p.add_argument("--session", help="open this session (uuid or unique prefix)")
    p.add_argument("--screenshot", metavar="PNG", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.gui.review_window import ReviewWindow
    from console.store import StoreError
    from resources import RESOURCES_DIR

    store = open_store(args)
    if store is None:
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from console.gui.gc_timer import collect_on_gui_thread

    gc_timer = collect_on_gui_thread(app)  # noqa: F841  (kept alive for the run)
    app.setStyleSheet((RESOURCES_DIR / "styles" / "light.qss").read_text())
    window = ReviewWindow(store)
    if args.session:
        try:
            window.open_session(store.resolve_session(args.session))
        except StoreError as exc:
            print(f"review: {exc}", file=sys.stderr)
            return 2
    window.show()
    if args.screenshot:

        def shoot() -> None:
            window.replay.seek(window.replay.duration_s / 2)
            window.grab().save(args.screenshot)
            window.close()

        QTimer.singleShot(1500, shoot)
    code = app.exec()
    store.close()
    return int(code)

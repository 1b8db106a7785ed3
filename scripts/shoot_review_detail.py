"""Screenshots of the review window's detail pane (issue 12):

    xvfb-run -a -s "-screen 0 1280x800x24" \\
        .venv/bin/python scripts/shoot_review_detail.py docs/screenshots

review-empty.png (nothing chosen), review-detail.png (dark: events in words, one row's
raw data shown, a signed badge) and review-light.png (the light theme). The session is
recorded headless first with `record` on the virtual pen's "faults" scenario (faults, a
cartridge change, a low battery) and the PRP plan, then signed by a supervisor.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from _shots import grab, output_dir, recorded_database
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from console.core.access import Access
from console.core.accounts import Accounts, Role
from console.core.signing import sign
from console.gui.review_window import ReviewWindow
from console.gui.settings import stylesheet
from console.store import Store

out = output_dir()
store = Store(recorded_database("faults", 16))
accounts = Accounts(store)
admin = accounts.add("it", Role.ADMIN, "admin pass phrase")
lee = accounts.add("dr.lee", Role.SUPERVISOR, "battery staple", access=Access(store, admin))
(session,) = store.sessions()
sign(Access(store, lee), session["uuid"], "approved", "battery staple")

app = QApplication(sys.argv[:1])
app.setStyleSheet(stylesheet("dark"))
w = ReviewWindow(store, lee)
w.resize(1280, 800)
w.move(0, 0)
w.show()


def save(name: str) -> None:
    grab(w, out / name)


def detail() -> None:
    w.sessions.selectRow(0)
    w.events.parentWidget().parentWidget().setCurrentWidget(w.events)  # the events tab
    titles = [w.events.entry_at(i).words.title for i in range(w.events.row_count())]
    row = titles.index("cartridge inserted")
    w.events.click(row)  # the replay cursor goes to it
    w.events.expand(row)  # its raw data, behind the disclosure


def light() -> None:
    app.setStyleSheet(stylesheet("light"))
    w.set_theme("light")
    w.events.expand(w.events.current_row() or 0, False)


steps: list[tuple[int, Callable[[], None]]] = [
    (1200, lambda: save("review-empty.png")),
    (100, detail),
    (1200, lambda: save("review-detail.png")),
    (100, light),
    (1200, lambda: save("review-light.png")),
    (100, w.close),
]


def run(i: int) -> None:
    """One step, then the next after its delay: save() processes events, so timers set
    up front would fire inside it, out of order."""
    if i:
        steps[i - 1][1]()
    if i < len(steps):
        QTimer.singleShot(steps[i][0], lambda: run(i + 1))


run(0)
app.exec()
store.close()

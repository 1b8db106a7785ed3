"""Screenshot of the review with the procedure's steps in its event list (issue 11):

    xvfb-run -a -s "-screen 0 1280x800x24" \\
        .venv/bin/python scripts/shoot_review_steps.py docs/screenshots

A headless session is recorded first with `record --plan "Full face — PRP" --done all`
on the virtual pen, exactly as a bench run would.
"""

from __future__ import annotations

import sys

from _shots import grab, output_dir, recorded_database
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from console.gui.review_window import ReviewWindow
from console.store import Store

out = output_dir()
db = recorded_database("treatment", 4)
app = QApplication(sys.argv[:1])
store = Store(db)
w = ReviewWindow(store)
w.resize(1280, 800)
w.move(0, 0)
w.show()
(session,) = store.sessions()
w.open_session(session["uuid"])
w.events.parentWidget().parentWidget().setCurrentWidget(w.events)  # the events tab


def finish() -> None:
    grab(w, out / "review-steps.png")
    w.close()


QTimer.singleShot(1500, finish)
app.exec()
store.close()

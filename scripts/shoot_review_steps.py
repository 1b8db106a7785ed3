"""Screenshot of the review with the procedure's steps in its event list (issue 11):

    xvfb-run -a -s "-screen 0 1280x800x24" \\
        .venv/bin/python scripts/shoot_review_steps.py docs/screenshots

A headless session is recorded first with `record --plan "Full face — PRP" --done all`
on the virtual pen, exactly as a bench run would.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from recorded_db import recorded_db

from console.gui.review_window import ReviewWindow
from console.store import Store

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
db = recorded_db("nurse.kim", "P-0142")
app = QApplication(sys.argv[:1])
store = Store(db)
w = ReviewWindow(store)
w.resize(1280, 800)
w.move(0, 0)
w.show()
(session,) = store.sessions()
w.open_session(session["uuid"])
w.events.parentWidget().parentWidget().setCurrentWidget(w.events)  # the events tab


def grab() -> None:
    w.repaint()
    app.processEvents()
    w.screen().grabWindow(w.winId()).save(str(out / "review-steps.png"))
    print("saved review-steps.png", flush=True)
    w.close()


QTimer.singleShot(1500, grab)
app.exec()
store.close()

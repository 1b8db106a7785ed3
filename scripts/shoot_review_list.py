"""Screenshot of the review window's session list with ~30 sessions (issue 12):

    xvfb-run -a -s "-screen 0 1280x800x24" \\
        .venv/bin/python scripts/shoot_review_list.py docs/screenshots

One session is recorded headless on the virtual pen (so the detail pane has a trace);
29 more are written through the store with a spread of patients, practitioners, plans,
durations, alarms and link gaps, and a supervisor signs two of them. The window opens at
its own default size on a 1280x800 screen, with a signed session selected; then the
Due tab (review-due.png) and a lot recall search (review-lots.png).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _shots import recorded_database
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from console.core.access import Access
from console.core.accounts import Accounts, Role
from console.core.lots import ProductKind, parse_scan, record_product
from console.core.signing import sign
from console.gui.review_window import ReviewWindow
from console.gui.settings import stylesheet
from console.store import EventKind, EventRow, Store

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
db = recorded_database(practitioner="Nurse Kim")
store = Store(db)
patients = [
    ("P-0142", "Ada Moreno"),
    ("P-0107", "Ben Okafor"),
    ("P-0093", "Chloé Martin"),
    ("P-0121", "Dev Patel"),
    ("P-0150", "Eva Novak"),
    ("P-0088", "Farah Haddad"),
    ("P-0131", "Gil Santos"),
    ("P-0064", "Hana Sato"),
    ("P-0077", "Ivo Petrov"),
    ("P-0112", "Jun Park"),
    ("P-0058", "Kai Berg"),
    ("P-0160", "Lena Vogel"),
]
people = ["Dr Lee", "Nurse Kim", "Nurse Bo"]
plans = ["Full face", "Acne scars", "Full face — PRP", "Neck and décolletage"]
now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
made = []
for i in range(29):
    code, name = patients[i % len(patients)]
    store.patient_id(code, name=name)
    s = store.create_session(code, people[i % 3], plan_name=plans[i % 4], notes=f"visit {i}")
    events = []
    if i % 4 == 1:
        prio = ("high", "medium", "low")[i % 3]
        events.append(EventRow(None, "console", EventKind.ALARM, None, None, {"priority": prio}))
    if i % 6 == 2:
        events.append(EventRow(None, "console", EventKind.LINK_GAP, None, None, {"gap_s": 2.1}))
    store.write_batch(s, [], events)
    store.finish_session(s)
    start = now - timedelta(days=3 * i + 1, hours=(i * 5) % 9)  # ~3 months
    minutes = 18 + (i * 7) % 25
    store.update_session(
        s,
        started_utc=start.isoformat(timespec="milliseconds"),
        ended_utc=(start + timedelta(minutes=minutes, seconds=i * 13 % 60)).isoformat(
            timespec="milliseconds"
        ),
    )
    store.seal(s, "screenshot: back-dated")  # else signing it is refused as tampered
    made.append(s)
accounts = Accounts(store)
admin = accounts.add("it", Role.ADMIN, "admin pass phrase")
lee = accounts.add("dr.lee", Role.SUPERVISOR, "battery staple", access=Access(store, admin))
for s in made[2:4]:
    sign(Access(store, lee), s, "approved", "battery staple")
for i in (4, 9, 17):  # a PRP kit lot used on three patients: the recall search finds them
    code = patients[i % len(patients)][0]
    kit = parse_scan(ProductKind.PRP_KIT, "PRP-2611-A", "PRP kit")
    record_product(Access(store, lee), made[i], code, kit, now.date())

app = QApplication(sys.argv[:1])
app.setStyleSheet(stylesheet("light"))  # as `review` does, before the window is made
w = ReviewWindow(store, lee)
w.move(0, 0)
w.show()
w.sessions.selectRow(3)  # a signed session; the simulated one (row 0) shows in red


def shoot(name: str) -> None:
    w.repaint()
    app.processEvents()
    w.screen().grabWindow(w.winId()).save(str(out / name))
    print(f"saved {name} ({w.width()}x{w.height()})", flush=True)


def grab() -> None:
    shoot("review-list.png")
    w.finders.setCurrentWidget(w.due)
    shoot("review-due.png")
    w.finders.setCurrentWidget(w.lots)
    w.lots.lot.setText("PRP-2611-A")
    w.lots.find()
    w.lots.table.selectRow(0)
    shoot("review-lots.png")
    w.close()


QTimer.singleShot(1500, grab)
app.exec()
store.close()

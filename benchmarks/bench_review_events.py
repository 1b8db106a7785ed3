"""Review event list benchmark: a session with many events (link trouble writes one per
lost-frame run), shown in the review's event list. Measures the new path (time order,
local time, words: SessionReview.timeline + EventList.set_entries) against an anchor run
in the same process: the old path (stored order, a QTableWidget of JSON), as the review
window filled it at commit e65055f.

    .venv/bin/python benchmarks/bench_review_events.py [--runs 5] [--events 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from _common import machine, median

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def fill_store(db: Path, n: int) -> str:
    from console.store import EventKind, Store

    store = Store(db)
    try:
        s = store.create_session("P-BENCH", "bench")
        kinds = [
            (EventKind.SEQ_GAP, {"frames_lost": 3, "seq_before": 1, "seq_after": 5}, None),
            (EventKind.COMMAND, {"command": "set_depth", "requested": 800, "applied": 750}, None),
            (EventKind.DEPTH_CLAMPED, {}, 550),
            (EventKind.ALARM, {"condition": "link_quality", "priority": "low"}, None),
            (EventKind.ZONE_CHANGE, {"zone": "forehead", "how": "pen", "ceiling_um": 1500}, None),
        ]
        with store.transaction():
            for i in range(n):
                kind, data, arg = kinds[i % len(kinds)]
                t_us = None if kind is EventKind.COMMAND else 1_000_000 + i * 37_000 - (i % 3) * 9
                store._insert_event(  # bench set-up: one transaction for all rows
                    s, _row(t_us, kind, arg, data)
                )
        return s
    finally:
        store.close()


def _row(t_us: int | None, kind: object, arg: int | None, data: dict[str, object]) -> object:
    from console.store.rows import EventRow

    return EventRow(t_us, "pen" if arg else "console", kind, None, arg, data)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    from PySide6.QtWidgets import QAbstractItemView, QApplication, QTableWidget, QTableWidgetItem

    from console.core.review import SessionReview, step_words
    from console.store import Store
    from widgets.event_list import EventList

    app = QApplication.instance() or QApplication([])

    def old_fill(review: SessionReview, table: QTableWidget) -> None:
        rows = [
            [
                f"{review.rel_s(e['t_us']):.2f}" if e["t_us"] is not None else "",
                e["source"],
                str(e["kind"]).replace("_", " "),
                step_words(e) or (json.dumps(e["data"]) if e["data"] else str(e["arg"] or "")),
            ]
            for e in review.store.events(review.session)  # stored order, as it was
        ]
        table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                table.setItem(r, c, QTableWidgetItem(value))

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        session = fill_store(db, args.events)
        store = Store(db)
        review = SessionReview(store, session)
        table = QTableWidget(0, 4)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        events = EventList()
        old, new = [], []
        for _ in range(args.runs):  # alternated, so both see the same machine load
            t = time.perf_counter()
            old_fill(review, table)
            app.processEvents()
            old.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            events.set_entries(review.timeline(), "UTC")
            app.processEvents()
            new.append((time.perf_counter() - t) * 1000)
        store.close()
    print(f"machine: {machine()}")
    print(f"events: {args.events:,}, runs: {args.runs}")
    print(f"anchor (old table, stored order): median {median(old):.0f} ms")
    print(f"event list (time order, words):   median {median(new):.0f} ms")
    print(f"ratio new/anchor: {median(new) / median(old):.2f}")


if __name__ == "__main__":
    main()

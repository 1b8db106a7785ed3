"""The live screen's alarm list after hours of alarms: the cost of one alarm change.

The list (widgets/alarm_list.py) keeps every alarm since the console started and is
refreshed on the 10 Hz panel tick whenever an alarm is raised, acknowledged or cleared,
whether or not its tab is showing. With N alarms already listed, this times the refresh
after one more alarm is raised and cleared, painting included: with the list's tab not
the current one (as on the live screen most of the time), and with it showing. The
anchor, in the same run, is the way the list used to refresh: every row rebuilt from the
history (`setRowCount` and six new items per alarm), in a bare QTableWidget (no fitting
of columns to their contents, so it flatters the old way).

    .venv/bin/python benchmarks/bench_alarm_list.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

from _common import git_rev, machine, median

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
SIZES = (500, 2000, 5000)
TARGET_MS = 16.0  # one frame at 60 Hz


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication, QLabel, QTableWidget, QTableWidgetItem, QTabWidget

    from console.core.alarms import AlarmModel, Condition
    from widgets.alarm_list import HEADERS, AlarmList

    app = QApplication.instance() or QApplication([])
    print(f"machine: {machine()}  commit {git_rev()}  runs {args.runs}", flush=True)
    conditions = list(Condition)
    worst = 0.0
    for size in SIZES:
        alarms = AlarmModel()
        listed, anchor = AlarmList(alarms), QTableWidget(0, len(HEADERS))
        tabs = QTabWidget()
        tabs.addTab(QLabel("live"), "Live")
        tabs.addTab(listed, "Alarm list")
        tabs.addTab(anchor, "Anchor")
        tabs.resize(1280, 400)
        tabs.show()
        count = 0

        def one_alarm(alarms: AlarmModel = alarms) -> None:
            nonlocal count
            condition = conditions[count % len(conditions)]
            count += 1
            alarms.set(condition, True, f"detail {count}")
            alarms.acknowledge(condition, "bench")
            alarms.set(condition, False)

        while len(alarms.history) < size:
            one_alarm()
        listed.refresh()
        app.processEvents()

        def rebuild(alarms: AlarmModel = alarms, table: QTableWidget = anchor) -> None:
            history = list(reversed(alarms.history))
            table.setRowCount(len(history))
            for row, a in enumerate(history):
                values = (a.raised_utc, a.priority.name, a.title, "", a.cleared_utc, a.detail)
                for col, value in enumerate(values):
                    item = QTableWidgetItem(value or "")
                    item.setToolTip(value or "")
                    table.setItem(row, col, item)

        def timed(refresh: Callable[[], None]) -> float:
            one_alarm()
            t0 = time.perf_counter()
            refresh()
            app.processEvents()
            return (time.perf_counter() - t0) * 1000

        figures: dict[str, tuple[list[float], list[float]]] = {}
        for tab in ("hidden", "shown"):  # the list's tab not current (as mostly), or current
            tabs.setCurrentIndex(0 if tab == "hidden" else 1)
            ours = [timed(listed.refresh) for _ in range(args.runs)]
            tabs.setCurrentIndex(0 if tab == "hidden" else 2)
            figures[tab] = ours, [timed(rebuild) for _ in range(args.runs)]
        listed.refresh()  # and it still shows every alarm, newest first, as it is now

        def column(col: int, table: AlarmList = listed) -> list[str]:
            items = (table.item(row, col) for row in range(table.rowCount()))
            return [item.text() if item is not None else "" for item in items]

        assert column(len(HEADERS) - 1) == [a.detail for a in reversed(alarms.history)]
        assert "active" not in column(HEADERS.index("Cleared"))
        for tab, (ours, old) in figures.items():
            worst = max(worst, median(ours))
            print(
                f"{size:>5} alarms listed, tab {tab}: refresh after one more "
                f"{median(ours):.2f} ms median (rebuild anchor {median(old):.2f} ms; "
                f"ratio {median(ours) / median(old):.3f})",
                flush=True,
            )
        tabs.close()
        tabs.deleteLater()
        app.processEvents()
    ok = worst <= TARGET_MS
    print(f"{'PASS' if ok else 'MISS'}  worst median refresh {worst:.2f} ms (<= {TARGET_MS:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

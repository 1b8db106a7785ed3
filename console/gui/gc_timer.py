"""The GUI thread's garbage collector (see `console.core.gc_policy` for why)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from console.core.gc_policy import collect_if_due, collect_on_this_thread_only

GC_INTERVAL_MS = 250


def collect_on_gui_thread(parent: QObject) -> QTimer:
    """Turn automatic collection off and collect from a timer on the GUI thread."""
    collect_on_this_thread_only()
    timer = QTimer(parent)
    timer.setInterval(GC_INTERVAL_MS)
    timer.timeout.connect(collect_if_due)
    timer.start()
    return timer

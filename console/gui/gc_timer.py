"""The GUI thread's garbage collector (see `console.core.gc_policy` for why)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from console.core.gc_policy import collect_if_due, collect_on_this_thread_only
from console.core.heap import pin_mmap_threshold, release_free_heap

GC_INTERVAL_MS = 250
HEAP_TRIM_EVERY = 240  # collector ticks: once a minute


def collect_on_gui_thread(parent: QObject) -> QTimer:
    """Turn automatic collection off and collect from a timer on the GUI thread; once a
    minute, also give the C heap's free pages back (`console.core.heap`)."""
    collect_on_this_thread_only()
    pin_mmap_threshold()
    ticks = 0

    def tick() -> None:
        nonlocal ticks
        collect_if_due()
        ticks += 1
        if ticks % HEAP_TRIM_EVERY == 0:
            release_free_heap()

    timer = QTimer(parent)
    timer.setInterval(GC_INTERVAL_MS)
    timer.timeout.connect(tick)
    timer.start()
    return timer

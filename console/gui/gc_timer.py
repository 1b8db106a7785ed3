"""The GUI thread's garbage collector (see `console.core.gc_policy` for why)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from console.core.gc_policy import collect_all, collect_if_due, collect_on_this_thread_only
from console.core.heap import pin_mmap_threshold, release_free_heap

GC_INTERVAL_MS = 250
FULL_COLLECT_EVERY = 120  # collector ticks: every half minute (see console.core.gc_policy)
HEAP_TRIM_EVERY = 240  # collector ticks: once a minute, just after a full collection


def collect_on_gui_thread(parent: QObject) -> QTimer:
    """Turn automatic collection off and collect from a timer on the GUI thread: what is
    due every tick, everything every half minute, and once a minute also give the C
    heap's free pages back (`console.core.heap`)."""
    collect_on_this_thread_only()
    pin_mmap_threshold()
    ticks = 0

    def tick() -> None:
        nonlocal ticks
        ticks += 1
        if ticks % FULL_COLLECT_EVERY == 0:
            collect_all()
        else:
            collect_if_due()
        if ticks % HEAP_TRIM_EVERY == 0:
            release_free_heap()

    timer = QTimer(parent)
    timer.setInterval(GC_INTERVAL_MS)
    timer.timeout.connect(tick)
    timer.start()
    return timer

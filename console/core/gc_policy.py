"""Cyclic garbage collection on the GUI thread only.

CPython runs the cycle collector on whichever thread happens to allocate when a
generation's threshold is crossed. If that is the link, heartbeat, recorder or
virtual-pen thread and the garbage holds a Qt object (a window left over from a closed
dialog, a menu and its actions), Qt's destructor runs there and can deadlock against the
GUI thread; a stalled heartbeat thread trips the pen's interlock. So the GUI (and the test
suite) turn automatic collection off and collect here, on their own thread, from a timer.
Reference counting still frees everything that is not in a cycle at once, on any thread.

CPython's thresholds alone are not enough for a long-lived GUI. They count container
objects allocated minus those freed, and the 2 kHz stream allocates and frees at the same
pace, so the count rarely reaches the first threshold: in the soak, gen 0 ran about twice
a minute and a full collection about once in five minutes. Meanwhile a closed window's
cycles (the review's widgets, their plots and connections, 2 to 3 MB each) sat in memory
and were freed late into a fragmented heap. So the GUI's timer also asks for a full
collection every half minute (`console.gui.gc_timer`); with the start-up heap frozen
(`freeze_heap`) it walks only what was made since, a few milliseconds.
"""

from __future__ import annotations

import gc
import threading


def collect_on_this_thread_only() -> None:
    """Stop automatic collection; from now on `collect_if_due` (on this thread) does it."""
    gc.disable()


def collect_if_due() -> int:
    """Collect the generations CPython would have collected by now; returns objects freed."""
    counts = gc.get_count()
    thresholds = gc.get_threshold()
    for generation in (2, 1, 0):
        if thresholds[generation] and counts[generation] >= thresholds[generation]:
            return gc.collect(generation)
    return 0


def collect_all() -> int:
    """A full collection; call it only from the thread that owns the Qt objects."""
    assert threading.current_thread() is threading.main_thread(), "collect on the GUI thread"
    return gc.collect()


def freeze_heap() -> None:
    """Collect once, then set every object alive now (modules, the window, its plots)
    aside in the permanent generation: later full collections walk only what was made
    since, a few ms instead of ~100 ms of a stalled GUI thread (seen as latency spikes).
    GUI thread only; `thaw_heap` undoes it (the window closed, before the process ends
    or the next test starts)."""
    collect_all()
    gc.freeze()


def thaw_heap() -> None:
    gc.unfreeze()

"""The C heap gives its free memory back (console.core.heap), and the GUI's collector
timer does it once a minute; the timer also collects every generation every half minute,
so a closed window's reference cycles do not wait minutes for CPython's thresholds."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import pytest

from console.core import heap
from console.gui import gc_timer

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

FRAGMENT = """
import os
from console.core.heap import release_free_heap
page = os.sysconf("SC_PAGE_SIZE")
def rss(): return int(open("/proc/self/statm").read().split()[1]) * page / 1e6
blocks = [bytes(2000) + bytes([i % 256]) for i in range(40_000)]  # 80 MB of malloc
pin = bytes(3000)  # a live block above them, so the heap's top cannot shrink
del blocks
before = rss()
released = release_free_heap()
print(released, round(before - rss(), 1))
"""


def test_release_free_heap_returns_freed_pages_to_the_system() -> None:
    out = subprocess.run(
        [sys.executable, "-c", FRAGMENT], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out[0] == "True"
    assert float(out[1]) > 40, f"RSS fell by only {out[1]} MB of ~80 MB freed"


def test_the_mmap_threshold_can_be_pinned() -> None:
    assert heap.pin_mmap_threshold() is True


def test_the_gui_collector_timer_trims_the_heap(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QObject

    calls: list[int] = []
    monkeypatch.setattr(gc_timer, "HEAP_TRIM_EVERY", 2)
    monkeypatch.setattr(gc_timer, "GC_INTERVAL_MS", 10)
    monkeypatch.setattr(gc_timer, "release_free_heap", lambda: calls.append(1) or True)
    monkeypatch.setattr(gc_timer, "collect_on_this_thread_only", lambda: None)
    owner = QObject()
    timer = gc_timer.collect_on_gui_thread(owner)
    try:
        qtbot.waitUntil(lambda: len(calls) >= 2, timeout=5000)
    finally:
        timer.stop()
        owner.deleteLater()


def test_the_gui_collector_timer_frees_cycles_the_thresholds_would_leave(
    qtbot,  # type: ignore[no-untyped-def]
    monkeypatch,
) -> None:
    from PySide6.QtCore import QObject

    class Node:
        pass

    monkeypatch.setattr(gc_timer, "FULL_COLLECT_EVERY", 3)
    monkeypatch.setattr(gc_timer, "GC_INTERVAL_MS", 10)
    monkeypatch.setattr(gc_timer, "collect_on_this_thread_only", lambda: None)
    was_enabled, thresholds = gc.isenabled(), gc.get_threshold()
    gc.disable()
    gc.set_threshold(10**9, 10**9, 10**9)  # the steady stream: never due by count
    owner = QObject()
    try:
        cycle = Node()
        cycle.me = cycle  # type: ignore[attr-defined]
        alive = weakref.ref(cycle)
        del cycle
        assert alive() is not None  # only a collection frees it
        timer = gc_timer.collect_on_gui_thread(owner)
        qtbot.waitUntil(lambda: alive() is None, timeout=5000)
        timer.stop()
    finally:
        gc.set_threshold(*thresholds)
        if was_enabled:
            gc.enable()
        owner.deleteLater()

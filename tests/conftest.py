"""Test configuration shared by the whole suite.

Qt runs offscreen here, set by the suite itself; every test must leave no thread and no
visible top-level window behind.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import threading
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never let a test touch the user's real database or settings.
os.environ.setdefault("PEN_CONSOLE_DB", os.path.join(os.devnull, "unset-by-tests.db"))
# ... nor the installation key and chain heads in the user's data directory.
os.environ.setdefault("PEN_CONSOLE_KEY_DIR", tempfile.mkdtemp(prefix="pen-console-keys-"))
# Cycles are collected on the main thread only, after each test (as the GUI does on its
# timer): a collection on a link or virtual-pen thread that finalises a leftover Qt
# object deadlocks against the main thread. See console/core/gc_policy.py.
gc.disable()


def _wait_threads_gone(before: set[threading.Thread], timeout_s: float) -> list[threading.Thread]:
    deadline = time.monotonic() + timeout_s
    while True:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not left or time.monotonic() > deadline:
            return left
        left[0].join(timeout=0.05)


@pytest.fixture(autouse=True)
def _no_dangling_threads_or_windows() -> object:
    before = set(threading.enumerate())
    yield
    left = _wait_threads_gone(before, timeout_s=3.0)
    assert not left, f"test left threads running: {[t.name for t in left]}"
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is not None and widgets.QApplication.instance() is not None:
        shown = [w for w in widgets.QApplication.topLevelWidgets() if w.isVisible()]
        for w in shown:
            w.close()
        assert not shown, f"test left windows open: {[type(w).__name__ for w in shown]}"
    gc.collect()  # here, on the main thread, never on a link or virtual-pen thread


@pytest.fixture(autouse=True)
def _new_patients_confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    """H-22's "not a known patient. Add as new patient?" box is answered "Add" in tests
    that start sessions on an empty register; tests/gui/test_new_patient.py answers it
    itself. (Only when the window module is loaded: drivers tests never load Qt.)"""
    module = sys.modules.get("console.gui.patient_ask")
    if module is not None:
        monkeypatch.setattr(module, "ask_new_patient", lambda parent, question: True)

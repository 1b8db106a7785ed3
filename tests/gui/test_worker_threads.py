"""No worker thread of the live screen holds a reference to a Qt object (style.md)."""

from __future__ import annotations

from qt_reach import qt_paths, worker_threads

from console.gui.controller import PenController
from console.gui.main_window import MainWindow


def test_no_worker_thread_reaches_a_qt_object_while_recording(
    qtbot, window: MainWindow, controller: PenController, stream
) -> None:
    stream("treatment", telemetry_hz=500)
    session = controller.start_session("P-1", "Dr A")
    store = controller.store
    assert store is not None
    qtbot.waitUntil(lambda: len(store.load_telemetry(session)["seq"]) > 0, timeout=5000)
    threads = worker_threads()
    names = {t.name for t in threads}
    assert "recorder-writer" in names and len(threads) >= 3, names  # link, pen, recorder
    found = {t.name: qt_paths(t) for t in threads}
    assert not any(found.values()), {k: v[:3] for k, v in found.items() if v}

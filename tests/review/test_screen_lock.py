"""The idle lock covers the screen; recording and the heartbeat carry on underneath."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from console.core.accounts import Accounts, User
from console.core.recorder import Recorder
from console.gui.sign_in import ScreenLock
from console.store import Store
from drivers.link import Link, LinkState
from drivers.messages import EventCode


def test_idle_lock_fires_and_recording_continues(
    qtbot, store: Store, people: dict[str, User], monkeypatch
) -> None:
    accounts = Accounts(store)
    nurse = people["nurse.kim"]
    window = QMainWindow()
    window.setCentralWidget(QLabel("live screen"))
    qtbot.addWidget(window)
    monkeypatch.setattr(ScreenLock, "ask_unlock", lambda self: None)  # no modal in a test
    lock = ScreenLock(window, accounts, nurse, timeout_s=0.4)
    recorder = Recorder(store)
    link = Link("virtual://treatment?telemetry_hz=500")
    link.subscribe(recorder)
    link.start()
    try:
        assert link.wait_for_state(LinkState.STREAMING, 5)
        recorder.start_session("P-L", "nurse.kim")
        qtbot.waitUntil(lambda: lock.lock.locked, timeout=5000)
        assert not window.centralWidget().isEnabled()
        held = recorder.stats().samples
        qtbot.waitUntil(lambda: recorder.stats().samples > held + 500, timeout=5000)
        assert link.state is LinkState.STREAMING
        assert not [e for e in link.virtual_pen.logs.events if e.code == EventCode.HOST_LINK_LOST]
        assert not lock.unlock_with("nurse.kim", "wrong")
        assert lock.unlock_with("dr.lee", "battery staple")  # a supervisor may unlock
        assert window.centralWidget().isEnabled()
        actions = [e.action for e in accounts.audit.entries()]
        assert "screen.lock" in actions and "screen.unlock" in actions
        recorder.end_session()
        assert store.sessions()[0]["samples"] > held
    finally:
        lock.stop()
        link.close()
        recorder.close()

"""Issue 15 end to end: a line that carries only noise is a link gap in the record, with its
true length, and the link-loss alarm; the drivers' part is tested in test_link_resilience."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from console.core.alarms import AlarmModel, Condition
from console.core.live import Drained, Latest
from console.core.monitor import LinkMonitor
from console.core.recorder import Recorder
from console.store import Store
from drivers.link import Link, LinkState, StateChange
from drivers.virtual.endpoints import PtyServer, wait_until
from drivers.virtual.pen import PenConfig, VirtualPen

JAM_S = 2.5


class States:
    def __init__(self) -> None:
        self.changes: list[StateChange] = []

    def on_state(self, change: StateChange) -> None:
        self.changes.append(change)


def test_a_jammed_line_is_a_link_gap_of_its_true_length_and_a_link_loss_alarm(
    tmp_path: Path,
) -> None:
    pen = VirtualPen(PenConfig(telemetry_hz=1000), "treatment")
    server = PtyServer(pen, tmp_path / "ttyJAM")
    store = Store(tmp_path / "jam.db")
    recorder = Recorder(store)
    link = Link(str(server.path))
    states = States()
    link.subscribe(recorder)
    link.subscribe(states)
    link.start()
    try:
        assert link.wait_for_state(LinkState.STREAMING, 5)
        session = recorder.start_session("P-JAM", "Dr Jam")
        assert wait_until(lambda: recorder.stats().samples > 500, 5)
        pen.jam(JAM_S)
        assert link.wait_for_state(LinkState.LOST, 3)
        assert link.wait_for_state(LinkState.STREAMING, 6)
        held = recorder.stats().samples
        assert wait_until(lambda: recorder.stats().samples > held + 300, 4)
        recorder.end_session()
        events = store.events(session)
        kinds = [e["kind"] for e in events]
        assert "link_lost" in kinds and "link_gap" in kinds
        gap = next(e for e in events if e["kind"] == "link_gap")
        assert JAM_S - 0.3 <= gap["data"]["gap_s"] <= JAM_S + 2.0
        assert "seq_gap" not in kinds  # the outage is not counted as frames lost
        t_us = store.load_telemetry(session)["t_us"].astype(np.int64)
        assert np.diff(t_us).max() >= (JAM_S - 0.3) * 1e6  # the hole is in the record
    finally:
        link.close()
        recorder.close()
        store.close()
        server.close()

    # The GUI's link monitor, handed the same state changes, raises the alarm; it ends when
    # the link is back and someone acknowledged it.
    alarms = AlarmModel()
    monitor = LinkMonitor(alarms)
    raised = []
    for change in states.changes:
        if change.state is LinkState.DISCONNECTED:
            break  # close() at the end of the test
        monitor.update(
            Drained(states=[change]), change.state, Latest(rx_monotonic=time.monotonic()), 0
        )
        raised.append(alarms.is_active(Condition.LINK_LOST))
    lost_at = next(i for i, c in enumerate(states.changes) if c.state is LinkState.LOST)
    assert raised[lost_at] and not any(raised[:lost_at])  # raised when the link is lost
    assert all(raised[lost_at:])  # held while lost; a high alarm then latches
    (alarm,) = [a for a in alarms.active() if a.condition is Condition.LINK_LOST]
    assert alarm.latched  # its cause ended when frames decoded again: shown until seen
    alarms.acknowledge(Condition.LINK_LOST)
    assert not alarms.is_active(Condition.LINK_LOST)

"""H-02: a screen that stops ticking while the pen needles gets the motor stopped from the
link's thread, recorded, and said once the screen runs again (console/core/gui_watchdog.py).
The heartbeat carries on throughout."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
from telemetry import batch

from console.core.alarms import Condition
from console.core.gui_watchdog import GuiWatchdog
from console.core.treatment import Treatment
from console.store import Store
from drivers.link import LinkState
from drivers.messages import Status
from drivers.virtual.endpoints import wait_until


class _Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class _Link:
    def __init__(self) -> None:
        self.motor_calls: list[bool] = []

    def subscribe(self, listener: object):
        return lambda: None

    def motor(self, start: bool) -> Future:
        self.motor_calls.append(start)
        return Future()


RUNNING = int(Status.MOTOR_RUNNING)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "s.db")
    yield s
    s.close()


def test_stop_only_when_the_screen_froze_while_the_motor_runs() -> None:
    clock, link = _Clock(), _Link()
    dog = GuiWatchdog(clock)
    recorded: list[dict] = []
    dog.record = lambda data, t_us: recorded.append(data)
    dog.watch(link)  # type: ignore[arg-type]
    clock.t += 60
    dog.on_telemetry(batch(500, RUNNING, 10))
    assert link.motor_calls == []  # no GUI has fed it: not armed (the CLI's case)
    dog.feed()
    clock.t += 1.9
    dog.on_telemetry(batch(500, RUNNING, 10))
    assert link.motor_calls == []  # within FROZEN_S
    clock.t += 1.0
    dog.on_telemetry(batch(500, 0, 10))
    assert link.motor_calls == []  # frozen, but the motor is off
    dog.on_telemetry(batch(500, RUNNING, 10))
    assert link.motor_calls == [False]
    clock.t += 0.5
    dog.on_telemetry(batch(500, RUNNING, 10))
    assert link.motor_calls == [False]  # not a STOP per batch
    clock.t += 0.6
    dog.on_telemetry(batch(500, RUNNING, 10))
    assert link.motor_calls == [False, False]  # still running a second later: again
    trips = dog.take_trips()
    assert [t.frozen_s for t in trips] == [2.9] and len(recorded) == 1
    assert "screen froze for 2.9 s" in recorded[0]["reason"]
    dog.feed()  # the screen runs again
    dog.on_telemetry(batch(500, RUNNING, 10))
    assert len(link.motor_calls) == 2 and dog.take_trips() == []


def test_a_frozen_screen_stops_the_virtual_pen_and_the_heartbeat_goes_on(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("console.core.gui_watchdog.FROZEN_S", 0.3)
    treatment = Treatment(store)
    try:
        link = treatment.connect_to("virtual://idle?telemetry_hz=200")
        assert link.wait_for_state(LinkState.STREAMING, 5)
        pen = link.virtual_pen
        assert pen is not None
        session = treatment.start_session("P-1", "Dr A")
        assert link.motor(True).result(2).ok
        assert wait_until(lambda: pen.motor_on, 2)
        treatment.watchdog.feed()  # one display tick, then the "screen" never ticks again
        assert wait_until(lambda: not pen.motor_on, 3)
        assert link.state is LinkState.STREAMING  # the heartbeat kept the pen's link alive
        assert link.stats.max_heartbeat_gap_ms < 500
        treatment.tick()  # the screen runs again: the high alarm says what happened
        alarm = treatment.alarms.highest()
        assert alarm is not None and alarm.condition is Condition.SCREEN_FROZE
        assert "stopped the motor" in alarm.detail
        treatment.end_session()
        events = [e for e in store.events(session) if e["kind"] == "watchdog_stop"]
        assert len(events) == 1 and events[0]["data"]["frozen_s"] >= 0.3
    finally:
        treatment.close()

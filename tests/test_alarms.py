"""The alarm model and the monitor rules, without a screen."""

from __future__ import annotations

import itertools

import pytest

from console.core.alarms import AUDIO_PAUSE_S, AlarmModel, Condition, Priority
from console.core.live import Drained, Latest
from console.core.monitor import LinkMonitor
from drivers.link import LinkState, StateChange
from drivers.messages import Event, EventCode, SeqGap, Status


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _state(state: LinkState, previous: LinkState = LinkState.STREAMING) -> StateChange:
    return StateChange(state, previous, f"now {state}", 0)


def _latest(clock: Clock, status: int = Status.TETHERED, battery: int = 80) -> Latest:
    return Latest(status=status, battery_pct=battery, rx_monotonic=clock.t)


@pytest.mark.parametrize(
    ("setup", "condition", "priority"),
    [
        ("link_lost", Condition.LINK_LOST, Priority.HIGH),
        ("fault", Condition.PEN_FAULT, Priority.HIGH),
        ("storage", Condition.STORAGE_FAILING, Priority.HIGH),
        ("battery", Condition.BATTERY_LOW, Priority.MEDIUM),
        ("stall", Condition.TELEMETRY_STALLED, Priority.MEDIUM),
        ("incompatible", Condition.PROTOCOL_INCOMPATIBLE, Priority.MEDIUM),
        ("quality", Condition.LINK_QUALITY, Priority.LOW),
    ],
)
def test_each_condition_raises_its_priority(clock: Clock, setup, condition, priority) -> None:
    alarms = AlarmModel(clock)
    monitor = LinkMonitor(alarms, clock)
    streaming = Drained(states=[_state(LinkState.STREAMING, LinkState.HANDSHAKING)])
    monitor.update(streaming, LinkState.STREAMING, _latest(clock), 0)
    assert alarms.active() == []
    latest = _latest(clock)
    state = LinkState.STREAMING
    drained = Drained()
    discards = 0
    if setup == "link_lost":
        drained, state = Drained(states=[_state(LinkState.LOST)]), LinkState.LOST
    elif setup == "fault":
        drained = Drained(events=[Event(1, 0, EventCode.FAULT_RAISED, 1)])
        latest = _latest(clock, status=Status.TETHERED | Status.FAULT_ACTIVE)
    elif setup == "storage":
        drained = Drained(storage=[(False, "disk full")])
    elif setup == "battery":
        latest = _latest(clock, battery=12)
    elif setup == "stall":
        clock.t += 0.31
    elif setup == "incompatible":
        drained = Drained(states=[_state(LinkState.INCOMPATIBLE, LinkState.HANDSHAKING)])
        state = LinkState.INCOMPATIBLE
    elif setup == "quality":
        drained = Drained(gaps=[SeqGap(3, 1, 5, 0)] * 3)
        discards = 4
    monitor.update(drained, state, latest, discards)
    top = alarms.highest()
    assert top is not None and top.condition is condition and top.priority is priority
    assert [a.condition for a in alarms.active()] == [condition]


def test_stall_needs_300_ms(clock: Clock) -> None:
    alarms = AlarmModel(clock)
    monitor = LinkMonitor(alarms, clock)
    latest = _latest(clock)
    clock.t += 0.29
    monitor.update(Drained(), LinkState.STREAMING, latest, 0)
    assert not alarms.is_active(Condition.TELEMETRY_STALLED)
    clock.t += 0.02
    monitor.update(Drained(), LinkState.STREAMING, latest, 0)
    assert alarms.is_active(Condition.TELEMETRY_STALLED)
    monitor.update(Drained(), LinkState.STREAMING, _latest(clock), 0)
    assert not alarms.is_active(Condition.TELEMETRY_STALLED)
    assert alarms.history[0].cleared_utc is not None  # history keeps it


def test_user_disconnect_is_not_a_link_lost_alarm(clock: Clock) -> None:
    alarms = AlarmModel(clock)
    monitor = LinkMonitor(alarms, clock)
    monitor.update(
        Drained(states=[_state(LinkState.STREAMING, LinkState.HANDSHAKING)]),
        LinkState.STREAMING,
        _latest(clock),
        0,
    )
    monitor.update(
        Drained(states=[_state(LinkState.DISCONNECTED)]), LinkState.DISCONNECTED, _latest(clock), 0
    )
    assert alarms.active() == []


def test_flashing_rhythm_follows_the_highest_priority(clock: Clock) -> None:
    alarms = AlarmModel(clock)
    alarms.set(Condition.BATTERY_LOW, True)
    lit = []
    for i in range(100):  # 10 s at 0.1 s steps
        clock.t = 100.0 + i * 0.1
        lit.append(alarms.visual_on())
    assert 0.4 < sum(lit) / len(lit) < 0.6  # 50 % duty
    changes = sum(1 for a, b in itertools.pairwise(lit) if a != b)
    assert 10 <= changes <= 14  # 0.6 Hz: ~6 cycles, 12 edges in 10 s
    alarms.set(Condition.LINK_LOST, True)
    base = clock.t
    on = [alarms.visual_on() for clock.t in [base + i * 0.05 for i in range(40)]]
    edges = sum(1 for a, b in itertools.pairwise(on) if a != b)
    assert 7 <= edges <= 9  # 2 Hz: 4 cycles in 2 s
    alarms.acknowledge(Condition.LINK_LOST)  # a high alarm latches until acknowledged
    alarms.set(Condition.LINK_LOST, False)
    alarms.set(Condition.BATTERY_LOW, False)
    alarms.set(Condition.LINK_QUALITY, True)
    assert all(alarms.visual_on() for clock.t in [clock.t + i for i in range(5)])  # steady


def test_bursts_pause_and_acknowledge(clock: Clock) -> None:
    alarms = AlarmModel(clock)
    alarms.set(Condition.PEN_FAULT, True)
    assert alarms.due_burst() == (Priority.HIGH, 10)
    assert alarms.due_burst() is None
    clock.t += 10.0
    assert alarms.due_burst() == (Priority.HIGH, 10)  # repeats within 2.5–15 s
    alarms.pause_audio()
    clock.t += 60
    assert alarms.due_burst() is None
    assert alarms.highest() is not None and alarms.audio_paused_s() == pytest.approx(60)
    clock.t += AUDIO_PAUSE_S
    assert alarms.due_burst() == (Priority.HIGH, 10)
    alarms.acknowledge(Condition.PEN_FAULT, "nurse.kim")
    clock.t += 30
    assert alarms.due_burst() is None
    assert alarms.is_active(Condition.PEN_FAULT)  # acknowledged, still shown
    alarms.set(Condition.LINK_QUALITY, True)
    assert alarms.due_burst() == (Priority.LOW, 1)
    clock.t += 100
    assert alarms.due_burst() is None  # low sounds once


def test_visual_signal_survives_audio_pause(clock: Clock) -> None:
    alarms = AlarmModel(clock)
    alarms.set(Condition.LINK_LOST, True)
    alarms.pause_audio()
    lit = [alarms.visual_on() for clock.t in [100 + i * 0.05 for i in range(40)]]
    assert any(lit) and not all(lit)


def test_a_high_alarm_latches_until_acknowledged(clock: Clock) -> None:
    alarms = AlarmModel(clock)
    cleared: list[Condition] = []
    alarms.on_cleared.append(lambda a: cleared.append(a.condition))
    alarms.set(Condition.DEPTH_ABOVE_CEILING, True, "measured 0.62 mm in forehead")
    clock.t += 0.4
    alarms.set(Condition.DEPTH_ABOVE_CEILING, False)  # the cause went in under a second
    top = alarms.highest()
    assert top is not None and top.condition is Condition.DEPTH_ABOVE_CEILING
    assert top.latched and top.detail == "measured 0.62 mm in forehead"
    assert alarms.due_burst() is not None  # it still sounds: nobody has seen it
    assert cleared == []
    alarms.acknowledge_all("nurse")
    assert alarms.active() == [] and cleared == [Condition.DEPTH_ABOVE_CEILING]
    # Acknowledged while the cause lasts: it ends with its cause, as before.
    alarms.set(Condition.PEN_FAULT, True)
    alarms.acknowledge(Condition.PEN_FAULT)
    assert alarms.is_active(Condition.PEN_FAULT)
    alarms.set(Condition.PEN_FAULT, False)
    assert not alarms.is_active(Condition.PEN_FAULT)
    # Medium and low alarms do not latch.
    alarms.set(Condition.BATTERY_LOW, True)
    alarms.set(Condition.BATTERY_LOW, False)
    assert alarms.active() == []


def test_a_latched_alarm_whose_cause_returns_is_live_again(clock: Clock) -> None:
    alarms = AlarmModel(clock)
    alarms.set(Condition.LINK_LOST, True, "first")
    alarms.set(Condition.LINK_LOST, False)
    assert alarms.active()[0].latched
    alarms.set(Condition.LINK_LOST, True, "again")
    again = alarms.active()[0]
    assert not again.latched and again.detail == "again" and len(alarms.history) == 1


def test_battery_alarm_follows_the_header(clock: Clock) -> None:
    alarms = AlarmModel(clock)
    monitor = LinkMonitor(alarms, clock)
    event = Event(1, 0, EventCode.BATTERY_LOW, 13)
    monitor.update(Drained(events=[event]), LinkState.STREAMING, _latest(clock, battery=13), 0)
    assert alarms.active()[0].detail == "battery at 13 %"
    monitor.update(Drained(), LinkState.STREAMING, _latest(clock, battery=12), 0)
    assert alarms.active()[0].detail == "battery at 12 %"  # the header's number
    monitor.update(Drained(), LinkState.STREAMING, _latest(clock, battery=59), 0)
    assert not alarms.is_active(Condition.BATTERY_LOW)  # the header reads 59 %: no alarm
    charging = _latest(clock, status=Status.TETHERED | Status.CHARGING, battery=10)
    monitor.update(Drained(), LinkState.STREAMING, charging, 0)
    assert not alarms.is_active(Condition.BATTERY_LOW)


def test_motor_running_with_no_session_is_a_medium_alarm(clock: Clock) -> None:
    alarms = AlarmModel(clock)
    monitor = LinkMonitor(alarms, clock)
    running = _latest(clock, status=Status.TETHERED | Status.MOTOR_RUNNING)
    monitor.update(Drained(), LinkState.STREAMING, running, 0, recording=True)
    assert not alarms.is_active(Condition.MOTOR_NO_SESSION)
    monitor.update(Drained(), LinkState.STREAMING, running, 0, recording=False)
    top = alarms.highest()
    assert top is not None and top.condition is Condition.MOTOR_NO_SESSION
    assert top.priority is Priority.MEDIUM and "no session" in top.detail
    monitor.update(Drained(), LinkState.STREAMING, _latest(clock), 0, recording=False)
    assert not alarms.is_active(Condition.MOTOR_NO_SESSION)  # stopped: nothing to record


def test_pause_with_nothing_sounding_does_nothing_and_never_silences_the_next(
    clock: Clock,
) -> None:
    alarms = AlarmModel(clock)
    assert alarms.pause_audio() is False  # F10 with no alarm: nothing to pause
    assert alarms.audio_paused_s() == 0
    alarms.set(Condition.PEN_FAULT, True)
    assert alarms.due_burst() == (Priority.HIGH, 10)  # heard at once
    alarms.acknowledge(Condition.PEN_FAULT)
    assert alarms.pause_audio() is False  # acknowledged: it no longer sounds
    alarms.set(Condition.LINK_LOST, True)
    assert alarms.pause_audio() is True
    alarms.set(Condition.LINK_LOST, False)
    alarms.acknowledge_all()
    alarms.set(Condition.PEN_FAULT, False)
    assert alarms.active() == [] and alarms.audio_paused_s() == 0  # over with its alarms
    alarms.set(Condition.LINK_QUALITY, True)
    assert alarms.due_burst() == (Priority.LOW, 1)

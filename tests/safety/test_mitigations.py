"""Mitigations docs/hazards.md relies on that no other test held: each test here is the
proof named in a hazard row. Qt-free and fast; the code under test is the core's."""

from __future__ import annotations

from telemetry import batch

from console.core.alarms import AlarmModel, Condition, Priority
from console.core.ceilings import CeilingController
from console.core.passes import PassTracker
from console.core.zone_session import build_zone_session
from console.core.zones import available_maps
from drivers.link import Link, LinkState
from drivers.messages import Event, EventCode, MsgType, Status
from drivers.virtual.endpoints import TcpServer, wait_until
from drivers.virtual.pen import PenConfig, VirtualPen

RUNNING = Status.MOTOR_RUNNING | Status.SKIN_CONTACT | Status.CARTRIDGE_PRESENT


class _Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _forehead() -> tuple[CeilingController, AlarmModel, list[tuple[bool, str]]]:
    tracker = PassTracker(available_maps()["face"])
    alarms = AlarmModel()
    seen: list[tuple[bool, str]] = []

    def hook(active: bool, detail: str) -> None:
        seen.append((active, detail))
        alarms.set_condition(Condition.DEPTH_ABOVE_CEILING, active, detail)

    ceilings = CeilingController(tracker, None, on_alarm=hook, clock=_Clock())
    tracker.select("forehead")  # published range 0.25–0.50 mm
    return ceilings, alarms, seen


def test_measured_depth_above_the_ceiling_raises_the_high_alarm_without_a_clamp() -> None:
    """A pen that does not honour SET_DEPTH_LIMIT: the measured depth alone must alarm."""
    ceilings, alarms, seen = _forehead()
    assert ceilings.ceiling_um() == 500
    ceilings.telemetry(batch(540, RUNNING))  # within one 50 µm step: measurement noise
    assert not alarms.is_active(Condition.DEPTH_ABOVE_CEILING)
    ceilings.telemetry(batch(700, RUNNING, t0_us=50_000))
    top = alarms.highest()
    assert top is not None and top.condition is Condition.DEPTH_ABOVE_CEILING
    assert top.priority is Priority.HIGH
    assert "0.70 mm" in top.detail and "0.50 mm" in top.detail and "forehead" in top.detail
    ceilings.telemetry(batch(480, RUNNING, t0_us=100_000))
    assert [active for active, _ in seen] == [True, False]  # the cause has gone...
    latched = alarms.highest()  # ...but a high alarm nobody saw stays up
    assert latched is not None and latched.condition is Condition.DEPTH_ABOVE_CEILING
    assert latched.latched
    alarms.acknowledge(Condition.DEPTH_ABOVE_CEILING, "nurse.kim")
    assert not alarms.is_active(Condition.DEPTH_ABOVE_CEILING)
    assert alarms.history[0].acknowledged_by == "nurse.kim"  # kept in the list


def test_a_stopped_motor_never_counts_as_needling_too_deep() -> None:
    ceilings, alarms, _ = _forehead()
    ceilings.telemetry(batch(900, Status.CARTRIDGE_PRESENT))
    assert not alarms.is_active(Condition.DEPTH_ABOVE_CEILING)


def test_a_clamp_reported_by_the_pen_raises_the_alarm_with_the_refused_depth() -> None:
    ceilings, alarms, _ = _forehead()
    ceilings.pen_event(Event(seq=1, t_us_raw=10, code=EventCode.DEPTH_CLAMPED, arg=800))
    top = alarms.highest()
    assert top is not None and top.condition is Condition.DEPTH_ABOVE_CEILING
    assert "0.80 mm" in top.detail and "0.50 mm" in top.detail


def test_a_reconnected_pen_gets_the_active_zones_ceiling_again() -> None:
    """A pen that rebooted has forgotten the host's limit: the console must send it again."""
    pen = VirtualPen(PenConfig(), "treatment")
    server = TcpServer(pen)
    link = Link(server.url)
    zones = build_zone_session("Full face — PRP", link)  # the plan starts on the forehead
    zones.attach(link, None)
    try:
        link.start()
        assert link.wait_for_state(LinkState.STREAMING, 5)
        zones.start()
        assert wait_until(lambda: pen.depth_limit_um == 500, 3)
        sent = len(pen.commands_of(MsgType.SET_DEPTH_LIMIT))
        pen.depth_limit_um = 0  # what a reboot does to the pen's limit
        server.drop_client()
        assert link.wait_for_state(LinkState.LOST, 3)
        assert link.wait_for_state(LinkState.STREAMING, 5)
        assert wait_until(lambda: pen.depth_limit_um == 500, 3)
        assert len(pen.commands_of(MsgType.SET_DEPTH_LIMIT)) > sent
    finally:
        link.close()
        server.close()

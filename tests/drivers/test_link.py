"""The link against the virtual pen over a pty, over TCP and in-process: handshake,
commands and their ACKs, protocol versions, retries, counter wraps."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.link import CommandResult, CommandTimeout, Link, LinkClosed, LinkState
from drivers.messages import AckResult, Button, EventCode, Fault, Info, MsgType
from drivers.virtual.endpoints import wait_until
from drivers.virtual.inprocess import InProcessPort
from drivers.virtual.pen import PenConfig, VirtualPen

TRANSPORTS = ["pty", "tcp", "inproc"]


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_handshake_and_clamped_commands(kind: str, serve, connect) -> None:
    target, pen, _ = serve(kind)
    link, rec = connect(target)
    assert link.info is not None and link.info.serial == "VP-000001"
    assert rec.infos and rec.states[-1].state is LinkState.STREAMING
    assert link.set_depth(1234).result(2).value == 1250  # rounded to the 50 µm step
    assert link.set_depth(9000).result(2).value == 2500  # clamped to depth_max_um
    assert link.set_rate(5).result(2).value == 200  # clamped to rate_min
    limit = link.set_depth_limit(1000).result(2)
    assert (limit.result, limit.value) == (AckResult.OK, 1000)
    assert link.set_depth(1500).result(2).value == 1000
    assert wait_until(lambda: any(e.code == EventCode.DEPTH_CLAMPED for e in rec.events), 2)
    assert next(e for e in rec.events if e.code == EventCode.DEPTH_CLAMPED).arg == 1500
    assert link.set_telemetry_rate(10).result(2).value == 50
    assert [(c.argument, c.value) for c in pen.commands_of(MsgType.SET_DEPTH_LIMIT)] == [
        (1000, 1000)
    ]
    logged = [(name, req, out) for name, req, out in rec.commands if name != "ping"]
    assert [(n, r, o.value) for n, r, o in logged if isinstance(o, CommandResult)] == [
        ("set_depth", 1234, 1250),
        ("set_depth", 9000, 2500),
        ("set_rate", 5, 200),
        ("set_depth_limit", 1000, 1000),
        ("set_depth", 1500, 1000),
        ("set_telemetry_rate", 10, 50),
    ]
    assert wait_until(lambda: rec.samples() > 20, 2)


def test_get_info_resolves_with_info_and_is_reported(serve, connect) -> None:
    target, _pen, _ = serve("inproc", "idle")
    link, rec = connect(target)
    info = link.get_info().result(2)
    assert isinstance(info, Info) and info.depth_step_um == 50 and info.telemetry_hz == 1000
    assert wait_until(lambda: any(c[0] == "get_info" for c in rec.commands), 1)
    assert next(c for c in rec.commands if c[0] == "get_info")[2] == info


def test_motor_refused_without_cartridge_and_during_a_fault(serve, connect) -> None:
    target, pen, _ = serve("inproc", "idle")
    link, _ = connect(target)
    pen.set_cartridge(None)
    assert link.motor(True).result(2).result == AckResult.NOT_ALLOWED
    pen.set_cartridge((12, 32))
    pen.raise_fault(Fault.MOTOR_STALL)
    assert link.motor(True).result(2).result == AckResult.FAULT_ACTIVE
    assert link.clear_fault().result(2).result == AckResult.NOT_ALLOWED  # cause persists
    pen.remove_fault_cause(Fault.MOTOR_STALL)
    assert link.clear_fault().result(2).ok
    started = link.motor(True).result(2)
    assert started.ok and started.value == 1


@pytest.mark.parametrize("kind", ["pty", "tcp"])  # their pen clock runs on without a host
def test_protocol_major_mismatch_is_incompatible_and_then_silent(kind: str, serve, connect):
    target, pen, _ = serve(kind, "idle", protocol_major=2)
    link, rec = connect(target, expect=LinkState.INCOMPATIBLE)
    message = rec.states[-1].message
    assert "protocol 2.0" in message and "1.0" in message
    with pytest.raises(LinkClosed):
        link.set_depth(500).result(1)
    later = pen.now_s + 1.5  # long enough for a heartbeat, a HELLO retry and a reconnect
    assert wait_until(lambda: pen.now_s > later, 5)
    assert [c.type for c in pen.logs.commands] == [MsgType.HELLO]
    assert link.state is LinkState.INCOMPATIBLE


def test_a_higher_protocol_minor_is_accepted(serve, connect) -> None:
    target, _pen, _ = serve("inproc", "idle", protocol_minor=7)
    link, _ = connect(target)
    assert link.info is not None and link.info.protocol_minor == 7


@pytest.mark.parametrize("kind", ["pty", "tcp"])
def test_an_unanswered_command_is_resent_then_times_out(kind: str, serve, connect) -> None:
    target, pen, _ = serve(kind, "idle")
    link, rec = connect(target)
    pen.unanswered.add(MsgType.SET_DEPTH)
    with pytest.raises(CommandTimeout, match="after 3 tries"):
        link.set_depth(700).result(3)
    tries = pen.commands_of(MsgType.SET_DEPTH)
    assert len(tries) == 3 and len({c.seq for c in tries}) == 3  # a new seq each time
    assert 0.2 < tries[1].at_s - tries[0].at_s < 0.4
    assert any(isinstance(c[2], CommandTimeout) for c in rec.commands)
    pen.unanswered.clear()
    assert link.set_depth(700).result(2).value == 700  # the link is still fine


@pytest.mark.parametrize("kind", ["pty", "tcp"])
def test_wraps_of_t_us_strokes_and_seq(kind: str, serve, connect) -> None:
    target, _pen, _ = serve(
        kind, telemetry_hz=2000, t_us0=2**32 - 1_500_000, strokes0=2**32 - 40, seq0=63000
    )
    link, rec = connect(target)
    assert wait_until(
        lambda: rec.batches and rec.batches[-1].strokes[-1] > 2**32 + 10 < rec.batches[-1].t_us[-1],
        6,
    )
    t_us = np.concatenate([b.t_us for b in rec.batches])
    strokes = np.concatenate([b.strokes for b in rec.batches])
    seq = np.concatenate([b.seq for b in rec.batches])
    assert t_us[0] < 2**32 < t_us[-1] and np.all(np.diff(t_us) > 0)
    assert strokes[0] < 2**32 < strokes[-1] and np.all(np.diff(strokes) >= 0)
    assert seq.min() < 100 and seq.max() > 65000  # seq wrapped from 65535 to 0
    assert link.stats.seq_gaps == 0 and link.stats.frames_lost == 0


def test_out_of_range_arguments_fail_without_reaching_the_pen(serve, connect) -> None:
    target, pen, _ = serve("inproc", "idle")
    link, _ = connect(target)
    with pytest.raises(ValueError, match="70000"):
        link.set_depth(70000).result(1)
    with pytest.raises(ValueError):
        link.set_rate(-1).result(1)
    assert not pen.commands_of(MsgType.SET_DEPTH) and not pen.commands_of(MsgType.SET_RATE)


def test_pen_buttons_show_up_as_events(serve, connect) -> None:
    target, pen, _ = serve("inproc", "idle")
    _link, rec = connect(target)
    pen.press(Button.MARK, long=True)
    assert wait_until(lambda: any(e.code == EventCode.BUTTON_LONG for e in rec.events), 2)
    assert rec.events[-1].arg == Button.MARK


def test_reads_take_whatever_is_waiting(connect) -> None:
    pen = VirtualPen(PenConfig(telemetry_hz=2000), "treatment")
    sizes: list[int] = []

    class Spy:
        def __init__(self) -> None:
            self.port = InProcessPort(pen)

        @property
        def in_waiting(self) -> int:
            return self.port.in_waiting

        def read(self, size: int = 1) -> bytes:
            data = self.port.read(size)
            sizes.append(len(data))
            return data

        def write(self, data: bytes, /) -> int | None:
            return self.port.write(data)

        def close(self) -> None:
            self.port.close()

    link = Link("spy", opener=lambda _url: Spy())
    try:
        link.start()
        assert link.wait_for_state(LinkState.STREAMING, 5)
        assert wait_until(lambda: sum(sizes) > 60_000, 5)
        assert sum(sizes) / len([s for s in sizes if s]) > 30  # whole bursts, not bytes
    finally:
        link.close()

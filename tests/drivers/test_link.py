"""The link against the virtual pen: over a pty, over TCP and in-process."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from drivers.link import CommandTimeout, LinkClosed, LinkState
from drivers.messages import AckResult, Button, EventCode, MsgType
from drivers.pen_endpoints import InProcessPort, PtyServer, TcpServer, wait_until
from drivers.virtual_pen import PenConfig, VirtualPen


def test_handshake_and_clamped_commands_over_pty(pty_pen: PtyServer, connect) -> None:
    link, rec = connect(str(pty_pen.path))
    assert link.info is not None and link.info.serial == "VP-000001"
    assert link.set_depth(1234).result(2).value == 1250  # rounded to the 50 µm step
    assert link.set_depth(9000).result(2).value == 2500  # clamped to depth_max_um
    assert link.set_rate(5).result(2).value == 200  # clamped to rate_min
    limit = link.set_depth_limit(1000).result(2)
    assert (limit.result, limit.value) == (AckResult.OK, 1000)
    assert link.set_depth(1500).result(2).value == 1000
    assert wait_until(lambda: any(e.code == EventCode.DEPTH_CLAMPED for e in rec.events), 2)
    clamped = next(e for e in rec.events if e.code == EventCode.DEPTH_CLAMPED)
    assert clamped.arg == 1500
    assert link.set_telemetry_rate(10).result(2).value == 50
    assert wait_until(lambda: rec.samples() > 20, 2)
    assert [c[0] for c in rec.commands if c[0] != "ping"][:2] == ["set_depth", "set_depth"]


def test_handshake_and_commands_over_tcp(tcp_pen: TcpServer, connect) -> None:
    link, rec = connect(tcp_pen.url)
    start = link.motor(True).result(2)
    assert start.ok and start.value == 1
    assert wait_until(lambda: rec.samples() > 200, 3)
    info = link.get_info().result(2)
    assert info.depth_step_um == 50


def test_motor_start_refused_without_cartridge_and_during_fault(connect) -> None:
    link, _ = connect("virtual://idle")
    pen = link.virtual_pen
    pen.set_cartridge(None)
    assert link.motor(True).result(2).result == AckResult.NOT_ALLOWED
    pen.set_cartridge((12, 32))
    pen.raise_fault(1)
    assert link.motor(True).result(2).result == AckResult.FAULT_ACTIVE
    assert link.clear_fault().result(2).result == AckResult.NOT_ALLOWED  # cause persists
    pen.remove_fault_cause(1)
    assert link.clear_fault().result(2).ok
    assert link.motor(True).result(2).ok


def test_heartbeat_holds_while_another_thread_spins(connect) -> None:
    link, _rec = connect("virtual://treatment?telemetry_hz=2000")
    stop = threading.Event()

    def spin() -> None:
        x = 0
        while not stop.is_set():
            x += 1  # pure Python, holds the GIL as much as the interpreter allows

    spinner = threading.Thread(target=spin)
    spinner.start()
    start = time.monotonic()
    wait_until(lambda: time.monotonic() - start >= 3.0, 5, poll_s=0.1)
    stop.set()
    spinner.join()
    pen = link.virtual_pen
    assert not [e for e in pen.logs.events if e.code == EventCode.HOST_LINK_LOST]
    assert link.state is LinkState.STREAMING
    assert 0 < link.stats.max_heartbeat_gap_ms <= 300
    assert link.stats.max_heartbeat_gap_ms > 150  # it really measured PING spacing


def test_pen_interlock_trips_when_the_console_goes_quiet() -> None:
    pen = VirtualPen(PenConfig(), "treatment")
    port = InProcessPort(pen)
    try:
        from drivers.codec import encode_command
        from drivers.messages import Command

        port.write(encode_command(Command.hello(), 0))
        assert wait_until(lambda: pen.motor_on, 3)
        assert wait_until(
            lambda: any(e.code == EventCode.HOST_LINK_LOST for e in pen.logs.events), 4
        )
        assert not pen.motor_on and not pen.streaming
    finally:
        port.close()


def test_unplug_and_replug_comes_back_streaming(pty_pen: PtyServer, connect) -> None:
    link, rec = connect(str(pty_pen.path))
    assert wait_until(lambda: rec.samples() > 50, 2)
    pty_pen.unplug()
    assert link.wait_for_state(LinkState.LOST, 3)
    before = rec.samples()
    pty_pen.replug()
    replugged = time.monotonic()
    assert link.wait_for_state(LinkState.STREAMING, 3)
    assert time.monotonic() - replugged < 2.0
    assert wait_until(lambda: rec.samples() > before + 50, 2)
    regained = [s for s in rec.states if s.state is LinkState.STREAMING and s.gap_s]
    assert regained and regained[-1].gap_s > 0
    assert link.stats.reconnects == 1


def test_protocol_major_mismatch_is_incompatible_and_silent(connect) -> None:
    link, rec = connect("virtual://idle?protocol_major=2", expect=LinkState.INCOMPATIBLE)
    assert "protocol 2.0" in rec.states[-1].message and "1.0" in rec.states[-1].message
    pen = link.virtual_pen
    received = len(pen.logs.commands)
    with pytest.raises(LinkClosed):
        link.set_depth(500).result(1)
    assert len(pen.logs.commands) == received
    assert [c.type for c in pen.logs.commands] == [MsgType.HELLO]
    assert link.state is LinkState.INCOMPATIBLE


def test_higher_protocol_minor_is_accepted(connect) -> None:
    link, _ = connect("virtual://idle?protocol_minor=7")
    assert link.info.protocol_minor == 7


def test_unanswered_command_is_resent_then_times_out(connect) -> None:
    link, rec = connect("virtual://idle")
    pen = link.virtual_pen
    pen.unanswered.add(MsgType.SET_DEPTH)
    with pytest.raises(CommandTimeout, match="after 3 tries"):
        link.set_depth(700).result(3)
    assert len(pen.commands_of(MsgType.SET_DEPTH)) == 3
    seqs = [c.seq for c in pen.commands_of(MsgType.SET_DEPTH)]
    assert len(set(seqs)) == 3  # each try with a new seq
    assert any(isinstance(c[2], CommandTimeout) for c in rec.commands)


def test_wraps_of_t_us_strokes_and_seq(connect) -> None:
    url = "virtual://treatment?telemetry_hz=2000&t_us0=4294000000&strokes0=4294967250&seq0=65000"
    link, rec = connect(url)
    assert wait_until(lambda: rec.batches and rec.batches[-1].strokes[-1] > 2**32 + 10, 6)
    t_us = np.concatenate([b.t_us for b in rec.batches])
    strokes = np.concatenate([b.strokes for b in rec.batches])
    seq = np.concatenate([b.seq for b in rec.batches])
    assert t_us[-1] > 2**32 and np.all(np.diff(t_us) > 0)
    assert strokes[-1] > 2**32 and np.all(np.diff(strokes) >= 0)
    assert seq.min() < 100 < 65000 < seq.max()  # seq wrapped from 65535 to 0
    assert link.stats.seq_gaps == 0 and link.stats.frames_lost == 0


def test_pen_buttons_show_up_as_events(connect) -> None:
    link, rec = connect("virtual://idle")
    link.virtual_pen.press(Button.MARK, long=True)
    assert wait_until(lambda: any(e.code == EventCode.BUTTON_LONG for e in rec.events), 2)
    assert rec.events[-1].arg == Button.MARK


def test_wrong_port_says_what_and_keeps_trying(connect, tmp_path) -> None:
    _link, rec = connect(str(tmp_path / "no-such-tty"), expect=LinkState.DISCONNECTED)
    assert wait_until(lambda: any("cannot open" in s.message for s in rec.states), 2)
    assert "no-such-tty" in next(s.message for s in rec.states if "cannot open" in s.message)


def test_a_failing_subscriber_does_not_stop_the_link(connect) -> None:
    link, rec = connect("virtual://treatment")

    class Broken:
        def on_telemetry(self, batch: object) -> None:
            raise RuntimeError("boom")

    link.subscribe(Broken())
    before = rec.samples()
    assert wait_until(lambda: rec.samples() > before + 100, 2)
    assert link.stats.listener_errors > 0

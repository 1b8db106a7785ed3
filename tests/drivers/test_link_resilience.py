"""The link when things go wrong: a busy interpreter, a pulled cable, a dropped socket,
a wrong port, a broken subscriber, a pen that stops hearing the console."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from drivers.codec import encode_command
from drivers.link import LinkClosed, LinkState
from drivers.messages import Command, EventCode, MsgType
from drivers.virtual.endpoints import wait_until
from drivers.virtual.inprocess import InProcessPort
from drivers.virtual.pen import PenConfig, VirtualPen


def _host_frame_gaps_s(pen: VirtualPen, since_s: float) -> np.ndarray:
    """Gaps between consecutive host frames as the pen heard them (pen clock, 4 ms ticks)."""
    heard = np.array([c.at_s for c in pen.logs.commands if c.at_s >= since_s])
    return np.diff(heard)


@pytest.mark.parametrize("kind", ["pty", "tcp"])
def test_heartbeat_holds_while_another_thread_spins(kind: str, serve, connect) -> None:
    target, pen, _ = serve(kind, telemetry_hz=2000)
    link, _rec = connect(target)
    stop = threading.Event()
    spun = threading.Event()

    def spin() -> None:
        x = 0
        started = time.monotonic()
        while not stop.is_set():
            x += 1  # pure Python: holds the GIL as much as the interpreter allows
            if time.monotonic() - started > 3.0:
                spun.set()

    since_s = pen.now_s
    spinner = threading.Thread(target=spin, name="spinner")
    spinner.start()
    try:
        assert spun.wait(10)
    finally:
        stop.set()
        spinner.join()
    assert not [e for e in pen.logs.events if e.code == EventCode.HOST_LINK_LOST]
    assert link.state is LinkState.STREAMING
    assert 100 < link.stats.max_heartbeat_gap_ms <= 300  # it really measured PING spacing
    assert 100 < link.stats.last_heartbeat_gap_ms <= 300
    gaps = _host_frame_gaps_s(pen, since_s)
    assert len(gaps) >= 10 and gaps.max() <= 0.31  # and the pen agrees


def test_the_pen_interlock_trips_when_the_console_goes_quiet() -> None:
    pen = VirtualPen(PenConfig(), "treatment")
    port = InProcessPort(pen)
    try:
        port.write(encode_command(Command.hello(), 0))
        assert wait_until(lambda: pen.motor_on, 3)
        assert wait_until(
            lambda: any(e.code == EventCode.HOST_LINK_LOST for e in pen.logs.events), 4
        )
        assert not pen.motor_on and not pen.streaming
    finally:
        port.close()


def test_unplug_and_replug_comes_back_streaming_by_itself(serve, connect) -> None:
    target, pen, pty = serve("pty")
    link, rec = connect(target)
    assert wait_until(lambda: rec.samples() > 50, 2)
    pen.unanswered.add(MsgType.SET_RATE)
    pending = link.set_rate(900)
    pty.unplug()
    assert link.wait_for_state(LinkState.LOST, 3)
    with pytest.raises(LinkClosed):
        pending.result(2)  # nothing is left hanging
    lost = next(s for s in rec.states if s.state is LinkState.LOST)
    assert str(target) in lost.message
    # Let the backoff grow past its first steps, as a real unplug would.
    assert wait_until(lambda: sum("cannot open" in s.message for s in rec.states) >= 3, 5)
    before = rec.samples()
    pty.replug()
    replugged = time.monotonic()
    assert link.wait_for_state(LinkState.STREAMING, 3)
    assert time.monotonic() - replugged < 2.0
    assert wait_until(lambda: rec.samples() > before + 50, 2)
    regained = [s for s in rec.states if s.state is LinkState.STREAMING and s.gap_s]
    assert len(regained) == 1 and regained[0].gap_s > 0.5
    assert link.stats.reconnects == 1
    assert link.stats.seq_gaps == 0 and rec.gaps == []  # the outage is a link gap, not loss


def test_a_dropped_tcp_connection_comes_back_streaming(serve, connect) -> None:
    target, _pen, tcp = serve("tcp")
    link, rec = connect(target)
    tcp.drop_client()
    assert link.wait_for_state(LinkState.LOST, 3)
    assert link.wait_for_state(LinkState.STREAMING, 3)
    before = rec.samples()
    assert wait_until(lambda: rec.samples() > before + 50, 2)
    assert link.stats.reconnects == 1


def test_a_wrong_port_says_what_happened_and_what_to_do(connect, tmp_path) -> None:
    link, rec = connect(str(tmp_path / "no-such-tty"), expect=LinkState.DISCONNECTED)
    assert wait_until(lambda: any("cannot open" in s.message for s in rec.states), 2)
    message = next(s.message for s in rec.states if "cannot open" in s.message)
    assert "no-such-tty" in message and "No such file" in message and "plugged in" in message
    assert link.stats.reconnects == 0


def test_a_failing_subscriber_does_not_stop_the_link(serve, connect) -> None:
    target, _pen, _ = serve("inproc")
    link, rec = connect(target)

    class Broken:
        def on_telemetry(self, batch: object) -> None:
            raise RuntimeError("boom")

    link.subscribe(Broken())
    before = rec.samples()
    assert wait_until(lambda: rec.samples() > before + 100, 2)
    assert link.stats.listener_errors > 0
    assert link.state is LinkState.STREAMING


def test_close_is_idempotent_and_joins_its_threads(serve, connect) -> None:
    target, _pen, _ = serve("inproc")
    link, rec = connect(target)
    ours = [t for t in threading.enumerate() if t.name.startswith("pen-link")]
    assert len(ours) == 2
    link.close()
    link.close()
    assert not any(t.is_alive() for t in ours)
    assert [s.state for s in rec.states].count(LinkState.DISCONNECTED) == 1
    with pytest.raises(LinkClosed):
        link.set_depth(500).result(1)


def test_bytes_that_never_make_a_frame_are_silence_then_the_pen_comes_back(serve, connect) -> None:
    """Issue 15: a line carrying only noise (no delimiter) for longer than the silence
    timeout is a lost pen; the outage is reported with its true length, not as lost frames."""
    target, pen, _ = serve("pty", telemetry_hz=2000)
    link, rec = connect(target)
    assert wait_until(lambda: rec.samples() > 200, 3)
    jam_s = 2.5
    pen.jam(jam_s)
    jammed_at = time.monotonic()
    assert link.wait_for_state(LinkState.LOST, 3)
    lost = next(s for s in rec.states if s.state is LinkState.LOST)
    assert "no valid frame" in lost.message and "bytes came" in lost.message
    assert time.monotonic() - jammed_at >= 0.9  # it waited for the timeout, not less
    assert link.wait_for_state(LinkState.STREAMING, 5)
    back = next(s for s in rec.states if s.state is LinkState.STREAMING and s.gap_s)
    assert jam_s - 0.3 <= back.gap_s <= jam_s + 2.0  # measured from the last valid frame
    assert link.stats.reconnects == 1
    assert link.stats.seq_gaps == 0 and rec.gaps == []  # a link gap, not lost frames
    before = rec.samples()
    assert wait_until(lambda: rec.samples() > before + 500, 3)
    sent = pen.sent_telemetry()
    assert not sent["intact"].all() and sent["intact"][-100:].all()  # jammed, then clean


def test_a_jam_shorter_than_the_timeout_is_not_a_lost_link(serve, connect) -> None:
    target, pen, _ = serve("inproc", telemetry_hz=1000)
    link, rec = connect(target)
    pen.jam(0.4)
    jam_end = pen.now_s + 0.4
    assert wait_until(lambda: pen.now_s > jam_end + 0.3, 3)
    before = rec.samples()
    assert wait_until(lambda: rec.samples() > before + 200, 2)
    assert link.state is LinkState.STREAMING
    assert all(s.state is not LinkState.LOST for s in rec.states)

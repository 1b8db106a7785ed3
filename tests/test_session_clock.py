"""A session carries on across a new pen or a rebooted one: continuous time, strokes that
never go back, the break reported once, and the outage kept as a gap (issue 13, item 2)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from console.core.continuity import Break, BreakKind, SessionClock
from console.core.live import LiveModel
from drivers.link import LinkState, StateChange
from drivers.messages import Info, Status, TelemetryBatch

HZ = 1000


def batch(t0_us: int, strokes0: int, n: int = 500, received_s: float = 0.0) -> TelemetryBatch:
    i = np.arange(n)
    return TelemetryBatch.from_columns(
        {
            "seq": i & 0xFFFF,
            "t_us": t0_us + i * (1_000_000 // HZ),
            "depth_set_um": np.full(n, 500),
            "depth_meas_um": np.full(n, 490),
            "rate_dhz": np.full(n, 800),
            "strokes": strokes0 + i // 12,
            "motor_ma": np.zeros(n),
            "force_mn": np.zeros(n),
            "battery_pct": np.full(n, 80),
            "temp_dc": np.full(n, 300),
            "status": np.full(n, Status.MOTOR_RUNNING | Status.SKIN_CONTACT),
        },
        received_ns=int(received_s * 1e9),
    )


def info(serial: str) -> Info:
    fields = {f.name: 0 for f in dataclasses.fields(Info)}
    fields.update(serial=serial, model="MN-1", telemetry_hz=HZ)
    return Info(**fields)  # type: ignore[arg-type]


class Sink:
    def __init__(self) -> None:
        self.batches: list[TelemetryBatch] = []

    def on_telemetry(self, b: TelemetryBatch) -> None:
        self.batches.append(b)

    def column(self, name: str) -> np.ndarray:
        return np.concatenate([getattr(b, name) for b in self.batches])


@pytest.fixture
def clock() -> tuple[SessionClock, Sink, list[Break]]:
    c = SessionClock()
    sink = Sink()
    breaks: list[Break] = []
    c.subscribe(sink)
    c.on_break.append(breaks.append)
    return c, sink, breaks


def test_the_same_pen_streaming_on_is_left_alone(clock) -> None:
    c, sink, breaks = clock
    c.on_info(info("A1"))
    first = batch(5_000_000, 900, received_s=10.0)
    c.on_telemetry(first)
    c.on_telemetry(batch(5_500_000, 941, received_s=10.5))
    assert sink.batches[0] is first  # no copy when nothing needs mapping
    assert breaks == [] and c.t_offset_us == 0 and c.strokes_offset == 0


def test_a_new_pen_carries_the_session_on(clock) -> None:
    c, sink, breaks = clock
    c.on_info(info("A1"))
    c.on_telemetry(batch(80_000_000, 2_900, received_s=100.0))
    # The operator plugs in another pen 12 s later: its clock and count are its own.
    c.on_info(info("B7"))
    c.on_telemetry(batch(3_000_000, 17, received_s=112.5))
    c.on_telemetry(batch(3_500_000, 58, received_s=113.0))
    t, strokes = sink.column("t_us"), sink.column("strokes")
    assert np.all(np.diff(t) > 0) and np.all(np.diff(strokes) >= 0)
    gap_us = int(t[500] - t[499])
    assert gap_us == 12_500_000  # the time the console really waited between arrivals
    assert strokes[500] == strokes[499]  # strokes in the outage are not invented
    assert strokes[-1] - strokes[500] == 58 + 499 // 12 - 17  # the new pen's own count on
    assert [b.kind for b in breaks] == [BreakKind.NEW_PEN]
    assert breaks[0].serial == "B7" and breaks[0].previous_serial == "A1"
    assert breaks[0].t_us == int(t[500])


def test_a_rebooted_pen_inside_one_feed(clock) -> None:
    c, sink, breaks = clock
    c.on_info(info("A1"))
    before = batch(40_000_000, 1_000, n=300, received_s=50.0)
    after = batch(200, 0, n=300, received_s=50.0)  # clock and count back near zero
    joined = TelemetryBatch.concat([before, after])
    c.on_telemetry(joined)
    t, strokes = sink.column("t_us"), sink.column("strokes")
    assert np.all(np.diff(t) > 0) and np.all(np.diff(strokes) >= 0)
    assert [b.kind for b in breaks] == [BreakKind.PEN_RESTARTED]
    # The decoder's unwrapping turns a reboot into a huge forward jump: also a break.
    c.on_telemetry(batch(int(t[-1]) - c.t_offset_us + 2**32 - 10**9, 10**9, received_s=51.0))
    assert len(breaks) == 2 and np.all(np.diff(sink.column("t_us")) > 0)


def test_live_model_counts_strokes_across_a_pen_change_and_resets_at_the_end() -> None:
    live = LiveModel()
    c = SessionClock()
    c.subscribe(live)
    c.on_break.append(live.on_break)
    c.on_info(info("A1"))
    c.on_telemetry(batch(0, 1_000, received_s=1.0))
    live.drain()
    live.mark_session_start()
    c.on_telemetry(batch(500_000, 1_041, received_s=1.5))
    live.on_state(StateChange(LinkState.LOST, LinkState.STREAMING, "lost", 0))
    live.drain()
    assert not live.current() and live.outages[-1].end_t is None  # the band is open
    counted = live.session_strokes()
    c.on_info(info("B7"))
    live.on_state(StateChange(LinkState.STREAMING, LinkState.LOST, "B7", 0, gap_s=5.0))
    c.on_telemetry(batch(9_000_000, 4, received_s=6.5))
    live.drain()
    assert live.session_strokes() == counted + 499 // 12  # monotonic, never negative
    assert live.outages[-1].end_t is not None and "new pen B7" in live.outages[-1].label
    assert any(m.kind == "pen" for m in live.markers)
    live.end_session()
    assert live.session_strokes() is None  # the next session starts from zero
    live.mark_session_start()
    assert live.session_strokes() == 0


def test_rate_trace_is_zero_while_the_motor_is_stopped() -> None:
    live = LiveModel()
    stopped = batch(0, 0)
    stopped.status[:] = Status.SKIN_CONTACT | Status.FAULT_ACTIVE
    live.on_telemetry(stopped)
    live.drain()
    _t, cols = live.ring.view(-1.0)
    assert np.all(cols["rate_hz"] == 0)  # as the readout says, not the set rate


def test_every_break_is_a_kind_the_record_knows() -> None:
    from console.core.continuity import BreakKind
    from console.store.rows import EventKind

    assert {k.value for k in BreakKind} <= {k.value for k in EventKind}

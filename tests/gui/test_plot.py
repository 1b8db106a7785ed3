"""The telemetry plot, bound to a LiveModel fed with synthetic telemetry (no link)."""

from __future__ import annotations

import numpy as np
import pytest

from console.core.live import LiveModel
from drivers.link import LinkState, StateChange
from drivers.messages import Event, EventCode, SeqGap, TelemetryBatch
from widgets.telemetry_plot import TelemetryPlot

RATE_HZ = 1000


def batch(first_seq: int, n: int, depth_um: int = 500) -> TelemetryBatch:
    seq = np.arange(first_seq, first_seq + n)
    return TelemetryBatch.from_columns(
        {
            "seq": seq & 0xFFFF,
            "t_us": seq * (1_000_000 // RATE_HZ),
            "depth_set_um": np.full(n, depth_um),
            "depth_meas_um": np.full(n, depth_um - 10),
            "rate_dhz": np.full(n, 800),
            "strokes": seq // 10,
            "motor_ma": np.zeros(n),
            "force_mn": np.full(n, 300),
            "battery_pct": np.full(n, 80),
            "temp_dc": np.full(n, 300),
            "status": np.full(n, 0b111),
        }
    )


@pytest.fixture
def live() -> LiveModel:
    return LiveModel()


@pytest.fixture
def plot(qtbot, live: LiveModel) -> TelemetryPlot:
    widget = TelemetryPlot(live)
    qtbot.addWidget(widget)
    return widget


def drawn_across(x: np.ndarray, y: np.ndarray, lo: float, hi: float) -> bool:
    """Whether two consecutive finite points straddle (lo, hi): a line across the gap."""
    finite = np.isfinite(y[:-1]) & np.isfinite(y[1:])
    return bool(np.any(finite & (x[:-1] <= lo) & (x[1:] >= hi)))


def test_lost_frames_show_as_a_gap_not_a_line(plot: TelemetryPlot, live: LiveModel) -> None:
    live.on_telemetry(batch(0, 2000))
    live.on_gap(SeqGap(frames_lost=500, seq_before=1999, seq_after=2500, t_us_before=1_999_000))
    live.on_telemetry(batch(2500, 1000))
    live.drain()
    plot.refresh()

    t, cols = live.ring.view(-np.inf)
    inside = (t > 1.999) & (t < 2.5)
    assert inside.sum() == 1 and np.isnan(cols["depth_meas_mm"][inside]).all()  # a NaN row

    x, y = plot.curve_data()  # peak-decimated by the plot before setData
    now_t = 3.499
    gap_lo, gap_hi = 1.999 - now_t, 2.5 - now_t
    assert np.isfinite(y[x < gap_lo - 0.01]).all() and np.isfinite(y[x > gap_hi + 0.01]).all()
    assert plot.meas_curve.opts["connect"] == "finite"
    assert drawn_across(x, y, gap_lo, gap_hi) is False
    # Downsampled for drawing (3000 points into a small widget), the break survives.
    shown_x, shown_y = plot.curve_data(displayed=True)
    assert len(shown_x) < len(x)
    assert drawn_across(shown_x, shown_y, gap_lo, gap_hi) is False
    assert any(m.kind == "gap" for m in live.markers)


def test_link_outage_shows_as_a_gap(plot: TelemetryPlot, live: LiveModel) -> None:
    live.on_telemetry(batch(0, 1000))
    live.on_state(StateChange(LinkState.LOST, LinkState.STREAMING, "lost", 0))
    live.on_state(StateChange(LinkState.STREAMING, LinkState.LOST, "back", 0, gap_s=2.0))
    live.on_telemetry(batch(3000, 1000))  # the pen's clock ran on: 2 s with nothing heard
    live.drain()
    plot.refresh()

    t, cols = live.ring.view(-np.inf)
    inside = (t > 0.999) & (t < 3.0)
    assert inside.any() and np.isnan(cols["depth_meas_mm"][inside]).all()
    x, y = plot.curve_data()
    now_t = 3.999
    gap_lo, gap_hi = 0.999 - now_t, 3.0 - now_t
    assert drawn_across(x, y, gap_lo, gap_hi) is False
    assert drawn_across(x, y, gap_lo, gap_hi) is False
    assert drawn_across(*plot.curve_data(displayed=True), gap_lo, gap_hi) is False


def test_fixed_relative_axis_and_window_choice(plot: TelemetryPlot, live: LiveModel) -> None:
    live.on_telemetry(batch(0, 40 * RATE_HZ))
    live.drain()
    plot.set_window(10)
    plot.refresh()
    x, _ = plot.curve_data()
    assert x.max() == pytest.approx(0.0)
    assert x.min() >= -10.6  # only the window (and a sliver) is handed to the curve
    assert plot.depth_plot.viewRange()[0] == pytest.approx([-10, 0])
    plot.set_window(30)
    plot.refresh()
    assert plot.curve_data()[0].min() < -29


def test_pause_freezes_the_view_while_data_keeps_arriving(
    plot: TelemetryPlot, live: LiveModel
) -> None:
    live.on_telemetry(batch(0, 5000))
    live.drain()
    plot.refresh()
    plot.set_paused(True)
    frozen = plot.shown_now_t
    x_paused, _ = plot.curve_data()
    assert x_paused.min() < -4.9  # the whole buffer is there to look back over

    live.on_telemetry(batch(5000, 2000))
    live.drain()
    plot.refresh()
    assert plot.shown_now_t == frozen
    assert live.ring.last_t() == pytest.approx(6.999)  # recording went on underneath

    plot.set_paused(False)
    assert plot.shown_now_t == pytest.approx(6.999)


def test_event_markers_on_the_time_axis(plot: TelemetryPlot, live: LiveModel) -> None:
    live.on_telemetry(batch(0, 3000))
    live.on_event(
        Event(seq=1, t_us_raw=1_000_000, code=EventCode.BUTTON_SHORT, arg=1, t_us=1_000_000)
    )
    live.on_event(
        Event(seq=2, t_us_raw=2_000_000, code=EventCode.FAULT_RAISED, arg=1, t_us=2_000_000)
    )
    live.drain()
    live.add_marker("pass", "pass 1 closed")
    plot.refresh()
    positions = [round(x, 3) for x in plot.marker_positions()]
    assert positions == [round(1.0 - 2.999, 3), round(2.0 - 2.999, 3), 0.0]


def test_peak_decimation_keeps_peaks_gaps_and_the_newest_samples() -> None:
    from console.core.live import peak_decimate

    n = 10_007
    t = np.arange(n) / 1000.0
    y = np.zeros(n, np.float32)
    y[5000] = 9.0  # a one-sample spike must survive
    y[7000] = np.nan  # a gap row must survive
    out_t, out = peak_decimate(123, t, {"y": y}, max_points=1000)
    assert len(out_t) <= 1000 + 40
    assert np.nanmax(out["y"]) == 9.0
    assert np.isnan(out["y"]).any()
    assert out_t[-1] == t[-1]  # the newest sample is passed through, not binned away
    # Bins are aligned to absolute rows: one more sample does not move earlier bins.
    t2, out2 = peak_decimate(123, t[:-1], {"y": y[:-1]}, max_points=1000)
    same = min(len(t2), len(out_t)) - 40
    assert np.array_equal(t2[:same], out_t[:same])


def test_incremental_decimation_matches_decimating_each_window_afresh() -> None:
    from console.core.ring import PeakCache, RingBuffer, peak_decimate

    rng = np.random.default_rng(3)
    ring = RingBuffer(5000, ("y", "z"))
    cache = PeakCache()
    t0 = 0.0
    for frame in range(400):
        n = int(rng.integers(1, 80))
        t = t0 + np.arange(n) / 1000.0
        t0 = t[-1] + 0.001
        y = rng.normal(size=n).astype(np.float32)
        if frame % 97 == 5:
            y[0] = np.nan  # a gap row
        ring.append(t, {"y": y, "z": -y})
        width = 300 if frame < 250 else 120  # a narrower plot: a new bin size
        first, tw, cols = ring.view_indexed(t0 - 3.0)
        want_t, want = peak_decimate(first, tw, cols, 2 * width)
        got_t, got = cache.decimate(first, tw, cols, 2 * width)
        if len(got_t) == len(want_t):  # the same bin size: the very same picture
            assert np.array_equal(got_t, want_t)
            for name in cols:
                assert np.array_equal(got[name], want[name], equal_nan=True)
        else:  # a bin size kept one row larger: still peaks, gaps and the newest row
            assert len(got_t) <= len(want_t) and got_t[-1] == tw[-1]
            assert np.nanmax(got["y"]) == np.nanmax(cols["y"])
            assert np.isnan(got["y"]).any() == np.isnan(cols["y"]).any()

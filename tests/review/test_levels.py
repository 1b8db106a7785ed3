"""The review's summary levels draw what the samples hold: peaks, gaps and replay state
are the same whether a session is read from its summaries or from every sample."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from console.core.review import SessionReview
from console.store import EventKind, EventRow, SessionFilter, Store

RATE_HZ = 100


def _columns(n: int, t0_us: int = 0) -> dict[str, np.ndarray]:
    i = np.arange(n)
    rng = np.random.default_rng(n)
    return {
        "seq": (i & 0xFFFF).astype(np.uint16),
        "t_us": (t0_us + i * (1_000_000 // RATE_HZ)).astype(np.int64),
        "depth_set_um": np.full(n, 500, np.uint16),
        "depth_meas_um": (480 + rng.integers(0, 40, n)).astype(np.uint16),
        "rate_dhz": np.full(n, 1200, np.uint16),
        "strokes": (1000 + i // 3).astype(np.int64),
        "motor_ma": np.full(n, 200, np.uint16),
        "force_mn": np.full(n, 400, np.uint16),
        "battery_pct": np.full(n, 80, np.uint8),
        "temp_dc": np.full(n, 310, np.int16),
        "status": np.full(n, 0b1000111, np.uint16),
        "zone": np.zeros(n, np.uint8),
        "pass_no": np.zeros(n, np.uint8),
    }


@pytest.fixture
def long_session(tmp_path: Path) -> Iterator[tuple[Store, str, dict[str, np.ndarray]]]:
    """400 one-second chunks, one spike of one sample, and a 30 s hole in the record."""
    store = Store(tmp_path / "levels.db")
    session = store.create_session("P-1", "Dr A", notes="forehead acne scars, good tolerance")
    cols = _columns(400 * RATE_HZ)
    cols["depth_meas_um"][12_345] = 1900  # one sample above any ceiling
    cols["t_us"][20_000:] += 30_000_000  # the link was gone for 30 s
    chunks = [
        (no, {k: v[no * RATE_HZ : (no + 1) * RATE_HZ] for k, v in cols.items()})
        for no in range(400)
    ]
    store.write_batch(session, chunks, [EventRow(None, "console", EventKind.ALARM, None, None, {})])
    yield store, session, cols
    store.close()


def test_overview_and_zoom_from_summaries_keep_the_peak_and_the_hole(long_session) -> None:
    store, session, cols = long_session
    review = SessionReview(store, session)
    assert review.levels is not None and review._columns is None  # nothing unpacked
    assert review.samples == len(cols["seq"])
    assert review.duration_s == pytest.approx((cols["t_us"][-1] - cols["t_us"][0]) / 1e6)
    for bins in (100, 1000):  # the coarse level, then the fine one
        x, y = review.envelope("depth_meas_um", bins)
        assert np.nanmax(y) == 1900 and np.nanmin(y) == cols["depth_meas_um"].min()
        hole = (x > 205) & (x < 225)
        assert hole.any() and np.isnan(y[hole]).all()
    assert review._columns is None  # still no sample read
    spike_s = (cols["t_us"][12_345] - cols["t_us"][0]) / 1e6
    x, y = review.envelope("depth_meas_um", 500, (spike_s - 5, spike_s + 5))  # raw level
    assert np.nanmax(y) == 1900
    full = SessionReview(store, session)
    full.levels = None  # the same session read from every sample
    fx, fy = full.envelope("depth_meas_um", 500, (spike_s - 5, spike_s + 5))
    assert np.array_equal(x, fx) and np.array_equal(y, fy, equal_nan=True)


def test_replay_state_from_chunks_equals_the_state_from_every_sample(long_session) -> None:
    store, session, _ = long_session
    review = SessionReview(store, session)
    full = SessionReview(store, session)
    full.levels = None
    for t in (0.0, 0.015, 123.456, 199.99, 215.0, 235.2, review.duration_s):
        assert review.state_at(t) == full.state_at(t), t


def test_a_session_without_summaries_is_read_from_its_samples(long_session) -> None:
    store, session, cols = long_session
    with store.lock, store.conn:
        store.conn.execute("DELETE FROM chunk_summaries WHERE chunk_no = 7")
    review = SessionReview(store, session)
    assert review.levels is None and review.samples == len(cols["seq"])
    assert np.nanmax(review.envelope("depth_meas_um", 300)[1]) == 1900


def test_the_list_filters_read_the_totals_and_the_note_index(long_session) -> None:
    store, session, cols = long_session
    other = store.create_session("P-2", "Dr B", notes="neck")
    store.add_event(other, "link_gap", data={"gap_s": 3.0})
    (row,) = store.sessions(SessionFilter(has_alarms=True))
    assert row["uuid"] == session and row["samples"] == len(cols["seq"]) and row["events"] == 1
    assert [r["uuid"] for r in store.sessions(SessionFilter(has_link_gaps=True))] == [other]
    assert [r["uuid"] for r in store.sessions(SessionFilter(text="ACNE sc"))] == [session]
    assert [r["uuid"] for r in store.sessions(SessionFilter(text="ec"))] == [other]
    store.update_session(other, notes="neck, acne")
    assert len(store.sessions(SessionFilter(text="acne"))) == 2
    assert [r["uuid"] for r in store.sessions(SessionFilter(practitioner="Dr B"))] == [other]

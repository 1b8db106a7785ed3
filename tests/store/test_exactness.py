"""Every telemetry frame the pen sent intact is stored once, bit-exact; nothing is invented."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from console.core.export import CSV_COLUMNS, write_csv
from console.store import Store


def _check_exact(store: Store, link, recorder, session: str) -> int:
    recorder.end_session()
    stored = store.load_telemetry(session)
    sent = link.virtual_pen.sent_telemetry()
    t_raw = (stored["t_us"] & 0xFFFFFFFF).astype(np.int64)
    # The recording covers a window of what the pen sent: from the first stored sample to
    # the last. Inside it, every intact frame must be stored, once, with equal values.
    sent_t = sent["row"]["t_us"].astype(np.int64)
    first = int(np.flatnonzero(sent_t == t_raw[0])[0])
    last = int(np.flatnonzero(sent_t == t_raw[-1])[-1])
    window = sent[first : last + 1]
    expected = window[window["intact"]]
    assert len(stored["seq"]) == len(expected)
    assert np.array_equal(stored["seq"], expected["seq"])
    for name in (
        "depth_set_um",
        "depth_meas_um",
        "rate_dhz",
        "motor_ma",
        "force_mn",
        "battery_pct",
        "temp_dc",
        "status",
    ):
        assert np.array_equal(stored[name], expected["row"][name]), name
    assert np.array_equal(t_raw, expected["row"]["t_us"].astype(np.int64))
    assert np.array_equal(stored["strokes"] & 0xFFFFFFFF, expected["row"]["strokes"])
    assert np.all(np.diff(stored["t_us"]) > 0)  # unwrapped, monotonic
    assert np.all(np.diff(stored["strokes"]) >= 0)
    _check_csv_export(store, session, expected)
    lost = int((~window["intact"]).sum())
    return lost


def _check_csv_export(store: Store, session: str, expected: np.ndarray) -> None:
    """The CSV a user exports holds exactly the intact frames, in the CSV's units."""
    out = io.StringIO()
    assert write_csv(store, session, out) == len(expected)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == CSV_COLUMNS
    table = {name: [r[i] for r in rows[1:]] for i, name in enumerate(CSV_COLUMNS)}

    def ints(name: str) -> np.ndarray:
        return np.array(table[name], np.int64)

    def tenths(name: str) -> np.ndarray:
        return np.round(np.array(table[name], float) * 10).astype(np.int64)

    row = expected["row"]
    assert np.array_equal(ints("seq"), expected["seq"])
    assert np.array_equal(ints("t_us") & 0xFFFFFFFF, row["t_us"])
    assert np.array_equal(ints("strokes") & 0xFFFFFFFF, row["strokes"])
    for csv_name, pen_name in (
        ("depth_set_um", "depth_set_um"),
        ("depth_meas_um", "depth_meas_um"),
        ("motor_ma", "motor_ma"),
        ("force_mn", "force_mn"),
        ("battery_pct", "battery_pct"),
        ("status", "status"),
    ):
        assert np.array_equal(ints(csv_name), row[pen_name]), csv_name
    assert np.array_equal(tenths("rate_hz"), row["rate_dhz"])
    assert np.array_equal(tenths("temp_c"), row["temp_dc"])


@pytest.mark.parametrize(
    "url",
    [
        "virtual://treatment?telemetry_hz=1000",
        "virtual://faults?telemetry_hz=1000",
        "virtual://treatment?telemetry_hz=2000&t_us0=4293767296&strokes0=4294967250&seq0=65000",
    ],
    ids=["treatment", "faults", "wraps"],
)
def test_recording_is_exact(store: Store, record, url: str) -> None:
    link, recorder, session = record(url, samples=5000 if "t_us0" in url else 3000)
    assert _check_exact(store, link, recorder, session) == 0
    if "t_us0" in url:  # the recording really crossed all three wraps
        stored = store.load_telemetry(session)
        assert stored["t_us"][0] < 2**32 < stored["t_us"][-1]
        assert stored["strokes"][0] < 2**32 < stored["strokes"][-1]
        assert np.any(np.diff(stored["seq"].astype(np.int64)) < 0)
    events = store.events(session)
    assert not [e for e in events if e["kind"] == "seq_gap"]


def test_noisy_link_loses_only_damaged_frames_and_records_the_gaps(store: Store, record) -> None:
    link, recorder, session = record("virtual://treatment?telemetry_hz=1000&noise=0.02", 3000)
    lost = _check_exact(store, link, recorder, session)
    assert lost > 10  # the noise really damaged frames
    gaps = [e for e in store.events(session) if e["kind"] == "seq_gap"]
    assert gaps and sum(e["arg"] for e in gaps) >= lost
    assert link.stats.discarded["total"] > 0


def test_csv_export_has_the_exact_columns_and_units(store: Store, record) -> None:
    link, recorder, session = record("virtual://treatment?telemetry_hz=1000", 1500)
    recorder.end_session()
    out = io.StringIO()
    n = write_csv(store, session, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == CSV_COLUMNS
    assert len(rows) == n + 1
    stored = store.load_telemetry(session)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["t_s"] == "0.000000"
    assert int(first["t_us"]) == int(stored["t_us"][0])
    assert float(first["rate_hz"]) == stored["rate_dhz"][0] / 10
    assert float(first["temp_c"]) == stored["temp_dc"][0] / 10
    assert first["zone"] == "" and first["pass"] == ""
    last = dict(zip(rows[0], rows[-1], strict=True))
    assert float(last["t_s"]) == pytest.approx((stored["t_us"][-1] - stored["t_us"][0]) / 1e6)

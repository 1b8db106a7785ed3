"""The recorder fed synthetic batches (no link): chunking, a real SQLITE_FULL, shutdown."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from storage_listener import StorageListener as _Listener

from console.core.audit import AuditLog
from console.core.recorder import Recorder
from console.store import Store, StoreError, chunking
from drivers.link import CommandResult
from drivers.messages import AckResult, Info, TelemetryBatch
from drivers.virtual.endpoints import wait_until


def _batch(start: int, n: int, *, t0_us: int = 0, step_us: int = 1000, strokes0: int = 0):
    i = np.arange(n)
    noise = np.random.default_rng(start).integers(0, 60, n)  # compresses like real data
    return TelemetryBatch.from_columns(
        {
            "seq": (start + i) & 0xFFFF,
            "t_us": t0_us + (start + i) * step_us,
            "depth_set_um": np.full(n, 500),
            "depth_meas_um": 470 + noise,
            "rate_dhz": np.full(n, 800),
            "strokes": strokes0 + (start + i) // 12,
            "motor_ma": 200 + (start + i) % 7,
            "force_mn": 400 + (start + i) % 90,
            "battery_pct": np.full(n, 80),
            "temp_dc": np.full(n, 310),
            "status": np.full(n, 0b1000111),
        }
    )


@pytest.fixture
def recorder(store: Store) -> Iterator[Recorder]:
    rec = Recorder(store)
    rec.rate_hz = 1000  # as on_info would set it
    yield rec
    rec.close()


def _stored_seq(store: Store, session: str) -> np.ndarray:
    return store.load_telemetry(session)["seq"]


def _fill_disk(store: Store) -> None:
    """A real SQLITE_FULL: the file may not grow past the pages it has now."""
    with store.lock:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")


def _free_disk(store: Store) -> None:
    with store.lock:
        store.conn.execute("PRAGMA max_page_count = 1073741823")


def test_chunks_are_one_second_and_equal_while_the_stream_is_steady() -> None:
    t = np.arange(5500, dtype=np.int64) * 1000
    spans, rest = chunking.cut(t, t // 50, 1000, final=False)
    assert spans == [(k * 1000, (k + 1) * 1000) for k in range(5)]
    assert rest == 5000  # the last half second waits for more samples
    spans, rest = chunking.cut(t, t // 50, 1000, final=True)
    assert spans[-1] == (5000, 5500) and rest == 5500


def test_a_chunk_never_spans_an_outage_or_a_restarted_pen() -> None:
    t = np.concatenate([np.arange(300), 3_000_000_000 + np.arange(300)]) * 1000  # 50 min
    strokes = np.concatenate([np.arange(300) + 10**6, np.arange(300)])  # pen restarted
    spans, _ = chunking.cut(t.astype(np.int64), strokes.astype(np.int64), 1000, final=True)
    assert spans == [(0, 300), (300, 600)]


def test_a_stale_high_rate_still_commits_every_second() -> None:
    t = np.arange(120, dtype=np.int64) * 20_000  # 50 Hz while the recorder expects 2 kHz
    spans, rest = chunking.cut(t, t // 1000, 2000, final=False)
    assert spans == [(0, 120)] and rest == 120


def test_long_outage_and_pen_restart_are_stored_exactly(store: Store, recorder: Recorder) -> None:
    session = recorder.start_session("P-1", "Dr A")
    recorder.on_telemetry(_batch(0, 1500))
    recorder.on_telemetry(_batch(1500, 700, t0_us=2_500_000_000))  # 41 minutes later
    recorder.on_telemetry(_batch(2200, 900, t0_us=-2_200_000, strokes0=-200))  # restarted
    assert recorder.end_session() == session
    stored = store.load_telemetry(session)
    expected = TelemetryBatch.concat(
        [
            _batch(0, 1500),
            _batch(1500, 700, t0_us=2_500_000_000),
            _batch(2200, 900, t0_us=-2_200_000, strokes0=-200),
        ]
    )
    for name, values in expected.columns().items():
        assert np.array_equal(stored[name], values), name
    assert store.session(session)["status"] == "complete"
    assert recorder.storage_ok


def test_commits_at_least_every_second_when_the_rate_is_stale(
    store: Store, recorder: Recorder
) -> None:
    session = recorder.start_session("P-1", "Dr A")
    recorder.on_telemetry(_batch(0, 60, step_us=20_000))  # 1.2 s at 50 Hz, 1 kHz expected
    assert wait_until(lambda: len(_stored_seq(store, session)) == 60, 3)


def test_the_rate_acknowledged_by_the_pen_sizes_the_chunks(
    store: Store, recorder: Recorder
) -> None:
    session = recorder.start_session("P-1", "Dr A")
    recorder.on_command("set_telemetry_rate", 40, CommandResult(AckResult.OK, 50))
    recorder.on_telemetry(_batch(0, 130, step_us=20_000))
    assert wait_until(lambda: len(_stored_seq(store, session)) == 100, 3)
    sizes = store.conn.execute(
        "SELECT samples FROM telemetry_chunks WHERE session_uuid = ? ORDER BY chunk_no",
        (session,),
    ).fetchall()
    assert sizes == [(50,), (50,)]  # the last 30 samples wait for the rest of their second
    assert store.events(session)[0]["data"] == {
        "command": "set_telemetry_rate",
        "requested": 40,
        "result": "OK",
        "applied": 50,
    }


def test_flush_without_a_session_returns_at_once(recorder: Recorder) -> None:
    assert recorder.flush(timeout=0.5)


def test_real_disk_full_keeps_everything_and_finishes_after_the_session_ended(
    store: Store, recorder: Recorder
) -> None:
    listener = _Listener()
    recorder.add_listener(listener)
    session = recorder.start_session("P-1", "Dr A")
    recorder.on_telemetry(_batch(0, 1000))
    assert wait_until(lambda: len(_stored_seq(store, session)) == 1000, 3)
    _fill_disk(recorder.writer_store)
    for k in range(1, 8):
        recorder.on_telemetry(_batch(1000 * k, 1000))
    recorder.add_console_event("pass_marked", {"zone": "cheek_l", "pass": 1})
    assert wait_until(lambda: listener.problems, 3)
    assert "full" in listener.problems[0] and "memory" in listener.problems[0]
    # whatever still fitted in the file's last pages is written; the rest is held
    assert wait_until(
        lambda: recorder.stats().backlog_samples + len(_stored_seq(store, session)) == 8000, 3
    )
    assert recorder.stats().backlog_samples >= 5000
    assert recorder.end_session() == session  # the disk is still full
    assert store.session(session)["status"] == "recording"
    _free_disk(recorder.writer_store)
    assert wait_until(lambda: listener.recovered, 5)
    assert wait_until(lambda: store.session(session)["status"] == "complete", 5)
    assert np.array_equal(_stored_seq(store, session), np.arange(8000, dtype=np.uint16))
    events = store.events(session)
    alarms = [e["data"] for e in events if e["kind"] == "alarm"]
    assert [a["state"] for a in alarms] == ["raised", "cleared"]
    assert alarms[0]["condition"] == "storage_failing" and alarms[0]["priority"] == "high"
    assert any(e["kind"] == "pass_marked" for e in events)
    assert recorder.stats().backlog_samples == 0


def test_closing_while_the_disk_is_full_and_nowhere_takes_a_spill_says_what_was_not_written(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setattr("console.store.spill.spill_dirs", lambda: [not_a_folder / "spill"])
    recorder = Recorder(store)
    listener = _Listener()
    recorder.add_listener(listener)
    session = recorder.start_session("P-1", "Dr A")
    _fill_disk(recorder.writer_store)
    for k in range(10):
        recorder.on_telemetry(_batch(2500 * k, 2500))
    recorder.close()
    unwritten = 25_000 - len(_stored_seq(store, session))
    assert unwritten > 15_000
    assert f"{unwritten} samples" in listener.problems[-1] and session in listener.problems[-1]
    assert recorder.spilled is None
    assert store.session(session)["status_now"] == "interrupted"  # its recorder is gone
    store.audit.append("unattributed", "session.start", f"session:{session}")  # as records does
    assert [s["uuid"] for s in store.mark_interrupted()] == [session]


def test_memory_backlog_is_bounded_and_every_drop_is_an_event(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only when no place takes a spill file (tests/store/test_spill_mid_session.py)."""
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setattr("console.store.spill.spill_dirs", lambda: [not_a_folder / "spill"])
    monkeypatch.setattr("console.store.backlog.MAX_BACKLOG_S", 3)
    recorder = Recorder(store)
    recorder.rate_hz = 1000
    listener = _Listener()
    recorder.add_listener(listener)
    try:
        session = recorder.start_session("P-1", "Dr A")
        _fill_disk(recorder.writer_store)
        for k in range(6):
            recorder.on_telemetry(_batch(1000 * k, 1000))
        assert wait_until(lambda: any("could not be kept" in p for p in listener.problems), 5)
        _free_disk(recorder.writer_store)
        recorder.end_session()
    finally:
        recorder.close()
    stored = _stored_seq(store, session)
    dropped = [e for e in store.events(session) if e["kind"] == "samples_dropped"]
    assert dropped and len(stored) >= 3000 and stored[-1] == 5999  # the newest are kept
    lost = [np.arange(e["data"]["first_seq"], e["data"]["last_seq"] + 1) for e in dropped]
    everything = np.sort(np.concatenate([stored.astype(np.int64), *lost]))
    assert np.array_equal(everything, np.arange(6000))  # each sample stored or accounted for


def test_plain_callable_annotator_fills_zone_and_pass(store: Store) -> None:
    def annotate(batch: TelemetryBatch) -> tuple[np.ndarray, np.ndarray]:
        n = len(batch)
        return np.full(n, 2, np.uint8), np.full(n, 3, np.uint8)

    recorder = Recorder(store, annotator=annotate)
    try:
        session = recorder.start_session("P-1", "Dr A")
        recorder.on_telemetry(_batch(0, 10))
        recorder.end_session()
    finally:
        recorder.close()
    stored = store.load_telemetry(session)
    assert set(stored["zone"].tolist()) == {2} and set(stored["pass_no"].tolist()) == {3}


def test_pen_info_during_a_session_is_recorded_and_sets_the_rate(
    store: Store, recorder: Recorder
) -> None:
    session = recorder.start_session("P-1", "Dr A")
    info = Info(
        seq=9,
        protocol_major=1,
        protocol_minor=0,
        fw_major=2,
        fw_minor=1,
        fw_patch=3,
        serial="VP-2",
        model="MicroPen",
        depth_min_um=250,
        depth_max_um=2500,
        depth_step_um=50,
        rate_min_dhz=200,
        rate_max_dhz=1200,
        telemetry_hz=250,
        telemetry_max_hz=2000,
        needles=12,
        gauge=32,
    )
    recorder.on_info(info)
    assert recorder.rate_hz == 250
    recorder.end_session()
    (event,) = [e for e in store.events(session) if e["kind"] == "pen_info"]
    assert event["data"] == {
        "serial": "VP-2",
        "model": "MicroPen",
        "firmware": "2.1.3",
        "needles": 12,
        "gauge": 32,
        "telemetry_hz": 250,
    }


def test_a_failing_recorder_write_never_takes_other_writes_with_it(
    store: Store, recorder: Recorder
) -> None:
    listener = _Listener()
    recorder.add_listener(listener)
    session = recorder.start_session("P-1", "Dr A")
    _fill_disk(recorder.writer_store)  # only the recorder's connection is refused
    recorder.on_telemetry(_batch(0, 5000))
    assert wait_until(lambda: listener.problems, 3)
    AuditLog(store).append("Dr A", "session.notes", f"session:{session}", None, "ok")
    recorder.on_telemetry(_batch(5000, 5000))
    assert recorder.flush()
    check = sqlite3.connect(store.path)
    try:
        rows = check.execute("SELECT action FROM audit_log").fetchall()
    finally:
        check.close()
    assert rows == [("session.notes",)]
    _free_disk(recorder.writer_store)
    assert wait_until(lambda: listener.recovered, 5)


def test_a_session_cannot_start_on_a_full_disk_and_says_so(store: Store) -> None:
    recorder = Recorder(store)
    try:
        _fill_disk(store)
        with pytest.raises(StoreError, match="no session was started"):
            for k in range(200):  # until the sessions table needs a new page
                recorder.start_session(f"P-{k:04d}-" + "x" * 200, "Dr A")
                recorder.end_session()
    finally:
        _free_disk(store)
        recorder.close()

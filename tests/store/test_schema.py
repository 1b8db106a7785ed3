"""Schema versions, migrations, bad database files, packing, check and backup."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from old_schema import old_database

from console.core.trust import check_database as check
from console.store import Store, StoreError, packing
from console.store.maintenance import backup, notes
from console.store.schema import SCHEMA_VERSION, SEALS_SINCE

ROOT = Path(__file__).resolve().parents[2]


def _database_at_version(path: Path, version: int) -> None:
    conn = old_database(path, version)
    conn.execute(
        "INSERT INTO sessions (uuid, patient_id, started_utc, tz, status)"
        " VALUES ('0000-old', 1, '2026-01-01T10:00:00+00:00', 'UTC', 'complete')"
    )
    conn.execute(
        "INSERT INTO telemetry_chunks (session_uuid, chunk_no, first_seq, last_seq, t_first_us,"
        " t_last_us, samples, depth_meas_min_um, depth_meas_max_um, depth_meas_mean_um,"
        " strokes_delta, contact_ms, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        Store.pack_chunk("0000-old", 0, _columns(700, version)),
    )
    conn.execute(
        "INSERT INTO events (session_uuid, at_utc, t_us, source, kind, code, arg)"
        " VALUES ('0000-old', '2026-01-01T10:00:01+00:00', 5, 'pen', 'fault_raised', 32, 1)"
    )
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_every_earlier_version_migrates_and_keeps_its_data(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.db"
    _database_at_version(path, version)
    store = Store(path)
    try:
        assert store.schema_version == SCHEMA_VERSION
        assert [s["patient_code"] for s in store.sessions()] == ["OLD-1"]
        stored = store.load_telemetry("0000-old")
        for name, values in _columns(700, version).items():
            assert np.array_equal(stored[name], values), name
        assert [(e["kind"], e["arg"]) for e in store.events("0000-old")] == [("fault_raised", 1)]
        if version >= SEALS_SINCE:  # a console of that version sealed it when it ended
            store.seal("0000-old", "complete")
        assert check(store) == []
        assert store.create_session("NEW-1", "Dr New")  # and it takes new records
    finally:
        store.close()


def test_a_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer Pen Console"):
        Store(path)
    assert path.read_bytes() == before


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "invoices.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another program"):
        Store(path)
    assert path.read_bytes() == before


def test_damaged_pages_are_found_by_db_check(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    store = Store(path)
    session = store.create_session("P-1", "Dr A")
    store.write_chunk(session, 0, _columns(20_000, 3))
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    raw = bytearray(path.read_bytes())
    page = 4096
    for offset in range(len(raw) - 3 * page, len(raw) - page, 97):  # inside the last pages
        raw[offset] ^= 0x5A
    path.write_bytes(bytes(raw))
    out = subprocess.run(
        [sys.executable, "-m", "console", "db", "check", "--db", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    assert "integrity" in out.stderr or "damaged" in out.stderr
    export = subprocess.run(
        [sys.executable, "-m", "console", "export", session, "--db", str(path), "--format", "csv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert export.returncode == 2 and "Traceback" not in export.stderr
    assert "damaged" in export.stderr


def test_db_check_finds_a_chunk_whose_bytes_changed(store: Store) -> None:
    session = store.create_session("P-1", "Dr A")
    store.write_chunk(session, 0, _columns(500, 4))
    store.finish_session(session)
    blob = bytearray(store.conn.execute("SELECT data FROM telemetry_chunks").fetchone()[0])
    blob[len(blob) // 2] ^= 0x01
    with store.conn:
        store.conn.execute("UPDATE telemetry_chunks SET data = ?", (bytes(blob),))
    problems = check(store)
    assert f"chunk 0 of session {session} is damaged" in problems[0]
    # ... and the session, sealed when it ended, no longer matches its seal.
    assert len(problems) == 2 and "changed after it was sealed" in problems[1]


def test_a_corrupt_file_gets_a_clear_error_and_is_not_changed(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="damaged"):
        Store(path)
    assert path.read_bytes() == before
    out = subprocess.run(
        [sys.executable, "-m", "console", "sessions", "--db", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert "damaged" in out.stderr and "Traceback" not in out.stderr


def _columns(n: int, seed: int) -> packing.Columns:
    rng = np.random.default_rng(seed)
    return {
        "seq": ((65500 + np.arange(n)) & 0xFFFF).astype(np.uint16),
        "t_us": (2**32 - 300_000 + np.cumsum(rng.integers(400, 600, n))).astype(np.int64),
        "depth_set_um": rng.choice([500, 550, 2500], n).astype(np.uint16),
        "depth_meas_um": rng.integers(0, 65535, n).astype(np.uint16),
        "rate_dhz": rng.integers(0, 1200, n).astype(np.uint16),
        "strokes": (2**32 - 50 + np.cumsum(rng.integers(0, 3, n))).astype(np.int64),
        "motor_ma": rng.integers(0, 900, n).astype(np.uint16),
        "force_mn": rng.integers(0, 65535, n).astype(np.uint16),
        "battery_pct": rng.integers(0, 101, n).astype(np.uint8),
        "temp_dc": rng.integers(-400, 900, n).astype(np.int16),
        "status": rng.integers(0, 65535, n).astype(np.uint16),
        "zone": rng.integers(0, 15, n).astype(np.uint8),
        "pass_no": rng.integers(0, 5, n).astype(np.uint8),
    }


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 3000), st.integers(0, 2**32))
def test_packing_is_bit_exact(n: int, seed: int) -> None:
    cols = _columns(n, seed)
    back = packing.unpack(packing.pack(cols))
    for name, values in cols.items():
        assert back[name].dtype == packing.COLUMNS[name]
        assert np.array_equal(back[name], values), name


def test_damaged_blob_is_reported_not_misread() -> None:
    blob = bytearray(packing.pack(_columns(100, 1)))
    blob[-5] ^= 0xFF
    with pytest.raises(packing.PackError):
        packing.unpack(bytes(blob))


def test_check_finds_orphans_and_stuck_sessions(store: Store) -> None:
    session = store.create_session("P-1", "Dr A")
    store.conn.execute("PRAGMA foreign_keys=OFF")
    store.conn.execute(
        "INSERT INTO events (session_uuid, at_utc, source, kind) VALUES ('nope', 'x', 'pen', 'x')"
    )
    store.conn.commit()
    problems = check(store)
    assert any("belong to no session" in p for p in problems)
    assert any(session in n and "interrupted" in n for n in notes(store))  # nobody records it


def test_db_check_and_backup_commands(store: Store, record, tmp_path: Path) -> None:
    link, recorder, session = record("virtual://treatment?telemetry_hz=500", 600)
    dest = backup(store, tmp_path / "copy.db")  # while recording
    plain = sqlite3.connect(dest)  # one self-contained file, no WAL beside it
    assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    plain.close()
    assert not Path(f"{dest}-wal").exists() and not Path(f"{dest}.partial").exists()
    copy = Store(dest)
    try:
        assert copy.session(session)["status_now"] == "interrupted"  # no recorder holds it
        assert len(copy.load_telemetry(session)["seq"]) > 0
    finally:
        copy.close()
    with pytest.raises(FileExistsError):
        backup(store, dest)
    recorder.end_session()
    ok = subprocess.run(
        [sys.executable, "-m", "console", "db", "check", "--db", str(store.path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    copied = subprocess.run(
        [sys.executable, "-m", "console", "db", "check", "--db", str(dest)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    # the copy's session was recording when copied: a note, not a failure
    assert copied.returncode == 0, copied.stderr
    assert f"note: session {session} was interrupted" in copied.stdout


@pytest.mark.parametrize(
    "sizes",
    [[500, 500, 7, 500, 0, 500], [50] * 70 + [3] + [50] * 60],
    ids=["mixed", "many-chunks-two-threads"],
)
def test_bulk_unpack_equals_chunk_by_chunk(sizes: list[int]) -> None:
    blobs = [packing.pack(_columns(n, seed)) for seed, n in enumerate(sizes)]
    bulk = packing.unpack_many(blobs)
    one_by_one = [packing.unpack(b) for b in blobs]
    for name in packing.COLUMNS:
        assert np.array_equal(bulk[name], np.concatenate([c[name] for c in one_by_one])), name
        assert bulk[name].dtype == packing.COLUMNS[name]
    only = frozenset({"zone", "depth_meas_um", "t_us"})  # decoding some columns, skipping the rest
    some = packing.unpack_many(blobs, only)
    assert set(some) == only
    for name in only:
        assert np.array_equal(some[name], bulk[name]) and some[name].dtype == bulk[name].dtype

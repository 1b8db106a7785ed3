"""Liveness locks (a kill -9'd recorder reads as interrupted at once) and spill files (a
full disk at the end of a recording keeps its backlog elsewhere, merged back later)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import numpy as np
from record_process import chunks_in, run_cli, start_record
from steady_batches import steady_batch
from storage_listener import StorageListener

from console.core.recorder import Recorder
from console.store import Store, liveness, spill
from console.store.maintenance import check, notes
from drivers.virtual.endpoints import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env={**os.environ, **(env or {})})


def _statuses(db: Path) -> dict[str, str]:
    out = _cli("sessions", "--json", "--db", str(db))
    assert out.returncode == 0, out.stderr
    return {r["uuid"]: r["status"] for r in map(json.loads, out.stdout.splitlines())}


def test_a_live_recording_and_a_kill_9d_one_are_told_apart(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    Store(db).close()  # `record` never creates a database
    proc = start_record(db, "virtual://treatment")
    try:
        assert wait_until(lambda: chunks_in(db) >= 1, 30), "recording never began"
        (session,) = _statuses(db)
        assert _statuses(db)[session] == "recording"
        live = _cli("db", "check", "--db", str(db))
        assert live.returncode == 0, live.stderr
        assert f"note: session {session} is being recorded right now" in live.stdout
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # at once: no restart of the console or of `record` in between
    assert _statuses(db)[session] == "interrupted"
    dead = _cli("db", "check", "--db", str(db))
    assert dead.returncode == 0, dead.stderr
    assert f"note: session {session} was interrupted: its recorder is gone" in dead.stdout
    store = Store(db)
    try:
        assert [s["uuid"] for s in store.mark_interrupted()] == [session]
        assert store.conn.execute("SELECT status FROM sessions").fetchone()[0] == "interrupted"
        assert not liveness.lock_path(db, session).exists()
        assert notes(store) == [] and check(store) == []
    finally:
        store.close()


def test_the_lock_is_held_exactly_while_the_session_records(store: Store) -> None:
    recorder = Recorder(store)
    try:
        session = recorder.start_session("P-1", "Dr A")
        assert liveness.is_live(store.path, session)
        assert store.session(session)["status"] == "recording"
        assert store.mark_interrupted() == []  # a live recording is never marked
        recorder.on_telemetry(steady_batch(0, 3000))
        recorder.end_session()
        assert not liveness.is_live(store.path, session)
        assert not liveness.lock_path(store.path, session).exists()
        assert store.session(session)["status"] == "complete"
    finally:
        recorder.close()


def _record_onto_a_full_disk(store: Store) -> tuple[str, Recorder, StorageListener]:
    recorder = Recorder(store)
    recorder.rate_hz = 1000
    listener = StorageListener()
    recorder.add_listener(listener)
    session = recorder.start_session("P-1", "Dr A")
    with recorder.writer_store.lock:  # a real SQLITE_FULL on the recorder's connection
        pages = recorder.writer_store.conn.execute("PRAGMA page_count").fetchone()[0]
        recorder.writer_store.conn.execute(f"PRAGMA max_page_count = {pages}")
    for k in range(10):
        recorder.on_telemetry(steady_batch(2500 * k, 2500))
    recorder.add_console_event("zone_change", {"zone": "forehead"})
    recorder.close()  # ends the session, the disk still full
    return session, recorder, listener


def test_a_full_disk_at_the_end_spills_and_the_next_start_merges(
    store: Store, _spill_dirs_in_tmp: Path
) -> None:
    session, recorder, listener = _record_onto_a_full_disk(store)
    assert recorder.spilled is not None and recorder.spilled.parent == _spill_dirs_in_tmp
    assert str(recorder.spilled) in listener.problems[-1]
    assert "recover-spill" in listener.problems[-1]
    assert spill.find(store.path) == [recorder.spilled]
    assert store.session(session)["status_now"] == "interrupted"  # until merged
    merged = spill.recover_all(store)  # what the console and `record` do on start
    assert [(m.session, m.path) for m in merged] == [(session, recorder.spilled)]
    assert np.array_equal(store.load_telemetry(session)["seq"], np.arange(25_000) & 0xFFFF)
    assert store.session(session)["status"] == "complete"
    kinds = [e["kind"] for e in store.events(session)]
    assert "zone_change" in kinds and "spill_recovered" in kinds
    assert not recorder.spilled.exists() and spill.find(store.path) == []
    assert check(store) == []


def test_db_recover_spill_merges_and_a_second_merge_adds_nothing(store: Store) -> None:
    session, recorder, _ = _record_onto_a_full_disk(store)
    assert recorder.spilled is not None
    copy = recorder.spilled.with_name("again.spill")
    copy.write_bytes(recorder.spilled.read_bytes())
    env = {"PEN_CONSOLE_SPILL_DIR": str(recorder.spilled.parent)}
    out = _cli("db", "recover-spill", "--db", str(store.path), env=env)
    assert out.returncode == 0, out.stderr
    assert f"of session {session}" in out.stdout
    again = _cli("db", "recover-spill", str(copy), "--db", str(store.path), env=env)
    assert again.returncode == 0, again.stderr
    assert "merged 0 samples" in again.stdout
    assert np.array_equal(store.load_telemetry(session)["seq"], np.arange(25_000) & 0xFFFF)
    bad = _cli(
        "db", "recover-spill", str(store.path.with_name("nope.spill")), "--db", str(store.path)
    )
    assert bad.returncode == 2 and "it is kept" in bad.stderr and "Traceback" not in bad.stderr

"""H-17: a disk that stays full longer than the memory backlog holds. The chunks past the
bound go to a spill file during the session (console/store/backlog.py, spill.py) instead of
being dropped, and every sample reaches the database: by itself once the disk takes writes
again, or through `pen-console db recover-spill` when it never does before the stop."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from record_process import run_cli
from steady_batches import steady_batch
from storage_listener import StorageListener

from console.core.recorder import Recorder
from console.store import Store, spill
from console.store.maintenance import check
from drivers.virtual.endpoints import wait_until


def _set_max_pages(store: Store, pages: int | None) -> None:
    """A real SQLITE_FULL on the recorder's connection (None: room again)."""
    with store.lock:
        if pages is None:
            pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")


def _spill_during_a_session(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> tuple[Recorder, StorageListener, str]:
    monkeypatch.setattr("console.store.backlog.MAX_BACKLOG_S", 3)  # 3 s at 1 kHz
    recorder = Recorder(store)
    recorder.rate_hz = 1000
    listener = StorageListener()
    recorder.add_listener(listener)
    session = recorder.start_session("P-1", "Dr A")
    _set_max_pages(recorder.writer_store, None)
    for k in range(12):
        recorder.on_telemetry(steady_batch(1000 * k, 1000))
        recorder.flush()
    assert wait_until(lambda: any("spill file" in p for p in listener.problems), 5)
    held = recorder.stats().backlog_samples
    assert 0 < held <= 4000  # memory stays bounded: the rest went to the spill file
    return recorder, listener, session


def test_a_long_full_disk_spills_mid_session_and_recover_spill_stores_every_sample(
    store: Store, monkeypatch: pytest.MonkeyPatch, _spill_dirs_in_tmp: Path
) -> None:
    recorder, listener, session = _spill_during_a_session(store, monkeypatch)
    assert not any("could not be kept" in p for p in listener.problems)  # nothing dropped
    recorder.close()  # the disk is still full at the stop: the rest spills too
    assert len(spill.find(store.path)) >= 2
    out = run_cli(
        "db",
        "recover-spill",
        "--db",
        str(store.path),
        env={**os.environ, "PEN_CONSOLE_SPILL_DIR": str(_spill_dirs_in_tmp)},
    )
    assert out.returncode == 0, out.stderr
    assert np.array_equal(store.load_telemetry(session)["seq"], np.arange(12_000))
    kinds = [e["kind"] for e in store.events(session)]
    assert "samples_spilled" in kinds and "samples_dropped" not in kinds
    assert spill.find(store.path) == []


def test_a_spill_made_mid_session_is_merged_back_once_the_disk_takes_writes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, _, session = _spill_during_a_session(store, monkeypatch)
    try:
        _set_max_pages(recorder.writer_store, 1_073_741_823)
        recorder.on_telemetry(steady_batch(12_000, 1000))
        assert recorder.flush()
        assert wait_until(lambda: spill.find(store.path) == [], 5)
        recorder.end_session()
    finally:
        recorder.close()
    assert np.array_equal(store.load_telemetry(session)["seq"], np.arange(13_000))
    spilled = [e for e in store.events(session) if e["kind"] == "samples_spilled"]
    assert spilled and all(Path(e["data"]["file"]).name.endswith(".spill") for e in spilled)
    assert store.session(session)["status"] == "complete"
    assert check(store) == []  # totals, summaries and chunk numbers all agree

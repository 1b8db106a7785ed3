"""Spill files are merged only when they prove themselves (console/store/spill_trust.py):
a MAC under the installation key over their content and their database, a private folder,
and a session that may still take them. A refused file is left in place and named."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import numpy as np
import pytest
from steady_batches import steady_batch

from console.core.spill_notice import recover_and_tell
from console.core.trust import check_database
from console.store import Store, spill
from console.store.rows import ChunkRow
from console.store.spill_trust import SpillRefused


def _chunk(store: Store, session: str, k: int) -> ChunkRow:
    cols = steady_batch(100 * k, 100).columns()
    cols |= {"zone": np.zeros(100, np.uint8), "pass_no": np.zeros(100, np.uint8)}
    return store.pack_chunk(session, k, cols)


def _spill(store: Store, session: str, status: str, chunks: range) -> Path:
    rows = [_chunk(store, session, k) for k in chunks]
    path = spill.write(store, [spill.Backlog(session, status, rows, [], [])])
    assert path is not None
    return path


def _chunks(store: Store, session: str) -> list[int]:
    return sorted(store.chunk_numbers(session))


def test_a_spill_is_private_and_merges_into_its_recording_session(store: Store) -> None:
    session = store.create_session("P-1", "Dr A")
    path = _spill(store, session, "complete", range(3))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert spill.refused_files(store) == []
    (merged,) = spill.recover(store, path)
    assert merged.chunks == 3 and _chunks(store, session) == [0, 1, 2]
    assert store.session(session)["status"] == "complete" and not path.exists()


def test_a_forged_or_edited_spill_is_refused_and_left_in_place(store: Store) -> None:
    session = store.create_session("P-1", "Dr A")
    path = _spill(store, session, "complete", range(2))
    conn = sqlite3.connect(path)
    with conn:  # one sample count changed: the MAC no longer holds
        conn.execute("UPDATE chunks SET samples = samples + 1 WHERE chunk_no = 0")
    conn.close()
    with pytest.raises(SpillRefused, match="no valid seal of this installation"):
        spill.recover(store, path)
    conn = sqlite3.connect(path)
    with conn:  # and with no MAC at all
        conn.execute("DELETE FROM meta WHERE key = 'mac'")
    conn.close()
    with pytest.raises(SpillRefused, match="missing or wrong MAC"):
        spill.recover(store, path)
    assert path.exists() and _chunks(store, session) == []
    assert store.session(session)["status"] == "recording"
    (problem,) = [p for p in check_database(store, quick=True) if p.startswith("spill file")]
    assert str(path) in problem
    said = recover_and_tell(store)
    assert said == [f"A spill file was not merged: {problem.removeprefix('spill file refused: ')}."]


def test_a_spill_retargeted_to_another_session_is_refused(store: Store) -> None:
    mine = store.create_session("P-1", "Dr A")
    other = store.create_session("P-2", "Dr A")
    path = _spill(store, mine, "complete", range(2))
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE chunks SET session_uuid = ?", (other,))
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'sessions'", (f'[["{other}", "complete"]]',)
        )
    conn.close()
    with pytest.raises(SpillRefused, match="MAC"):
        spill.recover(store, path)
    assert _chunks(store, other) == [] and store.session(other)["status"] == "recording"


def test_a_spill_of_another_database_is_refused(store: Store, tmp_path: Path) -> None:
    session = store.create_session("P-1", "Dr A")
    path = _spill(store, session, "complete", range(2))
    twin = Store(tmp_path / "twin.db")  # same installation key, another database
    try:
        with pytest.raises(SpillRefused, match="written for another database"):
            spill.recover(twin, path)
    finally:
        twin.close()
    assert path.exists()


def test_a_spill_that_would_change_a_sealed_session_is_refused(store: Store) -> None:
    session = store.create_session("P-1", "Dr A")
    store.write_packed(session, [_chunk(store, session, 0)], [])
    store.finish_session(session)  # complete and sealed with one chunk
    path = _spill(store, session, "complete", range(1, 3))
    sealed = store.audit.entries(f"session:{session}", action="session.seal")
    with pytest.raises(SpillRefused, match="is complete and sealed; merging would change it"):
        spill.recover(store, path)
    assert _chunks(store, session) == [0] and path.exists()
    assert store.audit.entries(f"session:{session}", action="session.seal") == sealed


def test_an_interrupted_session_changed_since_its_seal_takes_no_spill(store: Store) -> None:
    session = store.create_session("P-1", "Dr A")
    path = _spill(store, session, "recording", range(2))
    notes = store.session(session)["notes"]
    with store.transaction():  # ended as interrupted, then edited behind the console's back
        store.update_session(session, status="interrupted", ended_utc="2026-01-01T00:00:00Z")
        store.seal(session, "interrupted")
        store.conn.execute("UPDATE sessions SET notes = 'edited' WHERE uuid = ?", (session,))
    with pytest.raises(SpillRefused, match="changed since it was sealed"):
        spill.recover(store, path)
    with store.transaction():  # the edit undone: the seal holds again, so it merges
        store.conn.execute("UPDATE sessions SET notes = ? WHERE uuid = ?", (notes, session))
    spill.recover(store, path)
    row = store.session(session)
    assert _chunks(store, session) == [0, 1] and row["status"] == "interrupted"
    assert row["ended_utc"] > "2026-01-01T00:00:00Z"


def test_a_spill_asking_for_another_status_or_in_a_shared_folder_is_refused(
    store: Store,
) -> None:
    session = store.create_session("P-1", "Dr A")
    path = _spill(store, session, "signed", range(1))
    with pytest.raises(SpillRefused, match="only complete or interrupted"):
        spill.recover(store, path)
    os.chmod(path, 0o666)
    with pytest.raises(SpillRefused, match="can be written by other accounts"):
        spill.recover(store, path)
    os.chmod(path, 0o600)
    os.chmod(path.parent, 0o777)
    with pytest.raises(SpillRefused, match="can be written by other accounts"):
        spill.recover(store, path)
    assert store.session(session)["status"] == "recording"

"""A database written by a console from before the keyed chain (schema 4: unkeyed SHA-256
audit rows, a version-1 signature) opens, is marked and sealed once, and checks out;
its old rows are still protected: a change to one is reported."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
from old_schema import old_database

from console.core.clinic_ceilings import clinic_ceilings
from console.core.trust import check_database
from console.store import Store, packing
from console.store.signatures import content_hash

SESSION = "0000-old"


def _legacy_append(conn: sqlite3.Connection, *fields: str | None) -> None:
    last = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = last[0] if last else "0" * 64
    digest = hashlib.sha256(json.dumps([prev, *fields], ensure_ascii=False).encode()).hexdigest()
    conn.execute(
        "INSERT INTO audit_log (at_utc, user, action, object, old_value, new_value, prev_hash,"
        " hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (*fields, prev, digest),
    )


def _version_4(path: Path) -> None:
    conn = old_database(path, 4)
    conn.execute(
        "INSERT INTO sessions (uuid, patient_id, started_utc, ended_utc, tz, status)"
        " VALUES (?, 1, '2026-01-01T10:00:00+00:00', '2026-01-01T10:20:00+00:00', 'UTC',"
        " 'complete')",
        (SESSION,),
    )
    cols = {name: np.arange(300).astype(dt) for name, dt in packing.COLUMNS.items()}
    conn.execute(
        "INSERT INTO telemetry_chunks (session_uuid, chunk_no, first_seq, last_seq, t_first_us,"
        " t_last_us, samples, depth_meas_min_um, depth_meas_max_um, depth_meas_mean_um,"
        " strokes_delta, contact_ms, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        Store.pack_chunk(SESSION, 0, cols),
    )
    conn.execute(
        "INSERT INTO users (name, role, password_hash, created_utc) VALUES"
        " ('dr.lee', 'supervisor', '$argon2id$old', '2026-01-01')"
    )
    _legacy_append(conn, "2026-01-01T09:00:00.000+00:00", "setup", "user.add", "user:dr.lee",
                   None, '{"role": "supervisor"}')  # fmt: skip
    conn.commit()
    conn.close()


def _sign_the_old_way(path: Path, tmp: Path) -> None:
    """Sign as a version-4 console did: the version-1 content hash, an unkeyed sign row."""
    probe = tmp / "probe.db"
    shutil.copyfile(path, probe)
    store = Store(probe)  # the content a v4 console hashed is unchanged by the upgrade
    sha = content_hash(store, SESSION, version=1)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO signatures (session_uuid, signer, signed_utc, meaning, content_sha256)"
        " VALUES (?, 'dr.lee', '2026-01-02T09:00:00.000+00:00', 'approved', ?)",
        (SESSION, sha),
    )
    conn.execute("UPDATE sessions SET status = 'signed' WHERE uuid = ?", (SESSION,))
    _legacy_append(conn, "2026-01-02T09:00:00.000+00:00", "dr.lee", "sign", f"session:{SESSION}",
                   "complete", json.dumps({"meaning": "approved", "sha256": sha}))  # fmt: skip
    conn.commit()
    conn.close()


def test_an_older_database_upgrades_and_checks_out(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    _version_4(path)
    _sign_the_old_way(path, tmp_path)
    store = Store(path)
    try:
        actions = [e.action for e in store.audit.entries()]
        assert actions == ["user.add", "sign", "audit.keyed", "session.seal"]
        assert check_database(store) == []
    finally:
        store.close()
    # The unkeyed rows from before stay protected by the keyed rows after them.
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute('UPDATE audit_log SET new_value = \'{"role": "admin"}\' WHERE id = 1')
    conn.commit()
    conn.close()
    store = Store(path)
    try:
        problems = check_database(store)
    finally:
        store.close()
    assert any("audit_log row 1" in p for p in problems), problems


def _ceiling_the_old_way(path: Path, zone: str, um: int, *, logged_um: int) -> None:
    """A clinic ceiling as a version-4 console set it: the row and an unkeyed audit row
    (`logged_um` differs from `um` to play a row changed behind the console's back)."""
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO zone_ceilings (map_id, zone, depth_max_um, edited_by, edited_utc)"
        " VALUES ('face', ?, ?, 'dr.lee', '2026-01-01T09:30:00+00:00')",
        (zone, um),
    )
    _legacy_append(conn, "2026-01-01T09:30:00.000+00:00", "dr.lee", "zone.ceiling",
                   f"map:face/{zone}", '{"depth_max_um": 1000}',
                   json.dumps({"depth_max_um": logged_um}))  # fmt: skip
    conn.commit()
    conn.close()


def test_ceilings_from_before_the_key_are_adopted_once_at_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    _version_4(path)
    _ceiling_the_old_way(path, "forehead", 1250, logged_um=1250)
    _ceiling_the_old_way(path, "cheeks", 2500, logged_um=1500)  # changed behind its back
    store = Store(path)
    try:
        trusted, refused = clinic_ceilings(store, "face")
        assert trusted == {"forehead": 1250}  # no false tamper alarm for the honest one
        assert len(refused) == 1 and "face/cheeks" in refused[0]  # the changed one stays out
        adopted = [e for e in store.audit.entries(action="zone.ceiling") if store.audit.verifies(e)]
        assert [e.object for e in adopted] == ["map:face/forehead"]
        new = adopted[0].new()
        assert isinstance(new, dict) and new["adopted_at_upgrade"]["from_schema"] == 4
        problems = check_database(store)
        assert problems and all("cheeks" in p for p in problems), problems
    finally:
        store.close()
    store = Store(path)  # opened again: nothing more is adopted
    try:
        assert len(store.audit.entries(action="zone.ceiling")) == 3
    finally:
        store.close()

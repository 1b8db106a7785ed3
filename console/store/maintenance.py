"""`db check` and `db backup`: integrity, schema, orphans, stuck sessions, audit chain."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from console.audit import AuditLog
from console.store.schema import SCHEMA_VERSION
from console.store.store import Store


def check(store: Store) -> list[str]:
    """Every problem found, in words; an empty list means the database is sound."""
    problems: list[str] = []
    conn = store.conn
    with store.lock:
        result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            problems += [f"integrity: {r}" for r in result[:10]]
        if store.schema_version != SCHEMA_VERSION:
            problems.append(f"schema version {store.schema_version}, expected {SCHEMA_VERSION}")
        for table in ("telemetry_chunks", "events", "zone_passes", "signatures", "amendments"):
            orphans = conn.execute(
                f"SELECT count(*) FROM {table} t WHERE NOT EXISTS"
                " (SELECT 1 FROM sessions s WHERE s.uuid = t.session_uuid)"
            ).fetchone()[0]
            if orphans:
                problems.append(f"{orphans} rows in {table} belong to no session")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"{len(fk)} rows break foreign keys")
        stuck = conn.execute("SELECT uuid FROM sessions WHERE status = 'recording'").fetchall()
        for (uuid,) in stuck:
            problems.append(
                f"session {uuid} is still marked recording: it was interrupted, or it is "
                "being recorded right now. Starting the console marks it interrupted."
            )
    broken = AuditLog(conn).verify()
    if broken is not None:
        problems.append(f"audit trail broken at {broken}")
    from console.signing import verify_signatures  # late: signing needs the store

    problems += verify_signatures(store)
    return problems


def backup(store: Store, dest: str | Path) -> Path:
    """A consistent copy through SQLite's online backup API, safe while recording."""
    dest = Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest} already exists; choose a new file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(dest)
    try:
        with store.lock:
            store.conn.backup(target)
    finally:
        target.close()
    return dest

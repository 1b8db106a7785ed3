"""`db check` (the structural half) and `db backup`: integrity, schema, orphans, damaged
chunks; `notes` tells live recordings from dead ones (no failure). The audit chain and
the records checked against it are in console/core/trust.py, which `db check` runs after
these."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path

from console.store import liveness, packing
from console.store.copying import checked_copy, copy_head
from console.store.schema import MIGRATIONS, SCHEMA_VERSION
from console.store.store import Store

Progress = Callable[[str], None]  # a line such as "telemetry chunks: 40 %"


def check(store: Store, *, quick: bool = False, progress: Progress | None = None) -> list[str]:
    """Every problem found, in words; an empty list means the database is sound.

    `quick` checks the file's structure (quick_check, not integrity_check) and unpacks
    only the chunks of signed sessions; the full check unpacks every chunk, reporting
    its progress. Each step runs on its own, so a damaged file still gets every other
    step's findings (and a sentence, never a traceback, for the step it broke)."""
    problems: list[str] = []
    steps: list[tuple[str, Callable[[Store], list[str]]]] = [
        ("the integrity check", _quick_check if quick else _integrity),
        ("the schema version", _schema),
        ("the orphan search", _orphans),
        ("the telemetry chunks", lambda s: _damaged_chunks(s.conn, quick, progress)),
        ("the safety triggers", _triggers),
        ("the session totals", _totals),
    ]
    for what, step in steps:
        try:
            with store.lock:
                problems += step(store)
        except sqlite3.DatabaseError as exc:
            problems.append(
                f"{what} could not be read: the database is damaged ({exc}). Restore it "
                "from a backup, or move it aside to start a new one."
            )
    return problems


def _words(sql: str | None) -> str:
    return " ".join((sql or "").replace("IF NOT EXISTS ", "").split())


@functools.cache
def expected_triggers() -> dict[str, str]:
    """The triggers the schema's migrations make (name -> SQL, whitespace folded)."""
    conn = sqlite3.connect(":memory:")
    try:
        for step in MIGRATIONS:
            conn.executescript(step)
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return {str(name): _words(sql) for name, sql in rows}
    finally:
        conn.close()


def _triggers(store: Store) -> list[str]:
    """The triggers that refuse edits of the audit trail and signed sessions: dropped or
    replaced ones mean someone prepared the file for edits."""
    rows = store.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    present = {str(name): _words(sql) for name, sql in rows}
    problems: list[str] = []
    for name, sql in expected_triggers().items():
        if name not in present:
            problems.append(f"schema: the safety trigger {name} was dropped")
        elif present[name] != sql:
            problems.append(f"schema: the safety trigger {name} was changed")
    return problems


# What session_totals (a cache kept by triggers, scale_schema.py) should hold for each
# ended session, counted from its rows; events and chunks are sealed content, so a total
# that differs was edited (or its trigger dropped) behind the console's back.
_TOTALS_SQL = """
WITH c AS (SELECT session_uuid AS u, sum(samples) AS n FROM telemetry_chunks GROUP BY 1),
e AS (
    SELECT session_uuid AS u, count(*) AS n, sum(kind = 'alarm') AS a,
        sum(kind IN ('link_gap', 'seq_gap')) AS g
    FROM events GROUP BY 1
)
SELECT s.uuid, t.samples, t.events, t.alarms, t.link_gaps,
    coalesce(c.n, 0), coalesce(e.n, 0), coalesce(e.a, 0), coalesce(e.g, 0)
FROM sessions s
LEFT JOIN session_totals t ON t.session_uuid = s.uuid
LEFT JOIN c ON c.u = s.uuid
LEFT JOIN e ON e.u = s.uuid
WHERE s.status IN ('complete', 'interrupted', 'signed')
"""
_TOTAL_WORDS = ("samples", "events", "alarms", "link gaps")


def _totals(store: Store) -> list[str]:
    """Each ended session whose session_totals row (the review list's Alarms and Link
    gaps columns and its "has alarms" / "has link gaps" filters) differs from its rows."""
    problems = []
    for uuid, *numbers in store.conn.execute(_TOTALS_SQL):
        cached, counted = numbers[:4], numbers[4:]
        if cached == counted:
            continue
        if cached[0] is None:
            wrong = "has no row"
        else:
            wrong = "says " + ", ".join(
                f"{c} {w} (its sealed rows hold {n})"
                for c, n, w in zip(cached, counted, _TOTAL_WORDS, strict=True)
                if c != n
            )
        problems.append(
            f"session_totals {uuid}: {wrong}, so the session list's Alarms and Link gaps "
            "columns and filters are wrong for it; the cache was edited behind the "
            "console's back: restore the database from a backup (pen-console db restore)"
        )
    return problems


def _quick_check(store: Store) -> list[str]:
    result = [r[0] for r in store.conn.execute("PRAGMA quick_check")]
    return [] if result == ["ok"] else [f"structure: {r}" for r in result[:10]]


def _integrity(store: Store) -> list[str]:
    result = [r[0] for r in store.conn.execute("PRAGMA integrity_check")]
    return [] if result == ["ok"] else [f"integrity: {r}" for r in result[:10]]


def _schema(store: Store) -> list[str]:
    if store.schema_version != SCHEMA_VERSION:
        return [f"schema version {store.schema_version}, expected {SCHEMA_VERSION}"]
    return []


def _orphans(store: Store) -> list[str]:
    problems = []
    for table in ("telemetry_chunks", "events", "zone_passes", "signatures", "amendments"):
        orphans = store.conn.execute(
            f"SELECT count(*) FROM {table} t WHERE NOT EXISTS"
            " (SELECT 1 FROM sessions s WHERE s.uuid = t.session_uuid)"
        ).fetchone()[0]
        if orphans:
            problems.append(f"{orphans} rows in {table} belong to no session")
    fk = store.conn.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        problems.append(f"{len(fk)} rows break foreign keys")
    return problems


def notes(store: Store) -> list[str]:
    """What `db check` reports without failing: sessions marked `recording`, each either
    being recorded right now or left by a dead recorder (its liveness lock is free)."""
    with store.lock:
        rows = store.conn.execute("SELECT uuid FROM sessions WHERE status = 'recording'")
        recording = [uuid for (uuid,) in rows]
    out = []
    for uuid in recording:
        if liveness.is_live(store.path, uuid):
            out.append(f"session {uuid} is being recorded right now")
        else:
            out.append(
                f"session {uuid} was interrupted: its recorder is gone. Its data is kept; "
                "it is marked interrupted by the next start of the console or of `record`."
            )
    return out


def _damaged_chunks(
    conn: sqlite3.Connection, signed_only: bool = False, progress: Progress | None = None
) -> list[str]:
    """Chunks whose blob no longer unpacks (zlib's checksum catches changed bytes that
    integrity_check, which checks the file's structure, cannot see)."""
    problems = []
    where = (
        " WHERE session_uuid IN (SELECT uuid FROM sessions WHERE status = 'signed')"
        if signed_only
        else ""
    )
    total = conn.execute(f"SELECT count(*) FROM telemetry_chunks{where}").fetchone()[0]
    rows = conn.execute(
        f"SELECT session_uuid, chunk_no, samples, data FROM telemetry_chunks{where}"
    )
    step = max(1, total // 10)
    for done, (session, chunk_no, samples, blob) in enumerate(rows, 1):
        if progress is not None and (done % step == 0 or done == total):
            progress(f"telemetry chunks: {done * 100 // total} % ({done} of {total})")
        try:
            n = len(packing.unpack(blob)["seq"])
        except packing.PackError as exc:
            problems.append(f"telemetry chunk {chunk_no} of session {session} is damaged: {exc}")
            continue
        if n != samples:
            problems.append(
                f"telemetry chunk {chunk_no} of session {session} holds {n} samples, "
                f"its row says {samples}"
            )
    return problems


def backup(store: Store, dest: str | Path) -> Path:
    """A consistent copy through SQLite's online backup API, safe while recording.

    The copy is read through a connection of its own: in WAL mode it sees one snapshot
    for the whole copy while the recorder keeps committing, and nobody waits for it. The
    copy is a single self-contained file (rollback journal), checked before it is kept."""
    dest = Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest} already exists; choose a new file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(store.path, timeout=10)
    try:
        checked_copy(source, dest)
    finally:
        source.close()
    # The copy gets a chain head of its own, so `db check` on it finds a truncated tail too.
    store.anchor_copy(dest, copy_head(dest))
    return dest

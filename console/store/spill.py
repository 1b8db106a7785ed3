"""Spill files: a recording's backlog saved elsewhere when its database's disk stays full.

When the recorder stops while the disk still refuses writes, what it holds in memory
(packed chunks, events, passes, the status the session should end with) goes into a
small SQLite file in another writable place: the configured spare folder
($PEN_CONSOLE_SPILL_DIR), else the temp directory, else the user cache folder. The file
name carries a hash of the database's path, so the next start of the console or of
`record`, and `pen-console db recover-spill`, find the files that belong to a database
and merge them back (chunks already in the database are skipped, so a merge repeated
after a crash adds nothing twice). During a session, chunks past the recorder's memory
bound go to spill files the same way (`overflow_to`), and the recorder merges them back
itself once the disk takes writes again (`merge_back`). Only if no place takes the file
is the backlog lost, and then it is reported with its size, as before. Never imports Qt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from console.store.backlog import DiskWriter
from console.store.rows import ChunkRow, EventKind, EventRow
from console.store.store import Store

SPILL_DIR_ENV = "PEN_CONSOLE_SPILL_DIR"
SUFFIX = ".spill"
_CHUNK_COLUMNS = (  # as in telemetry_chunks
    "chunk_no, first_seq, last_seq, t_first_us, t_last_us, samples, depth_meas_min_um,"
    " depth_meas_max_um, depth_meas_mean_um, strokes_delta, contact_ms, data"
)
_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE chunks (session_uuid, {_CHUNK_COLUMNS});
CREATE TABLE events (session_uuid, t_us, source, kind, code, arg, data);
CREATE TABLE passes (session_uuid, row TEXT NOT NULL, undone INTEGER NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class Backlog:
    """One session's unwritten data, as the recorder holds it."""

    session: str
    status: str  # what the session ends as once merged (`recording` if it never ended)
    chunks: list[ChunkRow]  # telemetry_chunks rows from Store.pack_chunk
    events: list[EventRow]
    passes: list[tuple[dict[str, Any], bool]]

    @property
    def samples(self) -> int:
        return sum(int(r[6]) for r in self.chunks)


@dataclass(frozen=True, slots=True)
class Recovered:
    path: Path
    session: str
    chunks: int
    samples: int
    events: int
    seconds: float = 0.0  # of telemetry merged (the chunks' time spans)
    written_utc: datetime | None = None  # when the spill file was last written


def spill_dirs() -> list[Path]:
    """Where spill files go, best first: the configured spare, temp, the user cache."""
    dirs = []
    spare = os.environ.get(SPILL_DIR_ENV)
    if spare:
        dirs.append(Path(spare))
    dirs.append(Path(tempfile.gettempdir()) / "pen-console-spill")
    dirs.append(Path(platformdirs.user_cache_dir("pen-console", appauthor=False)) / "spill")
    return dirs


def _db_tag(db_path: Path) -> str:
    return hashlib.sha256(str(db_path.resolve()).encode()).hexdigest()[:12]


def write(db_path: Path, backlogs: Iterable[Backlog]) -> Path | None:
    """The spill file written (fsynced), or None when no place would take it."""
    backlogs = [b for b in backlogs if b.chunks or b.events or b.passes]
    if not backlogs:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    name = f"{db_path.stem}-{_db_tag(db_path)}-{backlogs[0].session[:8]}-{stamp}{SUFFIX}"
    for folder in spill_dirs():
        path = folder / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write_file(path, db_path, backlogs)
            return path
        except (OSError, sqlite3.Error):
            with contextlib.suppress(OSError):
                path.unlink()
    return None


def _write_file(path: Path, db_path: Path, backlogs: list[Backlog]) -> None:
    partial = path.with_name(path.name + ".partial")
    conn = sqlite3.connect(partial)
    try:
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(_SCHEMA)
        with conn:
            conn.execute("INSERT INTO meta VALUES ('db_path', ?)", (str(db_path.resolve()),))
            conn.execute(
                "INSERT INTO meta VALUES ('sessions', ?)",
                (json.dumps([(b.session, b.status) for b in backlogs]),),
            )
            for b in backlogs:
                conn.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", b.chunks)
                conn.executemany(
                    "INSERT INTO events VALUES (?,?,?,?,?,?,?)",
                    [(b.session, *e[:5], json.dumps(e[5], default=str)) for e in b.events],
                )
                conn.executemany(
                    "INSERT INTO passes VALUES (?,?,?)",
                    [(b.session, json.dumps(row), int(u)) for row, u in b.passes],
                )
    finally:
        conn.close()
    os.replace(partial, path)


def find(db_path: Path) -> list[Path]:
    """The spill files that belong to this database, oldest first."""
    tag = _db_tag(db_path)
    found: list[Path] = []
    for folder in spill_dirs():
        with contextlib.suppress(OSError):
            found += folder.glob(f"*-{tag}-*{SUFFIX}")
    return sorted(set(found), key=lambda p: p.name.rsplit("-", 1)[-1])


def recover(store: Store, path: Path) -> list[Recovered]:
    """Merges one spill file into the store and deletes it. Raises sqlite3.Error when the
    database still refuses writes (the file is then kept), ValueError for a file that is
    not a spill file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        sessions: list[tuple[str, str]] = json.loads(meta["sessions"])
        chunks = conn.execute("SELECT * FROM chunks ORDER BY rowid").fetchall()
        events = conn.execute("SELECT * FROM events ORDER BY rowid").fetchall()
        passes = conn.execute("SELECT * FROM passes ORDER BY rowid").fetchall()
    except (sqlite3.Error, KeyError, ValueError) as exc:  # ValueError: bad JSON
        raise ValueError(f"{path} is not a Pen Console spill file ({exc})") from exc
    finally:
        conn.close()
    written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    out = []
    for session, status in sessions:
        done = set(store.chunk_numbers(session))
        rows = [ChunkRow(*c) for c in chunks if c[0] == session and c[1] not in done]
        evs = [
            EventRow(t_us, source, EventKind(kind), code, arg, json.loads(data))
            for s, t_us, source, kind, code, arg, data in events
            if s == session
        ]
        note = {"file": str(path), "chunks": len(rows)}
        evs.append(EventRow(None, "console", EventKind.SPILL_RECOVERED, None, None, note))
        ps = [(json.loads(row), bool(undone)) for s, row, undone in passes if s == session]
        store.write_packed(session, rows, evs, ps)
        if status != "recording":
            store.finish_session(session, status)
        samples = sum(r.samples for r in rows)
        out.append(Recovered(path, session, len(rows), samples, len(evs), _seconds(rows), written))
    path.unlink()
    return out


def _seconds(rows: list[ChunkRow]) -> float:
    """The telemetry time the chunks cover, each counted with its last sample's period."""
    total_us = 0.0
    for r in rows:
        span_us = r.t_last_us - r.t_first_us
        total_us += span_us * r.samples / (r.samples - 1) if r.samples > 1 else 0
    return total_us / 1e6


def recover_all(store: Store) -> list[Recovered]:
    """Every spill file of this database merged back; files that fail are kept."""
    out: list[Recovered] = []
    for path in find(store.path):
        with contextlib.suppress(sqlite3.Error, ValueError, OSError):
            out += recover(store, path)
    return out


def overflow_to(db_path: Path) -> Callable[[str, list[ChunkRow]], Path | None]:
    """The recorder's hook for chunks past its memory bound, mid-session: each batch goes
    to a spill file of its own (the session's status is left as it is)."""
    return lambda session, rows: write(db_path, [Backlog(session, "recording", rows, [], [])])


def merge_back(disk: DiskWriter, store: Store, notify: Callable[[str, str], None]) -> None:
    """On the writer thread, once the disk takes writes again: the mid-session spill files
    are merged back, oldest first. A file the disk still refuses is tried at the next
    commit (and, if the recorder stops first, at the next start or by `db recover-spill`)."""
    while disk.storage_ok and disk.spilled:
        path = disk.spilled[0]
        try:
            recover(store, path)
        except sqlite3.Error:
            return
        except (ValueError, OSError) as exc:  # left where it is for `db recover-spill`
            notify("on_storage_problem", f"could not merge {path} back: {exc}")
        disk.spilled.pop(0)


def spill_or_report(disk: DiskWriter, notify: Callable[[str, str], None]) -> Path | None:
    """At the recorder's stop: what the disk still refuses goes to a spill file, and the
    user is told where; only if no place takes it is the loss reported as before."""
    backlogs = [
        Backlog(o.session, o.status, list(o.packed), list(o.pending_events), list(o.pending_passes))
        for o in disk.sessions()
        if not o.empty() and not o.pending  # the final commit packed every sample
    ]
    path = write(disk.store.path, backlogs)
    if path is None:
        disk.report_unwritten()
        return None
    moved = {b.session for b in backlogs}
    disk.closing = [o for o in disk.closing if o.session not in moved]
    if disk.open is not None and disk.open.session in moved:
        disk.open = None
    notify(
        "on_storage_problem",
        f"the disk still refuses writes, so {sum(b.samples for b in backlogs)} samples and "
        f"the last events were saved to {path}. They are merged back into the database at "
        "the next start, or now with `pen-console db recover-spill` once there is space.",
    )
    return path

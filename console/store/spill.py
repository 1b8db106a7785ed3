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
is the backlog lost, and then it is reported with its size, as before. A spill file is
merged only when it proves itself (its MAC, its private folder, a session that may still
take it: console/store/spill_trust.py); any other is left in place and named. Never
imports Qt.
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

from console.store import spill_trust
from console.store.backlog import DiskWriter
from console.store.rows import ChunkRow, EventKind, EventRow, utc_now
from console.store.spill_trust import SpillRefused
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


def write(store: Store, backlogs: Iterable[Backlog]) -> Path | None:
    """The spill file written (fsynced, 0600, with its MAC), or None when no place would
    take it. A folder that is not ours alone is passed over (spill_trust)."""
    backlogs = [b for b in backlogs if b.chunks or b.events or b.passes]
    if not backlogs:
        return None
    db_path = store.path
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    name = f"{db_path.stem}-{_db_tag(db_path)}-{backlogs[0].session[:8]}-{stamp}{SUFFIX}"
    for folder in spill_dirs():
        path = folder / name
        try:
            spill_trust.private_folder(folder)
            _write_file(path, store, backlogs)
            return path
        except (OSError, sqlite3.Error, SpillRefused):
            for left in (path, path.with_name(path.name + ".partial")):
                with contextlib.suppress(OSError):
                    left.unlink()
    return None


def _write_file(path: Path, store: Store, backlogs: list[Backlog]) -> None:
    partial = path.with_name(path.name + ".partial")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, spill_trust.FILE_MODE))
    conn = sqlite3.connect(partial)
    try:
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA journal_mode=MEMORY")  # no -journal file beside it, 0644
        conn.executescript(_SCHEMA)
        with conn:
            conn.executemany("INSERT INTO meta VALUES (?, ?)", spill_trust.identity(store).items())
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
        spill_trust.sign(store, conn)
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


Rows = list[tuple[Any, ...]]


def _read(store: Store, path: Path) -> tuple[list[tuple[str, str]], Rows, Rows, Rows]:
    """The file's sessions, chunks, events and passes, once its checks pass (spill_trust)."""
    spill_trust.check_file(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        sessions: list[tuple[str, str]] = json.loads(meta["sessions"])
        chunks = conn.execute("SELECT * FROM chunks ORDER BY rowid").fetchall()
        events = conn.execute("SELECT * FROM events ORDER BY rowid").fetchall()
        passes = conn.execute("SELECT * FROM passes ORDER BY rowid").fetchall()
        spill_trust.verify(store, path, conn, meta)
    except (sqlite3.Error, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not a Pen Console spill file ({exc})") from exc
    finally:
        conn.close()
    return sessions, chunks, events, passes


def _new_chunks(
    store: Store, path: Path, session: str, status: str, chunks: Rows
) -> list[ChunkRow]:
    """The session's chunks not in the database yet; SpillRefused when the session may
    not take them (spill_trust.refusal)."""
    done = set(store.chunk_numbers(session))
    rows = [ChunkRow(*c) for c in chunks if c[0] == session and c[1] not in done]
    why = spill_trust.refusal(store, session, status, len(rows))
    if why is not None:
        raise SpillRefused(f"{path} is not merged: {why}; it is left where it is")
    return rows


def refused_files(store: Store) -> list[str]:
    """A sentence per spill file of this database that a merge would refuse (`db check`)."""
    out = []
    for path in find(store.path):
        try:
            sessions, chunks, _, _ = _read(store, path)
            for session, status in sessions:
                _new_chunks(store, path, session, status, chunks)
        except (ValueError, OSError) as exc:  # SpillRefused is a ValueError
            out.append(str(exc))
    return out


def recover(store: Store, path: Path) -> list[Recovered]:
    """Merges one spill file into the store and deletes it. Raises sqlite3.Error when the
    database still refuses writes (the file is then kept), SpillRefused (a ValueError)
    for a file that fails a check of spill_trust, ValueError for one that is not a spill
    file; a refused file is left where it is and nothing of it is written."""
    sessions, chunks, events, passes = _read(store, path)
    written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    out = []
    with store.transaction():  # every session of the file, or none
        for session, status in sessions:
            rows = _new_chunks(store, path, session, status, chunks)
            if str(store.session(session)["status"]) not in ("recording", "interrupted"):
                out.append(Recovered(path, session, 0, 0, 0, 0.0, written))
                continue  # merged before (a copy, or a crash before the delete): no writes
            evs = [
                EventRow(t_us, source, EventKind(kind), code, arg, json.loads(data))
                for s, t_us, source, kind, code, arg, data in events
                if s == session
            ]
            note = {"file": str(path), "chunks": len(rows)}
            evs.append(EventRow(None, "console", EventKind.SPILL_RECOVERED, None, None, note))
            ps = [(json.loads(row), bool(undone)) for s, row, undone in passes if s == session]
            store.write_packed(session, rows, evs, ps)
            _end(store, session, status)
            samples = sum(r.samples for r in rows)
            out.append(
                Recovered(path, session, len(rows), samples, len(evs), _seconds(rows), written)
            )
    path.unlink()
    return out


def _end(store: Store, session: str, status: str) -> None:
    """After a merge: a session the file ended gets that status; an interrupted one is
    sealed again with what was added. The end time never moves backwards."""
    was = store.session(session)
    if status == "recording" and was["status"] == "recording":
        return  # still being recorded (a mid-session spill): sealed when it ends
    final = was["status"] if status == "recording" else status
    ended = max(str(was["ended_utc"] or ""), utc_now())
    store.update_session(session, status=final, ended_utc=ended)
    store.seal(session, f"spill merged ({final})")


def _seconds(rows: list[ChunkRow]) -> float:
    """The telemetry time the chunks cover, each counted with its last sample's period."""
    total_us = 0.0
    for r in rows:
        span_us = r.t_last_us - r.t_first_us
        total_us += span_us * r.samples / (r.samples - 1) if r.samples > 1 else 0
    return total_us / 1e6


def recover_all(store: Store, refused: list[str] | None = None) -> list[Recovered]:
    """Every spill file of this database merged back; files that fail are kept, and a
    file refused by a check is named in `refused` (one sentence each). A file the disk
    still refuses is simply tried again next time."""
    out: list[Recovered] = []
    for path in find(store.path):
        try:
            out += recover(store, path)
        except (ValueError, OSError) as exc:  # SpillRefused is a ValueError
            if refused is not None:
                refused.append(str(exc))
        except sqlite3.Error:
            continue
    return out


def overflow_to(store: Store) -> Callable[[str, list[ChunkRow]], Path | None]:
    """The recorder's hook for chunks past its memory bound, mid-session (on the writer
    thread, with its store): each batch goes to a spill file of its own (the session's
    status is left as it is)."""
    return lambda session, rows: write(store, [Backlog(session, "recording", rows, [], [])])


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
    path = write(disk.store, backlogs)
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

"""One checked copy of a database file through SQLite's online backup API.

Used by `db backup`, the automatic backups and the copy kept before an upgrade: the copy
is written beside its destination as `.partial`, made a self-contained file (rollback
journal, no WAL), checked, given mode 0600 (it holds patient records) and only then
renamed into place, so a failed or interrupted copy never leaves a file that looks whole.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from console.store.audit import AuditTrail
from console.store.db import Db
from console.store.keys import ChainHead


@dataclass(frozen=True, slots=True)
class CopyFacts:
    """What a database copy holds, for its manifest and its checks."""

    problems: list[str]  # integrity and audit-chain problems, in words; [] when sound
    head: ChainHead | None
    session_count: int
    newest_session: tuple[str, str]  # (uuid, started_utc), or ("", "")
    schema_version: int


def checked_copy(source: sqlite3.Connection, dest: Path) -> Path:
    """Copy `source` to `dest` (which must not exist); OSError if the copy is not sound."""
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)  # all pages in one step: one consistent snapshot
        target.execute("PRAGMA journal_mode=DELETE")
        result = target.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise OSError(f"the copy did not check out ({result}); nothing was kept")
    except BaseException:
        target.close()
        partial.unlink(missing_ok=True)
        raise
    target.close()
    os.chmod(partial, 0o600)
    partial.replace(dest)
    return dest


def copy_head(path: Path) -> ChainHead | None:
    """The audit chain head (last row's number and hash) of a database file; None when
    its audit trail is empty."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:  # schema 1 had no audit trail
        row = None
    finally:
        conn.close()
    return None if row is None else ChainHead(int(row[0]), str(row[1]))


def inspect_copy(path: Path, key_dir: Path | None) -> CopyFacts:
    """Open a copy read-only: its integrity, its audit chain under `key_dir`'s key, its
    chain head, session count, newest session and schema version."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            damaged = f"the copy is damaged ({'; '.join(result[:3])})"
            return CopyFacts([damaged], None, 0, ("", ""), 0)
        trail = AuditTrail(Db(path, conn, key_dir))
        problems = [f"the copy's audit trail is broken: {b}" for b in trail.breaks(limit=3)]
        head = trail.head()
        count = int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])
        newest = conn.execute(
            "SELECT uuid, started_utc FROM sessions ORDER BY started_utc DESC LIMIT 1"
        ).fetchone()
        schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        unreadable = f"the copy is damaged and cannot be read ({exc})"
        return CopyFacts([unreadable], None, 0, ("", ""), 0)
    finally:
        conn.close()
    newest_pair = (str(newest[0]), str(newest[1])) if newest else ("", "")
    return CopyFacts(problems, head, count, newest_pair, schema)


def snapshot(db_path: Path, dest: Path) -> Path:
    """A checked copy of the database file at `db_path` (read-only, safe while recording)."""
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        return checked_copy(source, dest)
    finally:
        source.close()

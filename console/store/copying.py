"""One checked copy of a database file through SQLite's online backup API.

Used by `db backup`, the automatic backups and the copy kept before an upgrade: the copy
is written beside its destination as `.partial`, made a self-contained file (rollback
journal, no WAL), checked, given mode 0600 (it holds patient records) and only then
renamed into place, so a failed or interrupted copy never leaves a file that looks whole.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from console.store.keys import ChainHead


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

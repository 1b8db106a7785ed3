"""A named copy of the database before a newer console migrates it.

The first start of a newer version (after an offline bundle update, for example) runs
the schema migrations. A migration that goes wrong, or a newer console the clinic wants
to roll back from, must leave the records as they were: so the file is copied first,
through SQLite's backup API, checked, and kept under a name that says what it is.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from console.store.copying import checked_copy

BACKUP_FOLDER = "backups"


def pre_migration_name(db_path: Path, from_version: int, to_version: int) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{db_path.stem}-schema{from_version}-before-upgrade-to-schema{to_version}-{stamp}.db"


def backup_before_migration(
    conn: sqlite3.Connection, db_path: Path, from_version: int, to_version: int
) -> Path:
    """Copy the database (still at `from_version`) beside it, in backups/; the path.

    Raises OSError or sqlite3.Error when the copy cannot be made or does not check out;
    the caller then must not migrate."""
    folder = db_path.parent / BACKUP_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return checked_copy(conn, folder / pre_migration_name(db_path, from_version, to_version))

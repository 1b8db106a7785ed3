"""A database as an older console left it, for the upgrade tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from console.store.schema import MIGRATIONS


def old_database(path: Path, version: int) -> sqlite3.Connection:
    """The first `version` migrations applied, `user_version` set to it, and one patient,
    OLD-1 (id 1). The caller adds what its test needs, then commits and closes."""
    conn = sqlite3.connect(path)
    for step in MIGRATIONS[:version]:
        conn.executescript(step)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO patients (code) VALUES ('OLD-1')")
    return conn

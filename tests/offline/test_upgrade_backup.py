"""The first start of a newer console backs the database up, under a name, before migrating."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from old_schema import old_database

from console.store import Store, StoreError
from console.store.schema import SCHEMA_VERSION


def _old_database(path: Path, version: int) -> None:
    conn = old_database(path, version)
    conn.commit()
    conn.close()


def test_upgrade_keeps_a_named_checked_copy_of_the_old_database(tmp_path: Path) -> None:
    db = tmp_path / "pen-console.db"
    _old_database(db, SCHEMA_VERSION - 1)
    store = Store(db)
    try:
        copy = store.migration_backup
        assert store.schema_version == SCHEMA_VERSION
    finally:
        store.close()
    assert copy is not None and copy.parent == tmp_path / "backups"
    assert f"schema{SCHEMA_VERSION - 1}-before-upgrade-to-schema{SCHEMA_VERSION}" in copy.name
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    old = sqlite3.connect(copy)
    try:
        assert old.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION - 1
        assert old.execute("SELECT code FROM patients").fetchall() == [("OLD-1",)]
    finally:
        old.close()
    # A second start has nothing to migrate and makes no second copy.
    again = Store(db)
    again.close()
    assert again.migration_backup is None
    assert len(list((tmp_path / "backups").iterdir())) == 1


def test_a_new_database_is_not_backed_up(tmp_path: Path) -> None:
    store = Store(tmp_path / "new.db")
    store.close()
    assert store.migration_backup is None
    assert not (tmp_path / "backups").exists()


def test_no_copy_no_upgrade(tmp_path: Path) -> None:
    db = tmp_path / "pen-console.db"
    _old_database(db, SCHEMA_VERSION - 1)
    (tmp_path / "backups").write_text("a file where the folder should be")
    with pytest.raises(StoreError, match="Nothing was changed"):
        Store(db)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION - 1
    finally:
        conn.close()


def test_the_command_line_names_the_copy(tmp_path: Path) -> None:
    db = tmp_path / "pen-console.db"
    _old_database(db, SCHEMA_VERSION - 1)
    out = subprocess.run(
        [sys.executable, "-m", "console", "sessions", "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    (copy,) = (tmp_path / "backups").iterdir()
    assert f"the copy from before the upgrade is {copy}" in out.stderr

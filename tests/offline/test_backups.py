"""Automatic verified backups: rotation, a bad copy never replaces a good one, a missing
target blocks nothing, and the manifest's chain head is the database's."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import console.core.backups as backups
from console.core.alarms import Priority
from console.core.backup_manifest import existing_backups, to_keep
from console.core.backups import Kind, Outcome, back_up_now
from console.store import Store, copying
from console.store.backup_settings import BackupConfig, Target, load_state
from tests.offline.conftest import ended_session


def _config(*paths: Path, daily: int = 7, weekly: int = 4) -> BackupConfig:
    return BackupConfig(tuple(Target(str(p)) for p in paths), daily, weekly)


def _clock(start: datetime, step: timedelta) -> Callable[[], datetime]:
    moments = iter(start + i * step for i in range(10_000))
    return lambda: next(moments)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", *args], capture_output=True, text=True, check=False
    )


def test_rotation_keeps_the_newest_of_7_days_and_4_weeks() -> None:
    start = datetime(2026, 9, 1, 8, tzinfo=UTC)  # a Tuesday
    stamps = [start + timedelta(hours=12 * i) for i in range(60)]  # to Wed 30 Sep, 20:00
    evening = [datetime(2026, 9, d, 20, tzinfo=UTC) for d in range(1, 31)]
    # the newest of 24..30 Sep (7 days); the newest of the ISO weeks ending Sun 27
    # (already kept), Sun 20 and Sun 13 Sep (4 weeks with the current one)
    expected = {*evening[23:30], evening[19], evening[12]}
    assert to_keep(stamps, 7, 4) == expected
    assert to_keep(stamps, 0, 0) == set()
    assert to_keep(stamps[:1], 7, 4) == {stamps[0]}


def test_backups_rotate_on_the_target(store: Store, tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    ended_session(store, "P-1")
    config = _config(stick, daily=3, weekly=2)
    times = [datetime(2026, 9, 1, 9, tzinfo=UTC) + timedelta(hours=20 * i) for i in range(15)]
    clock = iter(times)
    for _ in times:  # twelve days, one or two backups a day
        (result,) = back_up_now(store, Kind.DAILY, config=config, now=lambda: next(clock))
        assert result.outcome is Outcome.GOOD, result.reason
    kept = [m.created() for _, m in existing_backups(result.folder.parent)]
    # the last is Sun 13 Sep 01:00: newest of 13, 12 and 11 Sep, and of the week before
    assert kept == [
        datetime(2026, 9, 6, 9, tzinfo=UTC),
        datetime(2026, 9, 11, 9, tzinfo=UTC),
        datetime(2026, 9, 12, 5, tzinfo=UTC),
        datetime(2026, 9, 13, 1, tzinfo=UTC),
    ]
    assert not list(result.folder.parent.glob("*.partial"))


def test_a_bad_copy_never_replaces_a_good_one(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    ended_session(store, "P-1")
    config = _config(stick, daily=1, weekly=0)
    clock = _clock(datetime(2026, 9, 1, 9, tzinfo=UTC), timedelta(days=1))
    (good,) = back_up_now(store, Kind.DAILY, config=config, now=clock)
    assert good.outcome is Outcome.GOOD
    good_bytes = (good.folder / backups.DB_FILE).read_bytes()

    real_copy = copying.checked_copy
    other = Store(tmp_path / "other" / "pen-console.db")
    ended_session(other, "SOMEONE-ELSE")

    def copy_of_another_database(source: sqlite3.Connection, dest: Path) -> Path:
        wrong = sqlite3.connect(other.path)
        try:
            return real_copy(wrong, dest)
        finally:
            wrong.close()

    def damaged_copy(source: sqlite3.Connection, dest: Path) -> Path:
        real_copy(source, dest)
        with dest.open("r+b") as f:  # a page of the sessions table overwritten
            f.seek(4096 * 2)
            f.write(b"\xff" * 4096)
        return dest

    for bad, reason in (
        (copy_of_another_database, "is not in this database's audit trail"),
        (damaged_copy, "damaged"),
    ):
        monkeypatch.setattr(copying, "checked_copy", bad)
        (result,) = back_up_now(store, Kind.DAILY, config=config, now=clock)
        assert result.outcome is Outcome.FAILED
        assert reason in result.reason
        assert result.notice is not None and result.notice.priority is Priority.MEDIUM
        # rotation (daily=1) would have dropped the good one for a new one: it did not
        (only,) = existing_backups(good.folder.parent)
        assert only[0] == good.folder
        assert (good.folder / backups.DB_FILE).read_bytes() == good_bytes
        assert not list(good.folder.parent.glob("*.partial"))
    other.close()
    state = load_state(store.path)[str(stick)]
    assert state.last_good is not None and state.last_good.backup == str(good.folder)
    assert state.last_attempt is not None and state.last_attempt.outcome == "failed"
    failed = store.audit.entries(action="backup.failed")
    assert len(failed) == 2


def test_a_missing_target_is_a_notice_and_blocks_nothing(store: Store, tmp_path: Path) -> None:
    present, unplugged = tmp_path / "disk", tmp_path / "stick-not-plugged-in"
    present.mkdir()
    ended_session(store, "P-1")
    results = back_up_now(store, Kind.SESSION, config=_config(unplugged, present))
    missing, good = results
    assert missing.outcome is Outcome.MISSING
    assert missing.notice is not None and missing.notice.priority is Priority.LOW
    assert str(unplugged) in missing.notice.text
    assert not unplugged.exists()  # never created on the internal disk
    assert good.outcome is Outcome.GOOD  # the other target still got its backup
    (line,) = store.audit.entries(action="backup.target_missing")
    assert line.object == f"backup:{unplugged}"
    # and recording goes on
    ended_session(store, "P-2")
    assert len(store.sessions()) == 2


def test_the_manifest_carries_the_chain_head_db_check_verifies(
    store: Store, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    ended_session(store, "P-1")
    newest = ended_session(store, "P-2", seed=5)
    (result,) = back_up_now(store, Kind.SESSION, config=_config(stick))
    manifest = result.manifest
    assert manifest is not None
    assert manifest.chain_head == _head_before(store)
    assert manifest.session_count == 2
    assert manifest.newest_session == newest
    # db check on the backup: sound, and its chain head (the anchor written for it) is
    # the manifest's
    copy = result.folder / backups.DB_FILE
    done = _cli("db", "check", "--db", str(copy))
    assert done.returncode == 0, done.stderr
    backup_store = Store(copy)
    try:
        assert str(backup_store.audit.head()) == manifest.chain_head
        assert str(backup_store.chain_head_file()[0]) == manifest.chain_head
    finally:
        backup_store.close()


def _head_before(store: Store) -> str:
    """The live chain head before the backup's own audit line (backup.done)."""
    entries = store.audit.entries()
    assert entries[-1].action == "backup.done"
    return f"{entries[-2].id}:{entries[-2].hash}"


def test_cli_targets_now_and_status(store: Store, tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    ended_session(store, "P-1")
    db = str(store.path)
    assert _cli("backup", "targets", "add", str(tmp_path / "typo"), "--db", db).returncode == 2
    assert _cli("backup", "targets", "add", str(stick), "--db", db).returncode == 0
    listed = _cli("backup", "targets", "list", "--db", db)
    assert str(stick) in listed.stdout
    status = _cli("backup", "status", "--db", db)
    assert "last good: none yet" in status.stdout
    now = _cli("backup", "now", "--db", db)
    assert now.returncode == 0, now.stderr
    status = _cli("backup", "status", "--db", db)
    (folder,) = (stick / backups.ROOT_FOLDER / backups.host_folder(store.path)).iterdir()
    assert str(folder) in status.stdout
    shutil.rmtree(stick)
    now = _cli("backup", "now", "--db", db)
    assert now.returncode == 1
    assert "missing" in now.stdout
    status = _cli("backup", "status", "--db", db)
    assert str(folder) in status.stdout  # the last good one is still named
    assert "missing" in status.stdout
    assert _cli("backup", "targets", "remove", str(stick), "--db", db).returncode == 0
    assert "none" in _cli("backup", "targets", "list", "--db", db).stdout
    assert os.path.exists(db)

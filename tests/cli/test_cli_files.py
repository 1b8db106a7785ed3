"""Files that cannot destroy data: export never onto the database or its -wal/-shm,
never over a file without --force, whole or not at all; private modes; backups only into
an existing folder; `db restore` checks first, keeps the old database, admin-only."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cli_support import ADMIN, NURSE, SUPERVISOR, Cli, add_session, audit, lines

from console.store import Store


def _sessions(db: Path) -> list[str]:
    store = Store(db)
    try:
        return [s["uuid"] for s in store.sessions()]
    finally:
        store.close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_export_onto_the_database_is_refused_and_the_data_stays(
    cli: Cli, demo_db: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _sessions(demo_db)
    keep = Store(demo_db)  # holds the -wal and -shm open, as a running console does
    try:
        target = demo_db.with_name(demo_db.name + suffix)
        assert target.exists()
        for spelling in (target, Path(os.path.relpath(target)), target.parent / "." / target.name):
            for force in ((), ("--force",)):
                refused = cli(
                    "export", "", "--db", demo_db, "--format", "csv", "--out", spelling, *force
                )
                assert refused.code == 2
                assert "the database's own file" in refused.one_sentence()
    finally:
        keep.close()
    assert _sessions(demo_db) == before
    assert cli("db", "check", "--db", demo_db).code == 0


def test_export_onto_a_symlink_to_the_database_is_refused(
    cli: Cli, demo_db: Path, tmp_path: Path
) -> None:
    link = tmp_path / "innocent.csv"
    link.symlink_to(demo_db)
    refused = cli("export", "", "--db", demo_db, "--format", "csv", "--out", link, "--force")
    assert refused.code == 2 and _sessions(demo_db)


def test_export_does_not_overwrite_without_force_and_writes_whole_files(
    cli: Cli, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "s.json"
    out.write_text("precious")
    again = cli("export", "", "--db", demo_db, "--format", "json", "--out", out)
    assert again.code == 2 and "--force" in again.one_sentence()
    assert out.read_text() == "precious"
    forced = cli("export", "", "--db", demo_db, "--format", "json", "--out", out, "--force")
    assert forced.code == 0, forced.err
    assert json.loads(out.read_text())["patient"]["code"] == "P-DEMO"
    assert _mode(out) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_export_into_a_missing_folder_is_refused(cli: Cli, demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "no-such-usb" / "s.csv"
    refused = cli("export", "", "--db", demo_db, "--format", "csv", "--out", out)
    assert refused.code == 2 and "does not exist" in refused.one_sentence()


def test_backup_refuses_a_missing_folder_and_writes_private_files(
    cli: Cli, demo_db: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "media" / "usb" / "backup.db"
    refused = cli("db", "backup", missing, "--db", demo_db)
    assert refused.code == 2 and "does not exist" in refused.one_sentence()
    assert not missing.parent.exists()
    onto_itself = cli("db", "backup", demo_db, "--db", demo_db)
    assert onto_itself.code == 2
    dest = tmp_path / "backup.db"
    done = cli("db", "backup", dest, "--db", demo_db)
    assert done.code == 0, done.err
    assert _mode(dest) == 0o600


def test_new_databases_and_their_folder_are_private(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "home" / ".local" / "share" / "pen-console"
    monkeypatch.delenv("PEN_CONSOLE_DB")
    monkeypatch.setattr("platformdirs.user_data_dir", lambda *a, **k: str(data))
    made = cli("db", "init")
    assert made.code == 0, made.err
    db = data / "pen-console.db"
    assert f"created a new database at {db}" in made.err
    assert _mode(data) == 0o700
    add_session(db, "P-M", "bench")  # writes, so -wal and -shm exist
    keep = Store(db)
    try:
        for f in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            assert _mode(f) == 0o600, f
    finally:
        keep.close()


def _backup(cli: Cli, db: Path, dest: Path) -> None:
    done = cli("db", "backup", dest, "--db", db, "--user", ADMIN[0], stdin=lines(ADMIN[1]))
    assert done.code == 0, done.err


def test_restore_is_admin_only_and_keeps_the_current_database(
    cli: Cli, db: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "before.db"
    _backup(cli, db, copy)
    later = add_session(db, "P-LATER", NURSE[0])
    by_sup = cli(
        "db", "restore", copy, "--db", db, "--user", SUPERVISOR[0], stdin=lines(SUPERVISOR[1])
    )
    assert by_sup.code == 4 and later in _sessions(db)
    assert (SUPERVISOR[0], "refused", "database") in audit(db)
    done = cli("db", "restore", copy, "--db", db, "--user", ADMIN[0], stdin=lines(ADMIN[1]))
    assert done.code == 0, done.err
    assert later not in _sessions(db)  # the backup's content is back
    kept = [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and later in _sessions(kept[0])  # nothing was deleted
    assert _mode(kept[0]) == 0o600
    assert (ADMIN[0], "db.restore", "database") in audit(db)
    assert (ADMIN[0], "db.restore", "database") in audit(kept[0])
    assert cli("db", "check", "--db", db).code == 0
    kept_check = cli("db", "check", "--db", kept[0])
    assert kept_check.code == 0, kept_check.err


def test_restore_checks_the_backup_first(cli: Cli, db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "damaged.db"
    _backup(cli, db, copy)
    damaged = bytearray(copy.read_bytes())
    damaged[4096 : 4096 * 8] = os.urandom(4096 * 7)  # pages 2-8: tables and indexes
    copy.write_bytes(bytes(damaged))
    before = (_sessions(db), audit(db))
    refused = cli("db", "restore", copy, "--db", db, "--user", ADMIN[0], stdin=lines(ADMIN[1]))
    assert refused.code == 2 and "nothing was changed" in refused.err
    assert "Traceback" not in refused.err
    assert (_sessions(db), audit(db)) == before
    assert not [p for p in tmp_path.iterdir() if "restor" in p.name]
    missing = cli("db", "restore", tmp_path / "nope.db", "--db", db)
    assert missing.code == 2 and "no backup file" in missing.one_sentence()


def test_an_older_world_readable_database_is_narrowed_on_open(cli: Cli, demo_db: Path) -> None:
    demo_db.chmod(0o644)
    assert cli("sessions", "--db", demo_db).code == 0
    assert _mode(demo_db) == 0o600

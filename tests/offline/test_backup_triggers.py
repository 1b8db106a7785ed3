"""Backups run by themselves: after a session ends (GUI and `record`) and daily."""

from __future__ import annotations

import queue
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from console.core.alarms import Priority
from console.core.backup_manifest import existing_backups
from console.core.backup_scheduler import BackupScheduler
from console.core.backups import Kind, Notice, backups_folder
from console.gui.backup_notice import COLOURS, BackupNotice
from console.store import Store
from console.store.backup_settings import BackupConfig, Target, load_state, save_config
from drivers.virtual.endpoints import wait_until
from tests.offline.conftest import ended_session


def test_the_scheduler_backs_up_after_a_session_and_when_the_daily_one_is_due(
    store: Store, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    target = Target(str(stick))
    save_config(store.path, BackupConfig((target,)))
    ended_session(store, "P-1")
    scheduler = BackupScheduler(store.path, store.key_dir, check_every_s=0.05)
    scheduler.start()
    try:
        # at start nothing was backed up today: the daily backup runs by itself
        assert wait_until(lambda: scheduler.runs >= 1, 20)
        folder = backups_folder(target, store.path)
        assert [m.kind for _, m in existing_backups(folder)] == [Kind.DAILY.value]
        ended_session(store, "P-2", seed=3)
        scheduler.request(Kind.SESSION)
        assert wait_until(lambda: scheduler.runs >= 2, 20)
        kinds = [m.kind for _, m in existing_backups(folder)]
        assert kinds == [Kind.SESSION.value]  # same day: rotation keeps the newest
        assert existing_backups(folder)[0][1].session_count == 2
    finally:
        scheduler.close()
    assert scheduler.notices.get_nowait() == []  # both runs went well: nothing to say


def test_the_scheduler_reports_an_unplugged_stick_and_carries_on(
    store: Store, tmp_path: Path
) -> None:
    save_config(store.path, BackupConfig((Target(str(tmp_path / "unplugged")),)))
    scheduler = BackupScheduler(store.path, store.key_dir, check_every_s=30)
    scheduler.start()
    try:
        assert wait_until(lambda: scheduler.runs >= 1, 20)
        notices = scheduler.notices.get_nowait()
    finally:
        scheduler.close()
    assert notices[0].priority is Priority.LOW and "is not there" in notices[0].text
    assert notices[-1] == Notice(Priority.MEDIUM, "No good backup has been made yet")
    assert load_state(store.path)[str(tmp_path / "unplugged")].last_good is None


def test_the_live_screen_line_shows_the_notice_in_its_priority_colour(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    notices: queue.Queue[list[Notice]] = queue.Queue()
    label = BackupNotice(store.path, notices)
    qtbot.addWidget(label)
    assert label.text() == ""  # no targets configured: nothing to say
    save_config(store.path, BackupConfig((Target(str(tmp_path / "stick")),)))
    notices.put([Notice(Priority.LOW, "Backup target /media/stick is not there")])
    qtbot.waitUntil(lambda: "Backup target /media/stick is not there" in label.text())
    # and no good backup yet: that is MEDIUM, so the line is yellow
    assert "No good backup has been made yet" in label.text()
    assert COLOURS[Priority.MEDIUM] in label.styleSheet()
    notices.put([])  # a later run went well: its notice goes
    qtbot.waitUntil(lambda: "is not there" not in label.text())


def test_record_backs_up_the_session_it_recorded(tmp_path: Path) -> None:
    db = tmp_path / "cart.db"
    Store(db).close()
    stick = tmp_path / "stick"
    stick.mkdir()
    save_config(db, BackupConfig((Target(str(stick)),)))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "record",
            "--port",
            "virtual://treatment",
            "--seconds",
            "1",
            "--patient",
            "P-9",
            "--practitioner",
            "Dr Rec",
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    ((_, manifest),) = existing_backups(backups_folder(Target(str(stick)), db))
    assert manifest.kind == "session" and manifest.session_count == 1

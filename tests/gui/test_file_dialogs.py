"""The console's file dialogs list the database's folder without opening its files
(practitioner review finding 1, hazard H-41): a file opened and closed in the console's
process drops SQLite's POSIX locks, and the next `pen-console` command that closed the
database deleted the live WAL under the console."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog, QFileSystemModel
from pytestqt.qtbot import QtBot

from console.gui.file_dialogs import NameOnlyIcons, SafeFileDialog, SafePrintDialog
from console.store import Store

ROOT = Path(__file__).resolve().parents[2]
UNSAFE = r"QFileDialog\.get\w+|QFileDialog\(|QPrintDialog\("  # the dialogs that read files


def _another_process_reads(db: Path) -> int:
    """What a second process (as `pen-console patients show` does) sees, opening and
    closing the database."""
    code = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], timeout=10)\n"
        "print(c.execute('SELECT count(*) FROM marks').fetchone()[0])\n"
        "c.close()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(db)], capture_output=True, text=True, check=True
    )
    return int(out.stdout)


def test_browsing_the_database_folder_keeps_the_live_wal(qtbot: QtBot, tmp_path: Path) -> None:
    store = Store(tmp_path / "pc.db", key_dir=tmp_path / "keys")
    try:
        with store.transaction() as conn:
            conn.execute("CREATE TABLE marks (n INTEGER)")
            conn.execute("INSERT INTO marks VALUES (1)")
        wal = tmp_path / "pc.db-wal"
        assert wal.exists() and (tmp_path / "pc.db-shm").exists()

        dialog = SafeFileDialog(None, "Save", str(tmp_path / "sheet.pdf"), "PDF (*.pdf)")
        qtbot.addWidget(dialog)
        dialog.show()
        model = dialog.findChild(QFileSystemModel)
        assert model is not None

        def listed_with_types() -> bool:
            indexes = [model.index(str(tmp_path / f"pc.db{s}")) for s in ("", "-wal", "-shm")]
            return all(i.isValid() and model.type(i) != "" for i in indexes)

        qtbot.waitUntil(listed_with_types, timeout=5000)  # the file-information thread ran
        dialog.close()

        assert _another_process_reads(store.path) == 1
        assert wal.exists(), "another process's close deleted the console's WAL"
        with store.transaction() as conn:  # a session saved now ...
            conn.execute("INSERT INTO marks VALUES (2)")
        assert _another_process_reads(store.path) == 2  # ... is seen by everyone else
    finally:
        store.close()


def test_the_console_asks_for_file_names_only_through_the_safe_dialog() -> None:
    """Qt's static dialogs (and the desktop's) read each listed file: none in the console;
    the print dialog's path completion names types from file names too."""
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("console", "widgets")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "file_dialogs.py" and re.search(UNSAFE, path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    dialog = SafeFileDialog(None, "Save", "", "")
    printing = SafePrintDialog(QPrinter(), None)
    try:
        assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
        models = printing.findChildren(QFileSystemModel)  # "print to file" completion
        assert models and all(isinstance(m.iconProvider(), NameOnlyIcons) for m in models)
    finally:
        dialog.deleteLater()
        printing.deleteLater()


def test_sqlite_itself_is_not_the_culprit(tmp_path: Path) -> None:
    """Control: without any file dialog, another process's close keeps the WAL (so the
    first test fails only through the dialog)."""
    conn = sqlite3.connect(tmp_path / "pc.db")
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE marks (n INTEGER)")
        conn.execute("INSERT INTO marks VALUES (1)")
        conn.commit()
        assert _another_process_reads(tmp_path / "pc.db") == 1
        assert (tmp_path / "pc.db-wal").exists()
    finally:
        conn.close()

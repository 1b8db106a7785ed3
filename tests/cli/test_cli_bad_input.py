"""No tracebacks from any input: each bad value gets one line and exit 2, leaves no empty
session behind; a mistyped --db is not a new database; a closed pipe is one line too."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import Cli

ROOT = Path(__file__).resolve().parents[2]
PEN = "virtual://treatment?telemetry_hz=500"


def _session_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])


@pytest.mark.parametrize("seconds", ["inf", "-inf", "nan", "1e300", "-5", "0", "abc", ""])
def test_record_refuses_bad_seconds_in_one_line(cli: Cli, demo_db: Path, seconds: str) -> None:
    before = _session_count(demo_db)
    bad = cli("record", "--port", PEN, "--seconds", seconds, "--db", demo_db)
    assert bad.code == 2
    assert "--seconds" in bad.one_sentence()
    assert _session_count(demo_db) == before


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--telemetry-hz", "abc"),
        ("--telemetry-hz", "0"),
        ("--telemetry-hz", "70000"),
        ("--patient", "P-1\n2026-01-01 forged line"),
        ("--patient", "\x1b[31mRED"),
        ("--patient", "x" * 65),
        ("--practitioner", "dr\rwho"),
    ],
)
def test_record_refuses_bad_values_before_touching_anything(
    cli: Cli, demo_db: Path, option: str, value: str
) -> None:
    before = _session_count(demo_db)
    bad = cli("record", "--port", PEN, "--seconds", "1", "--db", demo_db, option, value)
    assert bad.code == 2
    assert option in bad.one_sentence()
    assert "\x1b" not in bad.err
    assert _session_count(demo_db) == before


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("virtual://nosuch", "nosuch"),
        ("virtual://treatment?telemetry_hz=abc", "telemetry_hz"),
        ("virtual://treatment?colour=red", "colour"),
    ],
)
def test_record_names_a_bad_pen_url(cli: Cli, demo_db: Path, url: str, named: str) -> None:
    before = _session_count(demo_db)
    bad = cli("record", "--port", url, "--seconds", "2", "--db", demo_db)
    assert bad.code == 2
    sentence = bad.one_sentence()
    assert named in sentence and "did not answer" not in sentence
    assert _session_count(demo_db) == before


MISSING = [
    ("sessions",),
    ("zones", "list"),
    ("export", "abc", "--format", "csv"),
    ("db", "check"),
    ("db", "backup", "{tmp}/b.db"),
    ("users", "list"),
    ("sign", "abc", "--meaning", "reviewed"),
    ("record", "--port", PEN, "--seconds", "1"),
    ("zones", "set-ceiling", "forehead", "250"),
]


@pytest.mark.parametrize("argv", MISSING, ids=lambda a: " ".join(a[:2]))
def test_a_mistyped_db_is_not_a_new_database(
    cli: Cli, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    typo = tmp_path / "clinc.db"
    ran = cli(*(a.format(tmp=tmp_path) for a in argv), "--db", typo)
    assert ran.code == 2
    sentence = ran.one_sentence()
    assert f"there is no database at {typo}" in sentence and "db init" in sentence
    assert sorted(tmp_path.iterdir()) == []


def test_db_init_creates_once_and_says_so(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    made = cli("db", "init", "--db", db)
    assert made.code == 0 and f"created a new database at {db}" in made.err
    assert cli("sessions", "--db", db).code == 0
    again = cli("db", "init", "--db", db)
    assert again.code == 2 and "already exists" in again.one_sentence()
    elsewhere = cli("db", "init", "--db", tmp_path / "no-such-folder" / "x.db")
    assert elsewhere.code == 2 and "does not exist" in elsewhere.one_sentence()


def test_terminal_output_escapes_control_characters(cli: Cli, demo_db: Path) -> None:
    forged = "P-9\n6d1e0000-0000-0000-0000-000000000000  signed      \x1b[2J\u202e"
    with sqlite3.connect(demo_db) as conn:
        conn.execute("UPDATE patients SET code = ?", (forged,))
        conn.execute("UPDATE practitioners SET display_name = ?", ("dr\r\x07bell",))
    listed = cli("sessions", "--db", demo_db)
    assert listed.code == 0, listed.err
    assert len(listed.out.splitlines()) == 1  # one session, one line: nothing forged
    for raw in ("\x1b", "\r", "\x07", "\u202e"):
        assert raw not in listed.out
    assert "P-9\\x0a6d1e" in listed.out and "\\x1b[2J" in listed.out and "\\u202e" in listed.out
    assert "dr\\x0d\\x07bell" in listed.out


def test_a_closed_pipe_is_one_line_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "many.db"
    rows = [(f"{i:08x}-0000-4000-8000-000000000000", f"2026-01-01T00:{i // 60 % 60:02d}")
            for i in range(4000)]  # fmt: skip
    from console.store import Store

    Store(db).close()
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO sessions (uuid, started_utc, tz, status) VALUES (?, ?, 'UTC', 'complete')",
            rows,
        )
    pipeline = (
        f"{sys.executable} -m console sessions --db {db} | head -1; "
        'echo "exit=${PIPESTATUS[0]}" >&2'
    )
    ran = subprocess.run(
        ["bash", "-c", pipeline], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert len(ran.stdout.splitlines()) == 1
    err = ran.stderr.splitlines()
    assert err[-1] == "exit=2", ran.stderr
    assert "Traceback" not in ran.stderr and "Exception ignored" not in ran.stderr
    assert len(err) == 2 and "closed it early" in err[0]


def test_the_consoles_first_start_creates_the_database_and_says_so(tmp_path: Path) -> None:
    import os

    db = tmp_path / "first.db"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    done = subprocess.run(
        [sys.executable, "-m", "console", "--db", str(db), "--quit-after", "0.5"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"created a new database at {db}" in done.stderr
    assert db.exists() and (db.stat().st_mode & 0o777) == 0o600
    again = subprocess.run(
        [sys.executable, "-m", "console", "--db", str(db), "--quit-after", "0.5"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 0 and "created" not in again.stderr

"""The headless commands as a user runs them: record, sessions, export, db backup."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from record_process import run_cli

from console.core.export import CSV_COLUMNS
from drivers.virtual.endpoints import PtyServer, wait_until
from drivers.virtual.pen import PenConfig, VirtualPen

ROOT = Path(__file__).resolve().parents[2]
PEN = "virtual://treatment?telemetry_hz=1000"
SUMMARY_KEYS = {"session_id", "samples", "events", "discarded", "seq_gaps", "reconnects"}


_run = run_cli


def _new_db(db: Path) -> Path:
    """`record` and the others refuse a missing file (a mistyped --db): create it first."""
    assert _run("db", "init", "--db", str(db)).returncode == 0
    return db


def _chunks(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM telemetry_chunks").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_record_then_list_and_export_the_session(tmp_path: Path) -> None:
    db = _new_db(tmp_path / "cli.db")
    who = ["--patient", "P-7", "--practitioner", "Dr Cli"]
    rec = _run(
        "record",
        "--port",
        PEN,
        "--seconds",
        "1.5",
        "--db",
        str(db),
        "--json",
        *who,
        "--telemetry-hz",
        "2000",
    )
    assert rec.returncode == 0, rec.stderr
    summary = json.loads(rec.stdout)
    assert set(summary) == SUMMARY_KEYS | {"duration_s"}
    assert summary["samples"] >= 2500 and summary["seq_gaps"] == 0  # at 2 kHz, as asked
    assert 1.4 <= summary["duration_s"] < 3

    env = {**os.environ, "PEN_CONSOLE_DB": str(db)}  # the default everywhere, without --db
    listed = _run("sessions", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    row = json.loads(listed.stdout.strip())
    assert row["uuid"] == summary["session_id"] and row["status"] == "complete"
    assert row["patient_code"] == "P-7" and row["practitioner"] == "Dr Cli"
    assert row["samples"] == summary["samples"]

    prefix = summary["session_id"][:8]
    out = tmp_path / "s.csv"
    exported = _run("export", prefix, "--db", str(db), "--format", "csv", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == CSV_COLUMNS
    assert len(rows) - 1 == summary["samples"]
    t_us = [int(r[1]) for r in rows[1:]]
    assert all(b > a for a, b in itertools.pairwise(t_us))  # unwrapped, each sample once

    record = _run("export", prefix, "--db", str(db), "--format", "json")
    assert record.returncode == 0, record.stderr
    whole = json.loads(record.stdout)
    assert whole["session"]["uuid"] == summary["session_id"]
    assert whole["samples"] == summary["samples"]
    assert whole["pen"]["serial"] and whole["patient"]["code"] == "P-7"
    assert {"events", "passes", "link"} <= set(whole)


def test_ctrl_c_ends_the_recording_cleanly(tmp_path: Path) -> None:
    db = _new_db(tmp_path / "int.db")
    db_args = ["--db", str(db), "--json"]
    with subprocess.Popen(
        [sys.executable, "-m", "console", "record", "--port", PEN, "--seconds", "60", *db_args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert wait_until(lambda: _chunks(db) >= 1, 20), "recording never began"
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    summary = json.loads(stdout)
    assert summary["duration_s"] < 30
    with sqlite3.connect(db) as conn:
        status, samples = conn.execute(
            "SELECT status, (SELECT sum(samples) FROM telemetry_chunks) FROM sessions"
        ).fetchone()
    assert status == "complete" and samples == summary["samples"]


def test_bad_port_and_bad_session_are_explained(tmp_path: Path) -> None:
    db = _new_db(tmp_path / "bad.db")
    rec = _run("record", "--port", str(tmp_path / "no-such-tty"), "--seconds", "1", "--db", str(db))
    assert rec.returncode == 2 and "Traceback" not in rec.stderr
    assert "cannot open" in rec.stderr and "no-such-tty" in rec.stderr  # the link's own words
    nobody = _run("record", "--port", PEN, "--seconds", "1", "--db", str(db), "--patient", " ")
    assert nobody.returncode == 2 and "patient's code" in nobody.stderr
    assert "Traceback" not in nobody.stderr
    missing = _run("export", "feedbeef", "--db", str(db), "--format", "csv")
    assert missing.returncode == 2 and "no session starts with" in missing.stderr


def test_db_backup_command_and_refusal_to_overwrite(tmp_path: Path) -> None:
    db = _new_db(tmp_path / "live.db")
    assert _run("record", "--port", PEN, "--seconds", "0.5", "--db", str(db)).returncode == 0
    dest = tmp_path / "backups" / "copy.db"
    missing_folder = _run("db", "backup", str(dest), "--db", str(db))
    assert missing_folder.returncode == 2 and "does not exist" in missing_folder.stderr
    dest.parent.mkdir()
    first = _run("db", "backup", str(dest), "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert _run("db", "check", "--db", str(dest)).returncode == 0
    again = _run("db", "backup", str(dest), "--db", str(db))
    assert again.returncode == 2 and "already exists" in again.stderr


def _events(db: Path, kind: str) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(
                conn.execute("SELECT count(*) FROM events WHERE kind = ?", (kind,)).fetchone()[0]
            )
    except sqlite3.Error:
        return 0


def test_record_survives_unplug_and_replug(tmp_path: Path) -> None:
    pen = VirtualPen(PenConfig(telemetry_hz=500), "treatment")
    server = PtyServer(pen, tmp_path / "ttyREC")
    db = _new_db(tmp_path / "replug.db")
    args = ["record", "--port", str(server.path), "--seconds", "60", "--db", str(db), "--json"]
    with subprocess.Popen(
        [sys.executable, "-m", "console", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert wait_until(lambda: _chunks(db) >= 1, 20), "recording never began"
            server.unplug()
            assert wait_until(lambda: _events(db, "link_lost") == 1, 8)
            server.replug()
            assert wait_until(lambda: _events(db, "link_gap") == 1, 8)
            after = _chunks(db)
            assert wait_until(lambda: _chunks(db) > after, 5)  # recording goes on
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
            server.close()
    assert proc.returncode == 0, stderr
    summary = json.loads(stdout)
    assert summary["reconnects"] >= 1
    with sqlite3.connect(db) as conn:
        (status,) = conn.execute("SELECT status FROM sessions").fetchone()
        (gap,) = conn.execute("SELECT data FROM events WHERE kind = 'link_gap'").fetchone()
    assert status == "complete" and json.loads(gap)["gap_s"] > 0

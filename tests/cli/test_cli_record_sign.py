"""`record` runs as the signed-in practitioner (free-text --practitioner only on a demo
database); `sign` lets a supervisor sign an ended session from a script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cli_support import ADMIN, NURSE, SUPERVISOR, Cli, audit, lines

from console.store import Store

ROOT = Path(__file__).resolve().parents[2]
PEN = "virtual://treatment?telemetry_hz=500"


def _record(db: Path, *extra: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", "record", "--port", PEN, "--seconds", "0.5",
         "--db", str(db), "--json", *extra],
        cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def _session(db: Path, uuid: str) -> dict[str, object]:
    store = Store(db)
    try:
        return store.session(uuid)
    finally:
        store.close()


def _sessions(db: Path) -> int:
    store = Store(db)
    try:
        return len(store.sessions())
    finally:
        store.close()


def test_record_runs_as_the_signed_in_practitioner(db: Path) -> None:
    no_patient = _record(db, "--user", NURSE[0], stdin=lines(NURSE[1]))
    assert no_patient.returncode == 2 and "--patient CODE is needed" in no_patient.stderr
    assert len(no_patient.stderr.strip().splitlines()) == 1
    nobody = _record(db, "--patient", "P-22")
    assert nobody.returncode == 4 and "not signed in" in nobody.stderr
    assert "Traceback" not in nobody.stderr
    free_text = _record(
        db,
        "--user",
        NURSE[0],
        "--patient",
        "P-22",
        "--practitioner",
        "Dr Who",
        stdin=lines(NURSE[1]),
    )
    assert free_text.returncode == 2 and "--practitioner is for a demo database" in free_text.stderr
    before = _sessions(db)
    unknown = _record(db, "--user", NURSE[0], "--patient", "P-22", stdin=lines(NURSE[1]))
    assert unknown.returncode == 2, unknown.stderr  # H-22: a mistyped code starts nothing
    assert "P-22 is not a known patient" in unknown.stderr and "--new-patient" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1 and _sessions(db) == before
    done = _record(
        db, "--user", NURSE[0], "--patient", "P-22", "--new-patient", stdin=lines(NURSE[1])
    )
    assert done.returncode == 0, done.stderr
    assert (NURSE[0], "patient.add", "patient:P-22") in audit(db)
    session = json.loads(done.stdout)["session_id"]
    row = _session(db, session)
    assert row["practitioner"] == NURSE[0] and row["patient_code"] == "P-22"
    assert (NURSE[0], "login", f"user:{NURSE[0]}") in audit(db)


def test_record_on_a_demo_database_takes_free_text(demo_db: Path) -> None:
    done = _record(demo_db, "--practitioner", "Dr Bench")
    assert done.returncode == 0, done.stderr
    row = _session(demo_db, json.loads(done.stdout)["session_id"])
    assert row["practitioner"] == "Dr Bench" and row["patient_code"] == "BENCH"


def _only_session(db: Path) -> str:
    store = Store(db)
    try:
        (row,) = store.sessions()
        return str(row["uuid"])
    finally:
        store.close()


def test_a_supervisor_signs_from_a_script(cli: Cli, db: Path) -> None:
    session = _only_session(db)
    args = ("sign", session[:8], "--meaning", "approved", "--db", db)
    assert cli(*args).code == 4
    nurse = cli(*args, "--user", NURSE[0], stdin=lines(NURSE[1]))
    assert nurse.code == 4 and "may not sign" in nurse.one_sentence()
    admin = cli(*args, "--user", ADMIN[0], stdin=lines(ADMIN[1]))
    assert admin.code == 4
    wrong = cli(*args, "--user", SUPERVISOR[0], stdin=lines("guess-guess-guess"))
    assert wrong.code == 4
    assert _session(db, session)["status"] == "complete"
    signed = cli(*args, "--user", SUPERVISOR[0], stdin=lines(SUPERVISOR[1]))
    assert signed.code == 0, signed.err
    assert f"approved by {SUPERVISOR[0]}" in signed.out
    assert _session(db, session)["status"] == "signed"
    assert (SUPERVISOR[0], "sign", f"session:{session}") in audit(db)
    assert cli("db", "check", "--db", db).code == 0


def test_a_demo_database_cannot_sign(cli: Cli, demo_db: Path) -> None:
    refused = cli("sign", _only_session(demo_db), "--meaning", "reviewed", "--db", demo_db)
    assert refused.code == 2 and "no user accounts" in refused.one_sentence()
    bad = cli("sign", "x", "--meaning", "liked", "--db", demo_db)
    assert bad.code == 2 and "--meaning" in bad.one_sentence()

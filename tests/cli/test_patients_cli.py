"""`patients add|list|show`, `lots find` and `record --lot` through the CLI, signed in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import NURSE, SUPERVISOR, Cli, audit, lines

from console.store import Store

ROOT = Path(__file__).resolve().parents[2]
PEN = "virtual://treatment?telemetry_hz=200"


def test_add_list_show_a_patient(cli: Cli, db: Path) -> None:
    as_nurse = ("--db", db, "--user", NURSE[0])
    added = cli(
        "patients", "add", "P-1", "--name", "Ana Ruiz", "--birth-year", "1986",
        "--skin-type", "4", *as_nurse, stdin=lines(NURSE[1]),
    )  # fmt: skip
    assert added.code == 0, added.err
    listed = cli("patients", "list", "--json", *as_nurse, stdin=lines(NURSE[1]))
    assert [json.loads(line) for line in listed.out.splitlines()] == [
        {"code": "P-1", "name": "Ana Ruiz", "birth_year": 1986, "skin_type": "IV"}
    ]
    shown = cli("patients", "show", "P-1", "--json", *as_nurse, stdin=lines(NURSE[1]))
    assert shown.code == 0, shown.err
    view = json.loads(shown.out)
    assert view["patient"]["fitzpatrick"] == "IV" and view["darker_skin_type"] is True
    assert len(view["sessions"]) == 1  # the fixture's ended session of P-1
    assert view["series"]["done"] == 1 and view["next_due"] is not None
    actions = [(u, a, o) for u, a, o in audit(db) if o == "patient:P-1"]
    assert (NURSE[0], "patient.edit", "patient:P-1") in actions  # recorded before: a session
    assert (NURSE[0], "review", "patient:P-1") in actions


def test_patients_refuse_bad_input_and_nobody(cli: Cli, db: Path) -> None:
    nobody = cli("patients", "list", "--db", db)
    assert nobody.code == 4 and "not signed in" in nobody.one_sentence()
    bad = cli("patients", "add", "P-2", "--skin-type", "VII", "--db", db)
    assert bad.code == 2 and "Fitzpatrick" in bad.one_sentence()
    missing = cli("patients", "show", "NOPE", "--db", db, "--user", NURSE[0], stdin=lines(NURSE[1]))
    assert missing.code == 2 and "no patient 'NOPE'" in missing.one_sentence()
    year = cli(
        "patients", "add", "P-2", "--birth-year", "1850", "--db", db, "--user", NURSE[0],
        stdin=lines(NURSE[1]),
    )  # fmt: skip
    assert year.code == 2 and "birth year" in year.one_sentence()


def _record(
    db: Path, patient: str, *extra: str, user: tuple[str, str] = NURSE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", "record", "--port", PEN, "--seconds", "0.3",
         "--db", str(db), "--json", "--patient", patient, "--user", user[0], *extra],
        cwd=ROOT, input=lines(user[1]), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_record_too_soon_without_a_reason_exits_2_and_records_nothing(db: Path) -> None:
    early = _record(db, "P-1", "--too-soon-reason", "  ")
    assert early.returncode == 2, early.stderr
    assert "--too-soon-reason" in early.stderr and "nothing was recorded" in early.stderr
    assert "Traceback" not in early.stderr
    store = Store(db)
    try:
        assert [s["patient_code"] for s in store.sessions()] == ["P-1"]  # the fixture's only
    finally:
        store.close()


def test_record_lots_refuses_a_reused_cartridge_before_needling(cli: Cli, db: Path) -> None:
    first = _record(
        db, "P-1", "--lot", "cartridge=C-9:S-1", "--lot", "prp_kit=K-4",
        "--too-soon-reason", "touch-up agreed with the director",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "was treated 0 days ago" in first.stderr  # the fixture's session of P-1
    session = json.loads(first.stdout)["session_id"]
    store = Store(db)
    try:
        (early,) = store.patients.exceptions(session)
        assert (early.reason, early.min_days) == ("touch-up agreed with the director", 42)
    finally:
        store.close()
    unknown = _record(db, "P-2", "--lot", "cartridge=C-9:S-1")
    assert unknown.returncode == 2 and "--new-patient" in unknown.stderr  # H-22
    reused = _record(db, "P-2", "--new-patient", "--lot", "cartridge=C-9:S-1")
    assert reused.returncode == 4, reused.stderr
    assert "single use" in reused.stderr and "Traceback" not in reused.stderr
    store = Store(db)
    try:
        assert [s["patient_code"] for s in store.sessions()].count("P-2") == 0  # no session
        assert store.patients.find("P-2") is None  # nor a new patient
    finally:
        store.close()
    nurse_override = _record(
        db, "P-2", "--new-patient", "--lot", "cartridge=C-9:S-1", "--override-reason", "x"
    )
    assert nurse_override.returncode == 4 and "may not override" in nurse_override.stderr
    overridden = _record(
        db, "P-2", "--new-patient", "--lot", "cartridge=C-9:S-1",
        "--override-reason", "sealed box, label misprint",
        user=SUPERVISOR,
    )  # fmt: skip
    assert overridden.returncode == 0, overridden.stderr
    second = json.loads(overridden.stdout)["session_id"]
    found = cli(
        "lots", "find", "C-9", "--json", "--db", db, "--user", NURSE[0], stdin=lines(NURSE[1])
    )
    assert found.code == 0, found.err
    uses = json.loads(found.out)
    assert [(u["session"], u["patient_code"]) for u in uses] == [(session, "P-1"), (second, "P-2")]
    kit = cli(
        "lots", "find", "K-4", "--json", "--db", db, "--user", NURSE[0], stdin=lines(NURSE[1])
    )
    assert [u["session"] for u in json.loads(kit.out)] == [session]
    none = cli("lots", "find", "ZZZ", "--db", db, "--user", NURSE[0], stdin=lines(NURSE[1]))
    assert none.code == 1 and "no session used" in none.out


def test_photos_import_through_the_cli(cli: Cli, db: Path, tmp_path: Path) -> None:
    from PIL import Image

    store = Store(db)
    try:
        (session,) = [s["uuid"] for s in store.sessions()]
    finally:
        store.close()
    files = []
    for n in range(2):
        files.append(tmp_path / f"p{n}.jpg")
        Image.new("RGB", (16, 16), (n * 90, 80, 60)).save(files[-1], "JPEG")
    ran = cli(
        "photos", "import", session[:8], *files, "--when", "before", "--zone", "cheek_left",
        "--json", "--db", db, "--user", NURSE[0], stdin=lines(NURSE[1]),
    )  # fmt: skip
    assert ran.code == 0, ran.err
    rows = [json.loads(line) for line in ran.out.splitlines()]
    assert [r["file_name"] for r in rows] == ["p0.jpg", "p1.jpg"]
    bad = cli(
        "photos", "import", session[:8], tmp_path / "none.jpg", "--when", "after",
        "--db", db, "--user", NURSE[0], stdin=lines(NURSE[1]),
    )  # fmt: skip
    assert bad.code == 2 and "cannot read" in bad.one_sentence()


def test_a_decompression_bomb_through_the_cli_is_one_sentence_and_exit_2(
    cli: Cli, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    store = Store(db)
    try:
        (session,) = [s["uuid"] for s in store.sessions()]
    finally:
        store.close()
    bomb = tmp_path / "bomb.png"
    Image.new("1", (64, 64)).save(bomb, "PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 4096 pixels: over twice the limit
    ran = cli(
        "photos", "import", session[:8], bomb, "--when", "after",
        "--db", db, "--user", NURSE[0], stdin=lines(NURSE[1]),
    )  # fmt: skip
    assert ran.code == 2 and "decompression bomb" in ran.one_sentence()
    assert "Traceback" not in ran.err

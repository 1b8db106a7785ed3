"""`record --plan` runs the live screen's core headless: the alarm monitor (a pen fault is
an alarm in the record, found by `sessions --has-alarms`), steps from --done, plan depths,
and an end by Ctrl-C like End session in the window."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from cli_support import Cli

from console.store import EventKind, Store
from drivers.virtual.endpoints import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _record(db: Path, port: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "console", "record", "--port", port, "--db", str(db),
            "--practitioner", "Dr Bench", "--json", *extra]  # fmt: skip


def _events(db: Path, session: str) -> list[dict[str, object]]:
    store = Store(db)
    try:
        return [dict(e) for e in store.events(session)]
    finally:
        store.close()


def test_a_headless_faults_session_has_its_alarms_and_is_found(cli: Cli, demo_db: Path) -> None:
    done = subprocess.run(
        _record(demo_db, "virtual://faults?telemetry_hz=500", "--seconds", "6",
                "--plan", "Full face — PRP", "--done", "all", "--patient", "P-FAULT"),
        cwd=ROOT, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    session = json.loads(done.stdout)["session_id"]
    exported = cli("export", session, "--format", "json", "--db", demo_db)
    assert exported.code == 0, exported.err
    record = json.loads(exported.out)
    alarms = [e["data"] for e in record["events"] if e["kind"] == "alarm"]
    assert any(a["condition"] == "pen_fault" and a["state"] == "raised" for a in alarms)
    done_rows = [e["data"] for e in record["events"] if e["kind"] == "step_done"]
    # --done all: only the steps needed before needling, each like a touch.
    assert [d["step"] for d in done_rows] == [
        "consent", "cleanse", "anaesthetic", "anaesthetic_removed"
    ]  # fmt: skip
    # The dwell was not waited out, and the record says so.
    assert done_rows[3]["early"]["timer_step"] == "anaesthetic"
    assert done_rows[3]["early"]["left_s"] > 1700
    assert "early removal" in done.stderr
    depths = [e["data"] for e in record["events"] if e["kind"] == "plan_depth"]
    assert depths and depths[0]["zone"] == "forehead" and depths[0]["acked_um"] == 500
    listed = cli("sessions", "--has-alarms", "--json", "--db", demo_db)
    assert listed.code == 0, listed.err
    uuids = [json.loads(line)["uuid"] for line in listed.out.splitlines()]
    assert uuids == [session]  # the demo database's other session has no alarm


def test_done_names_a_step_of_the_plan(cli: Cli, demo_db: Path) -> None:
    bad = cli("record", "--port", "virtual://idle", "--seconds", "1", "--db", demo_db,
              "--plan", "full_face_prp", "--done", "teleport")  # fmt: skip
    assert bad.code == 2 and "its steps are" in bad.one_sentence()
    no_plan = cli("record", "--port", "virtual://idle", "--seconds", "1", "--db", demo_db,
                  "--done", "consent")  # fmt: skip
    assert no_plan.code == 2 and "--done needs --plan" in no_plan.one_sentence()


def test_ctrl_c_ends_the_session_like_end_session(demo_db: Path) -> None:
    proc = subprocess.Popen(
        _record(demo_db, "virtual://treatment?telemetry_hz=500", "--seconds", "120",
                "--plan", "Full face — PRP", "--done", "consent", "--patient", "P-INT"),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:

        def recording() -> bool:
            store = Store(demo_db)
            try:
                rows = [s for s in store.sessions() if s["patient_code"] == "P-INT"]
                return bool(rows) and rows[0]["samples"] > 200
            finally:
                store.close()

        assert wait_until(recording, 30)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    session = json.loads(out)["session_id"]
    store = Store(demo_db)
    try:
        assert store.session(session)["status"] == "complete"
        passes = store.passes(session)
    finally:
        store.close()
    assert [(p["zone"], p["pass_no"]) for p in passes] == [("forehead", 1)]  # closed at the end
    events = _events(demo_db, session)
    assert any(e["kind"] is EventKind.STEP_DONE for e in events)
    assert any(
        e["kind"] is EventKind.ALARM and e["data"]["condition"] == "started_before_steps"  # type: ignore[index]
        for e in events
    )


def test_zones_plans_json_lists_zones_prp_passes_and_steps(cli: Cli) -> None:
    listed = cli("zones", "plans", "--json")
    assert listed.code == 0, listed.err
    plans = {p["id"]: p for p in map(json.loads, listed.out.splitlines())}
    full = plans["full_face_prp"]
    assert all(z["target_passes"] == 2 and z["prp_passes"] == 1 for z in full["zones"])
    assert [s["id"] for s in full["steps"]][:3] == ["consent", "cleanse", "anaesthetic"]
    cheeks = plans["acne_scars_cheeks"]["zones"]
    assert {z["depth_um"] for z in cheeks} == {1500}


def _plan_depths(db: Path, *extra: str) -> list[dict[str, object]]:
    """Record 1.5 s of acne_scars_cheeks on an idle pen; its plan_depth events' data."""
    ran = subprocess.run(
        _record(db, "virtual://idle?telemetry_hz=500", "--seconds", "1.5",
                "--plan", "acne_scars_cheeks", *extra),
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    events = _events(db, json.loads(ran.stdout)["session_id"])
    return [e["data"] for e in events if e["kind"] is EventKind.PLAN_DEPTH]  # type: ignore[misc]


def test_a_preset_and_the_anaesthesia_rule_headless(cli: Cli, demo_db: Path) -> None:
    bad = cli("record", "--port", "virtual://idle", "--seconds", "1", "--db", demo_db,
              "--plan", "acne_scars_cheeks", "--preset", "extreme")  # fmt: skip
    assert bad.code == 2 and "presets: light, deep" in bad.one_sentence()
    held = _plan_depths(demo_db, "--done", "consent")
    assert held[0]["plan_um"] == 1500 and held[0]["acked_um"] == 1000  # no anaesthetic yet
    light = _plan_depths(demo_db, "--done", "all", "--preset", "light")
    assert light[-1]["acked_um"] == 500  # the light band, 0.25–0.5 mm

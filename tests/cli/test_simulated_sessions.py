"""H-35: a session recorded from the virtual pen is marked simulated in the database; the
sessions list, the export, the review header and the report say so
(console/core/simulated.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from unicodedata import normalize

from cli_support import Cli, add_session
from pypdf import PdfReader

from console.core.export import session_record
from console.core.review import SessionReview
from console.core.simulated import WORDS
from console.core.treatment import Treatment
from console.store import Store
from drivers.link import LinkState


def _simulated_session(db: Path) -> str:
    store = Store(db)
    treatment = Treatment(store)
    try:
        link = treatment.connect_to("virtual://idle?telemetry_hz=200")
        assert link.wait_for_state(LinkState.STREAMING, 5)
        session = treatment.start_session("P-SIM", "Dr A")
        treatment.end_session()
    finally:
        treatment.close()
        store.close()
    return session


def test_virtual_pen_sessions_are_marked_and_listed_as_simulated(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    real = add_session(db, "P-REAL", "Dr A")  # as the recorder does with a real pen
    simulated = _simulated_session(db)
    store = Store(db)
    try:
        assert store.session(simulated)["simulated"] == 1
        assert store.session(real)["simulated"] == 0
        assert session_record(store, simulated)["session"]["simulated"] is True  # the export
        assert session_record(store, real)["session"]["simulated"] is False
    finally:
        store.close()
    text = cli("sessions", "--db", db)
    assert text.code == 0, text.err
    by_uuid = {line.split()[0]: line for line in text.out.splitlines()}
    assert by_uuid[simulated].endswith("SIMULATED") and "SIMULATED" not in by_uuid[real]
    listed = cli("sessions", "--json", "--db", db)
    flags = {r["uuid"]: r["simulated"] for r in map(json.loads, listed.out.splitlines())}
    assert flags == {real: False, simulated: True}


def test_the_report_and_the_review_say_simulated(qtbot, tmp_path: Path) -> None:
    from console.core.report_model import build_report
    from console.gui.report import write_session_report
    from console.gui.review_window import ReviewWindow

    db = tmp_path / "demo.db"
    session = _simulated_session(db)
    store = Store(db)
    try:
        assert build_report(SessionReview(store, session)).header.simulated == WORDS
        pdf = write_session_report(SessionReview(store, session), tmp_path / "r.pdf")
        window = ReviewWindow(store, "unattributed")
        qtbot.addWidget(window)
        from console.store.session_list import SessionColumn

        listed = window.sessions.model()
        patient = listed.index(0, SessionColumn.PATIENT)
        assert listed.data(patient).endswith(" · SIM")  # the list marks it beside the code
        assert listed.data(listed.index(0, SessionColumn.STATUS)) == "complete"
        window.sessions.selectRow(0)
        assert WORDS in window.header.label.text()
    finally:
        store.close()
    first_page = " ".join(PdfReader(pdf).pages[0].extract_text().split())
    assert "Microneedling session report " + WORDS in normalize("NFKC", first_page)


def test_sessions_from_before_the_mark_are_found_by_the_virtual_pens_identity(
    tmp_path: Path,
) -> None:
    db = tmp_path / "old.db"
    store = Store(db)
    pen = {"serial": "VP-000001", "model": "MicroPen Virtual"}
    old = store.create_session("P-OLD", "Dr A", pen=pen)
    real = store.create_session("P-1", "Dr A", pen={"serial": "MP-1", "model": "MicroPen"})
    store.close()
    conn = sqlite3.connect(db)  # as schema 7 left it: no column yet
    conn.execute("ALTER TABLE sessions DROP COLUMN simulated")
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    store = Store(db)
    try:
        assert store.session(old)["simulated"] == 1 and store.session(real)["simulated"] == 0
    finally:
        store.close()

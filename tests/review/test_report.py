"""The session report (issue 12): the Qt-free model says the right things, and the PDF
renders every section (read back with pypdf; every page rendered by pdftoppm when it is
installed, and checked not blank)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from unicodedata import normalize

import numpy as np
import pytest
from pypdf import PdfReader
from report_session import NAME, PATIENT, make_report_session

from console.core.report_model import Report, build_report
from console.core.report_zones import ZoneFlag
from console.core.review import SessionReview
from console.store import Store
from console.store.packing import COLUMNS
from console.store.patients import SeriesExceptionRow
from console.store.rows import utc_now
from console.store.signatures import Signature


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("report")
    path = tmp / "report.db"
    return path, make_report_session(path, tmp)


@pytest.fixture
def review(db: tuple[Path, str]) -> Iterator[SessionReview]:
    store = Store(db[0])
    yield SessionReview(store, db[1])
    store.close()


@pytest.fixture
def report(review: SessionReview) -> Report:
    return build_report(review, "Clinica Sol")


def test_zones_are_compared_with_the_plan_and_the_ceiling(report: Report) -> None:
    zones = {z.zone: z for z in report.zones}
    forehead, cheek, nose = zones["forehead"], zones["cheek_right"], zones["nose"]
    assert (forehead.passes, forehead.passes_planned, forehead.prp_passes) == (2, 2, 1)
    assert forehead.flags == () and forehead.depth_median_um == 500
    assert cheek.plan_um == 800 and cheek.depth_median_um == 700  # the session's plan_depth
    assert set(cheek.flags) == {ZoneFlag.UNDER_DEPTH, ZoneFlag.MISSING_PASSES}
    assert nose.ceiling_um == 500 and nose.depth_max_um == 600
    assert set(nose.flags) == {  # 3 dry passes of 2, no PRP pass of 1
        ZoneFlag.ABOVE_CEILING,
        ZoneFlag.OVER_DEPTH,
        ZoneFlag.EXTRA_PASSES,
        ZoneFlag.MISSING_PASSES,
    }
    assert nose.override_um == 750 and "overridden to 0.75 mm" in nose.flag_words()
    neck = zones["neck"]  # treated outside the plan
    assert neck.flags == (ZoneFlag.NOT_IN_PLAN,) and (neck.passes, neck.passes_planned) == (1, None)
    untouched = zones["chin"]  # planned, never treated
    assert untouched.depth_max_um is None and ZoneFlag.MISSING_PASSES in untouched.flags


def test_header_series_products_and_consent(report: Report) -> None:
    h = report.header
    assert h.clinic == "Clinica Sol" and h.patient_code == PATIENT
    assert h.patient_name is None  # the clinic has not opted in to names
    assert h.cartridge == "12 needles, 32 G" and h.pen.startswith("VirtualPen 2, S/N VP-0042")
    assert "UTC (UTC)" not in h.when and h.when.count(":") == 2  # start–end, zone once
    assert report.series.startswith("treatment 2 of 3; next due ")
    expired = {p.lot: p.expired for p in report.products}
    assert expired == {"C-77": False, "K-OLD": True}
    (consent,) = report.consents
    flagged = [a for a in consent.answers if a.yes]
    assert len(flagged) == 1 and flagged[0].confirmed and consent.signature_png
    assert [p.when for p in report.photos] == ["before", "after"]
    assert report.map_id == "face"  # the plan's map, drawn beside the header


def test_timeline_and_alarms_in_words_with_units(report: Report) -> None:
    timeline = " | ".join(line.what for line in report.timeline)
    assert "Remove the numbing cream done by Dr A · ended a dwell 12 min 34 s early" in timeline
    assert "started without prp_ready by Dr Sup" in timeline
    assert "ceiling overridden in Nose: 0.75 mm (default 0.50 mm)" in timeline
    alarms = " | ".join(line.what for line in report.alarms)
    assert "depth clamped to 0.55 mm" in alarms
    assert "high alarm raised: depth above ceiling — nose at 0.60 mm" in alarms
    assert "frames lost on the link: 7 frames" in alarms
    assert all(":" in line.at for line in report.timeline)  # local wall-clock times


def test_a_too_soon_reason_a_signature_and_a_follow_up_are_printed(tmp_path: Path) -> None:
    session = make_report_session(tmp_path / "soon.db", tmp_path)
    store = Store(tmp_path / "soon.db")
    try:
        store.patients.add_exception(
            SeriesExceptionRow(session, 30.0, 42, "patient travels", "Dr A", utc_now())
        )
        store.signatures.insert(Signature("Dr Sup", utc_now(), "approved", "ab" * 32), session)
        store.signatures.amend(session, "Dr A", utc_now(), "follow-up:outcome", "less redness")
        report = build_report(SessionReview(store, session))
    finally:
        store.close()
    assert report.timeline[0].what == (
        "started 30 days after the previous treatment (the series allows 42) by Dr A: "
        "patient travels"
    )
    (signature,) = report.signatures
    assert signature.startswith("APPROVED by Dr Sup at ") and signature.endswith("ab" * 32)
    (follow_up,) = report.amendments
    assert follow_up.endswith("· Dr A · follow-up, outcome: less redness")


def test_patient_name_only_when_the_clinic_opts_in(review: SessionReview) -> None:
    assert build_report(review, show_name=False).header.patient_name is None
    shown = build_report(review, show_name=True).header
    assert shown.patient_name == NAME


def test_pdf_has_every_section_and_no_blank_page(
    review: SessionReview, qapp: object, tmp_path: Path
) -> None:
    from console.gui.report import write_session_report

    steps: list[int] = []
    out = write_session_report(review, tmp_path / "r.pdf", "Clinica Sol", steps.append)
    assert steps[-1] == 100
    reader = PdfReader(out)
    # NFKC: the PDF draws "fl" as a ligature
    text = normalize("NFKC", " ".join(" ".join(p.extract_text().split()) for p in reader.pages))
    for words in (
        "Clinica Sol", "Microneedling session report", f"Patient: {PATIENT}",
        "Zones: depth and passes against the plan", "shallower than planned",
        "above the zone's ceiling", "Procedure timeline", "Consent and contraindications",
        "YES (flagged)", "Products and lots", "EXPIRED", "K-OLD", "Photos", "before",
        "treatment 2 of 3", "Depth and stroke rate", "Alarms and link gaps",
        "depth clamped to 0.55 mm", "Signatures", "Not signed",
    ):  # fmt: skip
        assert words in text, words
    assert "UTC (UTC)" not in text
    if shutil.which("pdftoppm") is None:
        return
    subprocess.run(["pdftoppm", "-r", "20", "-gray", str(out), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.pgm"))
    assert len(pages) == len(reader.pages)
    for page in pages:  # a blank page is one flat shade
        data = page.read_bytes().split(b"\n", 3)[3]
        assert len(set(data)) > 2, page.name


def test_broken_report_settings_leave_the_name_out(tmp_path: Path) -> None:
    from console.core.report_model import report_settings

    broken = tmp_path / "report.json"
    broken.write_text("{ not json", encoding="utf-8")
    assert report_settings(broken) == {} and report_settings(tmp_path / "missing.json") == {}
    opted_in = tmp_path / "opted.json"
    opted_in.write_text('{"show_patient_name": true}', encoding="utf-8")
    assert report_settings(opted_in) == {"show_patient_name": True}


def test_zone_depths_are_the_max_and_lower_median_of_contact_readings(tmp_path: Path) -> None:
    from console.core.report_zones import _depths  # the histogram, against numpy

    rng = np.random.default_rng(3)
    n = 5001
    cols = {name: np.zeros(n, dtype) for name, dtype in COLUMNS.items()}
    cols["t_us"] = np.arange(n, dtype=np.int64) * 500
    cols["seq"] = (np.arange(n) % 65536).astype(np.uint16)
    cols["zone"] = rng.integers(0, 3, n).astype(np.uint8)  # 0: between zones
    cols["depth_meas_um"] = rng.integers(0, 1600, n).astype(np.uint16)
    store = Store(tmp_path / "d.db")
    try:
        session = store.create_session("P-D", "Dr A")
        store.update_session(session, zone_ids='["forehead", "nose"]')
        store.write_chunk(session, 0, cols)
        found = _depths(SessionReview(store, session))
    finally:
        store.close()
    for i, zone in enumerate(["forehead", "nose"], start=1):
        d = np.sort(cols["depth_meas_um"][(cols["zone"] == i) & (cols["depth_meas_um"] > 0)])
        assert found[zone] == (int(d[-1]), int(d[(len(d) - 1) // 2]))


def test_a_body_plan_draws_its_own_map(tmp_path: Path, qapp: object) -> None:
    from console.gui.report import zone_map_image

    store = Store(tmp_path / "body.db")
    try:
        plan = "Stretch marks — abdomen and flanks"
        session = store.create_session("P-B", "Dr A", plan_name=plan)
        store.finish_session(session)
        report = build_report(SessionReview(store, session))
    finally:
        store.close()
    assert report.map_id == "body"
    first = report.zones[0]
    assert (first.zone, first.label, first.passes) == ("abdomen", "Abdomen", 0)
    assert first.passes_planned == 3 and ZoneFlag.MISSING_PASSES in first.flags
    image = zone_map_image(report)
    assert image is not None and not image.isNull()


def test_a_hostile_name_is_shown_without_bidi_controls_and_elided(
    report: Report, qapp: object, tmp_path: Path
) -> None:
    from dataclasses import replace

    from console.gui.report import write_report

    hostile = "\u202eAna\u2066 " + "x" * 200
    named = replace(report, header=replace(report.header, patient_name=hostile))
    out = write_report(named, tmp_path / "r.pdf", None)
    first = "".join(PdfReader(out).pages[0].extract_text().split())  # the line may wrap
    assert not any(ch in first for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert "Ana" + "x" * 76 + "…" in first and "x" * 77 not in first

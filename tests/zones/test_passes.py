"""Pass accounting and depth ceilings against the virtual pen, through link and recorder."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from console.core.ceilings import confirmation_text
from console.core.export import write_csv
from console.core.recorder import Recorder
from console.core.treatment import Treatment
from console.core.zone_session import build_zone_session
from console.core.zones import find_plan
from console.store import Store
from drivers.link import Link, LinkState
from drivers.messages import Button, EventCode, MsgType
from drivers.virtual.endpoints import wait_until

PLAN = "Fine lines — forehead and periorbital"  # forehead ×3, periorbital R ×2, L ×2
PRESSES = ["s", "s", "s", "L", "s", "s", "L", "s", "s"]


@pytest.fixture
def treatment(tmp_path: Path):
    """A headless treatment, as `pen-console record --plan` runs one."""
    store = Store(tmp_path / "zones.db")
    treatment = Treatment(store, plan=find_plan(PLAN), watch=False)
    link = Link("virtual://treatment?telemetry_hz=2000")
    treatment.attach(link)
    link.start()
    try:
        assert link.wait_for_state(LinkState.STREAMING, 5)
        pen = link.virtual_pen
        assert wait_until(lambda: pen.motor_on, 3)
        session = treatment.start_session("P-Z", "Dr Zone")
        assert treatment.recorder is not None
        yield store, link, treatment.recorder, treatment.zones, session
    finally:
        treatment.close()
        store.close()


def _press_through_the_plan(link: Link, recorder: Recorder) -> None:
    pen = link.virtual_pen
    for press in PRESSES:
        seen = recorder.stats().samples
        assert wait_until(lambda s=seen: recorder.stats().samples > s + 300, 5)
        pen.press(Button.MARK, long=press == "L")
    seen = recorder.stats().samples
    assert wait_until(lambda: recorder.stats().samples > seen + 300, 5)
    recorder.end_session()


def _expected_passes(pen, first_recorded_seq: int) -> list[tuple[str, int, int]]:
    """(zone, pass, strokes) worked out from the pen's own log of what it sent."""
    sent = pen.sent_telemetry()
    seqs = sent["seq"].astype(np.int64)
    strokes = sent["row"]["strokes"].astype(np.int64)
    marks = [e for e in pen.sent_events() if e.arg == Button.MARK and e.seq > first_recorded_seq]
    zones = ["forehead", "periorbital_right", "periorbital_left"]
    zone, pass_no = 0, 1
    start = strokes[np.searchsorted(seqs, first_recorded_seq)]
    out = []
    for e in marks:
        if e.code == EventCode.BUTTON_SHORT:
            end = strokes[np.searchsorted(seqs, e.seq) - 1]  # last sample before the mark
            out.append((zones[zone], pass_no, int(end - start)))
            start, pass_no = end, pass_no + 1
        else:
            zone, pass_no = zone + 1, 1
            start = strokes[np.searchsorted(seqs, e.seq)]  # first sample after the press
    return out


def test_passes_per_zone_and_strokes_per_pass_are_exact(treatment) -> None:
    store, link, recorder, zones, session = treatment
    _press_through_the_plan(link, recorder)
    stored = store.load_telemetry(session)
    expected = _expected_passes(link.virtual_pen, int(stored["seq"][0]))
    passes = [(p["zone"], p["pass_no"], p["strokes"]) for p in store.passes(session)]
    assert passes == expected
    assert [z for z, _, _ in passes].count("forehead") == 3
    assert all(s > 0 for _, _, s in passes)
    assert zones.tracker.progress() == (7, 7)


def test_csv_zone_and_pass_columns_change_at_the_marks(treatment) -> None:
    store, link, recorder, zones, session = treatment
    _press_through_the_plan(link, recorder)
    out = io.StringIO()
    write_csv(store, session, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    changes = [
        (r["zone"], r["pass"], int(r["seq"]))
        for i, r in enumerate(rows)
        if i == 0 or (r["zone"], r["pass"]) != (rows[i - 1]["zone"], rows[i - 1]["pass"])
    ]
    assert [(z, p) for z, p, _ in changes] == [
        ("forehead", "1"),
        ("forehead", "2"),
        ("forehead", "3"),
        ("forehead", "4"),
        ("periorbital_right", "1"),
        ("periorbital_right", "2"),
        ("periorbital_right", "3"),
        ("periorbital_left", "1"),
        ("periorbital_left", "2"),
        ("periorbital_left", "3"),
    ]
    pen = link.virtual_pen
    sent_seqs = pen.sent_telemetry()["seq"].astype(np.int64)
    mark_seqs = [e.seq for e in pen.sent_events() if e.arg == Button.MARK]
    for (_, _, seq), mark in zip(changes[1:], mark_seqs, strict=True):
        # the new zone/pass begins with the first sample the pen sent after the press
        assert seq == sent_seqs[np.searchsorted(sent_seqs, mark)]


def test_each_zone_change_sends_its_ceiling_and_a_deeper_request_is_clamped_and_alarmed(
    treatment,
) -> None:
    store, link, recorder, zones, session = treatment
    alarms: list[tuple[bool, str]] = []
    zones.alarm_hooks.append(lambda active, detail: alarms.append((active, detail)))
    pen = link.virtual_pen
    limits = lambda: [c.argument for c in pen.commands_of(MsgType.SET_DEPTH_LIMIT)]  # noqa: E731
    # the map's strictest while no zone is chosen (H-04), then forehead at the plan's start
    assert wait_until(lambda: limits() == [300, 500], 2)
    zones.tracker.advance(how="test")
    assert wait_until(lambda: limits() == [300, 500, 300], 2)  # periorbital right
    assert wait_until(lambda: zones.ceilings.in_effect_um == 300, 2)
    answer = link.set_depth(800).result(2)
    assert answer.value == 300  # the pen applied the ceiling
    assert wait_until(lambda: alarms and alarms[-1][0], 2)
    assert "0.80 mm" in alarms[-1][1] and "0.30 mm" in alarms[-1][1]
    pen.press(Button.MARK, long=True)  # long press: next zone, from the pen itself
    assert wait_until(lambda: limits() == [300, 500, 300, 300], 2)
    assert zones.tracker.active == "periorbital_left"
    assert recorder.flush()
    changes = [
        (e["data"]["zone"], e["data"]["how"])
        for e in store.events(session)
        if e["kind"] == "zone_change"
    ]
    assert changes == [
        ("forehead", "start"),  # chosen before the session opened, written once it did
        ("periorbital_right", "test"),
        ("periorbital_left", "pen"),
    ]


def test_override_needs_the_exact_confirmation_and_is_recorded(treatment) -> None:
    store, link, recorder, zones, session = treatment
    pen = link.virtual_pen
    with pytest.raises(ValueError, match="not confirmed"):
        zones.ceilings.override("forehead", 700, "yes")
    words = confirmation_text("Forehead", 700)
    assert "Forehead" in words and "0.70 mm" in words
    zones.ceilings.override("forehead", 700, words)
    assert wait_until(
        lambda: [c.argument for c in pen.commands_of(MsgType.SET_DEPTH_LIMIT)][-1:] == [700], 2
    )
    recorder.end_session()
    overrides = [e for e in store.events(session) if e["kind"] == "ceiling_override"]
    assert overrides and overrides[0]["data"]["ceiling_um"] == 700


def test_clinic_ceiling_edits_are_used_and_audited(tmp_path: Path) -> None:
    from console.core.access import Access
    from console.core.accounts import Accounts, Role
    from console.core.audit import AuditLog
    from console.core.clinic_ceilings import effective_map, set_clinic_ceiling
    from console.core.zones import available_maps

    store = Store(tmp_path / "clinic.db")
    try:
        face = available_maps()["face"]
        admin = Accounts(store).add("it", Role.ADMIN, "admin pass phrase")
        lee = Accounts(store).add(
            "dr.lee", Role.SUPERVISOR, "battery staple", access=Access(store, admin)
        )
        access = Access(store, lee)
        assert set_clinic_ceiling(access, face, "cheek_left", 1250) == 1500
        with pytest.raises(ValueError, match="between 500 and 2500"):
            set_clinic_ceiling(access, face, "cheek_left", 3000)
        assert effective_map(store, face).zone("cheek_left").depth_max_um == 1250
        assert effective_map(store, face).zone("cheek_right").depth_max_um == 1500
        entry = AuditLog(store).entries(obj="map:face/cheek_left", action="zone.ceiling")[0]
        assert (entry.user, entry.old_value, entry.new_value) == (
            "dr.lee",
            '{"depth_max_um": 1500}',
            '{"depth_max_um": 1250}',
        )
        zones = build_zone_session(PLAN, None, store=store, map_id="face")
        assert zones.map.zone("cheek_left").depth_max_um == 1250
    finally:
        store.close()


def test_plan_edited_for_one_session_is_audited_and_the_template_kept(qtbot, tmp_path) -> None:
    from console.core.audit import AuditLog
    from console.core.zones import find_plan
    from widgets.zone_panel import PlanEditor

    store = Store(tmp_path / "plan.db")
    try:
        zones = build_zone_session(PLAN, None)
        zones.audit = lambda action, obj, old, new: AuditLog(store).append(
            "dr.lee", action, obj, old, new
        )
        editor = PlanEditor(zones.plan, zones.map)
        qtbot.addWidget(editor)
        _, include, passes = editor.rows[1]
        include.setChecked(False)  # drop periorbital right
        editor.rows[0][2].setValue(4)  # forehead: four passes
        zones.use_plan(editor.edited_plan(), edited=True)
        assert zones.plan.zones == ["forehead", "periorbital_left"]
        assert zones.tracker.target("forehead") == 4
        assert zones.tracker.active == "forehead"
        assert find_plan(PLAN).step("forehead").passes == 3  # the template is unchanged
        entry = AuditLog(store).entries()[-1]
        assert entry.action == "plan.edit" and "periorbital_right" in entry.old_value
        assert "periorbital_right" not in entry.new_value
        assert passes.value() == 2
    finally:
        store.close()

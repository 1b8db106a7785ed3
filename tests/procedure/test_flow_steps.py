"""The procedure flow at the cart (issue 12): the consent step ticked only by a completed
consent, the aftercare step by giving the sheet, and the single-use gate held against the
pen's own run button (H-13)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from consent_support import SIGNATURE_PNG, completed_form, sign_consent

from console.core.access import Access, Refused
from console.core.alarms import Condition, Priority
from console.core.cartridge_gate import lot_required
from console.core.consent import ConsentError
from console.core.lots import Product, ProductKind, SingleUseRefused, record_product
from console.core.patients import Fitzpatrick, PatientDetails, add_patient
from console.core.procedure import StepError
from console.core.record_steps import AftercareHow
from console.core.review import SessionReview, step_words
from console.core.skin_depth import SkinRuleError, load_skin_rule
from console.core.treatment import Treatment
from console.core.zones import find_plan
from console.store import EventKind, Store
from drivers.link import Link, LinkState
from drivers.messages import Button, Status
from drivers.virtual.endpoints import wait_until

FULL_FACE = "Full face — PRP"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "flow.db")
    yield store
    store.close()


@pytest.fixture
def treatment(store: Store) -> Iterator[Treatment]:
    t = Treatment(store, plan=find_plan(FULL_FACE))
    yield t
    t.close()


def _step_events(store: Store, session: str, step: str) -> list[dict[str, object]]:
    return [
        e["data"]
        for e in store.events(session)
        if e["kind"] is EventKind.STEP_DONE and e["data"]["step"] == step
    ]


def test_the_consent_step_is_ticked_only_by_a_completed_consent(
    treatment: Treatment, store: Store
) -> None:
    with pytest.raises(StepError, match="consent screen"):
        treatment.mark_step("consent")  # a touch alone
    with pytest.raises(StepError, match="start the session first"):
        treatment.consent_form()
    session = treatment.start_session("P-C1", "Dr Lee")
    unsigned = completed_form()
    unsigned.signature.clear()
    with pytest.raises(ConsentError, match="signature"):
        treatment.complete_consent(unsigned, SIGNATURE_PNG)
    assert not treatment.plan_run.procedure.state("consent").done
    assert store.media.consents(session) == []
    state = sign_consent(treatment, yes=("anticoagulants",))
    assert state.done and state.done_utc is not None
    (row,) = store.media.consents(session)
    assert row.signature_png == SIGNATURE_PNG
    treatment.end_session()
    assert treatment.recorder is not None and treatment.recorder.flush()
    (data,) = _step_events(store, session, "consent")
    assert data["consent"] == "signed" and data["flagged"] == ["anticoagulants"]
    assert isinstance(data["signature_sha256"], str) and len(data["signature_sha256"]) == 64
    words = [step_words(e) for e in SessionReview(store, session).steps()]
    assert "Consent confirmed done · consent signed" in words


def test_headless_done_keeps_its_way_and_is_recorded_as_declared(
    treatment: Treatment, store: Store
) -> None:
    session = treatment.start_session("P-C2", "Dr Lee")
    marked = treatment.plan_run.mark_listed(["consent", "aftercare"], None)
    assert [s.spec.id for s in marked] == ["consent", "aftercare"]
    treatment.end_session()
    assert treatment.recorder is not None and treatment.recorder.flush()
    assert _step_events(store, session, "consent")[0]["consent"] == "declared"
    assert _step_events(store, session, "aftercare")[0]["aftercare"] == "declared"


def test_the_aftercare_step_records_how_the_sheet_was_given(
    treatment: Treatment, store: Store
) -> None:
    with pytest.raises(StepError, match="aftercare step is ticked by giving the sheet"):
        treatment.mark_step("aftercare")
    session = treatment.start_session("P-A1", "Dr Lee")
    with pytest.raises(StepError, match="consent first"):  # review 5: never before consent
        treatment.give_aftercare(AftercareHow.SAVED, "/tmp/P-A1-aftercare.pdf")
    assert not treatment.plan_run.procedure.state("aftercare").done
    sign_consent(treatment)
    with pytest.raises(StepError, match="say why"):
        treatment.give_aftercare(AftercareHow.DECLINED, "  ")
    assert not treatment.plan_run.procedure.state("aftercare").done
    treatment.give_aftercare(AftercareHow.SAVED, "/tmp/P-A1-aftercare.pdf")
    treatment.undo_step("aftercare")
    treatment.give_aftercare(AftercareHow.DECLINED, "has the sheet from last time")
    treatment.end_session()
    assert treatment.recorder is not None and treatment.recorder.flush()
    given = [
        (d["aftercare"], d.get("to") or d.get("reason"))
        for d in _step_events(store, session, "aftercare")
    ]
    assert given == [
        ("saved", "/tmp/P-A1-aftercare.pdf"),
        ("declined", "has the sheet from last time"),
    ]
    audit = [r[0] for r in store.conn.execute("SELECT action FROM audit_log").fetchall()]
    assert "export" in audit and "aftercare.declined" in audit


def _connected(store: Store, require_lot: bool = False) -> Treatment:
    treatment = Treatment(store, plan=find_plan(FULL_FACE))
    treatment.cartridge.require_lot = require_lot
    link = Link("virtual://idle?telemetry_hz=500")
    treatment.attach(link)
    link.start()
    assert link.wait_for_state(LinkState.STREAMING, 5)
    return treatment


def _until(treatment: Treatment, condition, timeout: float = 5.0) -> bool:
    def ticked() -> bool:
        treatment.tick()
        return bool(condition())

    return wait_until(ticked, timeout)


def test_a_refused_cartridge_stops_a_start_from_the_pens_own_button(store: Store) -> None:
    other = store.create_session("P-OTHER", "Dr Lee")
    record_product(
        Access(store, None),
        other,
        "P-OTHER",
        Product(ProductKind.CARTRIDGE, "C-1", "S-1"),
        date.today(),
    )
    store.finish_session(other)
    treatment = _connected(store)
    try:
        pen = treatment.link.virtual_pen  # type: ignore[union-attr]
        session = treatment.start_session("P-B1", "Dr Lee")
        with pytest.raises(SingleUseRefused):
            treatment.record_lot(Product(ProductKind.CARTRIDGE, "C-1", "S-1"))
        pen.press(Button.RUN_STOP)  # the console cannot refuse the pen's own button
        assert _until(treatment, lambda: treatment.alarms.is_active(Condition.SINGLE_USE_STOP))
        assert wait_until(lambda: not pen.motor_on, 2)
        alarm = next(
            a for a in treatment.alarms.active() if a.condition is Condition.SINGLE_USE_STOP
        )
        assert alarm.priority is Priority.HIGH
        assert "run/stop button" in alarm.detail and "single use" in alarm.detail
        pen.set_cartridge((12, 32))  # a new cartridge: the pen reports it inserted
        assert _until(treatment, lambda: not treatment.cartridge.same_cartridge)
        treatment.record_lot(Product(ProductKind.CARTRIDGE, "C-2", "S-9"))  # its lot
        pen.press(Button.RUN_STOP)
        assert _until(treatment, lambda: pen.motor_on and treatment.live.latest.rx_monotonic > 0)
        treatment.tick()
        assert pen.motor_on  # the gate is open again: the console leaves it running
        treatment.end_session()
        assert treatment.recorder is not None and treatment.recorder.flush()
        alarms = [e["data"] for e in store.events(session) if e["kind"] is EventKind.ALARM]
        assert any(a["condition"] == "single_use_stop" for a in alarms)
    finally:
        treatment.close()


@pytest.mark.parametrize("require_lot", [False, True])
def test_an_unlotted_cartridge_warns_or_is_refused_by_the_clinic_rule(
    store: Store, require_lot: bool
) -> None:
    assert lot_required() is False  # the shipped default: warn, not block
    treatment = _connected(store, require_lot)
    try:
        pen = treatment.link.virtual_pen  # type: ignore[union-attr]
        treatment.start_session("P-L1", "Dr Lee")
        pen.set_cartridge((12, 32))
        assert _until(treatment, lambda: treatment.cartridge.lot_missing)
        alarm = next(
            a for a in treatment.alarms.active() if a.condition is Condition.CARTRIDGE_NO_LOT
        )
        assert alarm.priority is Priority.MEDIUM
        refused = treatment.start_motor()
        if require_lot:
            assert isinstance(refused.exception(timeout=1), Refused)
            assert "requires cartridge lots" in str(refused.exception())
            pen.press(Button.RUN_STOP)
            assert _until(treatment, lambda: treatment.alarms.is_active(Condition.SINGLE_USE_STOP))
            assert wait_until(lambda: not pen.motor_on, 2)
        else:  # warned only: the start goes through (or is refused for the steps, not the lot)
            assert not isinstance(refused.exception(timeout=2), Refused)
        treatment.record_lot(Product(ProductKind.CARTRIDGE, "C-7", "S-1"))
        assert not treatment.cartridge.lot_missing
        assert not treatment.alarms.is_active(Condition.CARTRIDGE_NO_LOT)
        assert treatment.cartridge.blocking() is None
    finally:
        treatment.close()


def test_skin_type_v_lowers_the_plan_depths_says_so_and_is_recorded(store: Store) -> None:
    add_patient(Access(store, None), "P-V", PatientDetails(skin_type=Fitzpatrick.V), date.today())
    add_patient(Access(store, None), "P-II", PatientDetails(skin_type=Fitzpatrick.II), date.today())
    rule = load_skin_rule()
    assert rule.applies(Fitzpatrick.V) and not rule.applies(Fitzpatrick.II)
    treatment = _connected(store)
    try:
        pen = treatment.link.virtual_pen  # type: ignore[union-attr]
        notices: list[str] = []
        treatment.on_notice.append(notices.append)
        session = treatment.start_session("P-V", "Dr Lee")
        plan = treatment.zones.plan
        assert plan is not None
        cheek = next(s for s in plan.steps if s.zone == "cheek_right")
        treatment.zones.tracker.select("cheek_right", how="touch")
        target = treatment.plan_run.target_for("cheek_right")
        assert target is not None
        assert target.requested_um == min(
            cheek.depth_um * rule.percent // 100, rule.max_um or 10**6
        )
        assert target.requested_um < cheek.depth_um
        assert target.held == "depth lowered for skin type V"
        assert wait_until(lambda: pen.depth_set_um == target.requested_um, 3)
        assert any("skin type V" in n for n in notices)
        treatment.end_session()
        assert treatment.plan_run.skin is None  # the next patient starts without it
        treatment.start_session("P-II", "Dr Lee")
        other = treatment.plan_run.target_for("cheek_right")
        assert other is not None and other.requested_um == cheek.depth_um and other.held == ""
        treatment.end_session()
        assert treatment.recorder is not None and treatment.recorder.flush()
        (event,) = [
            e["data"] for e in store.events(session) if e["kind"] is EventKind.SKIN_TYPE_DEPTH
        ]
        assert event["skin_type"] == "V" and event["percent"] == rule.percent
        words = [step_words(e) for e in SessionReview(store, session).steps()]
        assert words[0].startswith("depth lowered for skin type V: 80 % of the plan")
    finally:
        treatment.close()


def test_the_skin_rule_only_lowers(tmp_path: Path) -> None:
    rule = load_skin_rule()
    assert rule.cap_um("forehead", 300) <= 300
    bad = tmp_path / "rule.json"
    bad.write_text('{"types": ["V"], "percent": 120}', encoding="utf-8")
    with pytest.raises(SkinRuleError, match="never raises"):
        load_skin_rule(bad)
    bad.write_text('{"types": ["VII"], "percent": 80}', encoding="utf-8")
    with pytest.raises(SkinRuleError, match="not a usable skin type rule"):
        load_skin_rule(bad)


def test_a_cartridge_fitted_before_the_session_is_asked_for_too(store: Store) -> None:
    treatment = _connected(store)
    try:
        assert _until(treatment, lambda: treatment.live.latest.has(Status.CARTRIDGE_PRESENT))
        assert not treatment.cartridge.lot_missing  # outside a session nothing is asked
        treatment.start_session("P-F1", "Dr Lee")
        assert treatment.cartridge.lot_missing
        assert treatment.alarms.is_active(Condition.CARTRIDGE_NO_LOT)
        treatment.record_lot(Product(ProductKind.CARTRIDGE, "C-8", "S-2"))
        assert not treatment.alarms.is_active(Condition.CARTRIDGE_NO_LOT)
        treatment.end_session()
    finally:
        treatment.close()


def test_the_gate_resends_its_stop_and_stops_each_new_start_at_once() -> None:
    treatment = Treatment(None, plan=find_plan(FULL_FACE))
    try:
        assert not treatment.hold_gate(True, False, now=0.0)  # the gate open: left alone
        treatment.cartridge.refusal = "this cartridge was used on another patient (single use)"
        assert treatment.hold_gate(True, True, now=1.0)  # the run button, then running
        alarm = next(
            a for a in treatment.alarms.active() if a.condition is Condition.SINGLE_USE_STOP
        )
        assert "run/stop button" in alarm.detail
        assert not treatment.hold_gate(True, False, now=1.1)  # the STOP is on its way
        assert treatment.hold_gate(True, False, now=1.3)  # still running: sent again
        assert not treatment.hold_gate(False, False, now=2.5)  # stopped
        assert treatment.hold_gate(True, False, now=2.51)  # a new start: stopped at once
        stop = next(
            a for a in treatment.alarms.active() if a.condition is Condition.SINGLE_USE_STOP
        )
        assert "it was running" in stop.detail  # no run button press seen for this one
    finally:
        treatment.close()


def test_a_skin_type_changed_behind_the_trail_is_not_used_and_raises_the_alarm(
    store: Store,
) -> None:
    from console.core.trust import check

    add_patient(Access(store, None), "P-T", PatientDetails(skin_type=Fitzpatrick.V), date.today())
    add_patient(Access(store, None), "P-OK", PatientDetails(skin_type=Fitzpatrick.V), date.today())
    with store.transaction():  # the register edited with a plain SQL tool: V becomes II
        store.conn.execute("UPDATE patients SET fitzpatrick = 'II' WHERE code = 'P-T'")
    (problem,) = [p for p in check(store) if p.startswith("patients ")]
    assert problem.startswith("patients P-T: fitzpatrick differ from the audited")
    treatment = _connected(store)
    try:
        treatment.start_session("P-T", "Dr Lee")
        assert treatment.plan_run.skin is not None
        assert treatment.plan_run.skin[0] is Fitzpatrick.V  # the trail's, not the row's II
        alarm = treatment.alarms.highest()
        assert alarm is not None and alarm.condition is Condition.PATIENT_NOT_IN_TRAIL
        assert alarm.priority is Priority.HIGH and "audited skin type V" in alarm.detail
        treatment.alarms.acknowledge(Condition.PATIENT_NOT_IN_TRAIL)  # seen; still active
        treatment.end_session()
        treatment.start_session("P-OK", "Dr Lee")  # the next patient agrees with the trail
        assert not treatment.alarms.is_active(Condition.PATIENT_NOT_IN_TRAIL)
        treatment.end_session()
    finally:
        treatment.close()

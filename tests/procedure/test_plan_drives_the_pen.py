"""The plan at work against the virtual pen: depths at zone changes, the gate, the
pen-button start, steps and PRP passes in the record."""

from __future__ import annotations

import csv
import io
import itertools
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from consent_support import sign_consent

from console.core.alarms import Condition
from console.core.export import session_record, write_csv
from console.core.passes import pass_words
from console.core.plan_run import StartRefused
from console.core.review import SessionReview, step_words
from console.core.treatment import Treatment
from console.core.zones import find_plan
from console.store import EventKind, Store
from drivers.link import Link, LinkState
from drivers.messages import Button, MsgType, Status
from drivers.virtual.endpoints import wait_until

FULL_FACE = "Full face — PRP"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "plan.db")
    yield store
    store.close()


def _connected(store: Store, plan: str, scenario: str = "idle") -> Treatment:
    treatment = Treatment(store, plan=find_plan(plan))
    link = Link(f"virtual://{scenario}?telemetry_hz=500")
    treatment.attach(link)
    link.start()
    assert link.wait_for_state(LinkState.STREAMING, 5)
    return treatment


def _until(treatment: Treatment, condition, timeout: float = 5.0) -> bool:
    """Tick as the screen would, until `condition` holds."""

    def ticked() -> bool:
        treatment.tick()
        return bool(condition())

    return wait_until(ticked, timeout)


def _u16(payload: bytes) -> int:
    return int(struct.unpack_from("<H", payload)[0])


def test_each_zone_change_sends_the_ceiling_then_the_plan_depth(store: Store) -> None:
    treatment = _connected(store, FULL_FACE)
    try:
        pen = treatment.link.virtual_pen  # type: ignore[union-attr]
        plan = treatment.zones.plan
        assert plan is not None
        treatment.start_session("P-PLAN", "Dr Plan")  # the first zone becomes active
        for step in plan.steps[1:]:
            treatment.zones.tracker.select(step.zone, how="touch")
        n = len(plan.steps)
        assert wait_until(lambda: len(pen.commands_of(MsgType.SET_DEPTH)) >= n, 5)
        sent = [
            (c.type, _u16(c.payload))
            for c in list(pen.logs.commands)
            if c.type in (MsgType.SET_DEPTH_LIMIT, MsgType.SET_DEPTH)
        ]
        expected = []
        for step in plan.steps:
            ceiling = treatment.zones.ceilings.ceiling_um(step.zone)
            assert ceiling is not None
            expected += [
                (MsgType.SET_DEPTH_LIMIT, ceiling),
                (MsgType.SET_DEPTH, min(step.depth_um, ceiling)),
            ]
        # Before the first zone, on connecting: the map's strictest ceiling (H-04)
        strictest = (MsgType.SET_DEPTH_LIMIT, treatment.zones.ceilings.no_zone_ceiling_um())
        before = len(list(itertools.takewhile(lambda c: c == strictest, sent)))
        assert before >= 1 and sent[before:] == expected
        # The ACKed value is shown (kept for the zone panel) and recorded per zone.
        last = plan.steps[-1].zone
        assert _until(treatment, lambda: (d := treatment.plan_run.depth) and d.acked_um)
        assert treatment.plan_run.depth is not None and treatment.plan_run.depth.zone == last
        session = treatment.end_session()
        assert session is not None and treatment.recorder is not None
        assert treatment.recorder.flush()
        depths = [e for e in store.events(session) if e["kind"] is EventKind.PLAN_DEPTH]
        assert [e["data"]["zone"] for e in depths] == [s.zone for s in plan.steps]
        assert all(e["data"]["acked_um"] == e["data"]["requested_um"] for e in depths)
    finally:
        treatment.close()


def test_start_is_refused_until_the_steps_then_an_override_is_recorded(store: Store) -> None:
    treatment = _connected(store, FULL_FACE)
    try:
        pen = treatment.link.virtual_pen  # type: ignore[union-attr]
        treatment.mark_step("cleanse")  # before the session: held, then recorded
        session = treatment.start_session("P-GATE", "Dr Gate")
        sign_consent(treatment)  # the consent belongs to the session: ticked once saved
        refused = treatment.start_motor()
        with pytest.raises(StartRefused, match="anaesthetic removed"):
            refused.result(1)
        assert not pen.motor_on
        words = treatment.plan_run.override_confirmation()
        assert words is not None and "consent" not in words
        treatment.override_start(words)
        assert treatment.start_motor().result(2).ok
        assert wait_until(lambda: pen.motor_on, 3)
        treatment.end_session()
        assert treatment.recorder is not None and treatment.recorder.flush()
        kinds = [(e["kind"], e["data"].get("step")) for e in store.events(session)]
        assert (EventKind.STEP_DONE, "consent") in kinds
        assert (EventKind.STEP_DONE, "cleanse") in kinds
        assert (EventKind.START_OVERRIDE, None) in kinds
        audit = store.conn.execute(
            "SELECT action FROM audit_log WHERE action = 'procedure.start_override'"
        ).fetchall()
        assert audit
    finally:
        treatment.close()


def test_a_start_from_the_pens_button_raises_and_records_the_medium_alarm(
    store: Store,
) -> None:
    treatment = _connected(store, FULL_FACE)
    try:
        pen = treatment.link.virtual_pen  # type: ignore[union-attr]
        session = treatment.start_session("P-BTN", "Dr Button")
        pen.press(Button.RUN_STOP)
        assert _until(treatment, lambda: treatment.alarms.is_active(Condition.STARTED_BEFORE_STEPS))
        alarm = treatment.alarms.highest()
        assert alarm is not None and "started before: " in alarm.detail
        assert pen.motor_on  # the console does not stop the motor by itself
        treatment.end_session()
        assert treatment.recorder is not None and treatment.recorder.flush()
        alarms = [e["data"] for e in store.events(session) if e["kind"] is EventKind.ALARM]
        assert any(
            a["condition"] == "started_before_steps" and a["priority"] == "medium" for a in alarms
        )
    finally:
        treatment.close()


def test_prp_passes_are_apart_in_csv_json_review_and_report(
    store: Store, qapp: object, tmp_path: Path
) -> None:
    treatment = _connected(store, FULL_FACE, scenario="treatment")
    try:
        session = treatment.start_session("P-PRP", "Dr PRP")
        treatment.override_start(treatment.plan_run.override_confirmation() or "")
        treatment.mark_step("spread")  # PRP passes count once PRP is spread
        recorder = treatment.recorder
        assert recorder is not None
        for _ in range(3):  # two dry passes, then the PRP pass, on the forehead
            seen = recorder.stats().samples
            assert _until(treatment, lambda s=seen: recorder.stats().samples > s + 100)
            treatment.zones.mark_pass()
        seen = recorder.stats().samples
        assert _until(treatment, lambda: recorder.stats().samples > seen + 100)
        treatment.end_session()  # the open fourth stretch is closed as a pass
        assert recorder.flush()
        out = io.StringIO()
        write_csv(store, session, out)
        labels = {row["pass"] for row in csv.DictReader(io.StringIO(out.getvalue()))}
        assert {"1", "2", "prp1"} <= labels
        passes = session_record(store, session)["passes"]
        assert [p["pass"] for p in passes][:3] == ["1", "2", "prp1"]
        assert [p["prp"] for p in passes][:3] == [False, False, True]
        assert len(passes) == 4  # the pass still open at the end was closed ...
        # ... and flagged so: End session closed it, no mark did.
        assert [p["closed_at_end"] for p in passes] == [False, False, False, True]
        review = SessionReview(store, session)
        assert review.closed_at_end == {passes[3]["id"]}
        words = [pass_words(p["pass_no"], p["id"] in review.closed_at_end) for p in passes]
        assert words[3].endswith("· closed at end (not marked)") and "closed" not in words[2]
        (forehead,) = review.zone_summary()
        assert (forehead["passes"], forehead["prp_passes"]) == (2, 2)
        assert [e["kind"] for e in review.steps()] == [
            EventKind.START_OVERRIDE,
            EventKind.STEP_DONE,
        ]
        assert step_words(review.steps()[0]).startswith("started without consent")
        from console.gui.report import write_session_report

        assert qapp is not None
        pdf = write_session_report(review, tmp_path / "prp.pdf").read_bytes()
        assert pdf.startswith(b"%PDF")
    finally:
        treatment.close()


def test_end_session_resets_the_steps_so_the_next_patient_is_gated_again(
    store: Store,
) -> None:
    treatment = _connected(store, FULL_FACE)
    try:
        pen = treatment.link.virtual_pen  # type: ignore[union-attr]
        first = treatment.start_session("P-ONE", "Dr One")
        sign_consent(treatment)
        for step in ("cleanse", "anaesthetic", "anaesthetic_removed"):
            treatment.mark_step(step)
        assert treatment.start_motor().result(2).ok
        assert wait_until(lambda: pen.motor_on, 3)
        assert _until(treatment, lambda: treatment.live.latest.has(Status.MOTOR_RUNNING))
        assert treatment.toggle_motor().result(2).ok
        assert _until(treatment, lambda: not treatment.live.latest.has(Status.MOTOR_RUNNING))
        treatment.alarms.set(Condition.PEN_FAULT, True, "motor stall")
        assert treatment.alarms.pause_audio()
        treatment.end_session()

        assert treatment.alarms.audio_paused_s() == 0
        assert treatment.plan_run.procedure.running_timers() == []
        assert all(not s.done for s in treatment.plan_run.procedure.states)
        second = treatment.start_session("P-TWO", "Dr One")
        with pytest.raises(StartRefused, match="consent confirmed"):
            treatment.start_motor().result(1)
        assert not pen.motor_on
        sign_consent(treatment)
        for step in ("cleanse", "anaesthetic", "anaesthetic_removed"):
            treatment.mark_step(step)
        assert treatment.start_motor().result(2).ok
        assert wait_until(lambda: pen.motor_on, 3)
        treatment.end_session()
        assert treatment.recorder is not None and treatment.recorder.flush()
        for session in (first, second):
            done = [
                e["data"]["step"] for e in store.events(session) if e["kind"] is EventKind.STEP_DONE
            ]
            assert done[:2] == ["consent", "cleanse"], session
            assert len(done) == 4
    finally:
        treatment.close()
